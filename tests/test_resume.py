"""Parallel grading equals serial grading, and a grader killed with SIGKILL mid-batch
loses nothing that was finished: ``--resume`` grades only what is left."""

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests import harness

A = "02_minibatch_sgd"
# The sample class has a student whose notebook hangs: keep the whole-notebook limit short.
FAST = ("--timeout", "30")
STUDENTS = sorted(p.name for p in harness.COURSE.sample_class.iterdir() if p.is_dir())
pytestmark = pytest.mark.xdist_group("resume")


def table(out: Path, name: str) -> list[dict]:
    return harness.read_csv(out / name)


@pytest.fixture(scope="module")
def parallel_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("parallel") / "run"
    harness.grade(harness.COURSE.sample_class, A, out, "--workers", "2", *FAST)
    return out


def test_parallel_grades_equal_serial_grades(parallel_run, tmp_path):
    serial = tmp_path / "serial"
    harness.grade(harness.COURSE.sample_class, A, serial, "--workers", "1", *FAST)
    for name in ("grades.csv", "tests.csv"):
        assert table(serial, name) == table(parallel_run, name)


def pages(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in (out / "feedback").rglob("*.html"))


def results(out: Path) -> list[Path]:
    return sorted((out / "results" / A).glob("*.json"))


def test_sigkill_then_resume_loses_nothing(parallel_run, tmp_path):
    out = tmp_path / "run"
    cmd = [harness.NNCOURSE, "grade", str(harness.COURSE.sample_class), "--assignment", A]
    cmd += ["--out", str(out), "--workers", "1", *FAST]
    proc = subprocess.Popen(
        cmd,
        cwd=harness.ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 300
    # students without a notebook are recorded at once; wait for two graded ones as well
    missing = [s for s in STUDENTS if not (harness.COURSE.sample_class / s / A).is_dir()]
    while len(results(out)) < len(missing) + 2 and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.stem for p in results(out)}
    assert len(missing) + 2 <= len(finished) < len(STUDENTS)
    assert pages(out) == []  # feedback comes after the batch, which was cut short
    con = sqlite3.connect(out / "gradebook.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()

    resumed = harness.grade(
        harness.COURSE.sample_class, A, out, "--resume", "--workers", "2", *FAST
    )
    assert f"({len(finished)} kept from an earlier run)" in resumed.stdout
    for name in ("grades.csv", "tests.csv"):
        assert table(out, name) == table(parallel_run, name)
    assert {p.stem for p in results(out)} == {r["student_id"] for r in table(out, "grades.csv")}
    assert pages(out) == pages(parallel_run)  # kept students got their pages too
    assert pages(out)
