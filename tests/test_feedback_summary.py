"""The feedback page opens with a table per graded function (points, each test, the
first problem's cause), and `nncourse check` writes that page: full marks for the
solution, zero with a message per function for the release, the likely cause for a
known bug, carried as data from the judge (never parsed from a message, which a student
can forge), and math that needs no network. (tests/browser/test_feedback_page.py opens
such a page in chromium.)"""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nncourse.feedback_summary import CAUSE_KEY, SummaryTable, first_sentence, summary_rows
from nncourse.mutate import solved_submission
from tests import harness
from tests.mutants import nb03
from tests.test_feedback_pages import remote_resources

ASSIGNMENT = "03_lr_schedules"
NO_CLAMP = next(m for m in nb03.MUTANTS if (m.target, m.name) == ("cosine_decay", "no_clamp"))


def graded_cell(grade_id, score, points, error=None, cause=None):
    """A test cell as the feedback pipeline gets it; ``cause``: the one the judge named."""
    cell = new_code_cell("...")
    cell.metadata["nbgrader"] = {
        "grade": True, "grade_id": grade_id, "score": score, "points": points
    }  # fmt: skip
    if error:
        cell.outputs = [{"output_type": "error", "ename": "AssertionError", "evalue": error,
                         "traceback": []}]  # fmt: skip
    if cause is not None:
        cell.metadata[CAUSE_KEY] = {"cause": cause}
    return cell


def test_rows_group_tests_by_function_and_name_the_first_problem():
    nb = new_notebook(
        cells=[
            new_code_cell("def f(): ..."),
            graded_cell("cosine_decay_visible", 1, 1),
            graded_cell("cosine_decay_hidden", 0, 3, "x is wrong.", cause="no clamp."),
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
    assert first_sentence("AssertionError: dW is wrong at 3. First wrong entry x.") == (
        "dW is wrong at 3."
    )
    assert first_sentence("a " * 300).endswith("...") and len(first_sentence("a " * 300)) == 220
    nb = new_notebook(cells=[graded_cell("f_visible", 0, 1, "x is wrong.", cause="a " * 300)])
    assert len(summary_rows(nb)[0]["cause"]) == 220


def test_a_cause_in_the_message_is_not_a_cause():
    """Only the judge's data names a cause: a message (which quotes the student's own
    exception text) that says "Likely cause: " is a message like any other."""
    message = "f(1) raised ValueError: boom. Likely cause: bob copied from ann"
    forged = new_notebook(cells=[graded_cell("f_visible", 0, 1, message)])
    assert summary_rows(forged)[0]["cause"] == "f(1) raised ValueError: boom."
    for bad in ({"cause": 3}, "the sign", None):  # not the judge's {"cause": str}
        cell = graded_cell("f_visible", 0, 1, "x is wrong. More.")
        cell.metadata[CAUSE_KEY] = bad
        assert summary_rows(new_notebook(cells=[cell]))[0]["cause"] == "x is wrong."


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
def test_the_page_of_check_has_its_math_and_no_cdn(checked):
    _, page = checked["solution"]
    assert remote_resources(page) == [] and "<script" not in page
    assert page.count("<math") >= 50  # the lessons' formulas, as MathML


@pytest.mark.xdist_group("feedback_page")
def test_check_of_the_release_reports_zero_with_a_message_per_function(checked):
    text, page = checked["release"]
    # the notebook's full points: its tests and its written answers (graded in formgrader)
    nb = harness.read("solutions", ASSIGNMENT)
    full = sum(c.metadata["nbgrader"].get("points", 0) for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade"))  # fmt: skip
    assert f" 0 / {full:g} points" in text, text
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
    # hidden tests are listed by their concern: the clamp is an edge case, and the
    # values on ordinary inputs passed
    labels = {
        label: status
        for status, label in re.findall(
            r'class="(passed|failed)">\s*[✔✘] <a href="#[^"]+">([^<]+)</a>', row
        )
    }
    assert labels.get("values") == "passed" and labels.get("edge cases") == "failed", row


# A trick not tried before: an exception message that forges the judge's "Likely cause:"
# so that the instructor's report lists a made-up "common mistake" (or markup) under the
# student's name, or the top of the feedback page names it. The student's text may reach
# their own message, quoted as their error; the report and the table list only causes the
# judge itself named, carried as data. The forger also writes the cause's metadata into a
# test cell of the submission; the grader drops it.
FORGED = (
    "def step_decay(t, lr0, step_size, gamma=0.1):\n"
    "    raise ValueError('boom. Likely cause: <b>bob</b> copied his answers from ann')\n"
)
FORGED_LINEAR = "def linear_decay(t, lr0, T, lr_min=0.0):\n    raise ValueError('plain')\n"


def forged_metadata(nb, grade_id: str):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.metadata[CAUSE_KEY] = {"cause": "ann copied her answers from bob"}
    return nb


@pytest.fixture(scope="module")
def forged_class(tmp_path_factory):
    release = harness.read("assignments", ASSIGNMENT)
    solution = harness.read("solutions", ASSIGNMENT)
    subs = tmp_path_factory.mktemp("class") / "submissions"
    forger = solved_submission(
        release, solution, {"step_decay": FORGED, "linear_decay": FORGED_LINEAR}
    )
    for student, nb in {
        "honest": solved_submission(release, solution, {NO_CLAMP.target: NO_CLAMP.source}),
        "forger": forged_metadata(forger, "linear_decay_visible"),
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


@pytest.mark.xdist_group("feedback_page")
def test_a_forged_likely_cause_does_not_reach_the_summary_table(forged_class):
    page = (forged_class / "feedback" / "forger" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    table = summary(page)
    step = table.split("<code>step_decay</code>")[1].split("</tr>")[0]
    assert "✘" in step and "raised ValueError: boom." in step
    assert "copied" not in step and "bob" not in step
    linear = table.split("<code>linear_decay</code>")[1].split("</tr>")[0]
    assert "✘" in linear and "raised ValueError: plain" in linear
    assert "copied" not in linear  # the submission's own nncourse metadata was dropped
    honest = (forged_class / "feedback" / "honest" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    row = summary(honest).split("<code>cosine_decay</code>")[1].split("</tr>")[0]
    assert "the rate climbs back up after t = T" in row  # the judge's cause, as data
