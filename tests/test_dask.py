"""``--executor dask``: a Dask LocalCluster gives the same grades as local threads, and a
worker killed mid-batch loses nothing and counts nothing twice."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from nncourse.grade import GradeOptions, grade
from tests import harness

A = "01_gradient_checking"
FAST = ("--timeout", "30")
pytestmark = pytest.mark.xdist_group("dask")


def tables(out: Path) -> tuple[list[dict], list[dict]]:
    return harness.read_csv(out / "grades.csv"), harness.read_csv(out / "tests.csv")


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "run"
    harness.grade(harness.COURSE.sample_class, A, out, "--workers", "2", *FAST)
    return out


def test_local_cluster_grades_equal_local_grades(local_run, tmp_path):
    out = tmp_path / "run"
    proc = harness.grade(
        harness.COURSE.sample_class, A, out, "--executor", "dask", "--workers", "2", *FAST
    )
    assert "graded" in proc.stdout
    assert tables(out) == tables(local_run)
    assert {r["status"] for r in tables(out)[0]} >= {"ok", "tampered", "invalid"}


def test_a_killed_worker_loses_nothing_and_counts_nothing_twice(local_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "run"
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit=0, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        opts = GradeOptions(
            assignment=A,
            out=out,
            timeout=30,
            workers=2,
            executor="dask",
            scheduler=cluster.scheduler_address,
            feedback=False,
            progress=False,
        )
        outcome: dict = {}

        def run():
            try:
                outcome["result"] = grade(harness.COURSE, harness.COURSE.sample_class, opts)
            except BaseException as err:  # noqa: BLE001 - re-raised in the test thread
                outcome["error"] = err

        grader = threading.Thread(target=run)
        grader.start()
        killed = None
        deadline = time.monotonic() + 120
        while killed is None and time.monotonic() < deadline and grader.is_alive():
            busy = {
                worker: keys
                for worker, keys in client.processing().items()
                if any(str(k).startswith("nncourse-") for k in keys)
            }
            if busy:
                worker = sorted(busy)[0]
                time.sleep(1.0)  # well into the notebook (each takes about 4 s)
                pid = client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed = (worker, list(busy[worker]))
            time.sleep(0.1)
        grader.join(timeout=300)
        story = cluster.scheduler.story(*killed[1]) if killed else []
    assert killed is not None, "no worker was busy with a grading task"
    assert not grader.is_alive(), "grading did not finish after a worker was killed"
    started = [t for t in story if t[2] == "processing"]
    assert len(started) >= 2, f"the killed worker's task was not run again: {story}"
    assert "error" not in outcome, outcome.get("error")
    grades, tests = tables(out)
    keys = [(r["student_id"], r["notebook"]) for r in grades]
    assert len(keys) == len(set(keys)), "a row was counted twice"
    assert (grades, tests) == tables(local_run), f"killed {killed}"
    assert all(r["status"] != "error" for r in grades), grades
