"""Finding and normalising submissions: every odd case becomes a row, never a crash."""

import json
import os
import stat
import struct
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nncourse import collect as collect_module
from nncourse.collect import (
    SubmissionsError,
    collect,
    grading_cells,
    match_notebooks,
    read_notebook,
)
from nncourse.mutate import solved_submission
from tests import harness

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


# ------------------------------------------------------------ one bad file, and caps


def notebook_text(cells=1, metadata="{}") -> str:
    """A notebook's JSON with ``cells`` code cells; ``metadata`` is inserted as written."""
    cell = '{{"cell_type": "code", "id": "c{}", "execution_count": null, "metadata": {{}}, '
    cell += '"outputs": [], "source": "x = 1"}}'
    body = ", ".join(cell.format(i) for i in range(cells))
    return f'{{"nbformat": 4, "nbformat_minor": 5, "metadata": {metadata}, "cells": [{body}]}}'


def nested(depth: int) -> str:
    """JSON metadata whose lists nest ``depth`` levels under the metadata object."""
    return '{"deep": ' + "[" * depth + "]" * depth + "}"


def with_honest_alice(subs, bad: bytes | str):
    """alice hands in a small good notebook, bob ``bad`` (both as files under subs)."""
    write_nb(subs / "alice" / A / f"{A}.ipynb")
    path = subs / "bob" / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bad.encode() if isinstance(bad, str) else bad)
    return path


def test_deeply_nested_json_is_invalid_and_the_batch_goes_on(tmp_path):
    """Measured before: 100k-deep metadata raised RecursionError in nbformat, and no
    student got a grade."""
    subs = tmp_path / "subs"
    with_honest_alice(subs, notebook_text(metadata=nested(100_000)))
    rows = statuses(collect(subs, A, [A], tmp_path / "submitted"))
    assert rows[("alice", A)] == ("pending", "")
    status, detail = rows[("bob", A)]
    assert status == "invalid"
    assert detail == (
        f"{A}.ipynb: its JSON nests 100,002 levels deep, more than the 100 a notebook may"
    )


def test_the_depth_cap_counts_structure_not_brackets_in_strings(tmp_path):
    cap = collect_module.MAX_DEPTH
    at_cap, over = tmp_path / "at_cap.ipynb", tmp_path / "over.ipynb"
    at_cap.write_text(notebook_text(metadata=nested(cap - 2)))  # + notebook + metadata
    over.write_text(notebook_text(metadata=nested(cap - 1)))
    assert collect_module.json_depth(at_cap.read_text()) == cap
    assert isinstance(read_notebook(at_cap)[0].metadata["deep"], list)
    with pytest.raises(ValueError, match=f"nests {cap + 1} levels deep"):
        read_notebook(over)
    brackets = tmp_path / "brackets.ipynb"
    write_nb(brackets, source="s = '" + "[{" * 5_000 + "'")
    assert read_notebook(brackets)[0].cells[0].source.count("[{") == 5_000


def test_a_notebook_over_the_size_cap_is_invalid(tmp_path):
    subs = tmp_path / "subs"
    big = "x" * (collect_module.NOTEBOOK_BYTES + 1)
    with_honest_alice(subs, notebook_text(metadata=f'{{"junk": "{big}"}}'))
    rows = statuses(collect(subs, A, [A], tmp_path / "submitted"))
    assert rows[("alice", A)][0] == "pending"
    assert rows[("bob", A)] == (
        "invalid",
        f"{A}.ipynb: the file is over 20.0 MB, the most a notebook may be; clear its outputs "
        "(Edit > Clear Outputs of All Cells), save and resubmit",
    )


def test_a_notebook_over_the_cell_cap_is_invalid(tmp_path):
    subs = tmp_path / "subs"
    with_honest_alice(subs, notebook_text(cells=collect_module.MAX_CELLS + 1))
    rows = statuses(collect(subs, A, [A], tmp_path / "submitted"))
    assert rows[("alice", A)][0] == "pending"
    assert rows[("bob", A)] == (
        "invalid",
        f"{A}.ipynb: it has 2,001 cells, more than the 2,000 a notebook may",
    )
    at_cap = tmp_path / "at_cap.ipynb"
    at_cap.write_text(notebook_text(cells=collect_module.MAX_CELLS))
    assert len(read_notebook(at_cap)[0].cells) == collect_module.MAX_CELLS


@pytest.mark.parametrize("error", [RecursionError, MemoryError, KeyError])
def test_any_failure_with_one_file_is_that_students_invalid_row(tmp_path, monkeypatch, error):
    """Whatever reading or writing one notebook raises stays in that student's row."""
    subs = tmp_path / "subs"
    with_honest_alice(subs, notebook_text())
    real_write = nbformat.write

    def write(nb, target, *args, **kwargs):
        if "bob" in str(target):
            raise error("boom")
        return real_write(nb, target, *args, **kwargs)

    monkeypatch.setattr(collect_module.nbformat, "write", write)
    rows = statuses(collect(subs, A, [A], tmp_path / "submitted"))
    assert rows[("alice", A)][0] == "pending"
    assert rows[("bob", A)] == (
        "invalid",
        f"{A}.ipynb: cannot be read as a notebook ({error.__name__})",
    )
    assert not (tmp_path / "submitted" / "bob" / A / f"{A}.ipynb").exists()


def test_folders_links_and_links_out_of_the_submissions_are_invalid(tmp_path):
    subs, outside = tmp_path / "subs", tmp_path / "solutions.ipynb"
    write_nb(outside)
    write_nb(subs / "alice" / A / f"{A}.ipynb")
    (subs / "folder" / A / f"{A}.ipynb").mkdir(parents=True)
    (subs / "broken" / A).mkdir(parents=True)
    (subs / "broken" / A / f"{A}.ipynb").symlink_to(tmp_path / "nothing.ipynb")
    (subs / "outside" / A).mkdir(parents=True)
    (subs / "outside" / A / f"{A}.ipynb").symlink_to(outside)
    (subs / "inside" / A).mkdir(parents=True)
    (subs / "inside" / A / f"{A}.ipynb").symlink_to(subs / "alice" / A / f"{A}.ipynb")
    (subs / "fifo" / A).mkdir(parents=True)
    os.mkfifo(subs / "fifo" / A / f"{A}.ipynb")
    rows = statuses(collect(subs, A, [A], tmp_path / "submitted"))
    name = f"{A}.ipynb"
    assert rows == {
        ("alice", A): ("pending", ""),
        ("inside", A): ("pending", ""),
        ("folder", A): ("invalid", f"{name}: is a folder, not a notebook file"),
        ("broken", A): ("invalid", f"{name}: is a link to a file that does not exist"),
        ("outside", A): (
            "invalid",
            f"{name}: is a link to a file outside the submissions; submit the notebook itself",
        ),
        ("fifo", A): ("invalid", f"{name}: is not a regular file"),
    }


def test_a_timestamp_that_is_not_one_is_left_out(tmp_path):
    subs = tmp_path / "subs"
    write_nb(subs / "alice" / A / f"{A}.ipynb")
    (subs / "alice" / A / "timestamp.txt").write_text("2026-11-30 10:00:00\n")
    write_nb(subs / "bob" / A / f"{A}.ipynb")
    (subs / "bob" / A / "timestamp.txt").symlink_to("/etc/hostname")
    submitted = tmp_path / "submitted"
    rows = statuses(collect(subs, A, [A], submitted))
    assert rows[("alice", A)] == ("pending", "")
    assert (submitted / "alice" / A / "timestamp.txt").read_text() == "2026-11-30 10:00:00\n"
    assert rows[("bob", A)] == (
        "pending",
        "timestamp.txt left out: it is a link to a file outside the submissions; "
        "submit the notebook itself",
    )
    assert not (submitted / "bob" / A / "timestamp.txt").exists()


def class_zip(path, bob_entry=None, bob_bytes=b""):
    """alice's good notebook, and bob's entry (a ZipInfo or a name) with ``bob_bytes``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"alice/{A}/{A}.ipynb", nbformat.writes(new_notebook(cells=[new_code_cell()])))
        if bob_entry is not None:
            zf.writestr(bob_entry, bob_bytes)
    return path


def test_a_zip_bomb_is_one_students_invalid_row(tmp_path):
    payload = b"0" * (collect_module.ZIP_ENTRY_BYTES + 10 * 2**20)  # 30 MB of zeros
    archive = class_zip(tmp_path / "class.zip", f"bob/{A}/{A}.ipynb", payload)
    assert archive.stat().st_size < 100_000  # a small zip...
    rows = statuses(collect(archive, A, [A], tmp_path / "submitted"))
    assert rows[("alice", A)] == ("pending", "")
    assert rows[("bob", A)] == (
        "invalid",
        f"{A}.ipynb inflates to 30.0 MB, more than the cap of 20.0 MB per file",
    )
    refused = collect_module.extract_zip(archive, tmp_path / "unzipped")
    bob = tmp_path / "unzipped" / "bob" / A / f"{A}.ipynb"
    assert refused == {bob: "inflates to 30.0 MB, more than the cap of 20.0 MB per file"}
    assert not bob.exists() and bob.parent.is_dir()  # ...that is never inflated


def lie_about_size(path, name: str, size: int) -> None:
    """Rewrite the uncompressed size of entry ``name`` in the zip's local header and in
    its central directory, leaving the data as it is."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(name).header_offset
    data[local + 22 : local + 26] = struct.pack("<I", size)
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(encoded)] != encoded:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = struct.pack("<I", size)
    path.write_bytes(bytes(data))


def test_a_zip_that_lies_about_a_size_is_read_only_as_far_as_it_declares(tmp_path):
    name = f"bob/{A}/{A}.ipynb"
    archive = class_zip(tmp_path / "class.zip", name, b"0" * (5 * 2**20))
    lie_about_size(archive, name, 1_000)
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo(name).file_size == 1_000
    rows = statuses(collect(archive, A, [A], tmp_path / "submitted"))
    assert rows[("alice", A)] == ("pending", "")
    status, detail = rows[("bob", A)]
    assert status == "invalid"
    assert detail == f"{A}.ipynb cannot be unpacked from the zip (Bad CRC-32 for file '{name}')"


def test_a_link_in_a_zip_is_refused(tmp_path):
    link = zipfile.ZipInfo(f"bob/{A}/{A}.ipynb")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = class_zip(tmp_path / "class.zip", link, b"../../../solutions/x.ipynb")
    rows = statuses(collect(archive, A, [A], tmp_path / "submitted"))
    assert rows[("alice", A)] == ("pending", "")
    assert rows[("bob", A)] == (
        "invalid",
        f"{A}.ipynb is a symbolic link in the zip, not a notebook file",
    )


def test_a_zip_with_too_many_entries_is_refused(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(collect_module.ZIP_ENTRIES + 1):
            zf.writestr(f"alice/{A}/junk/{i}", b"")
    with pytest.raises(SubmissionsError, match="has 20,001 entries, more than the cap of 20,000"):
        collect(archive, A, [A], tmp_path / "submitted")


def test_a_zip_that_inflates_too_much_in_all_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(collect_module, "ZIP_TOTAL_BYTES", 2**20)
    archive = class_zip(tmp_path / "class.zip", f"bob/{A}/{A}.ipynb", b"0" * 2**20)
    with pytest.raises(
        SubmissionsError, match=r"would inflate to 1\.0 MB of notebooks, more than the cap"
    ):
        collect(archive, A, [A], tmp_path / "submitted")


def test_a_bad_file_in_a_real_grading_run_is_one_invalid_row(tmp_path):
    """End to end through `nncourse grade`: an honest student and one whose notebook nests
    100k deep; grades.csv has both rows."""
    assignment = "03_lr_schedules"
    subs = tmp_path / "subs"
    honest = solved_submission(
        harness.read("assignments", assignment), harness.read("solutions", assignment)
    )
    (subs / "honest" / assignment).mkdir(parents=True)
    nbformat.write(honest, subs / "honest" / assignment / f"{assignment}.ipynb")
    (subs / "deep" / assignment).mkdir(parents=True)
    deep = notebook_text(metadata=nested(100_000))
    (subs / "deep" / assignment / f"{assignment}.ipynb").write_text(deep)
    out = tmp_path / "run"
    harness.grade(subs, assignment, out, "--timeout", "120")
    grades = {r["student_id"]: r for r in harness.read_csv(out / "grades.csv")}
    assert set(grades) == {"honest", "deep"}
    assert grades["honest"]["status"] == "ok", grades["honest"]
    tests = [r for r in harness.read_csv(out / "tests.csv") if r["student_id"] == "honest"]
    assert tests and all(float(r["score"]) == float(r["max_score"]) for r in tests)
    assert grades["deep"]["status"] == "invalid"
    assert "nests 100,002 levels deep, more than the 100 a notebook may" in grades["deep"]["detail"]
