"""Late submissions end to end: a Canvas zip goes through `nncourse collect`, `nncourse
grade --due --penalty zero` and `nncourse export`, and only the notebook dated after the
due date loses its score, as nbgrader's late-submission plugin would have it."""

import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook

from nncourse.cli import main
from nncourse.collect import Entry
from nncourse.grade import submission_hash
from nncourse.mutate import solved_submission
from tests import harness

A = "01_gradient_checking"
DUE = "2026-11-30T15:00:00+01:00"  # 14:00 UTC
pytestmark = pytest.mark.xdist_group("late")


@pytest.fixture(scope="module")
def late_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("late")
    solved = nbformat.writes(
        solved_submission(harness.read("assignments", A), harness.read("solutions", A))
    )
    with zipfile.ZipFile(root / "canvas.zip", "w") as archive:
        for name, when in [
            (f"adamsann_111_1_{A}.ipynb", (2026, 11, 30, 13, 59, 0)),  # on time
            (f"brownbob_LATE_222_2_{A}.ipynb", (2026, 11, 30, 13, 0, 0)),  # Canvas mark only
            (f"smithjane_LATE_444_3_{A}.ipynb", (2026, 12, 1, 16, 5, 0)),  # 1 d 2 h 5 min
        ]:
            archive.writestr(zipfile.ZipInfo(name, date_time=when), solved)
    roster = root / "roster.csv"
    roster.write_text("student_id,lms_id,name\nann,111,Ann\nbob,222,Bob\njane,444,Jane\n")
    subs, out = root / "submissions", root / "run"
    collect = ["collect", str(root / "canvas.zip"), "--assignment", A, "--roster", str(roster)]
    assert main([*collect, "--due", DUE, "--penalty", "zero", "--out", str(subs)]) == 0
    harness.grade(subs, A, out, "--due", DUE, "--penalty", "zero")
    return root, subs, out, roster


def grades(out):
    return {r["student_id"]: r for r in harness.read_csv(out / "grades.csv")}


def auto_points(out) -> str:
    """What a solved notebook scores before written answers are graded: all test points."""
    tests = [r for r in harness.read_csv(out / "tests.csv") if r["student_id"] == "ann"]
    return f"{sum(float(r['max_score']) for r in tests):g}"


def test_only_the_notebook_after_the_due_date_scores_zero(late_class):
    _, _, out, _ = late_class
    rows, full = grades(out), auto_points(out)
    assert float(full) > 0
    assert {s: (r["score"], r["status"]) for s, r in rows.items()} == {
        "ann": (full, "ok"),
        "bob": (full, "ok"),
        "jane": ("0", "ok"),
    }
    assert rows["jane"]["detail"] == (
        f"submitted 1 d 2 h 5 min after the due date; late penalty -{full} (--penalty zero)"
    )
    assert "late" not in rows["ann"]["detail"] + rows["bob"]["detail"]


def test_the_gradebook_holds_the_due_date_and_the_penalty(late_class):
    _, _, out, _ = late_class
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert str(gb.find_assignment(A).duedate) == "2026-11-30 14:00:00"
        jane = gb.find_submission_notebook(A, A, "jane")
        assert jane.late_submission_penalty == jane.score > 0  # tests passed, score is taken
        assert gb.find_submission(A, "jane").total_seconds_late == 26 * 3600 + 5 * 60
        assert gb.find_submission_notebook(A, A, "ann").late_submission_penalty is None
    # tests.csv shows what the tests gave; only the notebook total carries the penalty
    jane_tests = [r for r in harness.read_csv(out / "tests.csv") if r["student_id"] == "jane"]
    assert jane_tests and all(r["score"] == r["max_score"] for r in jane_tests)
    assert "penalty_method = 'zero'" in (out / "nbgrader_config.py").read_text()
    feedback = (out / "feedback" / "jane" / A / f"{A}.html").read_text()
    assert f"Late submission penalty (Score: -{float(auto_points(out))})" in feedback
    assert "Late submission penalty" not in (out / "feedback" / "ann" / A / f"{A}.html").read_text()


def test_export_carries_the_penalty_to_canvas(late_class):
    root, _, out, roster = late_class
    target = root / "canvas.csv"
    assert (
        main(
            ["export", str(out), "--format", "canvas", "--out", str(target)]
            + ["--roster", str(roster)]
        )
        == 0
    )
    lines = target.read_text().splitlines()
    full, possible = auto_points(out), grades(out)["ann"]["max_score"]
    assert lines[1:] == [
        f"Points Possible,,,,,{possible}",
        f"Ann,111,,,,{full}",
        f"Bob,222,,,,{full}",
        "Jane,444,,,,0",
    ]


def test_resume_regrades_when_the_rule_or_the_timestamp_changes(late_class):
    """--resume keeps a student only when the submission, its timestamp.txt *and* the late
    rule (due date, penalty) are what the recorded result was graded with."""
    _, _, out, _ = late_class
    entries = [Entry("jane", A)]
    rule = "due=2026-11-30T14:00:00 penalty=zero"
    base = submission_hash(out, A, entries, rule)
    assert submission_hash(out, A, entries, rule) == base
    assert submission_hash(out, A, entries, rule.replace("zero", "none")) != base
    assert submission_hash(out, A, entries, rule.replace("14:00", "18:00")) != base
    stamp = out / "submitted" / "jane" / A / "timestamp.txt"
    original = stamp.read_text()
    try:
        stamp.write_text("2026-11-30 13:00:00.000000 UTC\n")
        assert submission_hash(out, A, entries, rule) != base
    finally:
        stamp.write_text(original)


def test_a_new_rule_regrades_a_resumed_student(late_class):
    """Runs last: it re-grades jane in the shared run folder under --penalty none."""
    _, subs, out, _ = late_class
    args = ["--resume", "--student", "jane", "--due", DUE, "--penalty", "none"]
    harness.grade(subs, A, out, *args)
    rows = grades(out)
    assert rows["jane"]["score"] == auto_points(out)
    assert rows["jane"]["detail"] == (
        "submitted 1 d 2 h 5 min after the due date; no penalty (--penalty none)"
    )
