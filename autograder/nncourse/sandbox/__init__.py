"""Run one notebook in a fresh, locked-down kernel: the execute step of ``nncourse grade``.

    execute(nb, workdir, Limits(timeout=300, memory_mb=2048)) -> Execution

``execute`` runs every code cell of a copy of ``nb`` (outputs cleared first) with nbclient
in a new IPython kernel, and records errors in the outputs instead of stopping, as nbgrader's
autograde does. It never raises because of what the notebook does: a crash, a hang, a bomb
or a flood ends as an ``Execution`` whose ``status`` (ok, error, timeout, memory) says
which, with a ``detail`` a person can read (cells are counted from 1 there, with their
nbgrader grade_id). The statuses and the scoring rule are in ``outcome``.

Isolation, in layers; each is used where the machine allows it, and ``Execution.warnings``
names any that is missing (a ``SandboxWarning`` is also emitted):

1. **bubblewrap** (``mounts``): new namespaces, a filesystem built from nothing with
   the system, the interpreter, the venv and ``nnkit`` read-only (or the caller's
   ``overlays`` in their place), a private size-limited ``/tmp``, and ``workdir`` in
   memory; no network, no host environment.
2. **limits** (``limits``): ``Limits`` (memory, processes, disk, output, wall clock)
   enforced by cgroup v1, cgroup v2 or, without a usable cgroup, rlimits and an
   unprivileged uid per execution; ``Execution.backend`` says which.
3. **a wall clock** for the whole notebook, kernel start-up included, enforced by
   killing every process (``processes``), never by SIGINT; and a cap on the output sent
   back (``output_mb``, comm buffers included: ``kernel``).

Without bubblewrap (``sandbox=False``, or ``None`` on a machine without it) the kernel is
a plain process under layers 2 and 3, with a loud ``SandboxWarning``: it can read and
write whatever the grader can, ``workdir`` included, and ``overlays`` cannot apply (pass
``env={"PYTHONPATH": folder}`` to put a replacement package first on its path).

``execute`` blocks and shares no state: call it from several threads or processes at once
to grade in parallel (each call has its own kernel, confinement and scratch folder). It
writes the executed notebook nowhere; the caller does. A grader killed mid-execution
leaves its cgroups and scratch folder behind; the first ``execute`` of the next grader
process removes them, killing anything still in them.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

from nbformat import NotebookNode

from . import mounts
from .kernel import Run
from .limits import MIN_MEMORY_MB, Limits, cgroup_problem
from .mounts import sandbox_available, sandbox_problem
from .outcome import STATUSES, STOPPED_ENAME, Execution, fresh

__all__ = [
    "MIN_MEMORY_MB",
    "STATUSES",
    "STOPPED_ENAME",
    "Execution",
    "Limits",
    "SandboxUnavailable",
    "SandboxWarning",
    "cgroup_problem",
    "execute",
    "sandbox_available",
    "sandbox_problem",
]


class SandboxWarning(UserWarning):
    """A layer of isolation is missing (no bubblewrap, no cgroup, no tmpfs)."""


class SandboxUnavailable(RuntimeError):
    """``execute(..., sandbox=True)`` on a machine where bubblewrap cannot run."""


def execute(
    nb: NotebookNode,
    workdir: Path,
    limits: Limits = Limits(),  # noqa: B008 (frozen, so sharing the default is safe)
    *,
    sandbox: bool | None = None,
    cell_timeout: float | None = None,
    readonly: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
    overlays: Mapping[Path, Path] = {},  # noqa: B006 (read, never changed)
) -> Execution:
    """Execute a copy of ``nb`` in a new kernel whose working folder is ``workdir``.

    sandbox:      True: bubblewrap or ``SandboxUnavailable``; False: plain kernel (warns);
                  None: bubblewrap when ``sandbox_available()``, else plain (warns).
    cell_timeout: seconds per cell; an overrunning cell is interrupted (KeyboardInterrupt
                  via a kernel message), recorded as an error and the next cell runs.
    readonly:     extra host paths the sandbox sees read-only (e.g. a data set folder).
    env:          extra environment variables for the kernel (over ``KERNEL_ENV``), in
                  both modes.
    overlays:     ``{path_inside: host_folder}``: inside the sandbox, ``path_inside``
                  shows ``host_folder`` read-only instead of the host's content, which no
                  other mounted path then reaches (see ``mounts``). Not applied without
                  bubblewrap (a warning says so): use ``env={"PYTHONPATH": ...}`` there.
    """
    workdir = Path(workdir).resolve()
    if not workdir.is_dir():
        raise FileNotFoundError(f"workdir {workdir} is not a folder")
    notes: list[str] = []
    if sandbox is None:
        sandbox = mounts.sandbox_available()
    elif sandbox and not mounts.sandbox_available():
        raise SandboxUnavailable(mounts.sandbox_problem())
    checked = mounts.check_overlays(overlays, workdir)
    if sandbox:
        paths = [*mounts.python_paths(), *checked]
        clash = [p for p in paths if workdir.is_relative_to(p) or p.is_relative_to(workdir)]
        if clash:
            raise ValueError(f"workdir {workdir} must not hold or lie in {clash[0]}")
    else:
        why = mounts.sandbox_problem() or "sandbox=False"
        notes.append(
            f"SANDBOX OFF ({why}): student code can read and write everything the grader can"
        )
        if checked:
            notes.append(
                f"overlays not applied without bubblewrap ({', '.join(map(str, checked))}): "
                "the kernel sees the host's files there; pass env={'PYTHONPATH': ...}"
            )
            checked = {}
    run = Run(
        fresh(nb),
        workdir,
        limits,
        sandboxed=sandbox,
        cell_timeout=cell_timeout,
        readonly=readonly,
        overlays=checked,
        env=env or {},
        notes=notes,
    )
    result = _run_blocking(run.main())
    for note in result.warnings:
        warnings.warn(note, SandboxWarning, stacklevel=2)
    return result


def _run_blocking(coro):
    """``asyncio.run(coro)``, also from a thread that already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box = {}

    def target():
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e

    thread = threading.Thread(target=target, name="nncourse-execute")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
