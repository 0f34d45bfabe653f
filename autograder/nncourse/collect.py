"""Step 1 of grading: find each student's notebooks and normalise them.

The input is nbgrader's submitted/ layout, ``STUDENT/ASSIGNMENT/*.ipynb``, as a folder or
a zip of one. Every expected notebook of every student ends up as exactly one ``Entry``:
either a readable nbformat-4 notebook to grade, or a row that says why it cannot be
graded (``missing`` or ``invalid``). Nothing here raises because of one student: a file
that cannot be read, however it fails (a folder or a broken link in its place, JSON
nested too deep for nbformat, a file too large for memory), is that student's
``invalid`` row.

What a submission may be is capped (the constants below): a notebook file's size, its
number of cells and how deep its JSON nests, and for a zip its number of entries, the
inflated size of each extracted entry and of all of them. A zip is read entry by entry;
only notebooks and ``timestamp.txt`` files are extracted (and the folders of every
entry). One student's entry over a cap, or damaged, makes that student's notebook
``invalid``; the other students are collected as usual. Only a problem with the zip as a
whole (unsafe paths, too many entries, too much in total) is a ``SubmissionsError``.
"""

import json
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import nbformat

IGNORED_NAMES = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}

NOTEBOOK_BYTES = 20 * 2**20
"""Largest notebook file read (20 MB); the course's notebooks with outputs are under 1 MB."""
MAX_CELLS = 2_000
"""Most cells a notebook may have; the course's notebooks have fewer than 100."""
MAX_DEPTH = 100
"""Deepest nesting of JSON lists and objects in a notebook; a notebook nests 5 to 10 deep,
and nbformat reads and writes recursively, so a deeper file would exhaust the stack."""
TIMESTAMP_BYTES = 1_000
"""Largest timestamp.txt copied; nbgrader's holds one date."""
ZIP_ENTRIES = 20_000
"""Most entries (files and folders) in a submissions zip."""
ZIP_ENTRY_BYTES = NOTEBOOK_BYTES
"""Largest inflated size of one extracted zip entry (a notebook or timestamp.txt)."""
ZIP_TOTAL_BYTES = 2 * 2**30
"""Largest inflated size of everything extracted from one zip (2 GB)."""

CHUNK_BYTES = 2**20  # extraction copies this much at a time
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


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


def megabytes(size: int) -> str:
    """A size in plain words: ``20.0 MB``."""
    return f"{size / 2**20:,.1f} MB"


# ------------------------------------------------------------------------------ zips


def open_submissions(path: Path, scratch: Path) -> tuple[Path, dict[Path, str]]:
    """Return the folder that holds ``STUDENT/`` folders: ``path`` itself, or a zip
    extracted under ``scratch`` with a single common top folder stripped; and the
    notebooks of the zip that were not extracted, as ``{path: why}``."""
    if path.is_dir():
        return path, {}
    if not path.exists():
        raise SubmissionsError(f"{path} does not exist")
    if not zipfile.is_zipfile(path):
        raise SubmissionsError(f"{path} is neither a folder nor a zip file")
    target = scratch / "unzipped"
    refused = extract_zip(path, target)
    tops = [p for p in target.iterdir() if p.name not in IGNORED_NAMES]
    while len(tops) == 1 and tops[0].is_dir() and not _looks_like_student(tops[0]):
        target = tops[0]
        tops = [p for p in target.iterdir() if p.name not in IGNORED_NAMES]
    return target, refused


def extract_zip(path: Path, target: Path) -> dict[Path, str]:
    """Extract what collect reads (notebooks, timestamp.txt, every entry's folders) under
    ``target``. Returns ``{path: why}`` for the notebooks left out (over a cap, a link,
    damaged). Raises ``SubmissionsError`` for a problem of the zip as a whole."""
    target.mkdir(parents=True, exist_ok=True)
    refused = {}
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            check_zip(path, infos, target)
            for info in infos:
                dest = target / info.filename
                why = _extract_entry(archive, info, dest)
                if why and dest.suffix == ".ipynb":  # a bad timestamp.txt is just left out
                    refused[dest] = why
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as err:
        raise SubmissionsError(f"{path}: cannot read the zip ({err})") from None
    return refused


def check_zip(path: Path, infos: list[zipfile.ZipInfo], target: Path) -> None:
    """Refuse the whole zip: too many entries, an unsafe path, too much to extract."""
    if len(infos) > ZIP_ENTRIES:
        raise SubmissionsError(
            f"{path} has {len(infos):,} entries, more than the cap of {ZIP_ENTRIES:,}"
        )
    root = target.resolve()
    for info in infos:
        if not (target / info.filename).resolve().is_relative_to(root):
            raise SubmissionsError(f"{path}: unsafe path in zip: {info.filename!r}")
    total = sum(
        info.file_size
        for info in infos
        if _extracted(target / info.filename) and not entry_problem(info)
    )
    if total > ZIP_TOTAL_BYTES:
        raise SubmissionsError(
            f"{path} would inflate to {megabytes(total)} of notebooks, more than the cap of "
            f"{megabytes(ZIP_TOTAL_BYTES)} for one zip"
        )


def _extracted(dest: Path) -> bool:
    """Collect reads only notebooks and timestamp.txt; other files stay in the zip."""
    return dest.suffix == ".ipynb" or dest.name == "timestamp.txt"


def entry_problem(info: zipfile.ZipInfo) -> str:
    """Why an entry is not extracted, judged from the zip's directory, or ''."""
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link in the zip, not a notebook file"
    if info.file_size > ZIP_ENTRY_BYTES:
        return (
            f"inflates to {megabytes(info.file_size)}, more than the cap of "
            f"{megabytes(ZIP_ENTRY_BYTES)} per file"
        )
    return ""


def _extract_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> str:
    """Make the entry's folders and, for a notebook or timestamp.txt within the caps,
    copy it to ``dest``. Returns why it was not extracted, or ''."""
    try:
        (dest if info.is_dir() else dest.parent).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return f"cannot be unpacked from the zip ({err.strerror or err})"
    if info.is_dir() or not _extracted(dest):
        return ""
    return entry_problem(info) or copy_entry(archive, info, dest)


def copy_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> str:
    """Copy one zip entry to ``dest``, stopping as soon as it inflates past its declared
    size (a zip can lie; zipfile itself also stops there, with a CRC error). Returns why
    it failed, or ''; nothing is left at ``dest`` then."""
    written = 0
    try:
        with archive.open(info) as source, dest.open("wb") as sink:
            while chunk := source.read(CHUNK_BYTES):
                written += len(chunk)
                if written > info.file_size:
                    raise ValueError(f"inflates past the {info.file_size:,} bytes it declares")
                sink.write(chunk)
    except Exception as err:  # noqa: BLE001 - a damaged entry is one student's problem
        dest.unlink(missing_ok=True)
        return f"cannot be unpacked from the zip ({err})"
    return ""


def _looks_like_student(folder: Path) -> bool:
    """A student folder holds assignment folders with notebooks in them."""
    return any(child.is_dir() and any(child.glob("*.ipynb")) for child in folder.iterdir())


# ------------------------------------------------------------------------- matching


def list_students(folder: Path) -> list[str]:
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in IGNORED_NAMES
    )


def match_notebooks(
    student: str, folder: Path, expected: list[str], refused: dict[Path, str] | None = None
) -> list[Entry]:
    """Pair a student's assignment folder with the expected notebook stems. ``refused``
    holds notebooks a zip had but that were not extracted (``{path: why}``): they are
    matched like the others, and their entries are ``invalid``."""
    refused = refused or {}
    if not folder.is_dir():
        parent = folder.parent
        others = sorted(p.name for p in parent.iterdir() if p.is_dir()) if parent.is_dir() else []
        hint = f" (found folders: {', '.join(others)})" if others else ""
        return [
            Entry(student, stem, status="missing", detail=f"no folder {folder.name}/{hint}")
            for stem in expected
        ]
    paths = {*folder.glob("*.ipynb"), *(p for p in refused if p.parent == folder)}
    found = {p.stem: p for p in sorted(paths) if not p.name.startswith(".")}
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
    for entry in entries:
        if entry.status == "pending" and entry.source in refused:
            entry.status = "invalid"
            entry.detail = "; ".join(
                filter(None, [entry.detail, f"{entry.source.name} {refused[entry.source]}"])
            )
    return entries


# -------------------------------------------------------------------------- reading


def unusable(path: Path, root: Path) -> str:
    """Why ``path`` is not a notebook file collect may read, or ''. Links are followed
    only to files inside the submissions folder ``root``."""
    if not path.exists():
        return "is a link to a file that does not exist" if path.is_symlink() else "is gone"
    if not path.resolve().is_relative_to(root.resolve()):
        return "is a link to a file outside the submissions; submit the notebook itself"
    if path.is_dir():
        return "is a folder, not a notebook file"
    if not path.is_file():
        return "is not a regular file"
    return ""


def json_depth(text: str) -> int:
    """How deep lists and objects nest in JSON ``text``, counted without recursion
    (strings, which may hold brackets, are left out)."""
    brackets = NOT_A_BRACKET.sub("", JSON_STRING.sub("", text))
    return max(accumulate(map(BRACKET_STEP.__getitem__, brackets)), default=0)


def cell_count(data: dict) -> int:
    """Cells of a notebook's JSON (nbformat 4, or 3 with its worksheets)."""
    if isinstance(data.get("cells"), list):
        return len(data["cells"])
    worksheets = data.get("worksheets")
    if not isinstance(worksheets, list):
        return 0
    cells = [w.get("cells") for w in worksheets if isinstance(w, dict)]
    return sum(len(c) for c in cells if isinstance(c, list))


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode, int]:
    """Read any notebook version and upgrade it to nbformat 4.

    Returns ``(notebook, original_major_version)``; raises ``ValueError`` with a message a
    student would understand when the file is not a usable notebook or is over a cap."""
    too_big = (
        f"the file is over {megabytes(NOTEBOOK_BYTES)}, the most a notebook may be; "
        "clear its outputs (Edit > Clear Outputs of All Cells), save and resubmit"
    )
    if path.stat().st_size > NOTEBOOK_BYTES:
        raise ValueError(too_big)
    with path.open("rb") as handle:
        raw = handle.read(NOTEBOOK_BYTES + 1)  # the size on disk may change meanwhile
    if len(raw) > NOTEBOOK_BYTES:
        raise ValueError(too_big)
    if not raw.strip():
        raise ValueError("the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the file is not text (not UTF-8): is it really a notebook?") from None
    depth = json_depth(text)
    if depth > MAX_DEPTH:
        raise ValueError(
            f"its JSON nests {depth:,} levels deep, more than the {MAX_DEPTH} a notebook may"
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid notebook JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise ValueError("valid JSON, but not a Jupyter notebook (no 'nbformat' field)")
    cells = cell_count(data)
    if cells > MAX_CELLS:
        raise ValueError(f"it has {cells:,} cells, more than the {MAX_CELLS:,} a notebook may")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as err:  # nbformat raises several kinds for broken structure
        raise ValueError(f"broken notebook structure: {err}".splitlines()[0]) from None
    if "cells" not in nb:
        raise ValueError("notebook has no cells")
    return nb, int(data["nbformat"])


def grading_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep the cells a grade depends on; drop the lesson's free code cells.

    By the course contract (README, "Authoring a notebook") graded code lives in solution
    cells and needs only earlier read-only cells, and test cells need nothing else either.
    So grading runs nbgrader cells (read-only, solution, test) and markdown, not the
    experiments, plots and timing runs in between: faster, and a student's scratch cell
    cannot break or slow the grade.
    """
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or "nbgrader" in c.metadata]
    return nb


def normalise(entry: Entry, assignment_id: str, submitted: Path, root: Path) -> None:
    """Write the entry's notebook as ``submitted/STUDENT/ID/NOTEBOOK.ipynb`` in nbformat 4,
    keeping only its grading cells, or mark the entry invalid; whatever goes wrong with
    the file, nothing is raised. ``root`` is the submissions folder. Other files of the
    student's folder are not copied, but for timestamp.txt."""
    if entry.status != "pending":
        return
    target = submitted / entry.student / assignment_id / f"{entry.notebook}.ipynb"
    try:
        problem = unusable(entry.source, root)
        if problem:
            raise ValueError(problem)
        nb, version = read_notebook(entry.source)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(grading_cells(nb), target)
    except ValueError as err:
        _invalid(entry, target, str(err))
        return
    except OSError as err:
        _invalid(entry, target, f"cannot be read ({err.strerror or err})")
        return
    except Exception as err:  # noqa: BLE001 - RecursionError, MemoryError, nbformat's own
        _invalid(entry, target, f"cannot be read as a notebook ({type(err).__name__})")
        return
    notes = [entry.detail, f"upgraded from nbformat {version}" if version < 4 else ""]
    notes.append(copy_timestamp(entry.source.parent / "timestamp.txt", target.parent, root))
    entry.detail = "; ".join(filter(None, notes))


def _invalid(entry: Entry, target: Path, why: str) -> None:
    target.unlink(missing_ok=True)
    entry.status, entry.detail = "invalid", f"{entry.source.name}: {why}"


def copy_timestamp(timestamp: Path, folder: Path, root: Path) -> str:
    """Copy the student's timestamp.txt next to the normalised notebook; return a note
    when there is one that cannot be used (it is then left out), else ''."""
    try:
        if not timestamp.exists() and not timestamp.is_symlink():
            return ""
        problem = unusable(timestamp, root)
        if not problem and timestamp.stat().st_size > TIMESTAMP_BYTES:
            problem = f"is over {TIMESTAMP_BYTES:,} bytes"
        if problem:
            return f"timestamp.txt left out: it {problem}"
        shutil.copyfile(timestamp, folder / "timestamp.txt")
    except OSError as err:
        return f"timestamp.txt left out: {err.strerror or err}"
    return ""


def collect(
    submissions: Path, assignment_id: str, expected: list[str], submitted: Path, students=None
) -> list[Entry]:
    """Find, match and normalise every student's notebooks. Returns all entries."""
    with tempfile.TemporaryDirectory(prefix="nncourse-collect-") as tmp:
        folder, refused = open_submissions(submissions, Path(tmp))
        names = list_students(folder)
        if students:
            unknown = sorted(set(students) - set(names))
            if unknown:
                raise SubmissionsError(f"no submission folder for student(s): {', '.join(unknown)}")
            names = [s for s in names if s in set(students)]
        entries = []
        for student in names:
            shutil.rmtree(submitted / student / assignment_id, ignore_errors=True)
            matched = student_entries(student, folder / student / assignment_id, expected, refused)
            for entry in matched:
                normalise(entry, assignment_id, submitted, folder)
            entries.extend(matched)
    return entries


def student_entries(
    student: str, folder: Path, expected: list[str], refused: dict[Path, str]
) -> list[Entry]:
    """``match_notebooks``, or an ``invalid`` row per expected notebook when the
    student's folder cannot be listed."""
    try:
        return match_notebooks(student, folder, expected, refused)
    except OSError as err:
        detail = f"cannot read the folder {folder.name}/ ({err.strerror or err})"
        return [Entry(student, stem, status="invalid", detail=detail) for stem in expected]
