"""Driving one execution's kernel with nbclient: start, run every cell, stop, clean up.

``Run(...).main()`` is one execution, in this order:

1. sweep what killed graders left behind (once per process: ``processes.sweep``);
2. a confinement (``limits.confine``: cgroup v1, v2 or none), a scratch folder
   (``mounts.Scratch``: the IPC folder and connection file, on a tmpfs) and a pipe for
   the kernel's own stdout and stderr, of which only the tail is kept (``mounts.LogTail``);
3. the kernel, through a kernel spec of our own (``kernel_spec``, whatever kernels the
   host has): ``LAUNCHER``, a bare interpreter (-I -S: 20-50 ms) that joins the cgroup,
   sets the rlimits and execs bubblewrap (``mounts.bwrap_command``) or the kernel, so
   everything the kernel starts inherits both;
4. every cell, with nbclient's ``NotebookClient`` (errors recorded as outputs, as
   nbgrader's autograde does), under a wall clock for the whole notebook (a timer that
   kills every process, never SIGINT) and an optional ``cell_timeout`` (an interrupt
   message: the next cell still runs). After a cell's reply, its outputs are awaited
   until the deadline, not nbclient's 4 s: a kernel starved of CPU sends its outputs
   seconds after its reply, and nbclient would drop them without an error (the sealed
   results included). Past the deadline, that is an error, never a silent loss;
5. kill everything, read the counters, free the confinement and the scratch folder, and
   describe what happened (``outcome.classify``).

Output cap: whatever the kernel sends back (stream text, images, comm messages and
their binary buffers, which travel outside ``content``) is counted against
``output_mb``; past it the kernel is killed. zmq itself refuses any one message larger
than ``output_mb`` before reading it (``MAXMSGSIZE``) and drops the connection, which
``Run._watch`` notices. Widget state is not stored in the executed notebook
(``store_widget_state=False``): nbclient would otherwise keep every widget's state and
every comm buffer, base64-encoded, in the grader's memory until the end.
"""

from __future__ import annotations

import asyncio
import functools
import math
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

import zmq
import zmq.asyncio
from nbformat import NotebookNode

from . import cgroups, mounts, outcome, processes
from . import limits as limits_
from .processes import MARKER_ENV

KERNEL_NAME = "nncourse-sandbox"
GRACE = 15.0  # seconds after the deadline before we stop waiting for nbclient at all
STARTUP_TIMEOUT = 60  # seconds for a kernel to answer kernel_info (within the deadline)
# what jupyter_client.session.Session.deserialize raises for a message it cannot trust
SIGNATURE_ERRORS = ("Invalid Signature", "Duplicate Signature")
MESSAGE_OVERHEAD = 256  # bytes counted per message besides its content and buffers
# Kernel environment. Single-threaded BLAS: several kernels share the cores when grading in
# parallel, and every thread counts against the process limit (OpenBLAS starts one per
# core). Two malloc arenas: glibc reserves 64 MB of address space per thread otherwise,
# and an idle kernel took 670 MB of RLIMIT_AS instead of 210 MB.
KERNEL_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}

# Runs first, as the grader's user: joins the cgroups, sets the rlimits, hands the
# connection file to the kernel's uid, then execs bwrap (or the kernel).
LAUNCHER = """\
import os, resource, sys
args = sys.argv[1:]
end = args.index("--")
for setting in args[:end]:
    name, value = setting.split("=", 1)
    if name == "cgroup":
        with open(value, "w") as f:
            f.write(str(os.getpid()))
    elif name == "chown":
        uid, path = value.split(":", 1)
        os.chown(path, int(uid), int(uid))
    else:
        resource.setrlimit(getattr(resource, name), (int(value), int(value)))
os.execv(args[end + 1], args[end + 1 :])
"""


@functools.cache
def sweep_once() -> None:
    """Clean up after killed graders, once per process (see ``processes``)."""
    processes.sweep(cgroups.existing_groups(), mounts.scratch_folders())


def message_bytes(msg: dict) -> int:
    """What one kernel message costs against the output cap: its content as text, its
    binary buffers (comm and widget data) and a fixed overhead."""
    buffers = sum(memoryview(b).nbytes for b in msg.get("buffers") or ())
    return MESSAGE_OVERHEAD + len(str(msg.get("content", ""))) + buffers


class Run:
    """One execution (see the module docstring); ``await Run(...).main()``."""

    def __init__(
        self, nb, workdir, limits, *, sandboxed, cell_timeout, readonly, overlays, env, notes
    ):
        self.nb = nb
        self.workdir = workdir
        self.limits = limits
        self.sandboxed = sandboxed
        self.cell_timeout = cell_timeout
        self.readonly = [Path(p).resolve() for p in readonly]
        self.overlays = overlays
        self.extra_env = dict(env)
        self.notes = notes
        self.id = f"{os.getpid()}-{uuid.uuid4().hex[:10]}"
        self.confinement: limits_.Confinement  # set by main(), before anything runs
        self.km = None
        self.cell: int | None = None  # index of the cell running now
        self.completed = False  # every cell ran
        self.timed_out = False
        self.flooded = False
        self.garbled = False  # a message failed its signature check (see _run)
        self.memory_errors: list[int] = []
        self.refused_forks = 0  # cells that failed on a fork the process limit refused
        self.cell_timeouts: list[int] = []
        self._kill_lock = threading.Lock()

    async def main(self) -> outcome.Execution:
        start = time.monotonic()
        sweep_once()
        self.confinement = limits_.confine(self.id, self.limits, sandboxed=self.sandboxed)
        self.notes += self.confinement.notes
        if self.confinement.uid is not None:
            self._note_unreadable()
        failure = exit_code = None
        self.log = mounts.LogTail()
        with mounts.Scratch(self.limits.disk_mb) as scratch:
            self.notes += scratch.notes
            timer = threading.Timer(self.limits.timeout, self._deadline)
            timer.daemon = True
            timer.start()
            try:
                await asyncio.wait_for(self._run(scratch.path), self.limits.timeout + GRACE)
            except Exception as e:  # the notebook's failures are reported, not raised
                failure = e
            finally:
                timer.cancel()
                timer.join()
                exit_code = self._exit_code()
                oom_kills, fork_failures = await self._stop()
                fork_failures = max(fork_failures, self.refused_forks)
        log_tail = self.log.last_line()
        status, detail = outcome.classify(
            self._observed(failure, exit_code, oom_kills, fork_failures, log_tail),
            timeout=self.limits.timeout,
            memory_mb=self.limits.memory_mb,
            output_mb=self.limits.output_mb,
            max_procs=self.limits.max_procs,
            cell_timeout=self.cell_timeout,
        )
        if not self.completed:  # stopped part-way: no cell from this one on ran
            outcome.mark_not_run(self.nb, self.cell or 0, f"{status}: {detail}")
        return outcome.Execution(
            nb=self.nb,
            status=status,
            detail=detail,
            seconds=time.monotonic() - start,
            sandboxed=self.sandboxed,
            warnings=list(self.notes),
            backend=self.confinement.backend,
        )

    def _note_unreadable(self) -> None:
        entries = [Path(e.path) for e in os.scandir(self.workdir) if not e.is_symlink()]
        lost = mounts.unreadable([*entries, *self.readonly, *self.overlays.values()])
        if lost:
            shown = ", ".join(map(str, lost[:3])) + (" ..." if len(lost) > 3 else "")
            self.notes.append(f"the notebook's unprivileged uid cannot read {shown}")

    def _observed(self, failure, exit_code, oom_kills, fork_failures, log_tail):
        from nbclient.exceptions import DeadKernelError

        died = failure is not None and (
            exit_code is not None or isinstance(failure, DeadKernelError)
        )
        silent = not died and isinstance(failure, asyncio.TimeoutError | TimeoutError)
        error = "" if failure is None or died or silent else f"{type(failure).__name__}: {failure}"
        return outcome.Observed(
            where=outcome.where(self.nb, self.cell),
            started=self.cell is not None,
            timed_out=self.timed_out,
            flooded=self.flooded,
            garbled=self.garbled,
            oom_kills=oom_kills,
            fork_failures=fork_failures,
            kernel_died=died,
            exit_code=exit_code,
            no_answer=silent,
            error=error,
            memory_error_in=(
                outcome.cell_name(self.nb, self.memory_errors[0]) if self.memory_errors else ""
            ),
            cell_timeouts=tuple(outcome.cell_name(self.nb, i) for i in self.cell_timeouts),
            log_tail=log_tail,
            sandboxed=self.sandboxed,
        )

    # -- running -----------------------------------------------------------------------

    async def _run(self, scratch: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        ipc = scratch / "ipc"  # bound into the sandbox: connection file and sockets
        ipc.mkdir()
        if self.confinement.uid is not None:
            os.chown(ipc, self.confinement.uid, self.confinement.uid)
        self.km = km = AsyncKernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=_spec_manager(self.kernel_spec(ipc)),
            transport="ipc",
            ip=str(ipc / "kernel"),
            connection_file=str(ipc / "kernel.json"),
        )
        env = self._launcher_env(scratch)
        try:
            await km.start_kernel(cwd=str(self.workdir), env=env, **self.log.outputs())
        finally:
            self.log.close_writer()  # the kernel's processes hold the only copies now
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
        except ValueError as err:
            # jupyter_client's Session refuses a message whose HMAC does not match: the
            # rest of a message zmq cut at MAXMSGSIZE, or a kernel the notebook re-keyed.
            # Either way the notebook's doing, whether or not the watch saw a disconnect
            # in time (under load it may not: tests/test_sandbox.py)
            self.garbled = str(err).startswith(SIGNATURE_ERRORS)
            raise
        finally:
            if not self.completed and not watch.done():
                # a message over MAXMSGSIZE is dropped part-way: what reaches nbclient
                # then fails as "Invalid Signature" at the same moment as the disconnect
                # the watch sees; let it classify that as the output cap it is
                await asyncio.wait([watch], timeout=1.0)
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
                self.sent += message_bytes(msg)
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
            store_widget_state=False,
            iopub_timeout=max(4, math.ceil(self.limits.timeout)),
            raise_on_iopub_timeout=True,
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
        elif content.get("ename") == "BlockingIOError" and "[Errno 11]" in content.get(
            "evalue", ""
        ):  # fork() refused with EAGAIN: the process limit, where no cgroup counts it
            self.refused_forks += 1

    def kernel_spec(self, ipc: Path):
        """The spec of our one kernel: LAUNCHER, its settings, then bwrap or the kernel."""
        from jupyter_client.kernelspec import KernelSpec

        kernel = [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--HistoryManager.hist_file=:memory:",
        ]
        uid = self.confinement.uid
        if self.sandboxed:
            kernel = mounts.bwrap_command(
                kernel,
                workdir=self.workdir,
                ipc=ipc,
                env=self._sandbox_env(),
                disk_mb=self.limits.disk_mb,
                readonly=self.readonly,
                overlays=self.overlays,
                run_as=uid,
            )
        settings = [*self.limits.rlimits(), *self.confinement.launch_settings()]
        if uid is not None:
            settings.append(f"chown={uid}:{{connection_file}}")
        return KernelSpec(
            argv=[sys.executable, "-I", "-S", "-c", LAUNCHER, *settings, "--", *kernel],
            display_name="Python 3 (nncourse sandbox)",
            language="python",
            interrupt_mode="message",  # no signals across the pid namespace
            env={},
            metadata={},
        )

    def _sandbox_env(self) -> dict[str, str]:
        bindir = str(Path(sys.executable).parent)
        return {
            "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
            "HOME": mounts.SANDBOX_HOME,
            "TMPDIR": "/tmp",
            "MPLCONFIGDIR": mounts.MPL_CACHE,
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
            MARKER_ENV: self.id,
            **KERNEL_ENV,
            **self.extra_env,
        }

    def _launcher_env(self, scratch: Path) -> dict[str, str]:
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
            self.confinement.kill()
            process = self._process()
            if process is not None and process.poll() is None:
                # the launcher, by now bwrap (whose death ends the pid namespace) or the
                # kernel itself; it leads its own session
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    pass
                process.kill()
            if not self.confinement.complete:
                for pid in processes.marked_pids(self.id):
                    processes.sigkill(pid)

    def _process(self):
        """The kernel's ``Popen`` (jupyter_client's local provisioner), if started."""
        return getattr(getattr(self.km, "provisioner", None), "process", None)

    def _exit_code(self) -> int | None:
        """The kernel's exit status if it has ended (before we kill it), else None."""
        process = self._process()
        return None if process is None else process.poll()

    async def _stop(self) -> tuple[int, int]:
        """Kill everything, free the confinement; (OOM kills, fork failures) it counted.
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
        counters = self.confinement.oom_kills(), self.confinement.fork_failures()
        self.confinement.kill()
        if not self.confinement.complete:
            await asyncio.sleep(0.05)
            for pid in processes.marked_pids(self.id):
                processes.sigkill(pid)
        self.confinement.remove()
        return counters


def _spec_manager(spec):
    """A kernel spec manager that serves ``spec`` only, whatever kernels the host has."""
    from jupyter_client.kernelspec import KernelSpecManager

    class OneKernelSpec(KernelSpecManager):
        def find_kernel_specs(self):
            return {KERNEL_NAME: ""}

        def get_kernel_spec(self, kernel_name):
            return spec

    return OneKernelSpec()
