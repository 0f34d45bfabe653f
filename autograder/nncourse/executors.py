"""Where worker notebooks execute: local threads, or a Dask distributed cluster.

Both executors take the batch's jobs and yield one ``JobResult`` per job, in the order
they finish, in the main thread. The main thread stays the gradebook's only writer.

``LocalExecutor`` (``--executor local``): ``--workers`` threads on this machine, each
running ``run_job`` (one sandboxed kernel at a time).

``DaskExecutor`` (``--executor dask``): each job is a task on a Dask cluster, at the
``--scheduler`` address or on a ``LocalCluster`` of ``--workers`` single-threaded worker
processes. A task carries the worker notebook's *text* and the limits, not paths, so a
Dask worker need not share the grader's file system: it executes the notebook in a
temporary folder of its own with the same sandbox and limits (``run_job``) and returns
the executed text and the result; the main thread writes both into ``DIR/executed/`` and
judges them. The cases' inputs (the same for the whole class) are scattered to the
workers once; each worker builds its own student edition of nnkit. A worker needs the
same Python environment as the grader (nncourse, nnkit, ipykernel) and bubblewrap.

A lost worker loses nothing: the scheduler runs the tasks it held again on another
worker (up to ``distributed.scheduler.allowed-failures`` times, default 3; then the job
gets status ``error``). Every job is one future with a unique key, and the main loop
takes each future's result exactly once, so a retried job is never counted twice.
"""

import dataclasses
import functools
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .course import CourseError
from .edition import build_edition
from .execution import Job, JobResult, run_job
from .extras import require


class LocalExecutor:
    def __init__(self, workers: int):
        self.workers = workers

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def run(self, jobs: list[Job]) -> Iterator[JobResult]:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="nncourse-worker") as pool:
            for future in as_completed([pool.submit(run_job, job) for job in jobs]):
                yield future.result()


@functools.cache
def _edition(unlock: tuple) -> Path:
    """The student edition of nnkit on this worker, built once per worker process from
    the worker's own nnkit (the same environment as the grader)."""
    return build_edition(Path(tempfile.mkdtemp(prefix="nncourse-edition-")), unlock)


def run_remote(job: Job, source: str, cases: str | None) -> tuple[JobResult, str | None]:
    """On a Dask worker: execute ``source`` (a worker notebook's text) with ``cases``
    (the cases' inputs) under ``job``'s limits in a temporary folder, with a student
    edition of nnkit built here; return the result and the executed notebook's text."""
    with tempfile.TemporaryDirectory(prefix="nncourse-job-") as tmp:
        here = Path(tmp)
        local = dataclasses.replace(
            job,
            source=here / "job.ipynb",
            workdir=here / "work",
            executed=here / "out.ipynb",
            cases=None if cases is None else here / "cases.json",
            edition=None if job.edition is None else _edition(tuple(job.unlock)).parent,
        )
        local.source.write_text(source)
        if cases is not None:
            local.cases.write_text(cases)
        result = run_job(local)
        executed = local.executed.read_text() if local.executed.is_file() else None
    return result, executed


class DaskExecutor:
    """Jobs on a Dask cluster; ``scheduler=None`` starts a LocalCluster of ``workers``."""

    def __init__(self, workers: int, scheduler: str | None = None):
        require("dask")  # made before the batch starts: a missing extra stops it at once
        self.workers, self.scheduler = workers, scheduler
        self.client = self.cluster = None
        self.scattered: dict = {}

    def __enter__(self):
        from distributed import Client, LocalCluster

        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout="30s")
            else:
                self.cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    memory_limit=0,  # the sandbox limits memory per notebook
                    dashboard_address=None,
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as err:
            self.__exit__()
            where = self.scheduler or "a LocalCluster"
            raise CourseError(f"--executor dask: could not connect to {where}: {err}") from err
        return self

    def __exit__(self, *exc):
        for closable in (self.client, self.cluster):
            if closable is not None:
                closable.close()
        return False

    def _cases(self, path: Path | None):
        """The cases' text, scattered to the workers once per file (the same for the
        whole class), as a future every task of that notebook shares."""
        if path is None:
            return None
        if path not in self.scattered:
            self.scattered[path] = self.client.scatter(path.read_text(), broadcast=True)
        return self.scattered[path]

    def run(self, jobs: list[Job]) -> Iterator[JobResult]:
        from distributed import as_completed as dask_completed

        batch = uuid.uuid4().hex[:8]
        owner, futures = {}, []
        for i, job in enumerate(jobs):
            key = f"nncourse-{batch}-{i}-{job.student}-{job.notebook}"
            cases = self._cases(job.cases)
            futures.append(
                self.client.submit(run_remote, job, job.source.read_text(), cases, key=key)
            )
            owner[key] = job
        for future in dask_completed(futures):
            job = owner.pop(future.key)  # each job's result is taken once
            try:
                result, executed = future.result()
            except Exception as err:  # noqa: BLE001 - e.g. KilledWorker: one job, not the batch
                result = JobResult(
                    job.student, job.notebook, "error", f"Dask could not run it: {err!r}"[:300],
                    0.0, False, [],
                )  # fmt: skip
                executed = None
            result.store(job, executed)
            yield result


def make_executor(kind: str, workers: int, scheduler: str | None):
    if kind == "local":
        if scheduler:
            raise CourseError("--scheduler needs --executor dask")
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise CourseError(f"unknown executor {kind!r}: use local or dask")
