"""formgrader stays safe: in a run folder, nbgrader's own autograde (formgrader's button)
applies the verdicts `nncourse grade` judged, and grades a new or changed submission
through the same tamper scan, sandbox and judge. It never executes a notebook as it is."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from nncourse.mutate import solved_submission
from tests import harness

A = "03_lr_schedules"
NBGRADER = str(Path(sys.executable).parent / "nbgrader")
pytestmark = pytest.mark.xdist_group("formgrader")


def submission(replacements=None):
    release, solution = harness.read("assignments", A), harness.read("solutions", A)
    return solved_submission(release, solution, replacements)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("formgrader")
    path = root / "subs" / "ana" / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(submission(), path)
    out = root / "run"
    harness.grade(root / "subs", A, out)
    return out


def autograde(out: Path) -> subprocess.CompletedProcess:
    """What formgrader's autograde button runs, in the run folder."""
    return subprocess.run(
        [NBGRADER, "autograde", A, "--student", "ana", "--force"],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=600,
    )


def score(out: Path) -> float:
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        return gb.find_submission_notebook(A, A, "ana").score


def put_submitted(out: Path, nb) -> None:
    nbformat.write(nb, out / "submitted" / "ana" / A / f"{A}.ipynb")


def test_the_run_folder_never_uses_nbgraders_execute(run):
    config = (run / "nbgrader_config.py").read_text()
    assert "c.Autograde.autograde_preprocessors = autograde_preprocessors()" in config
    assert "c.ApplyExecution.grade_missing = True" in config
    from nncourse.grade import autograde_preprocessors, sanitize_preprocessors

    names = [p.__name__ for p in autograde_preprocessors()]
    assert "Execute" not in names and names[0] == "ApplyExecution"
    assert "c.Autograde.sanitize_preprocessors = sanitize_preprocessors()" in config
    assert sanitize_preprocessors()[0].__name__ == "RestoreStructure"


def test_formgraders_feedback_is_the_page_nncourse_wrote(run):
    """The run folder's config names nncourse's feedback exporter: nbgrader's own
    generate_feedback (formgrader's button) writes the very page `nncourse grade` wrote
    (the stock exporter's would differ in bytes; tests/test_feedback_html.py)."""
    page = run / "feedback" / "ana" / A / f"{A}.html"
    written = page.read_text()
    page.unlink()
    proc = subprocess.run(
        [NBGRADER, "generate_feedback", A, "--student", "ana", "--force"],
        cwd=run,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert page.read_text() == written


def test_autograde_of_a_graded_notebook_applies_its_verdicts(run):
    full = score(run)
    assert full > 0
    proc = autograde(run)
    assert proc.returncode == 0, proc.stderr
    assert "now, sealed" not in proc.stderr  # nothing to grade again
    assert score(run) == full


def test_a_changed_submission_is_graded_sealed_and_a_trick_earns_nothing(run):
    full = score(run)
    bug = "def step_decay(t, lr0, step_size, gamma=0.1):\n"
    bug += "    return lr0 * gamma ** (t / step_size)\n"
    put_submitted(run, submission({"step_decay": bug}))
    proc = autograde(run)
    assert proc.returncode == 0, proc.stderr
    assert "graded ana/03_lr_schedules now, sealed: ok" in proc.stderr
    assert 0 < score(run) < full

    # a blank notebook whose cells import the references: the scan flags it, and
    # nothing runs; with an import hidden from ast by a magic, same
    blank = nbformat.from_dict(harness.read("assignments", A))
    for cell in blank.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            name = meta["grade_id"].removesuffix("_solution")
            cell.source = f"%time from nnkit.schedules import {name}"
    put_submitted(run, blank)
    proc = autograde(run)
    assert "now, sealed: tampered" in proc.stderr, proc.stderr
    assert score(run) == 0

    put_submitted(run, submission())  # and back: full marks again
    autograde(run)
    assert score(run) == full


def test_formgrader_grades_a_notebook_with_a_copied_cell_in_the_releases_structure(run):
    """Stock nbgrader fails a notebook with two cells of one grade id (Jupyter copies a
    cell with its metadata); here a wrong first try, copied, above the right one grades
    as Run All would define it, and a copied test cell costs nothing."""
    full = score(run)
    nb = nbformat.from_dict(submission())
    cells = nb.cells
    solution = next(c for c in cells if c.metadata.get("nbgrader", {}).get("solution")
                    and c.cell_type == "code")  # fmt: skip
    name = solution.metadata["nbgrader"]["grade_id"].removesuffix("_solution")
    first = nbformat.from_dict(dict(solution))
    first.source, first.id = f"def {name}(*args, **kwargs):\n    return 0.0\n", "first-try"
    test = harness.test_cells(nb)[0]
    copy = nbformat.from_dict(dict(test))
    copy.source, copy.id = "pass", "copied-test"
    cells.insert(cells.index(solution), first)
    cells.insert(0, copy)
    put_submitted(run, nb)
    proc = autograde(run)
    assert proc.returncode == 0, proc.stderr
    assert "appears 2 times" in proc.stderr and "now, sealed: ok" in proc.stderr
    assert score(run) == full

    put_submitted(run, submission())
    autograde(run)
    assert score(run) == full
