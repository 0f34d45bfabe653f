"""The feedback page opens with a table per graded function (points, each test, the
first problem's cause), and `nncourse check` writes that page: full marks for the
solution, zero with a message per function for the release, the likely cause for a
known bug. (tests/browser/test_feedback_page.py opens such a page in chromium.)"""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nncourse.feedback_summary import SummaryTable, one_line_cause, summary_rows
from nncourse.mutate import solved_submission
from tests import harness
from tests.mutants import nb03

ASSIGNMENT = "03_lr_schedules"
NO_CLAMP = next(m for m in nb03.MUTANTS if (m.target, m.name) == ("cosine_decay", "no_clamp"))


def graded_cell(grade_id, score, points, error=None):
    cell = new_code_cell("...")
    cell.metadata["nbgrader"] = {
        "grade": True, "grade_id": grade_id, "score": score, "points": points
    }  # fmt: skip
    if error:
        cell.outputs = [{"output_type": "error", "ename": "AssertionError", "evalue": error,
                         "traceback": []}]  # fmt: skip
    return cell


def test_rows_group_tests_by_function_and_name_the_first_problem():
    nb = new_notebook(
        cells=[
            new_code_cell("def f(): ..."),
            graded_cell("cosine_decay_visible", 1, 1),
            graded_cell("cosine_decay_hidden", 0, 3, "x is wrong. Likely cause: no clamp."),
            graded_cell("cosine_decay_hidden_2", 0, 2, "y is wrong. More words here."),
            graded_cell("TwoLayerNet_loss_visible", 2, 2),
        ]
    )
    rows = summary_rows(nb)
    assert [r["function"] for r in rows] == ["cosine_decay", "TwoLayerNet_loss"]
    cosine, model = rows
    assert (cosine["score"], cosine["points"], cosine["cause"]) == ("1", "6", "no clamp.")
    assert [(t["label"], t["passed"]) for t in cosine["tests"]] == [
        ("visible test", True), ("hidden test", False), ("hidden test 2", False)
    ]  # fmt: skip
    assert (model["score"], model["points"], model["cause"]) == ("2", "2", "")
    SummaryTable().preprocess(nb, {})
    assert nb.cells[0].cell_type == "markdown" and "nncourse-summary" in nb.cells[0].source
    assert "white-space: pre-wrap" in nb.cells[0].source


def test_the_cause_is_one_line():
    assert one_line_cause("AssertionError: dW is wrong at 3. First wrong entry x.") == (
        "dW is wrong at 3."
    )
    assert one_line_cause("a " * 300).endswith("...") and len(one_line_cause("a " * 300)) == 220
    assert one_line_cause("x. Likely cause: the sign.") == "the sign."


def nncourse_check(notebook: Path) -> tuple[str, str]:
    nncourse = Path(sys.executable).with_name("nncourse")
    proc = subprocess.run(
        [str(nncourse), "--course", str(harness.ROOT), "check", str(notebook)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    page = notebook.with_name(f"{notebook.stem}.feedback.html")
    assert f"feedback page: {page}" in proc.stdout, proc.stdout
    return re.sub(r"\s+", " ", proc.stdout), page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> dict[str, tuple[str, str]]:
    release = harness.read("assignments", ASSIGNMENT)
    solution = harness.read("solutions", ASSIGNMENT)
    notebooks = {
        "solution": solved_submission(release, solution),
        "release": release,
        "no_clamp": solved_submission(release, solution, {NO_CLAMP.target: NO_CLAMP.source}),
    }
    out = {}
    for name, nb in notebooks.items():
        path = tmp_path_factory.mktemp(name) / f"{ASSIGNMENT}.ipynb"
        nbformat.write(nb, path)
        out[name] = nncourse_check(path)
    return out


def summary(page: str) -> str:
    return re.sub(
        r"\s+", " ", page.split('<table class="nncourse-summary">')[1].split("</table>")[0]
    )


@pytest.mark.xdist_group("feedback_page")
def test_check_of_the_solution_reports_full_marks(checked):
    text, page = checked["solution"]
    # every autograded point: the 2 points of the written answers are graded by hand
    assert "45 / 47 points, status ok" in text, text
    table = summary(page)
    assert "✘" not in table and table.count("✔") >= 7


@pytest.mark.xdist_group("feedback_page")
def test_check_of_the_release_reports_zero_with_a_message_per_function(checked):
    text, page = checked["release"]
    assert " 0 / 47 points" in text, text
    table = summary(page)
    for function in ("step_decay", "cosine_decay", "with_warmup", "cosine_with_restarts"):
        row = table.split(f"<code>{function}</code>")[1].split("</tr>")[0]
        assert re.search(r">0 / \d+</td>", row) and "not written yet" in row, row


@pytest.mark.xdist_group("feedback_page")
def test_a_known_bug_is_named_at_the_top_of_its_page(checked):
    text, page = checked["no_clamp"]
    assert "Likely cause: the rate climbs back up after t = T" in text
    row = summary(page).split("<code>cosine_decay</code>")[1].split("</tr>")[0]
    assert "the rate climbs back up after t = T" in row and "✘" in row


# A trick not tried before: an exception message that forges the judge's "Likely cause:"
# so that the instructor's report lists a made-up "common mistake" (or markup) under the
# student's name. The student's text may reach their own message, quoted as their error;
# the report lists only causes the judge itself named.
FORGED = (
    "def step_decay(t, lr0, step_size, gamma=0.1):\n"
    "    raise ValueError('boom. Likely cause: <b>bob</b> copied his answers from ann')\n"
)


@pytest.fixture(scope="module")
def forged_class(tmp_path_factory):
    release = harness.read("assignments", ASSIGNMENT)
    solution = harness.read("solutions", ASSIGNMENT)
    subs = tmp_path_factory.mktemp("class") / "submissions"
    for student, nb in {
        "honest": solved_submission(release, solution, {NO_CLAMP.target: NO_CLAMP.source}),
        "forger": solved_submission(release, solution, {"step_decay": FORGED}),
    }.items():
        path = subs / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    out = subs.parent / "run"
    harness.grade(subs, ASSIGNMENT, out)
    return out


@pytest.mark.xdist_group("feedback_page")
def test_a_forged_likely_cause_does_not_reach_the_report(forged_class):
    report = (forged_class / "report.html").read_text()
    section = report.split("<h2>Common mistakes")[1].split("</table>")[0]
    assert "the rate climbs back up after t = T" in section and "honest" in section
    assert "copied" not in section and "forger" not in section
    assert "<b>bob</b>" not in report
    scores = {
        (r["student_id"], r["grade_id"]): float(r["score"])
        for r in harness.read_csv(forged_class / "tests.csv")
    }
    assert scores[("forger", "step_decay_visible")] == 0  # and the forgery earns nothing
    assert scores[("forger", "multistep_decay_visible")] == 1
