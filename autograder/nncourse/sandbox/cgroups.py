"""The cgroup backends of ``limits``: one cgroup per execution, in v1 or v2.

- **cgroup v1** (``CgroupV1``; these machines): one cgroup per execution in each of the
  ``pids``, ``memory`` and ``cpu`` hierarchies, nested under our own
  (``<mount>/<our cgroup>/nncourse/<id>``): ``pids.max`` (processes plus threads;
  RLIMIT_NPROC does not bind root), ``memory.limit_in_bytes`` (all the notebook's
  processes together, tmpfs files included; swap too where accounted), and a CPU quota
  of one CPU (``cpu.cfs_quota_us`` = ``cpu.cfs_period_us``) with equal ``cpu.shares``, so
  one notebook's threads cannot take every core. Counters: ``memory.oom_control``
  (``oom_kill``) and ``pids.events`` (``max``).
- **cgroup v2** (``CgroupV2``; the default on Debian 12 and Ubuntu 22.04+, where the v1
  paths do not exist): one cgroup ``<parent>/nncourse/<id>`` with ``memory.max``,
  ``memory.swap.max`` 0 (where swap is accounted), ``pids.max``, ``cpu.max`` (one CPU)
  and ``cpu.weight``, the controllers enabled in ``cgroup.subtree_control`` of the
  parent and of ``nncourse`` on the way down. The parent is our own cgroup (the ``0::``
  line of /proc/self/cgroup) when it may have children with controllers: it is the root,
  or holds no process. Usually it holds us, and cgroup v2 enables controllers only below
  a cgroup without processes (the "no internal processes" rule). We do not move the
  grader's own processes around; as root we use ``<root>/nncourse/<id>`` instead, beside
  our own cgroup; otherwise there is no v2 cgroup (a delegated, empty parent would be
  needed). Killing writes ``cgroup.kill`` where the kernel has it (5.14+), then SIGKILLs
  whatever ``cgroup.procs`` still lists. Counters: ``memory.events`` (``oom_kill``) and
  ``pids.events`` (``max``).

``detect`` picks v1 when its ``pids`` or ``memory`` hierarchy is mounted (hybrid hosts
mount cgroup2 too, without controllers), else v2 when cgroup2 is mounted at the root.
The root, mountinfo and /proc/self/cgroup paths are parameters, so that the tests run
this code against fake trees of plain files in a temporary folder.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .processes import kill_until_gone

if TYPE_CHECKING:
    from .limits import Limits

CGROUP_ROOT = Path("/sys/fs/cgroup")
MOUNTINFO = Path("/proc/self/mountinfo")
PROC_CGROUP = Path("/proc/self/cgroup")
GROUP_FOLDER = "nncourse"  # every execution's cgroup is GROUP_FOLDER/<execution id>
CPU_PERIOD_US = 100_000  # one CPU: a quota of one period per period
REQUIRED = ("pids", "memory")  # a cgroup without both is not used (limits.confine)


class Cgroup:
    """What the two versions share: the ``limits.Confinement`` interface."""

    backend = "cgroup"
    uid = None  # the kernel keeps the grader's uid
    complete = True  # the cgroup finds every process, however detached

    def __init__(self, name: str):
        self.name = name  # the execution's id: '<grader pid>-<random>'
        self.notes: list[str] = []

    def pids(self) -> set[int]:
        raise NotImplementedError

    def kill(self, patience: float = 5.0) -> bool:
        """SIGKILL every member until none is left (a fork bomb is bounded by pids.max,
        so this converges); False if some survived ``patience`` seconds."""
        return kill_until_gone(self.pids, patience)


def detect(mountinfo: Path = MOUNTINFO, root: Path = CGROUP_ROOT) -> str | None:
    """'v1' when cgroup v1 hierarchies of pids or memory are mounted, 'v2' when cgroup2
    is mounted at ``root``, else None."""
    mounts_ = _mounts(mountinfo)
    if any(fs == "cgroup" and {"pids", "memory"} & set(opts) for _, fs, opts in mounts_):
        return "v1"
    if any(fs == "cgroup2" and point == root for point, fs, _ in mounts_):
        return "v2"
    return None


def _mounts(mountinfo: Path) -> list[tuple[Path, str, list[str]]]:
    """(mount point, filesystem type, super options) of each line of a mountinfo file."""
    found = []
    try:
        lines = Path(mountinfo).read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        pre, _, post = line.partition(" - ")
        fields, after = pre.split(), post.split()
        if len(fields) >= 5 and len(after) >= 3:
            found.append((Path(fields[4]), after[0], after[2].split(",")))
    return found


def existing_groups(
    root: Path = CGROUP_ROOT, mountinfo: Path = MOUNTINFO, proc_cgroup: Path = PROC_CGROUP
) -> list[Cgroup]:
    """Every execution cgroup of either version on this machine (for the leftover sweep)."""
    found: list[Cgroup] = []
    by_name: dict[str, dict[str, Path]] = {}
    for controller in CgroupV1.CONTROLLERS:
        base = CgroupV1.base(controller, mountinfo, proc_cgroup)
        for path in _children(base):
            by_name.setdefault(path.name, {})[controller] = path
    found += [CgroupV1(name, dirs) for name, dirs in by_name.items()]
    bases = {root / GROUP_FOLDER, _own_v2(root, proc_cgroup) / GROUP_FOLDER}
    found += [CgroupV2(path.name, path) for base in bases for path in _children(base)]
    return found


def _children(base: Path | None) -> list[Path]:
    try:
        return [p for p in base.iterdir() if p.is_dir()] if base else []
    except OSError:
        return []


class CgroupV1(Cgroup):
    """``<mount>/<our cgroup>/nncourse/<id>`` in the v1 pids, memory and cpu hierarchies."""

    backend = "cgroup v1"
    CONTROLLERS = ("pids", "memory", "cpu")

    def __init__(self, name: str, dirs: dict[str, Path]):
        super().__init__(name)
        self.dirs = dirs

    @classmethod
    def create(cls, name, limits, mountinfo=MOUNTINFO, proc_cgroup=PROC_CGROUP):
        """The group with its limits set (None if no controller could be used), and
        the controllers we could not use, each with the reason."""
        dirs: dict[str, Path] = {}
        missing = []
        for controller in cls.CONTROLLERS:
            base = cls.base(controller, mountinfo, proc_cgroup)
            if base is None:
                missing.append(f"{controller} (no cgroup v1 hierarchy)")
                continue
            path = base / name
            try:
                path.mkdir(parents=True)
                for filename, value in cls._settings(controller, limits):
                    _write(path / filename, value)
                if controller == "memory":
                    try:  # swap too, where swap accounting exists
                        _write(path / "memory.memsw.limit_in_bytes", limits.memory_mb * 2**20)
                    except OSError:
                        pass
            except OSError as e:
                _rmdir(path)
                missing.append(f"{controller} ({e.strerror or e})")
                continue
            dirs[controller] = path
        return (cls(name, dirs) if dirs else None), missing

    @staticmethod
    def _settings(controller: str, limits: Limits) -> list[tuple[str, int]]:
        if controller == "pids":
            return [("pids.max", limits.max_procs)]
        if controller == "memory":
            return [("memory.limit_in_bytes", limits.memory_mb * 2**20)]
        return [  # period first: the quota is checked against it
            ("cpu.cfs_period_us", CPU_PERIOD_US),
            ("cpu.cfs_quota_us", CPU_PERIOD_US),
            ("cpu.shares", 1024),
        ]

    @staticmethod
    def base(controller, mountinfo=MOUNTINFO, proc_cgroup=PROC_CGROUP) -> Path | None:
        """``<mount>/<our cgroup>/nncourse`` of ``controller``'s v1 hierarchy, if mounted."""
        mount = next(
            (p for p, fs, opts in _mounts(mountinfo) if fs == "cgroup" and controller in opts),
            None,
        )
        if mount is None:
            return None
        own = ""
        try:
            for line in Path(proc_cgroup).read_text().splitlines():
                _, controllers, path = line.split(":", 2)
                if controller in controllers.split(","):
                    own = path.lstrip("/")
        except (OSError, ValueError):
            pass
        nested = mount / own
        return (nested if own and nested.is_dir() else mount) / GROUP_FOLDER

    def launch_settings(self) -> list[str]:
        return [f"cgroup={path / 'cgroup.procs'}" for path in self.dirs.values()]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.dirs.values():
            found |= _procs(path)
        return found

    def oom_kills(self) -> int:
        return _counter(self.dirs.get("memory"), "memory.oom_control", "oom_kill")

    def fork_failures(self) -> int:
        return _counter(self.dirs.get("pids"), "pids.events", "max")

    def remove(self) -> None:
        for path in self.dirs.values():
            _rmdir_patiently(path)


class CgroupV2(Cgroup):
    """``<parent>/nncourse/<id>`` in the cgroup2 hierarchy at ``root``."""

    backend = "cgroup v2"
    CONTROLLERS = ("memory", "pids", "cpu")

    def __init__(self, name: str, path: Path):
        super().__init__(name)
        self.path = path

    @classmethod
    def create(cls, name, limits, root=CGROUP_ROOT, proc_cgroup=PROC_CGROUP, as_root=None):
        """The group with its limits set (None if it could not be made), and the
        controllers we could not use, each with the reason."""
        as_root = os.geteuid() == 0 if as_root is None else as_root
        parent, why = cls.parent(root, proc_cgroup, as_root)
        if parent is None:
            return None, [f"{c} ({why})" for c in cls.CONTROLLERS]
        offered = _words(parent / "cgroup.controllers")
        usable = [c for c in cls.CONTROLLERS if c in offered]
        missing = [f"{c} (not offered by {parent})" for c in cls.CONTROLLERS if c not in usable]
        base, path = parent / GROUP_FOLDER, parent / GROUP_FOLDER / name
        try:
            _enable(parent, usable)
            base.mkdir(exist_ok=True)
            _enable(base, usable)
            path.mkdir()
            for filename, value in cls._settings(usable, limits, base):
                _write(path / filename, value)
        except OSError as e:
            _rmdir(path)
            return None, missing + [f"{c} ({e.strerror or e} in {parent})" for c in usable]
        return cls(name, path), missing

    @staticmethod
    def parent(root: Path, proc_cgroup: Path, as_root: bool) -> tuple[Path | None, str]:
        """Where execution cgroups go (see the module docstring), or None and why."""
        own = _own_v2(root, proc_cgroup)
        if own == root or not _procs(own):
            return own, ""
        if as_root:
            return root, ""
        return None, (
            f"our cgroup {own} holds processes, so cgroup v2 cannot enable controllers "
            f"below it, and only root may use {root}"
        )

    @staticmethod
    def _settings(usable: list[str], limits: Limits, base: Path) -> list[tuple[str, object]]:
        settings: list[tuple[str, object]] = []
        if "memory" in usable:
            settings.append(("memory.max", limits.memory_mb * 2**20))
            if (base / "memory.swap.max").exists():  # swap is accounted
                settings.append(("memory.swap.max", 0))
        if "pids" in usable:
            settings.append(("pids.max", limits.max_procs))
        if "cpu" in usable:
            settings += [("cpu.max", f"{CPU_PERIOD_US} {CPU_PERIOD_US}"), ("cpu.weight", 100)]
        return settings

    def launch_settings(self) -> list[str]:
        return [f"cgroup={self.path / 'cgroup.procs'}"]

    def pids(self) -> set[int]:
        return _procs(self.path)

    def kill(self, patience: float = 5.0) -> bool:
        kill_file = self.path / "cgroup.kill"
        if kill_file.exists():  # Linux 5.14+: the kernel kills the whole tree at once
            try:
                _write(kill_file, 1)
            except OSError:
                pass
        return super().kill(patience)

    def oom_kills(self) -> int:
        return _counter(self.path, "memory.events", "oom_kill")

    def fork_failures(self) -> int:
        return _counter(self.path, "pids.events", "max")

    def remove(self) -> None:
        _rmdir_patiently(self.path)


# --------------------------------------------------------------------------------------
# Files of a cgroup


def _write(path: Path, value) -> None:
    with open(path, "w") as f:
        f.write(str(value))


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []


def _enable(cgroup: Path, controllers: list[str]) -> None:
    """Enable ``controllers`` for the children of ``cgroup`` (those not yet enabled)."""
    todo = [c for c in controllers if c not in _words(cgroup / "cgroup.subtree_control")]
    if todo:
        _write(cgroup / "cgroup.subtree_control", " ".join(f"+{c}" for c in todo))


def _procs(path: Path) -> set[int]:
    try:
        return {int(p) for p in (path / "cgroup.procs").read_text().split()}
    except (OSError, ValueError):
        return set()


def _own_v2(root: Path, proc_cgroup: Path) -> Path:
    """Our own cgroup in the v2 hierarchy at ``root`` (``root`` if unknown)."""
    try:
        for line in Path(proc_cgroup).read_text().splitlines():
            if line.startswith("0::"):
                own = root / line[3:].strip().lstrip("/")
                return own if own.is_dir() else root
    except OSError:
        pass
    return root


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
    """Remove a cgroup folder. A plain folder (a fake tree in the tests) holds the files
    we wrote, which a real cgroup's rmdir ignores: ENOTEMPTY means plain, so rmtree."""
    try:
        path.rmdir()
        return True
    except FileNotFoundError:
        return True
    except OSError as e:
        if e.errno == errno.ENOTEMPTY:
            shutil.rmtree(path, ignore_errors=True)
            return not path.exists()
        return False


def _rmdir_patiently(path: Path) -> None:
    for _ in range(100):  # a killed process leaves the cgroup a moment later
        if _rmdir(path):
            return
        time.sleep(0.01)
