"""nncourse.gradescope: the autograder zip, and its run_autograder against a fake
/autograder root (``NNCOURSE_GRADESCOPE_ROOT``), on the solution, the release and catalog
bugs (the same per-test scores as ``nncourse grade``) and on bad submissions (a
results.json that says what is wrong, never a crash). Every results.json is validated
against tests/gradescope_results.schema.json, written from Gradescope's specification."""

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest

from nncourse.collect import NOTEBOOK_BYTES
from nncourse.mutate import solved_submission
from tests import harness
from tests.mutants.nb03 import MUTANTS

A = "03_lr_schedules"
SCHEMA = json.loads(Path(__file__).with_name("gradescope_results.schema.json").read_text())
BUGS = [m for m in MUTANTS if m.kind == "bug"][:2]
pytestmark = pytest.mark.xdist_group("gradescope")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The zip, built by the CLI from this repository, unpacked as Gradescope does."""
    tmp = tmp_path_factory.mktemp("gradescope")
    zipped = tmp / "autograder.zip"
    proc = subprocess.run(
        [harness.NNCOURSE, "gradescope", A, "--out", str(zipped)],
        cwd=harness.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    unpacked = tmp / "source"
    with zipfile.ZipFile(zipped) as zf:
        zf.extractall(unpacked)
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    for name in ("setup.sh", "run_autograder"):  # zipfile drops modes: Gradescope keeps them
        assert modes[name] & 0o111, name
        (unpacked / name).chmod(0o755)
    return unpacked


def run_autograder(source: Path, root: Path, notebooks: dict, metadata=None) -> dict:
    """A fake /autograder: ``notebooks`` (relative path -> notebook or raw text) in
    ``submission/``; run_autograder; its results.json, checked against the schema."""
    for rel, nb in notebooks.items():
        path = root / "submission" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(nb, str):
            path.write_text(nb)
        else:
            nbformat.write(nb, path)
    (root / "submission").mkdir(parents=True, exist_ok=True)
    (root / "results").mkdir(exist_ok=True)
    (root / "submission_metadata.json").write_text(json.dumps(metadata or {"id": 1}))
    env = {
        **os.environ,
        "NNCOURSE_GRADESCOPE_ROOT": str(root),
        "NNCOURSE_GRADESCOPE_PYTHON": sys.executable,
    }
    proc = subprocess.run(
        ["bash", str(source / "run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return results


def scores(results: dict) -> dict:
    return {t["name"].split(": ")[1]: t["score"] for t in results["tests"]}


def test_the_zip_holds_the_scripts_the_package_and_only_this_assignment(source):
    assert (source / "package" / "pyproject.toml").is_file()
    assert (source / "package" / "lib" / "nnkit" / "__init__.py").is_file()
    assert (source / "package" / "autograder" / "nncourse" / "gradescope.py").is_file()
    assert (source / "course" / "solutions" / A / f"{A}.ipynb").is_file()
    assert (source / "course" / "autograder" / "nbgrader_config.py").is_file()
    assert [p.name for p in (source / "course" / "solutions").iterdir()] == [A]
    assert not list(source.rglob("__pycache__")) and not (source / "tests").exists()
    settings = json.loads((source / "nncourse_gradescope.json").read_text())
    assert settings == {"assignment": A, "hidden": "after_due_date", "due": None, "penalty": "none"}
    for script in ("setup.sh", "run_autograder"):
        proc = subprocess.run(["bash", "-n", str(source / script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert "./package" in (source / "setup.sh").read_text()


def test_fake_root_runs_score_as_nncourse_grade(source, tmp_path):
    release, solution = harness.read("assignments", A), harness.read("solutions", A)
    notebooks = {"solution": solved_submission(release, solution), "release": release}
    for bug in BUGS:
        notebooks[bug.name] = solved_submission(release, solution, {bug.target: bug.source})
    subs = tmp_path / "subs"
    for student, nb in notebooks.items():
        (subs / student / A).mkdir(parents=True)
        nbformat.write(nb, subs / student / A / f"{A}.ipynb")
    harness.grade(subs, A, tmp_path / "run")
    graded = {}
    for row in harness.read_csv(tmp_path / "run" / "tests.csv"):
        graded.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"])
    totals = {
        r["student_id"]: float(r["score"])
        for r in harness.read_csv(tmp_path / "run" / "grades.csv")
    }
    for student, nb in notebooks.items():
        results = run_autograder(source, tmp_path / student, {f"{A}.ipynb": nb})
        assert scores(results) == graded[student], student
        assert results["score"] == totals[student], student
        for test in results["tests"]:
            hidden = "_hidden" in test["name"]
            assert test["visibility"] == ("after_due_date" if hidden else "visible"), test
            assert (test["status"] == "passed") == (test["score"] == test["max_score"]), test
    full = sum(t["max_score"] for t in results["tests"])
    assert totals["solution"] == full > 0 and totals["release"] == 0
    said = results_of(source, tmp_path, "solution")["output"]
    assert f"{full:g} / {full:g} points from the tests" in said, said
    for bug in BUGS:  # the failure says what is wrong, in the student-facing words
        failed = [
            t for t in results_of(source, tmp_path, bug.name)["tests"] if t["status"] == "failed"
        ]
        assert failed and all(len(t["output"]) > 20 for t in failed), failed


def results_of(source: Path, tmp_path: Path, student: str) -> dict:
    return json.loads((tmp_path / student / "results" / "results.json").read_text())


def test_bad_submissions_get_a_results_json_that_says_what_is_wrong(source, tmp_path):
    release, solution = harness.read("assignments", A), harness.read("solutions", A)
    solved = solved_submission(release, solution)
    empty = run_autograder(source, tmp_path / "none", {})
    assert empty["score"] == 0 and f"upload {A}.ipynb" in empty["output"]
    several = run_autograder(
        source, tmp_path / "several", {"work/old.ipynb": release, "x.ipynb": solved}
    )
    assert several["score"] == 0 and "several notebooks" in several["output"]
    assert "work/old.ipynb" in several["output"] and f"upload only {A}.ipynb" in several["output"]
    extra = run_autograder(source, tmp_path / "extra", {f"{A}.ipynb": solved, "x.ipynb": release})
    assert extra["score"] == sum(t["max_score"] for t in extra["tests"]) > 0
    assert f"Not graded (not {A}.ipynb): x.ipynb" in extra["output"]
    renamed = run_autograder(source, tmp_path / "renamed", {"my_attempt.ipynb": solved})
    assert "my_attempt.ipynb was graded as" in renamed["output"]
    assert renamed["score"] == sum(t["max_score"] for t in renamed["tests"]) > 0
    # a hostile student: a link to the autograder's own copy of the solution
    (tmp_path / "link" / "submission").mkdir(parents=True)
    target = source / "course" / "solutions" / A / f"{A}.ipynb"
    (tmp_path / "link" / "submission" / f"{A}.ipynb").symlink_to(target)
    link = run_autograder(source, tmp_path / "link", {})
    assert link["score"] == 0 and "symbolic link" in link["output"], link["output"]
    (tmp_path / "dirlink" / "submission").mkdir(parents=True)
    (tmp_path / "dirlink" / "submission" / "work").symlink_to(target.parent)
    dirlink = run_autograder(source, tmp_path / "dirlink", {"mine.ipynb": release})
    assert dirlink["score"] == 0  # the linked folder is not searched: the release scores 0
    huge = tmp_path / "huge" / "submission" / f"{A}.ipynb"
    huge.parent.mkdir(parents=True)
    with huge.open("wb") as fh:  # sparse: no disk used
        fh.truncate(NOTEBOOK_BYTES + 1)
    too_big = run_autograder(source, tmp_path / "huge", {})
    assert too_big["score"] == 0 and "Clear Outputs" in too_big["output"], too_big["output"]
    broken = run_autograder(source, tmp_path / "broken", {f"{A}.ipynb": '{"cells": [,'})
    assert broken["score"] == 0 and "invalid" in broken["output"], broken["output"]
    assert broken["tests"] and all(
        t["output"].startswith("not graded: invalid") for t in broken["tests"]
    )


# A blank notebook that tries to write its own results.json: in every results/ folder it
# can find (where Gradescope's is, where the test's fake root is), at once and from a
# detached process after grading has finished.
FORGE_RESULTS = """
import json, os, time
FORGED = json.dumps({"score": 999.0, "output": "forged", "tests": []})
def forge():
    for top in ("/autograder", "/tmp", "/root", "/work", os.getcwd()):
        for folder, subfolders, files in os.walk(top):
            if os.path.basename(folder) == "results" or "results.json" in files:
                try:
                    with open(os.path.join(folder, "results.json"), "w") as fh:
                        fh.write(FORGED)
                except OSError:
                    pass
forge()
if os.fork() == 0:
    os.setsid()
    time.sleep(3)
    forge()
    os._exit(0)

def step_decay(t, lr0, step_size, gamma=0.1):
    raise NotImplementedError
"""


def test_a_notebook_cannot_write_its_own_results(source, tmp_path):
    release = harness.read("assignments", A)
    nb = solved_submission(release, release, {"step_decay": FORGE_RESULTS})
    results = run_autograder(source, tmp_path / "root", {f"{A}.ipynb": nb})
    assert results["score"] == 0 and "forged" not in results["output"], results["output"]
    time.sleep(5)  # the detached process would have written by now
    again = json.loads((tmp_path / "root" / "results" / "results.json").read_text())
    assert again == results
    assert not [p for p in tmp_path.rglob("results.json") if "forged" in p.read_text()]
    # run_autograder's tamper scan refuses the notebook before it runs (its imports); with
    # the scan off it runs, in the sandbox: a results/ folder of the host stays unwritten
    assert "tampering found, nothing executed" in results["output"], results["output"]
    decoy = tmp_path / "host" / "results" / "results.json"
    decoy.parent.mkdir(parents=True)
    decoy.write_text("{}")
    subs = tmp_path / "subs" / "mallory" / A
    subs.mkdir(parents=True)
    nbformat.write(nb, subs / f"{A}.ipynb")
    harness.grade(tmp_path / "subs", A, tmp_path / "run", "--no-tamper-scan")
    [row] = harness.read_csv(tmp_path / "run" / "grades.csv")
    assert row["status"] in ("ok", "error") and float(row["score"]) == 0, row
    time.sleep(5)
    assert decoy.read_text() == "{}"
    assert not [p for p in tmp_path.rglob("results.json") if "forged" in p.read_text()]


def test_a_late_submission_loses_its_points_with_penalty_zero(source, tmp_path):
    late = tmp_path / "source"
    shutil.copytree(source, late, symlinks=True)
    settings = json.loads((late / "nncourse_gradescope.json").read_text())
    (late / "nncourse_gradescope.json").write_text(json.dumps({**settings, "penalty": "zero"}))
    release, solution = harness.read("assignments", A), harness.read("solutions", A)
    metadata = {
        "created_at": "2026-11-30T14:22:32.365935-07:00",
        "assignment": {"due_date": "2026-11-29T23:00:00.000000-07:00"},
    }
    results = run_autograder(
        late, tmp_path / "root", {f"{A}.ipynb": solved_submission(release, solution)}, metadata
    )
    assert results["score"] == 0 and "after the due date" in results["output"], results["output"]
    assert any(t["score"] > 0 for t in results["tests"])  # the tests' own points stay visible


@pytest.mark.parametrize(
    "args, message",
    [
        (["99_nope", "--out", "z.zip"], "99_nope"),
        ([A, "--out", "."], "is a folder"),
        ([A, "--out", "z.zip", "--due", "tomorrow"], "--due"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, args, message):
    proc = subprocess.run(
        [harness.NNCOURSE, "--course", str(harness.ROOT), "gradescope", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not list(tmp_path.iterdir())
