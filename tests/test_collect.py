"""Finding and normalising submissions: every odd case becomes a row, never a crash."""

import json
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nncourse.collect import (
    SubmissionsError,
    collect,
    grading_cells,
    match_notebooks,
    read_notebook,
)

A = "01_gradient_checking"


def write_nb(path, source="x = 1"):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), path)


def statuses(entries):
    return {(e.student, e.notebook): (e.status, e.detail) for e in entries}


def test_match_renamed_missing_and_extra(tmp_path):
    write_nb(tmp_path / "renamed" / A / "my homework.ipynb")
    (tmp_path / "empty" / A).mkdir(parents=True)
    write_nb(tmp_path / "extra" / A / f"{A}.ipynb")
    write_nb(tmp_path / "extra" / A / "scratch.ipynb")

    renamed = match_notebooks("renamed", tmp_path / "renamed" / A, [A])
    assert [(e.notebook, e.status) for e in renamed] == [(A, "pending")]
    assert "graded my homework.ipynb as" in renamed[0].detail

    empty = match_notebooks("empty", tmp_path / "empty" / A, [A])
    assert [(e.notebook, e.status) for e in empty] == [(A, "missing")]

    extra = statuses(match_notebooks("extra", tmp_path / "extra" / A, [A]))
    assert extra[("extra", A)][0] == "pending"
    assert extra[("extra", "scratch")][0] == "invalid"
    assert "not part of this assignment" in extra[("extra", "scratch")][1]


def test_two_unknown_notebooks_are_not_guessed(tmp_path):
    write_nb(tmp_path / "s" / A / "a.ipynb")
    write_nb(tmp_path / "s" / A / "b.ipynb")
    rows = statuses(match_notebooks("s", tmp_path / "s" / A, [A]))
    assert rows[("s", A)][0] == "missing"
    assert rows[("s", "a")][0] == rows[("s", "b")][0] == "invalid"


def test_wrong_assignment_folder_names_what_was_found(tmp_path):
    write_nb(tmp_path / "s" / "02_minibatch_sgd" / "02_minibatch_sgd.ipynb")
    (entry,) = match_notebooks("s", tmp_path / "s" / A, [A])
    assert entry.status == "missing"
    assert "no folder 01_gradient_checking/" in entry.detail and "02_minibatch_sgd" in entry.detail


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b'{"cells": [', "not valid notebook JSON"),
        (b"[1, 2]", "not a Jupyter notebook"),
        (b'{"a": 1}', "not a Jupyter notebook"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_unreadable_files_raise_value_error(tmp_path, content, message):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_notebook(path)


def test_nbformat3_is_upgraded(tmp_path):
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": "x = 1",
                        "language": "python",
                        "outputs": [],
                        "metadata": {"nbgrader": {"solution": True, "grade_id": "a"}},
                    }
                ],
                "metadata": {},
            }
        ],
    }
    path = tmp_path / "s" / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(v3))
    submitted = tmp_path / "submitted"
    (entry,) = collect(tmp_path, A, [A], submitted)
    assert entry.status == "pending" and "upgraded from nbformat 3" in entry.detail
    nb = nbformat.read(submitted / "s" / A / f"{A}.ipynb", as_version=4)
    assert nb.nbformat == 4 and nb.cells[0].source == "x = 1"


def test_collect_marks_invalid_and_keeps_going(tmp_path):
    subs = tmp_path / "subs"
    write_nb(subs / "alice" / A / f"{A}.ipynb")
    (subs / "bob" / A).mkdir(parents=True)
    (subs / "bob" / A / f"{A}.ipynb").write_text("{not json")
    rows = statuses(collect(subs, A, [A], tmp_path / "submitted"))
    assert rows[("alice", A)][0] == "pending"
    assert rows[("bob", A)][0] == "invalid" and "not valid notebook JSON" in rows[("bob", A)][1]
    assert (tmp_path / "submitted" / "alice" / A / f"{A}.ipynb").is_file()
    assert not (tmp_path / "submitted" / "bob" / A / f"{A}.ipynb").exists()


def test_zip_with_a_common_top_folder_is_stripped(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for student in ("alice", "bob"):
            nb = nbformat.writes(new_notebook(cells=[new_code_cell(student)]))
            zf.writestr(f"export/submitted/{student}/{A}/{A}.ipynb", nb)
        zf.writestr("__MACOSX/._junk", "x")
    entries = collect(archive, A, [A], tmp_path / "submitted")
    assert sorted(e.student for e in entries) == ["alice", "bob"]


def test_unsafe_zip_and_bad_paths_are_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../outside.ipynb", "{}")
    with pytest.raises(SubmissionsError, match="unsafe path"):
        collect(archive, A, [A], tmp_path / "submitted")
    with pytest.raises(SubmissionsError, match="does not exist"):
        collect(tmp_path / "nope", A, [A], tmp_path / "submitted")
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(SubmissionsError, match="neither a folder nor a zip"):
        collect(tmp_path / "plain.txt", A, [A], tmp_path / "submitted")


def test_student_filter_rejects_unknown_ids(tmp_path):
    write_nb(tmp_path / "alice" / A / f"{A}.ipynb")
    with pytest.raises(SubmissionsError, match="carol"):
        collect(tmp_path, A, [A], tmp_path / "submitted", students=["carol"])


def test_grading_keeps_nbgrader_cells_and_markdown_only():
    graded = new_code_cell("def f(): ...")
    graded.metadata["nbgrader"] = {"solution": True, "grade_id": "f_solution"}
    scratch = new_code_cell("while True: pass")
    nb = new_notebook(cells=[graded, scratch, nbformat.v4.new_markdown_cell("# Title")])
    kept = grading_cells(nb).cells
    assert [c.source for c in kept] == ["def f(): ...", "# Title"]
