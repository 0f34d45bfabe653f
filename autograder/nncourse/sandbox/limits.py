"""Resource limits of one execution, and the backends that enforce them.

    confinement = confine(execution_id, Limits(memory_mb=2048, max_procs=64), sandboxed=True)
    confinement.launch_settings()  # what the kernel's launcher applies before it execs
    ...; confinement.kill(); confinement.oom_kills(); confinement.remove()

Every execution gets the rlimits of ``Limits.rlimits()``: RLIMIT_AS ``memory_mb`` per
process (a kernel that grows too big gets a ``MemoryError`` and goes on with the next
cell, where an OOM kill would end it), RLIMIT_FSIZE ``disk_mb`` and RLIMIT_CORE 0. The
rest is a ``Confinement`` from one of three backends behind one small interface:

- **cgroup v1** and **cgroup v2** (``cgroups``): memory of all processes together,
  processes plus threads, one CPU at most; counters of OOM kills and refused forks.
- **none** (``NoCgroup``; ``NNCOURSE_CGROUPS=off``, or no usable cgroup): rlimits only.
  As root, each running execution in bubblewrap gets its own unprivileged uid from a
  pool (``UID_BASE`` + slot, one ``flock`` per slot in a root-only folder, so parallel
  executions, in threads or processes, never share one) and RLIMIT_NPROC ``max_procs``:
  RLIMIT_NPROC counts the tasks of a real uid and does not bind root, so it bounds a
  fork bomb once the kernel runs as a uid of its own. Measured on Linux 6.18: it also
  binds inside bubblewrap's user namespace (the per-namespace "ucounts" are charged to
  the real uid as well: a bomb as uid 0 of a user namespace stopped at the limit). The
  uid is dropped inside the sandbox all the same (``mounts.DROP_PRIVILEGES``), with no
  user namespace, so that bwrap, still root, can bind paths the uid could not traverse
  (this machine's interpreter lives under /root, mode 0700). Killing is "every process
  of that uid"; a slot's leftovers are killed when it is next taken. Not root:
  RLIMIT_NPROC counts all our own processes, so it is set to their current number plus
  ``max_procs``. Without bubblewrap as root nothing limits the number of processes (the
  kernel keeps the grader's uid, to reach its interpreter and ``workdir``). The memory of
  all processes together and the CPU share are not limited.

``NNCOURSE_CGROUPS`` = ``auto`` (default: ``cgroups.detect``), ``v1``, ``v2`` or ``off``.
A cgroup is used only if it limits both processes and memory; otherwise ``none``.
``Confinement.notes`` (which become ``Execution.warnings``) and ``cgroup_problem()`` say
which backend limits what, and what is not limited.
"""

from __future__ import annotations

import fcntl
import grp
import os
import pwd
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import mounts
from .cgroups import (
    CGROUP_ROOT,
    MOUNTINFO,
    PROC_CGROUP,
    REQUIRED,
    CgroupV1,
    CgroupV2,
    detect,
)
from .processes import kill_until_gone, uid_pids, uid_tasks

MIN_MEMORY_MB = 512  # a kernel with numpy, matplotlib and sklearn imported reserves ~500 MB
MIN_PROCS = 16  # an idle kernel runs ~12 threads
CGROUPS_ENV = "NNCOURSE_CGROUPS"  # auto | v1 | v2 | off
UID_BASE = 61000  # the pool's uids: UID_BASE .. UID_BASE + UID_SLOTS - 1
UID_SLOTS = 64


@dataclass(frozen=True)
class Limits:
    """Resource limits of one notebook execution.

    timeout:   wall-clock seconds for the whole notebook, kernel start-up included.
    memory_mb: address space of each process (RLIMIT_AS: growing past it raises
               MemoryError, and the notebook goes on), and memory of all the notebook's
               processes together (cgroup: the OOM killer ends one). A kernel reserves
               ~200 MB of it idle, ~500 MB with numpy, matplotlib and sklearn imported.
    max_procs: processes plus threads at once (cgroup pids, or RLIMIT_NPROC of the
               kernel's own uid); an idle kernel uses ~12.
    disk_mb:   what the notebook may write: size of each writable tmpfs (/tmp, /dev/shm,
               new files in workdir, the scratch folder of sockets), and the
               largest file anywhere (RLIMIT_FSIZE).
    output_mb: outputs (text, images, widget messages and their binary buffers) the
               notebook may send back, in all and in any one message; past it the kernel
               is killed, since they would pile up in the grader's memory.
    """

    timeout: float = 300.0
    memory_mb: int = 2048
    max_procs: int = 64
    disk_mb: int = 256
    output_mb: int = 64

    def __post_init__(self):
        if not self.timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {self.timeout}")
        if self.memory_mb < MIN_MEMORY_MB:
            raise ValueError(
                f"memory_mb must be at least {MIN_MEMORY_MB} (a kernel), got {self.memory_mb}"
            )
        if self.max_procs < MIN_PROCS:
            raise ValueError(
                f"max_procs must be at least {MIN_PROCS} (a kernel), got {self.max_procs}"
            )
        if self.disk_mb < 1 or self.output_mb < 1:
            raise ValueError("disk_mb and output_mb must be at least 1")

    def rlimits(self) -> list[str]:
        """Launcher settings every backend applies (``NAME=value``, soft = hard)."""
        mb = 2**20
        return [
            f"RLIMIT_AS={self.memory_mb * mb}",
            f"RLIMIT_FSIZE={self.disk_mb * mb}",
            "RLIMIT_CORE=0",
        ]


class Confinement(Protocol):
    """One execution's resource limits as a backend enforces them: ``cgroups.CgroupV1``,
    ``cgroups.CgroupV2`` or ``NoCgroup``."""

    backend: str  # "cgroup v1" | "cgroup v2" | "none"
    name: str  # the execution's id: '<grader pid>-<random>'
    uid: int | None  # run the kernel as this uid (mounts.bwrap_command run_as)
    complete: bool  # kill() reaches every process of the execution, however detached
    notes: list[str]  # what is not limited, for Execution.warnings

    def launch_settings(self) -> list[str]:
        """Settings for the kernel's launcher (``kernel.LAUNCHER``) besides the rlimits:
        ``cgroup=<cgroup.procs file>`` to join, ``RLIMIT_NPROC=<n>``."""

    def pids(self) -> set[int]:
        """The execution's processes that this backend can find."""

    def kill(self, patience: float = 5.0) -> bool:
        """SIGKILL every process found until none is left; False after ``patience`` s."""

    def oom_kills(self) -> int:
        """Processes the OOM killer ended (0 where there is no counter)."""

    def fork_failures(self) -> int:
        """Forks refused by the process limit (0 where there is no counter)."""

    def remove(self) -> None:
        """Free what the execution held (call after kill)."""


def confine(
    name: str,
    limits: Limits,
    *,
    sandboxed: bool,
    root: Path = CGROUP_ROOT,
    mountinfo: Path = MOUNTINFO,
    proc_cgroup: Path = PROC_CGROUP,
) -> Confinement:
    """The confinement of execution ``name``: a cgroup if one limits processes and
    memory here (see the module docstring), else ``NoCgroup``."""
    group, why = _cgroup(name, limits, root, mountinfo, proc_cgroup)
    if group is not None:
        return group
    return NoCgroup.create(name, limits, sandboxed=sandboxed, why=why)


def cgroup_problem(
    root: Path = CGROUP_ROOT, mountinfo: Path = MOUNTINFO, proc_cgroup: Path = PROC_CGROUP
) -> str | None:
    """Why no cgroup limits the notebook's process count and total memory here (so the
    ``none`` backend is used, as this says), or None when one does (probed each call)."""
    probe = f"probe-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    group, why = _cgroup(probe, Limits(), root, mountinfo, proc_cgroup)
    if group is None:
        return f"{why}: {NoCgroup.SUMMARY}"
    group.remove()
    return None


def _cgroup(name, limits, root, mountinfo, proc_cgroup) -> tuple[Confinement | None, str]:
    """A cgroup backend's group that limits processes and memory, or None and why not."""
    mode = os.environ.get(CGROUPS_ENV, "auto").strip().lower() or "auto"
    if mode == "off":
        return None, f"{CGROUPS_ENV}=off"
    if mode not in ("auto", "v1", "v2"):
        return None, f"{CGROUPS_ENV}={mode} is not one of auto, v1, v2, off"
    version = detect(mountinfo, root) if mode == "auto" else mode
    if version is None:
        return None, f"no cgroup v1 hierarchy and no cgroup2 mounted at {root}"
    if version == "v1":
        group, missing = CgroupV1.create(name, limits, mountinfo, proc_cgroup)
    else:
        group, missing = CgroupV2.create(name, limits, root, proc_cgroup)
    lacking = [m for m in missing if m.split()[0] in REQUIRED] if group else missing
    if lacking:
        if group is not None:
            group.remove()
        return None, f"no usable cgroup {version} ({', '.join(lacking)})"
    for m in missing:  # only cpu is optional
        group.notes.append(f"{group.backend} without {m}: the CPU share is not limited")
    return group, ""


class NoCgroup:
    """rlimits only, and as root in bubblewrap a uid of its own (see the module docstring)."""

    backend = "none"

    SUMMARY = (
        "limits by rlimits, and as root an unprivileged uid per execution with "
        "RLIMIT_NPROC; the memory of all processes together and the CPU share are not limited"
    )

    def __init__(self, name: str, uid: int | None, nproc: int | None, slot=None):
        self.name = name
        self.notes: list[str] = []
        self.uid = uid
        self.complete = uid is not None
        self._nproc = nproc
        self._slot = slot  # the open lock file that holds the uid

    @classmethod
    def create(cls, name: str, limits: Limits, *, sandboxed: bool, why: str) -> NoCgroup:
        lost = "the memory of all its processes together and its CPU share are not limited"
        if os.geteuid() != 0:
            current = uid_tasks(os.getuid())
            group = cls(name, None, current + limits.max_procs)
            group.notes.append(
                f"no cgroup ({why}): RLIMIT_NPROC counts all the grader's own processes, "
                f"so it is set to their current number plus {limits.max_procs}; {lost}"
            )
            return group
        taken = _take_uid() if sandboxed else None
        problem = mounts.run_as_problem(taken[0]) if taken else None
        if taken and not problem:
            group = cls(name, taken[0], limits.max_procs, taken[1])
            group.notes.append(
                f"no cgroup ({why}): the notebook runs as an unprivileged uid of its own "
                f"with RLIMIT_NPROC {limits.max_procs} and RLIMIT_AS {limits.memory_mb} MB "
                f"per process; {lost}"
            )
            return group
        if taken:
            taken[1].close()
        reason = problem or ("no free uid in the pool" if sandboxed else "no sandbox")
        group = cls(name, None, None)
        group.notes.append(
            f"no cgroup ({why}) and no uid of its own ({reason}): the number of processes "
            f"is not limited (RLIMIT_NPROC does not bind root); memory is limited per "
            f"process only (RLIMIT_AS); {lost}"
        )
        return group

    def launch_settings(self) -> list[str]:
        return [] if self._nproc is None else [f"RLIMIT_NPROC={self._nproc}"]

    def pids(self) -> set[int]:
        return uid_pids(self.uid) if self.uid is not None else set()

    def kill(self, patience: float = 5.0) -> bool:
        return kill_until_gone(self.pids, patience)

    def oom_kills(self) -> int:
        return 0

    def fork_failures(self) -> int:
        return 0

    def remove(self) -> None:
        if self._slot is not None:
            self.kill()
            self._slot.close()  # releases the flock: the uid is free again
            self._slot = None


def _take_uid():
    """(uid, open lock file) of a free slot of the pool, or None. A uid that has a user
    or group entry is never used; leftovers of a grader that was killed while it held
    the slot are killed first (the pool's uids belong to nncourse)."""
    folder = _uid_lock_folder()
    if folder is None:
        return None
    for slot in range(UID_SLOTS):
        uid = UID_BASE + slot
        if _named(uid):
            continue
        try:
            lock = open(folder / f"uid-{uid}.lock", "a")
        except OSError:
            return None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        kill_until_gone(lambda uid=uid: uid_pids(uid))
        return uid, lock
    return None


def _uid_lock_folder() -> Path | None:
    """A folder only root may write, shared by every grader on this machine."""
    base = Path("/run/lock") if Path("/run/lock").is_dir() else Path(tempfile.gettempdir())
    folder = base / "nncourse-uids"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    safe = info.st_uid == 0 and not info.st_mode & 0o022 and not folder.is_symlink()
    return folder if safe else None


def _named(uid: int) -> bool:
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return True
        except KeyError:
            pass
    return False
