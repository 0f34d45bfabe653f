"""`nncourse grade` on a class of odd submissions: every student gets rows, none stops
the batch, the gradebook stays usable, and hidden tests stay hidden in feedback."""

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nncourse.build import stale_files
from nncourse.mutate import solved_submission
from tests import harness
from tests.sample_class import write_sample_class

A = "01_gradient_checking"
pytestmark = pytest.mark.xdist_group("grade_cli")
NCOURSE = str(Path(sys.executable).parent / "nncourse")


def solved():
    return solved_submission(harness.read("assignments", A), harness.read("solutions", A))


def crash_in_first_solution(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            cell.source = "import os\nos._exit(1)\n" + cell.source
            return nb
    raise AssertionError("no solution cell")


def put(root: Path, student: str, name: str, content) -> None:
    path = root / student / (A if "/" not in name else "") / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        nbformat.write(content, path)


@pytest.fixture(scope="module")
def odd_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    subs = root / "submissions"
    put(subs, "good", f"{A}.ipynb", solved())
    put(subs, "renamed", "my homework.ipynb", solved())
    put(subs, "extra", f"{A}.ipynb", solved())
    put(subs, "extra", "scratch.ipynb", solved())
    put(subs, "empty", f"{A}.ipynb", b"")
    put(subs, "badjson", f"{A}.ipynb", b'{"cells": [')
    (subs / "nofile" / A).mkdir(parents=True)
    put(subs, "wrongfolder", f"02_minibatch_sgd/{A}.ipynb", solved())
    put(subs, "crash", f"{A}.ipynb", crash_in_first_solution(solved()))
    v3 = nbformat.writes(nbformat.convert(solved(), 3), version=3).encode()
    put(subs, "oldformat", f"{A}.ipynb", v3)
    out = root / "run"
    # the crash imports os, which the tamper scan flags: this class is about files and rows
    proc = harness.grade(subs, A, out, "--no-tamper-scan")
    return subs, out, proc


def rows(out: Path, name: str) -> list[dict]:
    return harness.read_csv(out / name)


def test_every_student_gets_a_row_with_the_right_status(odd_class):
    _, out, proc = odd_class
    grades = {(r["student_id"], r["notebook"]): r for r in rows(out, "grades.csv")}
    status = {k: r["status"] for k, r in grades.items()}
    assert status == {
        ("good", A): "ok",
        ("renamed", A): "ok",
        ("extra", A): "ok",
        ("extra", "scratch"): "invalid",
        ("empty", A): "invalid",
        ("badjson", A): "invalid",
        ("nofile", A): "missing",
        ("wrongfolder", A): "missing",
        ("crash", A): "error",
        ("oldformat", A): "ok",
    }, proc.stderr
    full = grades[("good", A)]["max_score"]  # all points, the written answers included
    auto = sum(
        c.metadata["nbgrader"]["points"] for c in harness.test_cells(harness.read("solutions", A))
    )
    assert 0 < auto < float(full)
    for k in [("good", A), ("renamed", A), ("extra", A), ("oldformat", A)]:
        assert float(grades[k]["score"]) == auto and grades[k]["max_score"] == full, grades[k]
    for k in [("empty", A), ("badjson", A), ("nofile", A), ("wrongfolder", A), ("crash", A)]:
        assert grades[k]["score"] == "0" and grades[k]["max_score"] == full
    assert grades[("extra", "scratch")]["max_score"] == "0"
    assert "graded my homework.ipynb" in grades[("renamed", A)]["detail"]
    assert "empty" in grades[("empty", A)]["detail"]
    assert "JSON" in grades[("badjson", A)]["detail"]
    assert "02_minibatch_sgd" in grades[("wrongfolder", A)]["detail"]
    assert "upgraded from nbformat 3" in grades[("oldformat", A)]["detail"]
    assert grades[("crash", A)]["detail"]


def test_tests_csv_has_every_test_cell_of_every_expected_notebook(odd_class):
    _, out, _ = odd_class
    cells = [
        c.metadata["nbgrader"]["grade_id"] for c in harness.test_cells(harness.read("solutions", A))
    ]
    tests = rows(out, "tests.csv")
    by_student = {}
    for r in tests:
        by_student.setdefault(r["student_id"], []).append(r["grade_id"])
    students = {
        "good",
        "renamed",
        "extra",
        "empty",
        "badjson",
        "nofile",
        "wrongfolder",
        "crash",
        "oldformat",
    }
    assert set(by_student) == students
    for student, ids in by_student.items():
        assert ids == cells, student
    grades = {r["student_id"]: r for r in rows(out, "grades.csv") if r["notebook"] == A}
    for student in students:
        total = sum(float(r["score"]) for r in tests if r["student_id"] == student)
        assert total == float(grades[student]["score"]), student


def test_gradebook_is_intact_and_formgrader_ready(odd_class):
    _, out, _ = odd_class
    con = sqlite3.connect(out / "gradebook.db")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    config = (out / "nbgrader_config.py").read_text()
    assert str(out) in config and "feedback_preprocessors" in config
    assert (out / "source" / A / f"{A}.ipynb").is_file()


def test_feedback_shows_hidden_tests_by_name_only(odd_class):
    _, out, _ = odd_class
    html = (out / "feedback" / "good" / A / f"{A}.html").read_text()
    solution = harness.read("solutions", A)
    hidden_ids = [
        c.metadata["nbgrader"]["grade_id"]
        for c in harness.test_cells(solution)
        if "_hidden" in c.metadata["nbgrader"]["grade_id"]
    ]
    hidden_lines = harness.secret_lines(solution, kinds=("HIDDEN TESTS",))
    assert hidden_ids and hidden_lines
    for grade_id in hidden_ids:
        assert grade_id in html
    text = re.sub(r"<[^>]+>", "", html)
    leaked = [ln for ln in hidden_lines if ln in text]
    assert not leaked, leaked[:3]
    assert not (out / "feedback" / "empty").exists()


def test_regrading_one_student_replaces_only_their_rows(odd_class, tmp_path):
    subs, out, _ = odd_class
    before = rows(out, "grades.csv")
    put(subs, "good", f"{A}.ipynb", harness.read("assignments", A))  # now hands in the blank
    try:
        harness.grade(subs, A, out, "--student", "good")
        after = rows(out, "grades.csv")
    finally:
        put(subs, "good", f"{A}.ipynb", solved())
    changed = [r for r in after if r not in before]
    assert [(r["student_id"], r["score"]) for r in changed] == [("good", "0")]
    assert len(after) == len(before)
    assert [r for r in after if r["student_id"] != "good"] == [
        r for r in before if r["student_id"] != "good"
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["grade", "nowhere", "--assignment", A, "--out", "OUT"], "does not exist"),
        (["grade", ".", "--assignment", "99_nope", "--out", "OUT"], "unknown assignment"),
        (["grade", ".", "--assignment", A, "--out", "OUT", "--timeout", "0"], "--timeout"),
        (["--course", "/", "build"], "does not exist"),
        (["grade", ".", "--assignment", A, "--out", "OUT", "--workers", "0"], "--workers"),
        (["grade", ".", "--assignment", A, "--out", "OUT", "--due", "friday"], "ISO 8601"),
        (
            ["grade", ".", "--assignment", A, "--out", "OUT", "--scheduler", "tcp://h:1"],
            "--scheduler needs --executor dask",
        ),
        # the CLI accepts exactly the memory limits the sandbox accepts (300 was a traceback)
        (["grade", ".", "--assignment", A, "--out", "OUT", "--memory", "300"], "at least 512"),
        (["grade", ".", "--assignment", A, "--out", "OUT", "--unlock", "99_x"], "--unlock"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(tmp_path, args, message):
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    proc = subprocess.run(
        [NCOURSE, *args], cwd=harness.ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_build_check_passes_on_the_repository():
    proc = subprocess.run(
        [NCOURSE, "build", "--check"], cwd=harness.ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_build_check_fails_when_the_release_is_stale(tmp_path):
    for part in ("solutions", "assignments", "autograder/nbgrader_config.py"):
        src = harness.ROOT / part
        dst = tmp_path / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
    nb_path = tmp_path / "assignments" / A / f"{A}.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"][0]["source"] = "edited by hand"
    nb_path.write_text(json.dumps(nb))
    proc = subprocess.run(
        [NCOURSE, "--course", str(tmp_path), "build", "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert f"out of date: {A}/{A}.ipynb" in proc.stderr


def test_sample_class_is_current(tmp_path):
    """Regenerate with `python -m tests.sample_class` when this fails."""
    write_sample_class(tmp_path)
    assert stale_files(tmp_path, harness.COURSE.sample_class) == []


def test_seeded_gradebook_matches_nbgraders_own(tmp_path):
    """Our fast gradebook creation gives the schema and stamp nbgrader itself writes."""
    from nbgrader.api import Gradebook

    from nncourse.nbgrader_api import ensure_sqlite_gradebook, venv_tools_on_path

    venv_tools_on_path()  # nbgrader runs the `alembic` command
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    ensure_sqlite_gradebook(f"sqlite:///{ours}")
    Gradebook(f"sqlite:///{theirs}").close()

    def schema(path):
        con = sqlite3.connect(path)
        rows = con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        stamp = con.execute("SELECT version_num FROM alembic_version").fetchall()
        con.close()
        return rows, stamp

    assert schema(ours) == schema(theirs)


def test_a_judge_failure_is_that_notebooks_error_not_the_batchs(tmp_path, monkeypatch):
    """A bug in judging one notebook (simulated) gives that row `error` with a detail;
    the batch completes and the other student is graded."""
    from nncourse import grade as grading

    subs = tmp_path / "subs"
    put(subs, "good", f"{A}.ipynb", solved())
    put(subs, "unlucky", f"{A}.ipynb", solved())
    real = grading.judge_executed

    def flaky_judge(context, result, path):
        if result.student == "unlucky":
            raise RuntimeError("simulated grader bug")
        return real(context, result, path)

    monkeypatch.setattr(grading, "judge_executed", flaky_judge)
    opts = grading.GradeOptions(A, tmp_path / "run", timeout=120, progress=False)
    result = grading.grade(harness.COURSE, subs, opts)
    rows_by = {r["student_id"]: r for r in result.grade_rows}
    assert rows_by["good"]["status"] == "ok" and float(rows_by["good"]["score"]) > 0
    assert rows_by["unlucky"]["status"] == "error"
    assert (
        "could not judge this notebook: RuntimeError: simulated grader bug"
        in (rows_by["unlucky"]["detail"])
    )
    assert float(rows_by["unlucky"]["score"]) == 0
