"""The sandbox's filesystem and namespaces: the bubblewrap command line, and the host-side
scratch folder that an execution's sockets and log live in.

bubblewrap (``bwrap_command``) gives the kernel new mount, pid, network, ipc and uts
namespaces, and builds its filesystem from nothing:

- ``/usr`` and the ``/bin``, ``/lib*`` links; a short allow-list of harmless ``/etc``
  entries (``ETC_ENTRIES``: no ``shadow``, ssh keys or instructor configuration); the
  interpreter, the venv and the source folder of each editable-installed package the
  kernel imports (``python_paths``: ``lib/nnkit``), and the caller's ``readonly`` paths,
  all read-only;
- a private ``/tmp`` (also ``$HOME``), ``/dev/shm`` and ``workdir``, each a tmpfs of
  ``disk_mb``; ``workdir`` holds read-only binds of its entries at the host's path, so
  the notebook reads its files and may create new ones, in memory (a symbolic link among
  the entries is recreated as a link, to be resolved inside: bwrap would follow it on the
  host). ``/dev`` itself and ``/`` are read-only. Nothing the notebook writes reaches the
  host's disk; wherever the run folder, the gradebook, solutions/ or other students live,
  they are not mounted;
- **overlays** last, so they win: ``{path_inside: host_folder}`` shows ``host_folder``
  read-only at ``path_inside``, and a python path or ``readonly`` path inside an overlay
  is not bound at all, so the content it replaces is reachable by no mounted path (this
  is how the student edition of ``nnkit`` replaces ``lib/nnkit``). ``path_inside`` must
  exist on the host or lie outside every other bound path (bwrap cannot create a mount
  point inside a read-only bind; the kernel then fails to start, with bwrap's message);
- the IPC folder of the execution, read-write (the kernel talks to us over IPC sockets:
  no network but the loopback of an empty network namespace);
- no environment from the host (``--clearenv``), only the variables given.

Two ways in, depending on who enforces the process limit (``limits.py``):

- as today, in a new **user namespace** with every capability dropped (with them, the
  sandbox's root could remount the read-only binds read-write);
- with ``run_as=UID`` (root without a usable cgroup): no user namespace, so that
  bubblewrap, still real root, can bind paths that only root may traverse (``/root``
  holds this machine's interpreter); the command inside is ``DROP_PRIVILEGES``, which
  sets no_new_privs and becomes ``UID`` before it execs the kernel. The kernel is then an
  ordinary unprivileged user of the host, which RLIMIT_NPROC binds. Every mount of bwrap
  is nosuid; the tmpfs folders are world-writable (mode 1777) so that the uid can write.

Without bubblewrap, overlays cannot apply: the caller must then put its replacement
first on the kernel's path itself (``env={"PYTHONPATH": folder}``).

**Scratch** (``Scratch``): the connection file and the IPC sockets (and, without
bubblewrap, the kernel's IPython folder) live in a folder ``SCRATCH_PREFIX<grader
pid>-*`` of the host's temporary folder, bound read-write into the sandbox. As root it
is a tmpfs of ``disk_mb`` (mode 0700), unmounted at the end, so a notebook that writes
into its sockets folder cannot fill the host's disk; elsewhere it is a plain folder,
where RLIMIT_FSIZE caps each file but not their number, and ``Scratch.notes`` says so.
The kernel's stdout and stderr are not written to disk at all (``LogTail``).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

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
MPL_CACHE = f"{SANDBOX_HOME}/.cache/matplotlib"  # MPLCONFIGDIR inside the sandbox
SCRATCH_PREFIX = "nncourse-run-"  # + grader pid: an execution's scratch folder
WRITABLE = "1777"  # mode of the sandbox's tmpfs folders (any uid writes, sticky)

# Runs inside bubblewrap (run_as), still as root: no_new_privs, then the unprivileged uid
# (its own group, no supplementary groups), then the kernel.
DROP_PRIVILEGES = """\
import ctypes, os, sys
uid = int(sys.argv[1])
if ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
    sys.exit("prctl(PR_SET_NO_NEW_PRIVS) failed")
os.setgroups([])
os.setgid(uid)
os.setuid(uid)
os.execv(sys.argv[3], sys.argv[3:])
"""


def bwrap_command(
    kernel: Sequence[str],
    *,
    workdir: Path,
    ipc: Path,
    env: Mapping[str, str],
    disk_mb: int,
    readonly: Sequence[Path] = (),
    overlays: Mapping[Path, Path] | None = None,
    run_as: int | None = None,
) -> list[str]:
    """The command that runs ``kernel`` in the sandbox (see the module docstring)."""
    bwrap = shutil.which("bwrap") or "bwrap"
    inner = list(kernel)
    if run_as is not None:
        inner = [sys.executable, "-I", "-S", "-c", DROP_PRIVILEGES, str(run_as), "--", *inner]
    return [
        bwrap,
        *_namespace_args(run_as is not None),
        *_filesystem_args(workdir, ipc, readonly, overlays or {}, disk_mb),
        "--chdir",
        str(workdir),
        "--clearenv",
        *[arg for key, value in env.items() for arg in ("--setenv", key, value)],
        "--",
        *inner,
    ]


def _namespace_args(privileged: bool) -> list[str]:
    if privileged:  # bwrap as real root; DROP_PRIVILEGES needs these two, then has none
        namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        namespaces += ["--unshare-cgroup-try", "--cap-drop", "ALL"]
        namespaces += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:  # user, mount, pid, net, ipc, uts, cgroup; no capability, or the sandbox's
        # root could remount the read-only binds read-write
        namespaces = ["--unshare-all", "--cap-drop", "ALL"]
    return [*namespaces, "--die-with-parent", "--new-session", "--hostname", "sandbox"]


def _filesystem_args(workdir, ipc, readonly, overlays, disk_mb) -> list[str]:
    size = str(disk_mb * 2**20)
    tree = _Tree()
    for path in map(Path, SYSTEM_DIRS):
        if path.is_symlink():
            tree.add("--symlink", os.readlink(path), path)
        elif path.is_dir():
            tree.add("--ro-bind", path, path, bound=True)
    for name in ETC_ENTRIES:
        tree.add("--ro-bind-try", f"/etc/{name}", Path("/etc", name), bound=True)
    tree.add("--proc", Path("/proc"))
    tree.add("--dev", Path("/dev"))
    tree.add("--perms", WRITABLE, "--size", size, "--tmpfs", Path("/dev/shm"))
    tree.args += ["--remount-ro", "/dev"]
    tree.add("--perms", WRITABLE, "--size", size, "--tmpfs", Path("/tmp"))
    tree.add("--perms", WRITABLE, "--size", size, "--tmpfs", workdir)
    for entry in sorted(os.scandir(workdir), key=lambda e: e.name):
        if entry.is_symlink():
            tree.add("--symlink", os.readlink(entry.path), Path(entry.path))
        else:
            tree.add("--ro-bind", entry.path, Path(entry.path), bound=True)
    for path in (*python_paths(), *readonly):
        hidden = any(path.is_relative_to(inside) for inside in overlays)
        if path.exists() and not hidden and not tree.inside_bound(path):
            tree.add("--ro-bind", path, path, bound=True)
    tree.add("--perms", WRITABLE, "--dir", Path(MPL_CACHE))
    fontlist = _matplotlib_font_cache()
    if fontlist is not None:
        tree.add("--ro-bind", fontlist, Path(MPL_CACHE, fontlist.name), bound=True)
    for inside, host in overlays.items():
        tree.add("--ro-bind", host, inside, bound=True)
    tree.add("--bind", ipc, ipc)
    return [*tree.args, "--remount-ro", "/"]


class _Tree:
    """The sandbox's mounts in order, each preceded by the folders on the way to it:
    bubblewrap would make those mode 0700 when run as real root (``run_as``: no way
    through for the kernel's uid), so they are made 0755 first. Inside a bound host path
    they exist already."""

    def __init__(self):
        self.args: list[str] = []
        self.made: set[Path] = {Path("/")}
        self.bound: list[Path] = []

    def inside_bound(self, path: Path) -> bool:
        return any(path.is_relative_to(b) for b in self.bound)

    def add(self, *option, bound: bool = False) -> None:
        """Append ``option`` (its last item is the destination in the sandbox)."""
        dest = Path(option[-1])
        for parent in reversed(dest.parents):
            if parent not in self.made and not self.inside_bound(parent):
                self.args += ["--perms", "0755", "--dir", str(parent)]
                self.made.add(parent)
        self.args += [str(o) for o in option]
        self.made.add(dest)
        if bound:
            self.bound.append(dest)


def check_overlays(overlays: Mapping[Path, Path], workdir: Path) -> dict[Path, Path]:
    """``{path_inside: host_folder}`` with absolute, normalised paths; ValueError for an
    overlay that is not a folder, is relative, or overlaps ``workdir`` or ``/``."""
    checked: dict[Path, Path] = {}
    for inside, host in overlays.items():
        inside, host = Path(os.path.normpath(inside)), Path(host).resolve()
        if not inside.is_absolute() or inside == Path("/"):
            raise ValueError(f"overlay path {inside} must be absolute and not /")
        if not host.is_dir():
            raise ValueError(f"overlay source {host} is not a folder")
        if workdir.is_relative_to(inside) or inside.is_relative_to(workdir):
            raise ValueError(f"overlay {inside} must not hold or lie in workdir {workdir}")
        checked[inside] = host
    return checked


def unreadable(paths: Sequence[Path]) -> list[Path]:
    """Those of ``paths`` that a uid other than their owner cannot read (a folder: list
    and enter): what a kernel running as an unprivileged uid could not open."""
    found = []
    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            continue
        need = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
        if mode & need != need:
            found.append(path)
    return found


@functools.cache
def python_paths() -> tuple[Path, ...]:
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


def _matplotlib_font_cache() -> Path | None:
    """The host's matplotlib font list, if one was built (found without importing
    matplotlib): handing it to the sandbox saves each kernel rebuilding it."""
    base = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib"
    )
    found = sorted(Path(base).glob("fontlist-v*.json"))
    return found[-1] if found and not unreadable([found[-1]]) else None


# --------------------------------------------------------------------------------------
# What this machine offers


@functools.cache
def sandbox_problem() -> str | None:
    """Why bubblewrap cannot sandbox a kernel here, or None when it can (probed once:
    the venv's interpreter must start inside the sandbox we would use)."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    return _probe(None)


def sandbox_available() -> bool:
    """True when kernels can run inside bubblewrap on this machine (cached)."""
    return sandbox_problem() is None


@functools.cache
def run_as_problem(uid: int) -> str | None:
    """Why a sandboxed kernel cannot run as ``uid`` (``run_as``), or None when it can:
    the interpreter and numpy must be readable by that uid (probed once per uid)."""
    if not sandbox_available():
        return sandbox_problem()
    return _probe(uid)


def _probe(run_as: int | None) -> str | None:
    with tempfile.TemporaryDirectory(prefix="nncourse-probe-") as probe:
        workdir, ipc = Path(probe, "work"), Path(probe, "ipc")
        workdir.mkdir()
        ipc.mkdir()
        if run_as is not None:
            os.chown(ipc, run_as, run_as)
        cmd = bwrap_command(
            [sys.executable, "-c", "import numpy"],
            workdir=workdir,
            ipc=ipc,
            env={"PATH": "/usr/bin:/bin"},
            disk_mb=16,
            run_as=run_as,
        )
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"bubblewrap does not work here: {e}"
    if out.returncode != 0:
        return f"bubblewrap does not work here: {(out.stderr or out.stdout).strip()[-300:]}"
    return None


# --------------------------------------------------------------------------------------
# Scratch folder

_MNT_DETACH = 2
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 2, 4, 8


class Scratch:
    """An execution's scratch folder on the host (see the module docstring)::

    with Scratch(disk_mb) as scratch:  # scratch.path, scratch.notes
    """

    def __init__(self, size_mb: int):
        self.size_mb = size_mb
        self.notes: list[str] = []

    def __enter__(self) -> Scratch:
        prefix = f"{SCRATCH_PREFIX}{os.getpid()}-"
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        problem = _mount_tmpfs(self.path, self.size_mb)
        if problem:
            self.notes.append(
                f"scratch folder on the host's disk ({problem}): RLIMIT_FSIZE caps each "
                "file the notebook writes into its sockets folder or log, not their number"
            )
        return self

    def __exit__(self, *exc) -> None:
        remove_scratch(self.path)


class LogTail:
    """The kernel's stdout and stderr (its own messages, a crash's traceback), drained
    from a pipe by a thread that keeps only the last ``keep`` bytes. Not a file: a log
    that refuses writes (a full disk or tmpfs, RLIMIT_FSIZE) ends the thread in which
    ipykernel copies fd 1 and 2 to it, and from then on the notebook hangs on a full
    pipe at its next ``print``."""

    def __init__(self, keep: int = 4096):
        self.keep = keep
        self._read, self._write = os.pipe()
        self._tail = b""
        self._thread = threading.Thread(target=self._drain, name="nncourse-log", daemon=True)
        self._thread.start()

    def outputs(self) -> dict[str, int]:
        """``stdout``/``stderr`` for ``start_kernel``."""
        return {"stdout": self._write, "stderr": self._write}

    def close_writer(self) -> None:
        if self._write is not None:
            os.close(self._write)
            self._write = None

    def _drain(self) -> None:
        with open(self._read, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                self._tail = (self._tail + chunk)[-self.keep :]

    def last_line(self, patience: float = 2.0, limit: int = 200) -> str:
        """The last line written (usually the exception that stopped the kernel), once
        every writer is gone (or after ``patience`` seconds)."""
        self.close_writer()
        self._thread.join(patience)
        lines = [ln.strip() for ln in self._tail.decode("utf-8", "replace").splitlines()]
        lines = [ln for ln in lines if ln]
        return lines[-1][:limit] if lines else ""


def scratch_folders(folder: Path | None = None) -> list[Path]:
    """Every scratch folder in ``folder`` (the host's temporary folder), for the sweep."""
    return sorted(Path(folder or tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"))


def remove_scratch(path: Path) -> None:
    """Unmount ``path`` if it is a tmpfs we mounted, then delete it."""
    _libc().umount2(os.fsencode(path), _MNT_DETACH)  # EINVAL when not a mount point
    shutil.rmtree(path, ignore_errors=True)


def _mount_tmpfs(path: Path, size_mb: int) -> str | None:
    """Mount a tmpfs of ``size_mb`` on ``path`` (root only); the problem, or None."""
    libc = _libc()
    options = f"size={size_mb * 2**20},mode=0700".encode()
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    if libc.mount(b"nncourse-scratch", os.fsencode(path), b"tmpfs", flags, options) == 0:
        return None
    code = ctypes.get_errno()
    return f"cannot mount a tmpfs: {errno.errorcode.get(code, code)} {os.strerror(code)}"


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)
