"""Run one notebook in a fresh, locked-down kernel: the execute step of ``nncourse grade``.

    execute(nb, workdir, Limits(timeout=300, memory_mb=2048)) -> Execution

``execute`` runs every code cell of a copy of ``nb`` (outputs cleared first) with nbclient
in a new IPython kernel, and records errors in the outputs instead of stopping, as nbgrader's
autograde does. It never raises because of what the notebook does: a crash, a hang, a bomb
or a flood ends as an ``Execution`` whose ``status`` says which, with a ``detail`` a person
can read (cells are counted from 1 there, with their nbgrader grade_id). ``status`` is:

- ``ok``: every cell ran (a cell may still have failed: that is a failing test, not a
  failed execution);
- ``error``: the kernel died (``os._exit``, a segfault, a signal) or could not start, or
  the notebook sent more than ``Limits.output_mb`` of output and was killed;
- ``timeout``: the whole-notebook wall clock ran out and the kernel was killed, or a cell
  overran ``cell_timeout`` and was interrupted (the next cells still ran);
- ``memory``: the memory limit was hit: a ``MemoryError`` in a cell, or the OOM killer
  ended a process of the notebook.

Scoring rule for the caller: every code cell that did not run to completion carries an
error output, so a test cell passes only if it really ran without error (nbgrader's rule,
which awards the points of a test cell that has no error output). The error is the
cell's own exception; ``CellTimeoutError`` for a cell interrupted by ``cell_timeout``
(and for cells queued behind one that ignored the interrupt); or ``ExecutionStopped``
(``STOPPED_ENAME``) with ``execution_count`` None for the cell that was running when the
kernel died or was killed and for every cell after it. Outputs that came with the
submission never survive.

Isolation, in layers; each is used where the machine allows it, and ``Execution.warnings``
names any that is missing (a ``SandboxWarning`` is also emitted):

1. **bubblewrap** (``sandbox_available()``): new user, mount, pid, network, ipc and uts
   namespaces with every capability dropped (with them, the sandbox's root could remount
   the read-only binds read-write). The filesystem is built from nothing: ``/usr`` and
   the ``/bin``, ``/lib*`` links, a short list of harmless ``/etc`` entries, the
   interpreter, the venv and the installed ``nnkit`` package (and ``readonly`` paths),
   all read-only; a private ``/tmp`` (also ``$HOME``); and ``workdir``, where the
   notebook reads its files and may create new ones, in memory (see ``_bwrap_args``).
   Wherever the run folder, the gradebook, solutions/ or other students live, they are
   not mounted, and nothing the notebook writes reaches the host's disk. No network but
   the loopback of an empty network namespace; the kernel talks to us over IPC sockets
   in a private folder. The host's environment variables are not passed in.
2. **cgroup v1** ``pids`` and ``memory``: one cgroup per execution, nested under our own
   (``<mount>/<our cgroup>/nncourse/<id>``), caps processes plus threads (``pids.max``;
   ``RLIMIT_NPROC`` does not bind root) and the memory of the notebook and all its
   children, tmpfs files included (``memory.limit_in_bytes``). It also lets us kill every
   process of the notebook, however detached, and tell an OOM kill from a crash.
3. **rlimits**, set by the kernel's launcher before bubblewrap starts: ``RLIMIT_AS``
   (``memory_mb`` per process, so a kernel that grows too big gets a ``MemoryError`` and
   goes on with the next cell, where an OOM kill would end it),
   ``RLIMIT_FSIZE`` (``disk_mb``) and ``RLIMIT_CORE`` 0.
4. **a wall clock** for the whole notebook, kernel start-up included, enforced by killing
   every process (cgroup, pid namespace, process group), never by SIGINT; and a cap on
   the output sent back (``output_mb``, in all and per message: zmq refuses a bigger
   message before reading it), which would otherwise pile up in our memory.

Without bubblewrap (``sandbox=False``, or ``None`` on a machine without it) the kernel is
a plain process under layers 2 to 4, with a loud ``SandboxWarning``: it can read and
write whatever the grader can, ``workdir`` included. Without writable cgroups (for
example on a cgroup v2 machine: only v1 is supported) the number of processes and the
total memory are not limited, and leftovers are found by pid namespace, process group and
an environment marker, which a determined daemon outside bubblewrap can shed.

``execute`` blocks and shares no state: call it from several threads or processes at once
to grade in parallel (each call has its own kernel, cgroup and scratch folder). It writes
the executed notebook nowhere; the caller does. BLAS runs single-threaded (``KERNEL_ENV``).
A grader killed mid-execution leaves its cgroups and scratch folder behind; the first
``execute`` of the next grader process removes them, killing anything still in them.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import importlib.util
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import zmq
import zmq.asyncio
from nbformat import NotebookNode

STATUSES = ("ok", "error", "timeout", "memory")
KERNEL_NAME = "nncourse-sandbox"
STOPPED_ENAME = "ExecutionStopped"  # error output of cells the kernel did not finish
MARKER_ENV = "NNCOURSE_EXECUTION"  # set in the kernel's environment; see _marked_pids
SCRATCH_PREFIX = "nncourse-run-"  # + grader pid: an execution's temporary folder
GRACE = 15.0  # seconds after the deadline before we stop waiting for nbclient at all
STARTUP_TIMEOUT = 60  # seconds for a kernel to answer kernel_info (within the deadline)
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# The only /etc entries the sandbox sees: the dynamic linker, users and groups (getpwuid),
# time zone, MIME types, fonts, and the Debian alternatives that /usr/bin links point to.
# Not /etc/shadow, ssh keys, ssl/private or any instructor configuration.
ETC_ENTRIES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "passwd",
    "group",
    "nsswitch.conf",
    "host.conf",
    "hosts",
    "localtime",
    "timezone",
    "mime.types",
    "fonts",
    "alternatives",
    "os-release",
    "ssl/openssl.cnf",
    "ssl/certs",
    "matplotlibrc",
)
SANDBOX_HOME = "/tmp"  # $HOME inside the sandbox: the private tmpfs
# Kernel environment. Single-threaded BLAS: several kernels share the cores when grading in
# parallel, and every thread counts against the pids limit (OpenBLAS starts one per core).
# Two malloc arenas: glibc reserves 64 MB of address space per thread otherwise, and an
# idle kernel took 670 MB of RLIMIT_AS instead of 210 MB.
KERNEL_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}


class SandboxWarning(UserWarning):
    """A layer of isolation is missing (no bubblewrap, no cgroups)."""


class SandboxUnavailable(RuntimeError):
    """``execute(..., sandbox=True)`` on a machine where bubblewrap cannot run."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one notebook execution.

    timeout:   wall-clock seconds for the whole notebook, kernel start-up included.
    memory_mb: address space of each process (RLIMIT_AS: growing past it raises
               MemoryError, and the notebook goes on), and memory of all the notebook's
               processes together (cgroup: the OOM killer ends one). A kernel reserves
               ~200 MB of it idle, ~500 MB with numpy, matplotlib and sklearn imported.
    max_procs: processes plus threads at once (cgroup pids); an idle kernel uses ~12.
    disk_mb:   what the notebook may write: size of each writable tmpfs of the sandbox
               (/tmp; new files in workdir), and the largest file anywhere (RLIMIT_FSIZE).
    output_mb: outputs (text, images, widget messages) the notebook may send back, in all
               and in any one message; past it the kernel is killed, since they would
               pile up in the grader's memory.
    """

    timeout: float = 300.0
    memory_mb: int = 2048
    max_procs: int = 64
    disk_mb: int = 256
    output_mb: int = 64

    def __post_init__(self):
        if not self.timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {self.timeout}")
        if self.memory_mb < 512:
            raise ValueError(f"memory_mb must be at least 512 (a kernel), got {self.memory_mb}")
        if self.max_procs < 16:
            raise ValueError(f"max_procs must be at least 16 (a kernel), got {self.max_procs}")
        if self.disk_mb < 1 or self.output_mb < 1:
            raise ValueError("disk_mb and output_mb must be at least 1")


@dataclass
class Execution:
    """What happened to one notebook; see the module docstring for ``status``."""

    nb: NotebookNode  # the executed copy: outputs of the cells that ran
    status: str  # ok | error | timeout | memory
    detail: str  # one line for people ("" when ok and nothing to say)
    seconds: float  # wall clock of the whole call, clean-up included
    sandboxed: bool  # True when the kernel ran inside bubblewrap
    warnings: list[str] = field(default_factory=list)  # missing isolation layers


# --------------------------------------------------------------------------------------
# What this machine offers


@functools.cache
def sandbox_problem() -> str | None:
    """Why bubblewrap cannot sandbox a kernel here, or None when it can (probed once:
    the venv's interpreter must start inside the sandbox we would use)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    with tempfile.TemporaryDirectory(prefix="nncourse-probe-") as probe:
        cmd = [
            bwrap,
            *_bwrap_args(Path(probe), Path(probe), (), {"PATH": "/usr/bin:/bin"}, 16),
            "--",
            sys.executable,
            "-c",
            "import numpy",
        ]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"bubblewrap does not work here: {e}"
    if out.returncode != 0:
        return f"bubblewrap does not work here: {(out.stderr or out.stdout).strip()[-300:]}"
    return None


def sandbox_available() -> bool:
    """True when kernels can run inside bubblewrap on this machine (cached)."""
    return sandbox_problem() is None


@functools.cache
def cgroup_problem() -> str | None:
    """Why the notebook's process count and total memory cannot be limited here (no
    writable cgroup v1 ``pids``/``memory``), or None when they can (probed once)."""
    cgroup, missing = _Cgroup.create(f"probe-{os.getpid()}-{uuid.uuid4().hex[:6]}", Limits())
    if cgroup:
        cgroup.remove()
    return f"no cgroup for {', '.join(missing)}" if missing else None


# --------------------------------------------------------------------------------------
# The public entry point


def execute(
    nb: NotebookNode,
    workdir: Path,
    limits: Limits = Limits(),  # noqa: B008 (frozen, so sharing the default is safe)
    *,
    sandbox: bool | None = None,
    cell_timeout: float | None = None,
    readonly: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
) -> Execution:
    """Execute a copy of ``nb`` in a new kernel whose working folder is ``workdir``.

    sandbox:      True: bubblewrap or ``SandboxUnavailable``; False: plain kernel (warns);
                  None: bubblewrap when ``sandbox_available()``, else plain (warns).
    cell_timeout: seconds per cell; an overrunning cell is interrupted (KeyboardInterrupt
                  via a kernel message), recorded as an error and the next cell runs.
    readonly:     extra host paths the sandbox sees read-only (e.g. a data set folder).
    env:          extra environment variables for the kernel (over ``KERNEL_ENV``).
    """
    workdir = Path(workdir).resolve()
    if not workdir.is_dir():
        raise FileNotFoundError(f"workdir {workdir} is not a folder")
    notes: list[str] = []
    if sandbox is None:
        sandbox = sandbox_available()
    elif sandbox and not sandbox_available():
        raise SandboxUnavailable(sandbox_problem())
    if sandbox:
        clash = [
            p for p in _python_paths() if workdir.is_relative_to(p) or p.is_relative_to(workdir)
        ]
        if clash:
            raise ValueError(f"workdir {workdir} must not hold or lie in {clash[0]}")
    else:
        why = sandbox_problem() or "sandbox=False"
        notes.append(
            f"SANDBOX OFF ({why}): student code can read and write everything the grader can"
        )
    run = _Run(_fresh(nb), workdir, limits, sandbox, cell_timeout, readonly, env or {}, notes)
    result = _run_blocking(run.main())
    for note in result.warnings:
        warnings.warn(note, SandboxWarning, stacklevel=2)
    return result


def _fresh(nb: NotebookNode) -> NotebookNode:
    """A deep copy with every code cell's outputs and execution count cleared, so outputs
    that came with a submission can never pass for outputs of this run."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


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


# --------------------------------------------------------------------------------------
# One execution


class _Run:
    def __init__(self, nb, workdir, limits, sandboxed, cell_timeout, readonly, env, notes):
        self.nb = nb
        self.workdir = workdir
        self.limits = limits
        self.sandboxed = sandboxed
        self.cell_timeout = cell_timeout
        self.readonly = [Path(p).resolve() for p in readonly]
        self.extra_env = dict(env)
        self.notes = notes
        self.id = f"{os.getpid()}-{uuid.uuid4().hex[:10]}"
        self.cgroup: _Cgroup | None = None
        self.km = None
        self.cell: int | None = None  # index of the cell running now
        self.completed = False  # every cell ran
        self.timed_out = False
        self.flooded = False
        self.memory_errors: list[int] = []
        self.cell_timeouts: list[int] = []
        self._kill_lock = threading.Lock()

    async def main(self) -> Execution:
        start = time.monotonic()
        _sweep_leftovers()
        with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as scratch:
            scratch = Path(scratch)
            self.cgroup, missing = _Cgroup.create(self.id, self.limits)
            if missing:
                self.notes.append(self._cgroup_note(missing))
            timer = threading.Timer(self.limits.timeout, self._deadline)
            timer.daemon = True
            timer.start()
            failure = None
            exit_code = None
            try:
                await asyncio.wait_for(self._run(scratch), self.limits.timeout + GRACE)
            except Exception as e:  # the notebook's failures are reported, not raised
                failure = e
            finally:
                timer.cancel()
                timer.join()
                exit_code = await self._exit_code()
                oom_kills, fork_failures = await self._stop()
            log_tail = _tail(scratch / "kernel.log")
        status, detail = self._classify(failure, exit_code, oom_kills, log_tail)
        if not self.completed:  # stopped part-way: no cell from this one on ran
            self._mark_not_run(self.cell or 0, f"{status}: {detail}")
        if fork_failures:
            detail = "; ".join(
                filter(None, [detail, f"process limit ({self.limits.max_procs}) reached"])
            )
        return Execution(
            nb=self.nb,
            status=status,
            detail=detail,
            seconds=time.monotonic() - start,
            sandboxed=self.sandboxed,
            warnings=list(self.notes),
        )

    def _cgroup_note(self, missing: list[str]) -> str:
        dirs = self.cgroup.dirs if self.cgroup else {}
        lost = []
        if "pids" not in dirs:
            lost.append("the number of processes is not limited")
        if "memory" not in dirs:
            lost.append("memory is limited per process only (RLIMIT_AS)")
        if not dirs and not self.sandboxed:
            lost.append("leftover processes are found by process group and marker only")
        return f"no cgroup for {', '.join(missing)}: {'; '.join(lost)}"

    # -- running -----------------------------------------------------------------------

    async def _run(self, scratch: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        ipc = scratch / "ipc"  # bound into the sandbox: connection file and sockets
        ipc.mkdir()
        spec_manager = _spec_manager(self._kernel_spec(scratch, ipc))
        self.km = km = AsyncKernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=spec_manager,
            transport="ipc",
            ip=str(ipc / "kernel"),
            connection_file=str(ipc / "kernel.json"),
        )
        with open(scratch / "kernel.log", "wb") as log:
            env = self._env(scratch)
            await km.start_kernel(cwd=str(self.workdir), env=env, stdout=log, stderr=log)
        client = self._client(km)
        # zmq drops the connection on a message over output_mb (see _watch): otherwise one
        # message, as big as the kernel's memory, would be read into ours whole
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, self.limits.output_mb * 2**20)
        client.kc = kc = km.client(context=context)
        kc.start_channels()
        watch = asyncio.ensure_future(
            self._watch([kc.iopub_channel.socket, kc.shell_channel.socket])
        )
        try:
            startup = max(1, min(STARTUP_TIMEOUT, math.ceil(self.limits.timeout)))
            await kc.wait_for_ready(timeout=startup)
            kc.allow_stdin = False  # input() raises instead of waiting for ever
            reply = await client.async_wait_for_reply(kc.kernel_info())
            if reply and "language_info" in reply["content"]:
                self.nb.metadata["language_info"] = reply["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                self.cell = index
                await client.async_execute_cell(
                    cell, index, execution_count=client.code_cells_executed + 1
                )
            self.cell = None
            self.completed = True
            client.set_widgets_metadata()
        finally:
            watch.cancel()
            kc.stop_channels()
            context.destroy(linger=0)

    async def _watch(self, sockets) -> None:
        """Kill the kernel if it loses a connection while alive: zmq does that when a
        message is larger than MAXMSGSIZE, and the message is gone (it may have been an
        error output, so carrying on could pass a failed test)."""
        poller = zmq.asyncio.Poller()
        for socket in sockets:
            poller.register(socket.get_monitor_socket(zmq.EVENT_DISCONNECTED), zmq.POLLIN)
        await poller.poll()
        await asyncio.sleep(0.25)  # a kernel that is dying closes its sockets first
        process = self._process()
        if process is not None and process.poll() is None and not self.timed_out:
            self.flooded = True
            self.kill()

    def _client(self, km):
        from nbclient import NotebookClient

        run = self
        budget = self.limits.output_mb * 2**20

        class Client(NotebookClient):
            sent = 0

            def process_message(self, msg, cell, cell_index):
                if run.flooded:
                    return None
                self.sent += 256 + len(str(msg.get("content", "")))
                if self.sent > budget:
                    run.flooded = True
                    run.kill()
                    return None
                return super().process_message(msg, cell, cell_index)

        timeout = None if self.cell_timeout is None else max(1, math.ceil(self.cell_timeout))
        return Client(
            self.nb,
            km=km,
            allow_errors=True,
            timeout=timeout,
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": f"the cell ran longer than {timeout} s and was interrupted",
                "traceback": [f"CellTimeoutError: cell ran longer than {timeout} s"],
                "nncourse_cell_timeout": True,
            },
            on_cell_error=self._on_cell_error,
            record_timing=False,
        )

    def _on_cell_error(self, cell, cell_index, execute_reply):
        content = (execute_reply or {}).get("content", {})
        if content.get("nncourse_cell_timeout"):
            # the kernel may not have answered the interrupt: make sure the cell shows
            # an error, or it would pass for a test that passed
            self.cell_timeouts.append(cell_index)
            fields = {k: content[k] for k in ("ename", "evalue", "traceback")}
            cell.outputs.append(NotebookNode(output_type="error", **fields))
        elif content.get("ename") == "MemoryError":
            self.memory_errors.append(cell_index)

    def _kernel_spec(self, scratch: Path, ipc: Path):
        from jupyter_client.kernelspec import KernelSpec

        kernel = [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--HistoryManager.hist_file=:memory:",
        ]
        if self.sandboxed:
            env = self._sandbox_env()
            binds = _bwrap_args(self.workdir, ipc, self.readonly, env, self.limits.disk_mb)
            kernel = [shutil.which("bwrap"), *binds, "--", *kernel]
        argv = [sys.executable, "-I", "-S", "-c", _LAUNCHER, *self._launch_settings(), "--"]
        return KernelSpec(
            argv=argv + kernel,
            display_name="Python 3 (nncourse sandbox)",
            language="python",
            interrupt_mode="message",  # no signals across the pid namespace
            env={},
            metadata={},
        )

    def _launch_settings(self) -> list[str]:
        mb = 2**20
        settings = [
            f"RLIMIT_AS={self.limits.memory_mb * mb}",
            f"RLIMIT_FSIZE={self.limits.disk_mb * mb}",
            "RLIMIT_CORE=0",
        ]
        if self.cgroup:
            settings += [f"cgroup={path}" for path in self.cgroup.procs_files()]
        return settings

    def _sandbox_env(self) -> dict[str, str]:
        bindir = str(Path(sys.executable).parent)
        return {
            "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
            "HOME": SANDBOX_HOME,
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
            MARKER_ENV: self.id,
            **KERNEL_ENV,
            **self.extra_env,
        }

    def _env(self, scratch: Path) -> dict[str, str]:
        """The launcher's environment. In the sandbox bwrap replaces it (--clearenv), so
        the host's variables (tokens, JPY_PARENT_PID) never reach student code."""
        if self.sandboxed:  # bwrap's own pid 1 keeps this one: /proc/1/environ
            return {"PATH": "/usr/bin:/bin"}
        (scratch / "ipython").mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        return {
            **env,
            "IPYTHONDIR": str(scratch / "ipython"),  # not the instructor's profile
            MARKER_ENV: self.id,
            **KERNEL_ENV,
            **self.extra_env,
        }

    # -- stopping ----------------------------------------------------------------------

    def _deadline(self) -> None:
        """Timer thread: the whole-notebook wall clock ran out."""
        if not self.completed:
            self.timed_out = True
            self.kill()

    def kill(self) -> None:
        """SIGKILL every process of this execution (thread-safe, idempotent)."""
        with self._kill_lock:
            if self.cgroup:
                self.cgroup.kill()
            process = self._process()
            if process is not None and process.poll() is None:
                # the launcher, by now bwrap (whose death ends the pid namespace) or the
                # kernel itself; it leads its own session
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    pass
                process.kill()
            if not self.cgroup:
                for pid in _marked_pids(self.id):
                    _sigkill(pid)

    def _process(self):
        """The kernel's ``Popen`` (jupyter_client's local provisioner), if started."""
        return getattr(getattr(self.km, "provisioner", None), "process", None)

    async def _exit_code(self) -> int | None:
        """The kernel's exit status if it has ended (before we kill it), else None."""
        process = self._process()
        return None if process is None else process.poll()

    async def _stop(self) -> tuple[int, int]:
        """Kill everything, free the cgroup; (OOM kills, fork failures) seen by it.
        Faster than ``shutdown_kernel(now=True)``, which polls every 0.1 s."""
        self.kill()
        process = self._process()
        give_up = time.monotonic() + 5
        while process is not None and process.poll() is None and time.monotonic() < give_up:
            await asyncio.sleep(0.005)
        if self.km is not None:
            try:
                if process is not None and process.poll() is not None:
                    await self.km.provisioner.wait()  # reaped: closes its pipes
                await self.km.cleanup_resources()
            except Exception:
                pass
        oom_kills = fork_failures = 0
        if self.cgroup:
            oom_kills = self.cgroup.oom_kills()
            fork_failures = self.cgroup.fork_failures()
            self.cgroup.kill()
            self.cgroup.remove()
        else:
            await asyncio.sleep(0.05)
            for pid in _marked_pids(self.id):
                _sigkill(pid)
        return oom_kills, fork_failures

    # -- telling what happened ---------------------------------------------------------

    def _name(self, index: int) -> str:
        """'cell 4' (counted from 1, as people do), with its nbgrader grade_id if any."""
        grade_id = self.nb.cells[index].get("metadata", {}).get("nbgrader", {}).get("grade_id")
        return f"cell {index + 1}" + (f" ({grade_id})" if grade_id else "")

    def _where(self) -> str:
        if self.cell is None:
            return "during kernel start-up"
        return f"while running {self._name(self.cell)}"

    def _mark_not_run(self, first: int, why: str) -> None:
        """Give every code cell from ``first`` on an execution count of None and an
        ``ExecutionStopped`` error output: a test cell that did not run to completion
        must never look like a test that passed (nbgrader awards the points of a test
        cell without an error output)."""
        for index in range(first, len(self.nb.cells)):
            cell = self.nb.cells[index]
            if cell.cell_type != "code":
                continue
            cell.execution_count = None
            text = why if index == first else f"not run: {why}"
            cell.outputs.append(
                NotebookNode(
                    output_type="error", ename=STOPPED_ENAME, evalue=text, traceback=[text]
                )
            )

    def _classify(self, failure, exit_code, oom_kills, log_tail) -> tuple[str, str]:
        limits = self.limits
        if self.timed_out:
            return "timeout", (
                f"killed after {limits.timeout:g} s (whole-notebook timeout) {self._where()}"
            )
        if oom_kills:
            return "memory", (
                f"memory limit of {limits.memory_mb} MB exceeded: the OOM killer ended "
                f"{oom_kills} process(es) {self._where() if failure else 'of the notebook'}"
            )
        if self.flooded:
            return "error", (
                f"killed {self._where()}: the notebook sent more than "
                f"{limits.output_mb} MB of output"
            )
        if failure is not None:
            return "error", self._failure_detail(failure, exit_code, log_tail)
        if self.memory_errors:
            return "memory", (
                f"memory limit of {limits.memory_mb} MB exceeded: MemoryError in "
                f"{self._name(self.memory_errors[0])}"
            )
        if self.cell_timeouts:
            cells = ", ".join(map(self._name, self.cell_timeouts))
            limit = math.ceil(self.cell_timeout)
            return "timeout", f"per-cell timeout of {limit} s: interrupted {cells}"
        return "ok", ""

    def _failure_detail(self, failure, exit_code, log_tail) -> str:
        from nbclient.exceptions import DeadKernelError

        if exit_code is not None or isinstance(failure, DeadKernelError):
            how = _describe_exit(exit_code, self.sandboxed)
            if self.cell is None:
                return f"kernel failed to start ({how}): {log_tail}".rstrip(": ")
            return f"kernel died {self._where()} ({how})"
        if isinstance(failure, asyncio.TimeoutError | TimeoutError):
            return f"no answer from the kernel {self._where()}"
        return f"{type(failure).__name__} {self._where()}: {failure}"[:300]


def _describe_exit(code: int | None, sandboxed: bool) -> str:
    """'exit code 1', 'signal SIGSEGV'... from a Popen return code (bwrap reports a signal
    that ended the command as 128 + signal number)."""
    if code is None:
        return "no exit status"
    signum = -code if code < 0 else (code - 128 if sandboxed and 128 < code < 160 else 0)
    if signum:
        try:
            return f"signal {signal.Signals(signum).name}"
        except ValueError:
            return f"signal {signum}"
    return f"exit code {code}"


def _tail(path: Path, limit: int = 200) -> str:
    """The last line of the kernel's log (usually the exception that stopped it)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 4096))
            lines = [ln.strip() for ln in f.read().decode("utf-8", "replace").splitlines()]
    except OSError:
        return ""
    lines = [ln for ln in lines if ln]
    return lines[-1][:limit] if lines else ""


# --------------------------------------------------------------------------------------
# The kernel command

# Runs first, in a bare interpreter (-I -S: 20-50 ms): joins the cgroups and sets the
# rlimits, then execs bwrap (or the kernel). Everything the kernel starts inherits both.
_LAUNCHER = """\
import os, resource, sys
args = sys.argv[1:]
end = args.index("--")
for setting in args[:end]:
    name, value = setting.split("=", 1)
    if name == "cgroup":
        with open(value, "w") as f:
            f.write(str(os.getpid()))
    else:
        resource.setrlimit(getattr(resource, name), (int(value), int(value)))
os.execv(args[end + 1], args[end + 1 :])
"""


def _bwrap_args(
    workdir: Path, ipc: Path, readonly: Sequence[Path], env: Mapping[str, str], disk_mb: int
) -> list[str]:
    """bubblewrap options: namespaces, mounts and environment of the sandbox.

    ``workdir`` appears at its own path as a tmpfs of ``disk_mb`` holding read-only binds
    of its entries: the notebook reads its files and may create new ones, in memory (so
    counted against the memory limit too), and nothing it writes reaches the host's disk.
    A symbolic link among the entries is recreated as a link, to be resolved inside the
    sandbox: bubblewrap would follow it on the host.
    """
    size = str(disk_mb * 2**20)
    args = [
        "--unshare-all",  # user, mount, pid, net, ipc, uts, cgroup namespaces
        "--cap-drop",
        "ALL",  # or the sandbox's root could remount the read-only binds read-write
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
    ]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for name in ETC_ENTRIES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", size, "--tmpfs", "/tmp"]
    args += ["--size", size, "--tmpfs", str(workdir)]
    for entry in sorted(os.scandir(workdir), key=lambda e: e.name):
        if entry.is_symlink():
            args += ["--symlink", os.readlink(entry.path), entry.path]
        else:
            args += ["--ro-bind", entry.path, entry.path]
    bound: list[Path] = [Path(p) for p in SYSTEM_DIRS]
    for path in (*_python_paths(), *readonly):
        if path.exists() and not any(path.is_relative_to(b) for b in bound):
            args += ["--ro-bind", str(path), str(path)]
            bound.append(path)
    args += _matplotlib_cache_args()
    args += ["--bind", str(ipc), str(ipc)]
    args += ["--remount-ro", "/", "--chdir", str(workdir), "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


@functools.cache
def _python_paths() -> tuple[Path, ...]:
    """Read-only paths the kernel needs: the interpreter's installation, the venv, and
    the source folder of each editable-installed package it imports (nnkit)."""
    paths = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()]
    paths.append(Path(os.path.realpath(sys.executable)).parent.parent)
    spec = importlib.util.find_spec("nnkit")
    if spec and spec.submodule_search_locations:
        paths += [Path(p).resolve() for p in spec.submodule_search_locations]
    unique: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(u) for u in unique):
            unique.append(path)
    return tuple(unique)


@functools.cache
def _matplotlib_font_cache() -> Path | None:
    """The host's matplotlib font list, if one was built (found without importing
    matplotlib): handing it to the sandbox saves each kernel rebuilding it."""
    base = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib"
    )
    found = sorted(Path(base).glob("fontlist-v*.json"))
    return found[-1] if found else None


def _matplotlib_cache_args() -> list[str]:
    fontlist = _matplotlib_font_cache()
    if fontlist is None:
        return []
    inside = f"{SANDBOX_HOME}/.cache/matplotlib/{fontlist.name}"
    return ["--ro-bind", str(fontlist), inside]


def _spec_manager(spec):
    """A kernel spec manager that serves ``spec`` only, whatever kernels the host has."""
    from jupyter_client.kernelspec import KernelSpecManager

    class OneKernelSpec(KernelSpecManager):
        def find_kernel_specs(self):
            return {KERNEL_NAME: ""}

        def get_kernel_spec(self, kernel_name):
            return spec

    return OneKernelSpec()


# --------------------------------------------------------------------------------------
# cgroup v1


class _Cgroup:
    """One execution's cgroups: ``<mount>/<our own cgroup>/nncourse/<id>`` in the v1
    ``pids`` and ``memory`` hierarchies."""

    CONTROLLERS = ("pids", "memory")

    def __init__(self, dirs: dict[str, Path]):
        self.dirs = dirs

    @classmethod
    def create(cls, name: str, limits: Limits) -> tuple[_Cgroup | None, list[str]]:
        """The cgroups with their limits set (None if none could be made), and the
        controllers we could not use, each with the reason."""
        dirs: dict[str, Path] = {}
        missing = []
        for controller in cls.CONTROLLERS:
            base = _cgroup_v1_dir(controller)
            if base is None:
                missing.append(f"{controller} (no cgroup v1 hierarchy)")
                continue
            path = base / "nncourse" / name
            try:
                path.mkdir(parents=True)
                if controller == "pids":
                    (path / "pids.max").write_text(str(limits.max_procs))
                else:
                    limit = str(limits.memory_mb * 2**20)
                    (path / "memory.limit_in_bytes").write_text(limit)
                    try:  # swap too, where swap accounting exists
                        (path / "memory.memsw.limit_in_bytes").write_text(limit)
                    except OSError:
                        pass
            except OSError as e:
                _rmdir(path)
                missing.append(f"{controller} ({e.strerror or e})")
                continue
            dirs[controller] = path
        return (cls(dirs) if dirs else None), missing

    def procs_files(self) -> list[str]:
        return [str(path / "cgroup.procs") for path in self.dirs.values()]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.dirs.values():
            try:
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        found.discard(os.getpid())
        return found

    def kill(self, patience: float = 5.0) -> bool:
        """SIGKILL every member until none is left (a fork bomb is bounded by pids.max,
        so this converges); False if some survived ``patience`` seconds."""
        give_up = time.monotonic() + patience
        while True:
            pids = self.pids()
            if not pids:
                return True
            for pid in pids:
                _sigkill(pid)
            if time.monotonic() > give_up:
                return False
            time.sleep(0.005)

    def oom_kills(self) -> int:
        return _counter(self.dirs.get("memory"), "memory.oom_control", "oom_kill")

    def fork_failures(self) -> int:
        return _counter(self.dirs.get("pids"), "pids.events", "max")

    def remove(self) -> None:
        for path in self.dirs.values():
            for _ in range(100):  # a killed process leaves the cgroup a moment later
                if _rmdir(path):
                    break
                time.sleep(0.01)


def _counter(path: Path | None, filename: str, key: str) -> int:
    if path is None:
        return 0
    try:
        for line in (path / filename).read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == key:
                return int(parts[1])
    except (OSError, ValueError):
        pass
    return 0


def _rmdir(path: Path) -> bool:
    try:
        path.rmdir()
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


@functools.cache
def _cgroup_v1_dir(controller: str) -> Path | None:
    """Our own cgroup's folder in the v1 hierarchy of ``controller``, if mounted."""
    mount = None
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                pre, _, post = line.partition(" - ")
                fstype, _, options = (post.split() + ["", "", ""])[:3]
                if fstype == "cgroup" and controller in options.split(","):
                    mount = Path(pre.split()[4])
                    break
    except OSError:
        return None
    if mount is None:
        return None
    own = ""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                own = path.lstrip("/")
    except (OSError, ValueError):
        pass
    nested = mount / own
    return nested if own and nested.is_dir() else mount


@functools.cache
def _sweep_leftovers() -> None:
    """Once per process: clean up after graders that were killed mid-execution. Their
    cgroups and scratch folders are named after their pid, which must be gone. In a
    cgroup, only processes that carry that execution's marker are killed (a grader in
    another pid namespace may share the hierarchy); a scratch folder must also be an hour
    old (one in a shared /tmp could belong to such a grader)."""
    for controller in _Cgroup.CONTROLLERS:
        base = _cgroup_v1_dir(controller)
        parent = base / "nncourse" if base else None
        if parent is None or not parent.is_dir():
            continue
        for path in parent.iterdir():
            if path.is_dir() and _owner_gone(path.name.removeprefix("probe-")):
                for pid in _Cgroup({controller: path}).pids() & set(_marked_pids(path.name)):
                    _sigkill(pid)
                _rmdir(path)
    an_hour_ago = time.time() - 3600
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        try:
            old = path.is_dir() and path.stat().st_mtime < an_hour_ago
        except OSError:
            continue
        if old and _owner_gone(path.name.removeprefix(SCRATCH_PREFIX)):
            shutil.rmtree(path, ignore_errors=True)


def _owner_gone(name: str) -> bool:
    """True when ``name`` starts with '<pid>-' and no process has that pid."""
    pid, dash, _ = name.partition("-")
    return bool(dash) and pid.isdigit() and not os.path.exists(f"/proc/{pid}")


# --------------------------------------------------------------------------------------
# processes


def _sigkill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _marked_pids(run_id: str) -> list[int]:
    """Processes whose environment carries this execution's marker (the fallback when
    there is no cgroup: it finds setsid daemons, unless they dropped their environment)."""
    needle = f"{MARKER_ENV}={run_id}\0".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                if needle in f.read():
                    found.append(int(entry.name))
        except OSError:
            pass
    return found
