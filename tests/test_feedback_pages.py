"""nncourse.feedback.write_feedback: which students get a page, in how many parts, and how
a failing part is reported. A stand-in for nbgrader's API writes the pages (the real one
runs in test_grade_cli, test_resume and test_late), so the forked processes are real."""

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from nncourse.feedback import parts_of, pending_feedback, write_feedback

A = "01_x"


class FakeApi:
    """Writes ``feedback/STUDENT/A/NB.html`` for every autograded student not excluded,
    as nbgrader's generate_feedback does; students in ``fail`` get none and fail the run."""

    def __init__(self, out: Path, fail=(), crash=()):
        self.out, self.fail, self.crash = out, set(fail), set(crash)
        self.coursedir = SimpleNamespace(student_id_exclude="")

    def generate_feedback(self, assignment, student_id, force):
        assert student_id is None and force
        excluded = set(filter(None, self.coursedir.student_id_exclude.split(",")))
        ok = True
        for folder in sorted((self.out / "autograded").glob(f"*/{assignment}")):
            student = folder.parent.name
            if student in excluded:
                continue
            if student in self.crash:
                os._exit(1)  # a feedback process dies
            if student in self.fail:
                ok = False
                continue
            for notebook in folder.glob("*.ipynb"):
                page = self.out / "feedback" / student / assignment / f"{notebook.stem}.html"
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text(f"{student} pid {os.getpid()}")
        return {"success": ok, "log": "" if ok else "[ERROR] could not render", "error": ""}


def autograded(out: Path, students, notebooks=("nb",)):
    for student in students:
        for nb in notebooks:
            path = out / "autograded" / student / A / f"{nb}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("{}")


def pages(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out / "feedback")): p.read_text()
        for p in sorted((out / "feedback").rglob("*.html"))
    }


def test_pending_is_every_autograded_student_missing_a_page(tmp_path):
    autograded(tmp_path, ["ann", "bob"], notebooks=("p1", "p2"))
    autograded(tmp_path, ["cat"])
    (tmp_path / "autograded" / "dan" / A).mkdir(parents=True)  # autograde failed: empty
    for student, nb in [("ann", "p1"), ("ann", "p2"), ("bob", "p1")]:
        page = tmp_path / "feedback" / student / A / f"{nb}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("")
    assert pending_feedback(tmp_path, A) == (["ann", "bob", "cat"], ["bob", "cat"])


@pytest.mark.parametrize(
    "n, processes, sizes",
    [(0, 2, []), (1, 2, [1]), (5, 2, [2, 2, 1]), (40, 2, [10] * 4), (100, 2, [16] * 6 + [4])],
)
def test_parts(n, processes, sizes):
    students = [f"s{i:03d}" for i in range(n)]
    parts = parts_of(students, processes)
    assert [len(p) for p in parts] == sizes
    assert [s for p in parts for s in p] == students


@pytest.mark.parametrize("processes", [1, 2])
def test_every_missing_page_is_written_once(tmp_path, processes):
    students = [f"s{i}" for i in range(7)]
    autograded(tmp_path, students)
    done = tmp_path / "feedback" / "s3" / A / "nb.html"
    done.parent.mkdir(parents=True)
    done.write_text("kept")
    ticks = []
    progress = SimpleNamespace(advance=lambda n, *a: ticks.append(n))
    api = FakeApi(tmp_path)
    assert write_feedback(api, tmp_path, A, processes, progress) == ([], [])
    got = pages(tmp_path)
    assert sorted(got) == [f"{s}/{A}/nb.html" for s in students]
    assert got[f"s3/{A}/nb.html"] == "kept"  # a page already there is not redone
    assert sum(ticks) == 6
    writers = {text.split("pid ")[1] for key, text in got.items() if "pid" in text}
    if processes == 2:
        assert writers and str(os.getpid()) not in writers  # written in forked processes
    else:
        assert writers == {str(os.getpid())}
    assert api.coursedir.student_id_exclude == ""  # restored


@pytest.mark.parametrize("processes", [1, 2])
def test_a_failing_student_is_reported_and_the_others_get_pages(tmp_path, processes):
    autograded(tmp_path, ["ann", "bob", "cat", "dan"])
    missing, failures = write_feedback(FakeApi(tmp_path, fail={"bob"}), tmp_path, A, processes)
    assert missing == ["bob"]
    assert [f["log"] for f in failures] == ["[ERROR] could not render"]
    assert sorted(pages(tmp_path)) == [f"{s}/{A}/nb.html" for s in ("ann", "cat", "dan")]


def test_a_dead_feedback_process_is_reported_and_a_later_run_fills_in(tmp_path):
    students = [f"s{i}" for i in range(8)]  # 4 parts of 2
    autograded(tmp_path, students)
    missing, failures = write_feedback(FakeApi(tmp_path, crash={"s0"}), tmp_path, A, 2)
    assert "s0" in missing
    assert failures and all("feedback process failed" in f["error"] for f in failures)
    assert write_feedback(FakeApi(tmp_path), tmp_path, A, 2) == ([], [])  # as --resume does
    assert sorted(pages(tmp_path)) == [f"{s}/{A}/nb.html" for s in students]


def test_a_comma_in_a_student_id_falls_back_to_one_run(tmp_path):
    """nbgrader's exclude list is comma-separated: such an id cannot be excluded, so all
    pages are written in one run (the stand-in, like nbgrader, splits the list)."""
    autograded(tmp_path, ["ann", "b,c", "dan"])
    assert write_feedback(FakeApi(tmp_path), tmp_path, A, 2) == ([], [])
    got = pages(tmp_path)
    assert sorted(got) == [f"{s}/{A}/nb.html" for s in ("ann", "b,c", "dan")]
    assert {text.split("pid ")[1] for text in got.values()} == {str(os.getpid())}
