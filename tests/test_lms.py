"""LMS in and out: `nncourse collect` (Canvas/Moodle zip -> submitted/) and `nncourse export`.

Every zip and CSV is fabricated here; nothing runs a kernel.
"""

import csv
import stat
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nncourse import lms
from nncourse.cli import main
from nncourse.collect import ZIP_ENTRIES, collect
from nncourse.course import CourseError
from nncourse.lms import collect_zip, parse_lms_name, strip_resubmission
from tests.test_collect import lie_about_size

A = "01_gradient_checking"
ON_TIME = (2026, 11, 30, 10, 0, 0)
LATER = (2026, 11, 30, 11, 0, 0)
AFTER_DUE = (2026, 12, 1, 1, 0, 0)


def notebook(source="x = 1") -> str:
    return nbformat.writes(new_notebook(cells=[new_code_cell(source)]))


def make_zip(path, entries):
    """entries: (name, date_time, text)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, when, text in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=when), text)
    return path


def write_roster(path, rows, header="student_id,lms_id,name"):
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def read_report(out):
    with (out / "collect.csv").open(newline="") as handle:
        return [
            (r["lms_file"], r["student_id"], r["status"], r["seconds_late"], r["penalty"])
            for r in csv.DictReader(handle)
        ]


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


CANVAS_ENTRIES = [
    (f"adamsann_111_901_{A}.ipynb", ON_TIME, notebook("old = 1")),
    (f"adamsann_111_905_{A}-1.ipynb", LATER, notebook("new = 1")),
    (f"brownbob_222_902_Copy of {A}.ipynb", ON_TIME, notebook()),
    ("clarkcat_333_903_my_work.ipynb", ON_TIME, notebook()),
    ("clarkcat_333_907_report.pdf", ON_TIME, "%PDF"),
    (f"smithjane_LATE_444_904_{A}.ipynb", AFTER_DUE, notebook()),
    (f"ghost_999_906_{A}.ipynb", ON_TIME, notebook()),
    ("random.ipynb", ON_TIME, notebook()),
    ("../evil.ipynb", ON_TIME, notebook()),
    ("/abs.ipynb", ON_TIME, notebook()),
]
ROSTER = ["ann,111,Ann Adams", "bob,222,", "cat,333,Cat Clark", "jane,444,Jane Smith"]


@pytest.fixture
def canvas(tmp_path):
    zip_path = make_zip(tmp_path / "canvas.zip", CANVAS_ENTRIES)
    roster = write_roster(tmp_path / "roster.csv", ROSTER)
    return zip_path, roster


def test_canvas_zip_report_and_tree(tmp_path, canvas, capsys):
    zip_path, roster = canvas
    out = tmp_path / "out"
    rc = main(
        ["collect", str(zip_path), "--assignment", A, "--roster", str(roster)] + ["--out", str(out)]
    )
    assert rc == 0
    assert read_report(out) == [
        ("../evil.ipynb", "", "refused", "", ""),
        ("/abs.ipynb", "", "refused", "", ""),
        (f"adamsann_111_901_{A}.ipynb", "ann", "superseded", "", ""),
        (f"adamsann_111_905_{A}-1.ipynb", "ann", "collected", "", ""),
        (f"brownbob_222_902_Copy of {A}.ipynb", "bob", "collected", "", ""),
        ("clarkcat_333_903_my_work.ipynb", "cat", "collected", "", ""),
        ("clarkcat_333_907_report.pdf", "cat", "unmatched", "", ""),
        (f"ghost_999_906_{A}.ipynb", "", "unmatched", "", ""),
        ("random.ipynb", "", "unmatched", "", ""),
        (f"smithjane_LATE_444_904_{A}.ipynb", "jane", "late", "", ""),
    ]
    assert files_under(out) == [
        "ann/01_gradient_checking/01_gradient_checking.ipynb",
        "ann/01_gradient_checking/timestamp.txt",
        "bob/01_gradient_checking/01_gradient_checking.ipynb",
        "bob/01_gradient_checking/timestamp.txt",
        "cat/01_gradient_checking/my_work.ipynb",
        "cat/01_gradient_checking/timestamp.txt",
        "collect.csv",
        "jane/01_gradient_checking/01_gradient_checking.ipynb",
        "jane/01_gradient_checking/timestamp.txt",
    ]
    ann = out / "ann" / A
    assert "new = 1" in (ann / f"{A}.ipynb").read_text()
    assert (ann / "timestamp.txt").read_text() == "2026-11-30 11:00:00.000000 UTC\n"
    # nothing outside --out: only the inputs and the out folder sit in tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["canvas.zip", "out", "roster.csv"]
    assert not (tmp_path.parent / "evil.ipynb").exists()
    printed = capsys.readouterr().out
    assert "4 collected" not in printed  # late counts separately
    assert "3 collected, 1 late, 1 superseded, 3 unmatched, 2 refused" in printed
    for name in ("random.ipynb", "ghost_999_906", "report.pdf", "../evil.ipynb"):
        assert name in printed


def test_canvas_details_say_why(tmp_path, canvas):
    zip_path, roster = canvas
    out = tmp_path / "out"
    collect_zip(zip_path, A, out, roster=roster)
    with (out / "collect.csv").open(newline="") as handle:
        detail = {r["lms_file"]: r["detail"] for r in csv.DictReader(handle)}
    assert "'..'" in detail["../evil.ipynb"]
    assert "absolute" in detail["/abs.ipynb"]
    assert detail[f"ghost_999_906_{A}.ipynb"] == "LMS id 999 is not in the roster"
    assert detail["random.ipynb"] == "file name matches no Canvas or Moodle pattern"
    assert "not a notebook" in detail["clarkcat_333_907_report.pdf"]
    assert (
        detail[f"adamsann_111_901_{A}.ipynb"]
        == f"older than adamsann_111_905_{A}-1.ipynb; not used"
    )
    assert detail[f"smithjane_LATE_444_904_{A}.ipynb"] == (
        "Canvas marks it LATE; no --due given, so no penalty"
    )


def test_without_roster_the_lms_id_is_the_student(tmp_path, canvas):
    zip_path, _ = canvas
    out = tmp_path / "out"
    collect_zip(zip_path, A, out)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "111",
        "222",
        "333",
        "444",
        "999",
    ]


def test_moodle_zip(tmp_path):
    zip_path = make_zip(
        tmp_path / "moodle.zip",
        [
            (f"Ann Adams_5001_assignsubmission_file_/{A}.ipynb", ON_TIME, notebook()),
            (f"Bob Brown_5002_assignsubmission_file_{A} (1).ipynb", ON_TIME, notebook()),
            ("Cat Clark_5003_assignsubmission_onlinetext_/onlinetext.html", ON_TIME, "<p>"),
        ],
    )
    out = tmp_path / "out"
    collect_zip(zip_path, A, out)
    assert files_under(out) == [
        "5001/01_gradient_checking/01_gradient_checking.ipynb",
        "5001/01_gradient_checking/timestamp.txt",
        "5002/01_gradient_checking/01_gradient_checking.ipynb",
        "5002/01_gradient_checking/timestamp.txt",
        "collect.csv",
    ]
    assert [r[2] for r in read_report(out)] == ["collected", "collected", "unmatched"]


@pytest.mark.parametrize("penalty", ["none", "zero"])
@pytest.mark.parametrize(
    "due", ["2026-11-30T14:00:00Z", "2026-11-30T15:00:00+01:00", "2026-11-30 14:00"]
)
def test_due_and_penalty(tmp_path, penalty, due):
    zip_path = make_zip(
        tmp_path / "c.zip",
        [
            (f"adamsann_111_1_{A}.ipynb", (2026, 11, 30, 14, 3, 0), notebook()),
            (f"brownbob_222_2_{A}.ipynb", (2026, 11, 30, 13, 59, 0), notebook()),
        ],
    )
    out = tmp_path / "out"
    collect_zip(zip_path, A, out, due=due, penalty=penalty)
    assert read_report(out) == [
        (f"adamsann_111_1_{A}.ipynb", "111", "late", "180", penalty),
        (f"brownbob_222_2_{A}.ipynb", "222", "collected", "0", ""),
    ]
    stamp = (out / "111" / A / "timestamp.txt").read_text()
    assert stamp == "2026-11-30 14:03:00.000000 UTC\n"


def test_only_a_date_after_due_carries_a_penalty(tmp_path):
    """nbgrader compares timestamp.txt with the due date: a Canvas LATE mark on a file
    dated before --due is recorded, and the penalty column stays empty."""
    zip_path = make_zip(
        tmp_path / "c.zip",
        [
            (f"adamsann_LATE_111_1_{A}.ipynb", (2026, 11, 30, 13, 0, 0), notebook()),
            (f"brownbob_LATE_222_2_{A}.ipynb", (2026, 11, 30, 15, 0, 0), notebook()),
        ],
    )
    out = tmp_path / "out"
    collect_zip(zip_path, A, out, due="2026-11-30T14:00:00Z", penalty="zero")
    assert read_report(out) == [
        (f"adamsann_LATE_111_1_{A}.ipynb", "111", "late", "0", ""),
        (f"brownbob_LATE_222_2_{A}.ipynb", "222", "late", "3600", "zero"),
    ]
    with (out / "collect.csv").open(newline="") as handle:
        detail = [r["detail"] for r in csv.DictReader(handle)]
    assert detail == [
        "Canvas marks it LATE; not after --due, so no penalty",
        "3600 s after --due; scores 0 when graded with this --due",
    ]


def test_one_folder_collects_several_assignments(tmp_path):
    out = tmp_path / "out"
    first = make_zip(tmp_path / "a.zip", [(f"adamsann_111_1_{A}.ipynb", ON_TIME, notebook())])
    second = make_zip(tmp_path / "b.zip", [("adamsann_111_2_02_b.ipynb", ON_TIME, notebook())])
    collect_zip(first, A, out)
    collect_zip(second, "02_b", out)
    collect_zip(first, A, out)  # collecting A again replaces only A's rows
    with (out / "collect.csv").open(newline="") as handle:
        got = [(r["assignment"], r["lms_file"], r["status"]) for r in csv.DictReader(handle)]
    assert got == [
        ("02_b", "adamsann_111_2_02_b.ipynb", "collected"),
        (A, f"adamsann_111_1_{A}.ipynb", "collected"),
    ]
    assert sorted(p.name for p in (out / "111").iterdir()) == ["01_gradient_checking", "02_b"]


def test_name_parsing():
    assert parse_lms_name(f"smithjane_LATE_12345_67890_{A}-2.ipynb") == (
        "12345",
        f"{A}.ipynb",
        True,
        2,
    )
    assert parse_lms_name("Jane Q Smith_77_assignsubmission_file_/x.ipynb") == (
        "77",
        "x.ipynb",
        False,
        0,
    )
    assert parse_lms_name("nothing.ipynb") is None
    assert strip_resubmission("a-b.ipynb") == ("a-b.ipynb", 0)


def test_round_trip_into_grade_collect(tmp_path, canvas):
    zip_path, roster = canvas
    out = tmp_path / "out"
    collect_zip(zip_path, A, out, roster=roster)
    entries = collect(out, A, [A], tmp_path / "submitted")
    got = {(e.student, e.notebook): e.status for e in entries}
    assert got == {
        ("ann", A): "pending",
        ("bob", A): "pending",
        ("cat", A): "pending",
        ("jane", A): "pending",
    }
    assert (tmp_path / "submitted" / "jane" / A / "timestamp.txt").is_file()


def test_recollect_replaces_a_students_folder(tmp_path):
    out = tmp_path / "out"
    first = make_zip(tmp_path / "1.zip", [("adamsann_111_1_old_name.ipynb", ON_TIME, notebook())])
    collect_zip(first, A, out)
    second = make_zip(tmp_path / "2.zip", [(f"adamsann_111_2_{A}.ipynb", LATER, notebook())])
    collect_zip(second, A, out)
    assert sorted(p.name for p in (out / "111" / A).iterdir()) == [f"{A}.ipynb", "timestamp.txt"]


# ---------------------------------------------------------------------------- export

GRADES = """\
student_id,assignment,notebook,score,max_score,status,detail
ann,01_a,01_a,3,5,ok,
ann,02_b,part1,2,4,ok,
ann,02_b,part2,1.5,6,ok,
bob,01_a,01_a,5,5,ok,
cat,02_b,part1,0,4,missing,no part1.ipynb submitted
cat,02_b,part2,6,6,ok,
"""


@pytest.fixture
def run(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "grades.csv").write_text(GRADES)
    for student, assignment, stem in [
        ("ann", "01_a", "01_a"),
        ("ann", "02_b", "part1"),
        ("ann", "02_b", "part2"),
        ("cat", "02_b", "part2"),
    ]:
        page = folder / "feedback" / student / assignment / f"{stem}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<p>{student} {stem}</p>")
    return folder


def test_export_csv(tmp_path, run, capsys):
    out = tmp_path / "scores.csv"
    assert main(["export", str(run), "--format", "csv", "--out", str(out)]) == 0
    assert out.read_text() == ("student_id,01_a,02_b,total\nann,3,3.5,6.5\nbob,5,,5\ncat,,6,6\n")
    assert files_under(run / "lms") == [
        "01_a/ann_01_a_feedback.html",
        "02_b/ann_02_b_part1_feedback.html",
        "02_b/ann_02_b_part2_feedback.html",
        "02_b/cat_02_b_feedback.html",
    ]
    assert (run / "lms" / "02_b" / "cat_02_b_feedback.html").read_text() == "<p>cat part2</p>"
    printed = capsys.readouterr()
    assert "wrote 4 feedback file(s)" in printed.out
    assert printed.err == ""  # no roster, no warning


def test_export_canvas_with_roster(tmp_path, run, capsys):
    roster = write_roster(tmp_path / "roster.csv", ["ann,111,Ann Adams", "bob,222,"])
    out = tmp_path / "canvas.csv"
    rc = main(
        ["export", str(run), "--format", "canvas", "--out", str(out), "--roster", str(roster)]
    )
    assert rc == 0
    assert capsys.readouterr().err == (
        f"warning: 1 graded student(s) not in {roster}; their student id stands in for the "
        "LMS id, which the LMS may not match: cat\n"
    )
    assert out.read_text() == (
        "Student,ID,SIS User ID,SIS Login ID,Section,01_a,02_b\n"
        "Points Possible,,,,,5,10\n"
        "Ann Adams,111,,,,3,3.5\n"
        "bob,222,,,,5,\n"
        "cat,cat,,,,,6\n"
    )
    assert files_under(run / "lms") == [
        "01_a/111_01_a_feedback.html",
        "02_b/111_02_b_part1_feedback.html",
        "02_b/111_02_b_part2_feedback.html",
        "02_b/cat_02_b_feedback.html",
    ]


# ---------------------------------------------------------------------------- errors


def bad_roster(tmp_path, rows):
    return write_roster(tmp_path / "bad_roster.csv", rows)


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing zip", "does not exist"),
        ("not a zip", "is not a zip file"),
        ("bad due", "is not an ISO 8601"),
        ("empty student_id", "line 3: empty student_id"),
        ("duplicate student_id", "line 3: duplicate student_id 'ann'"),
        ("roster header", "missing lms_id"),
        ("bad assignment", "--assignment '../x'"),
    ],
)
def test_collect_errors_exit_2(tmp_path, capsys, case, message):
    zip_path = make_zip(tmp_path / "ok.zip", [(f"a_1_2_{A}.ipynb", ON_TIME, notebook())])
    extra, assignment = [], A
    if case == "missing zip":
        zip_path = tmp_path / "nope.zip"
    elif case == "not a zip":
        zip_path = tmp_path / "text.zip"
        zip_path.write_text("hello")
    elif case == "bad due":
        extra = ["--due", "next friday"]
    elif case == "empty student_id":
        extra = ["--roster", str(bad_roster(tmp_path, ["ann,1,", ",2,"]))]
    elif case == "duplicate student_id":
        extra = ["--roster", str(bad_roster(tmp_path, ["ann,1,", "ann,2,"]))]
    elif case == "roster header":
        extra = ["--roster", str(write_roster(tmp_path / "r.csv", ["ann"], header="student_id"))]
    elif case == "bad assignment":
        assignment = "../x"
    argv = ["collect", str(zip_path), "--assignment", assignment, "--out", str(tmp_path / "o")]
    assert main(argv + extra) == 2
    err = capsys.readouterr().err
    assert err.startswith("nncourse: error:")
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "grades, message",
    [
        (None, "grades.csv does not exist"),
        ("student_id,assignment,notebook,max_score\nann,a,a,1\n", "missing column(s) score"),
        ("student_id,assignment,notebook,score,max_score\nann,a,a,x,1\n", "line 2"),
    ],
)
def test_export_errors_exit_2(tmp_path, capsys, grades, message):
    run = tmp_path / "run"
    run.mkdir()
    if grades is not None:
        (run / "grades.csv").write_text(grades)
    assert main(["export", str(run), "--format", "csv", "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nncourse: error:")
    assert message in err
    assert "Traceback" not in err


def test_archiver_junk_is_left_out(tmp_path):
    """macOS and Windows zip tools add entries no student wrote: no row, no file."""
    when = (2026, 11, 30, 12, 0, 0)
    zip_path = make_zip(
        tmp_path / "mac.zip",
        [
            (f"doe_111_1_{A}.ipynb", when, "{}"),
            (f"__MACOSX/._doe_111_1_{A}.ipynb", when, "junk"),
            (".DS_Store", when, "junk"),
            (f"._doe_111_1_{A}.ipynb", when, "junk"),
            ("Thumbs.db", when, "junk"),
        ],
    )
    out = tmp_path / "out"
    collect_zip(zip_path, A, out)
    assert [r[:3] for r in read_report(out)] == [(f"doe_111_1_{A}.ipynb", "111", "collected")]
    assert files_under(out) == [f"111/{A}/{A}.ipynb", f"111/{A}/timestamp.txt", "collect.csv"]


def test_zip_caps_refuse_one_students_file_and_keep_the_others(tmp_path):
    """A zip bomb, a link and an entry whose directory lies about its size are refused
    rows; the other students are collected."""
    zip_path = tmp_path / "canvas.zip"
    lying = f"davisdan_555_904_{A}.ipynb"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"adamsann_111_901_{A}.ipynb", notebook())
        archive.writestr(f"brownbob_222_902_{A}.ipynb", b"0" * (30 * 2**20))
        link = zipfile.ZipInfo(f"clarkcat_333_903_{A}.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr(lying, b"0" * (5 * 2**20))
    lie_about_size(zip_path, lying, 1_000)
    out = tmp_path / "out"
    result = collect_zip(zip_path, A, out)
    rows = {row.student_id: (row.status, row.detail) for row in result.rows}
    assert rows == {
        "111": ("collected", ""),
        "222": ("refused", f"{A}.ipynb inflates to 30.0 MB, more than the cap of 20.0 MB per file"),
        "333": ("refused", f"{A}.ipynb is a symbolic link in the zip, not a notebook file"),
        "555": (
            "refused",
            f"{lying} cannot be unpacked from the zip (Bad CRC-32 for file '{lying}')",
        ),
    }
    assert files_under(out) == [f"111/{A}/{A}.ipynb", f"111/{A}/timestamp.txt", "collect.csv"]


def test_a_zip_with_too_many_entries_or_too_much_in_all_is_refused(tmp_path, monkeypatch):
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(ZIP_ENTRIES + 1):
            archive.writestr(f"junk/{i}", b"")
    with pytest.raises(CourseError, match="has 20,001 entries, more than the cap of 20,000"):
        collect_zip(many, A, tmp_path / "out")
    monkeypatch.setattr(lms, "ZIP_TOTAL_BYTES", 2**20 - 1)
    big = make_zip(
        tmp_path / "big.zip",
        [(f"a_1_2_{A}.ipynb", ON_TIME, "x" * 2**19), (f"b_3_4_{A}.ipynb", ON_TIME, "x" * 2**19)],
    )
    with pytest.raises(CourseError, match=r"would inflate to 1\.0 MB, more than the cap"):
        collect_zip(big, A, tmp_path / "out")
    monkeypatch.setattr(lms, "ZIP_TOTAL_BYTES", 2**20)
    assert collect_zip(big, A, tmp_path / "out").counts() == {"collected": 2}
