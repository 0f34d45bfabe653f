"""The course on a JupyterHub: autograder/jupyterhub's nbgrader configs, exercised with
nbgrader's own exchange commands on a temporary exchange folder (release, fetch as two
students, submit, collect), ending in ``nncourse grade`` of what was collected.

The hub-wide config is found as the hub finds it, in a Jupyter config folder
(``JUPYTER_CONFIG_DIR``); the exchange folder comes from ``NNCOURSE_EXCHANGE``. Both
students are this test's unix user, so each ``submit`` names its student with
``--student`` (on a hub each student is their own user, and nbgrader takes the name
from it)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nncourse.mutate import solved_submission
from tests import harness

A = "01_gradient_checking"
HUB = harness.ROOT / "autograder" / "jupyterhub"
NBGRADER = str(Path(sys.executable).parent / "nbgrader")
pytestmark = pytest.mark.xdist_group("jupyterhub")


def nbgrader(cwd: Path, env: dict, *args: str) -> str:
    proc = subprocess.run(
        [NBGRADER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_release_fetch_submit_collect_then_grade(tmp_path):
    etc, exchange, course = tmp_path / "etc", tmp_path / "exchange", tmp_path / "course"
    etc.mkdir()
    shutil.copyfile(HUB / "nbgrader_config.py", etc / "nbgrader_config.py")
    exchange.mkdir(mode=0o777)
    course.mkdir()
    shutil.copyfile(HUB / "course_nbgrader_config.py", course / "nbgrader_config.py")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(etc),
        "NNCOURSE_EXCHANGE": str(exchange),
        # nbgrader runs `alembic` for the gradebook collect opens: the venv's tools first
        "PATH": f"{Path(NBGRADER).parent}{os.pathsep}{os.environ['PATH']}",
    }
    subprocess.run(
        [harness.NNCOURSE, "release", A, "--out", str(course / "bundle")],
        cwd=harness.ROOT,
        check=True,
        capture_output=True,
    )

    nbgrader(course, env, "release_assignment", A)
    assert (exchange / "nncourse" / "outbound" / A / f"{A}.ipynb").is_file()

    solution = harness.read("solutions", A)
    for student in ("ana", "ben"):
        home = tmp_path / "home" / student
        home.mkdir(parents=True)
        nbgrader(home, env, "fetch_assignment", A, "--course", "nncourse")
        fetched = home / A / f"{A}.ipynb"
        bundled = (course / "bundle" / A / f"{A}.ipynb").read_text()
        assert fetched.read_text() == bundled  # the bundle's notebook, nothing else
        if student == "ana":  # ana solves it; ben submits it as fetched
            nbformat.write(
                solved_submission(nbformat.read(fetched, as_version=4), solution), fetched
            )
        nbgrader(home, env, "submit", A, "--course", "nncourse", "--student", student)

    nbgrader(course, env, "collect", A)
    for student in ("ana", "ben"):
        assert (course / "submitted" / student / A / f"{A}.ipynb").is_file()
        assert (course / "submitted" / student / A / "timestamp.txt").is_file()

    harness.grade(course / "submitted", A, tmp_path / "run")
    rows = {r["student_id"]: r for r in harness.read_csv(tmp_path / "run" / "grades.csv")}
    assert set(rows) == {"ana", "ben"}
    tests = harness.read_csv(tmp_path / "run" / "tests.csv")
    autograded = sum(float(t["max_score"]) for t in tests if t["student_id"] == "ana")
    # every test's points (the written answers are graded by hand, in formgrader)
    assert rows["ana"]["status"] == "ok" and float(rows["ana"]["score"]) == autograded > 0
    assert rows["ben"]["status"] == "ok" and float(rows["ben"]["score"]) == 0, rows["ben"]
