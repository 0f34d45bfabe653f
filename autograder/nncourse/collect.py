"""Step 1 of grading: find each student's notebooks and normalise them.

The input is nbgrader's submitted/ layout, ``STUDENT/ASSIGNMENT/*.ipynb``, as a folder or
a zip of one. Every expected notebook of every student ends up as exactly one ``Entry``:
either a readable nbformat-4 notebook to grade, or a row that says why it cannot be
graded (``missing`` or ``invalid``). Nothing here raises because of one student.
"""

import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

IGNORED_NAMES = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}


@dataclass
class Entry:
    """One row of grades.csv in the making."""

    student: str
    notebook: str  # the expected stem (or, for an extra notebook, its own stem)
    source: Path | None = None  # the student's file
    status: str = "pending"  # pending -> ok | error | ...; or missing / invalid
    detail: str = ""
    expected: bool = True  # False for an extra notebook (scored 0 / 0)


class SubmissionsError(Exception):
    """The SUBMISSIONS argument itself is unusable (not a folder or zip, unsafe zip)."""


def open_submissions(path: Path, scratch: Path) -> Path:
    """Return the folder that holds ``STUDENT/`` folders: ``path`` itself, or a zip
    extracted under ``scratch`` with a single common top folder stripped."""
    if path.is_dir():
        return path
    if not path.exists():
        raise SubmissionsError(f"{path} does not exist")
    if not zipfile.is_zipfile(path):
        raise SubmissionsError(f"{path} is neither a folder nor a zip file")
    target = scratch / "unzipped"
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            resolved = (target / name).resolve()
            if not resolved.is_relative_to(target.resolve()):
                raise SubmissionsError(f"{path}: unsafe path in zip: {name!r}")
        archive.extractall(target)
    tops = [p for p in target.iterdir() if p.name not in IGNORED_NAMES]
    while len(tops) == 1 and tops[0].is_dir() and not _looks_like_student(tops[0]):
        target = tops[0]
        tops = [p for p in target.iterdir() if p.name not in IGNORED_NAMES]
    return target


def _looks_like_student(folder: Path) -> bool:
    """A student folder holds assignment folders with notebooks in them."""
    return any(child.is_dir() and any(child.glob("*.ipynb")) for child in folder.iterdir())


def list_students(folder: Path) -> list[str]:
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in IGNORED_NAMES
    )


def match_notebooks(student: str, folder: Path, expected: list[str]) -> list[Entry]:
    """Pair a student's assignment folder with the expected notebook stems."""
    if not folder.is_dir():
        parent = folder.parent
        others = sorted(p.name for p in parent.iterdir() if p.is_dir()) if parent.is_dir() else []
        hint = f" (found folders: {', '.join(others)})" if others else ""
        return [
            Entry(student, stem, status="missing", detail=f"no folder {folder.name}/{hint}")
            for stem in expected
        ]
    found = {
        p.stem: p
        for p in sorted(folder.glob("*.ipynb"))
        if p.is_file() and not p.name.startswith(".")
    }
    entries = [Entry(student, stem, source=found.pop(stem)) for stem in expected if stem in found]
    missing = [stem for stem in expected if stem not in {e.notebook for e in entries}]
    if len(missing) == 1 and len(found) == 1:
        _, path = found.popitem()
        entries.append(
            Entry(
                student, missing[0], source=path, detail=f"graded {path.name} as {missing[0]}.ipynb"
            )
        )
        missing = []
    for stem in missing:
        entries.append(Entry(student, stem, status="missing", detail=f"no {stem}.ipynb submitted"))
    for stem, path in found.items():
        entries.append(
            Entry(
                student,
                stem,
                source=path,
                status="invalid",
                detail=f"extra notebook {path.name} is not part of this assignment; not graded",
                expected=False,
            )
        )
    return entries


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode, int]:
    """Read any notebook version and upgrade it to nbformat 4.

    Returns ``(notebook, original_major_version)``; raises ``ValueError`` with a message a
    student would understand when the file is not a usable notebook."""
    raw = path.read_bytes()
    if not raw.strip():
        raise ValueError("the file is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("the file is not text (not UTF-8): is it really a notebook?") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid notebook JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise ValueError("valid JSON, but not a Jupyter notebook (no 'nbformat' field)")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as err:  # nbformat raises several kinds for broken structure
        raise ValueError(f"broken notebook structure: {err}".splitlines()[0]) from None
    if "cells" not in nb:
        raise ValueError("notebook has no cells")
    return nb, int(data["nbformat"])


def grading_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep the cells a grade depends on; drop the lesson's free code cells.

    By the course contract (DESIGN.md, "Notebook structure") graded code lives in solution
    cells and needs only earlier read-only cells, and test cells need nothing else either.
    So grading runs nbgrader cells (read-only, solution, test) and markdown, not the
    experiments, plots and timing runs in between: faster, and a student's scratch cell
    cannot break or slow the grade.
    """
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or "nbgrader" in c.metadata]
    return nb


def normalise(entry: Entry, assignment_id: str, submitted: Path) -> None:
    """Write the entry's notebook as ``submitted/STUDENT/ID/NOTEBOOK.ipynb`` in nbformat 4,
    keeping only its grading cells, or mark the entry invalid. Other files of the
    student's folder are not copied."""
    if entry.status != "pending":
        return
    try:
        nb, version = read_notebook(entry.source)
    except (OSError, ValueError) as err:
        entry.status, entry.detail = "invalid", f"{entry.source.name}: {err}"
        return
    if version < 4:
        entry.detail = "; ".join(filter(None, [entry.detail, f"upgraded from nbformat {version}"]))
    target = submitted / entry.student / assignment_id / f"{entry.notebook}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(grading_cells(nb), target)
    timestamp = entry.source.parent / "timestamp.txt"
    if timestamp.is_file():
        shutil.copy(timestamp, target.parent / "timestamp.txt")


def collect(
    submissions: Path, assignment_id: str, expected: list[str], submitted: Path, students=None
) -> list[Entry]:
    """Find, match and normalise every student's notebooks. Returns all entries."""
    with tempfile.TemporaryDirectory(prefix="nncourse-collect-") as tmp:
        folder = open_submissions(submissions, Path(tmp))
        names = list_students(folder)
        if students:
            unknown = sorted(set(students) - set(names))
            if unknown:
                raise SubmissionsError(f"no submission folder for student(s): {', '.join(unknown)}")
            names = [s for s in names if s in set(students)]
        entries = []
        for student in names:
            shutil.rmtree(submitted / student / assignment_id, ignore_errors=True)
            matched = match_notebooks(student, folder / student / assignment_id, expected)
            for entry in matched:
                normalise(entry, assignment_id, submitted)
            entries.extend(matched)
    return entries
