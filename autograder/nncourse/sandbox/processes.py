"""Processes of an execution: finding them, killing them, and cleaning up after a grader
that was itself killed.

How an execution's processes are found, best first (``kernel.Run.kill`` uses them all):

1. its cgroup (``limits.CgroupV1``/``CgroupV2``) or its own uid (``limits.NoCgroup`` as
   root): every process, however detached, until none is left (``kill_until_gone``);
2. the pid namespace of bubblewrap, which ends with bwrap, and the process group of the
   launcher (``os.killpg``);
3. the environment marker ``MARKER_ENV=<execution id>`` (``marked_pids``): it finds
   setsid daemons without a cgroup, unless they dropped their environment.

A grader killed mid-execution leaves its cgroups and its scratch folder (a tmpfs mount
when we are root) behind. They are named after the grader's pid, so the first
``execute`` of the next grader process calls ``sweep`` on them: groups whose owner is
gone lose the processes that carry their execution's marker (a grader in another pid
namespace may share the hierarchy: a pid we cannot see is not proof) and are removed;
scratch folders whose owner is gone and that are an hour old are unmounted and removed.
A uid of the pool is swept when it is next taken (``limits.NoCgroup``).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from . import mounts

MARKER_ENV = "NNCOURSE_EXECUTION"  # set in the kernel's environment; see marked_pids
STALE_SECONDS = 3600  # a scratch folder of a vanished owner is removed after this


def sigkill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def kill_until_gone(find: Callable[[], set[int]], patience: float = 5.0) -> bool:
    """SIGKILL every pid ``find`` returns until it returns none (a fork bomb is bounded
    by the process limit, so this converges); False if some survived ``patience`` s."""
    give_up = time.monotonic() + patience
    while True:
        pids = find() - {os.getpid()}
        if not pids:
            return True
        for pid in pids:
            sigkill(pid)
        if time.monotonic() > give_up:
            return False
        time.sleep(0.005)


def marked_pids(run_id: str) -> set[int]:
    """Processes whose environment carries this execution's marker."""
    needle = f"{MARKER_ENV}={run_id}\0".encode()
    found = set()
    for pid in _all_pids():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read():
                    found.add(pid)
        except OSError:
            pass
    return found


def uid_pids(uid: int) -> set[int]:
    """Processes whose real uid is ``uid``."""
    return {pid for pid, _ in _by_uid(uid)}


def uid_tasks(uid: int) -> int:
    """Tasks (processes plus threads) whose real uid is ``uid``: what RLIMIT_NPROC counts."""
    return sum(threads for _, threads in _by_uid(uid))


def _by_uid(uid: int) -> list[tuple[int, int]]:
    """(pid, threads) of the processes whose real uid is ``uid``. Read from ``status``:
    the owner of /proc/PID is not the uid of a process that is not dumpable."""
    found = []
    for pid in _all_pids():
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                found.append((pid, int(fields.get("Threads", "1"))))
        except (OSError, KeyError, ValueError):
            pass
    return found


def _all_pids() -> list[int]:
    return [int(e.name) for e in os.scandir("/proc") if e.name.isdigit()]


def owner_gone(name: str) -> bool:
    """True when ``name`` starts with '<pid>-' and no process has that pid."""
    pid, dash, _ = name.removeprefix("probe-").partition("-")
    return bool(dash) and pid.isdigit() and not os.path.exists(f"/proc/{pid}")


def sweep(groups: Iterable, scratch: Iterable[Path]) -> None:
    """Remove what killed graders left: ``groups`` are cgroups (``limits.Confinement``
    with a ``name``), ``scratch`` are scratch folders; see the module docstring."""
    for group in groups:
        if owner_gone(group.name):
            for pid in group.pids() & marked_pids(group.name):
                sigkill(pid)
            group.remove()
    stale = time.time() - STALE_SECONDS
    for path in scratch:
        try:
            old = path.stat().st_mtime < stale
        except OSError:
            continue
        if old and owner_gone(path.name.removeprefix(mounts.SCRATCH_PREFIX)):
            mounts.remove_scratch(path)
