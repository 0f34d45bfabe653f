"""LMS in and out: ``nncourse collect`` (LMS bulk-download zip -> submitted/ tree) and
``nncourse export`` (grades.csv -> a score table or a Canvas gradebook import CSV).

collect
    Reads a Canvas or Moodle bulk-download zip without extracting it and writes
    nbgrader's submitted/ layout, ``OUT/STUDENT/ASSIGNMENT/NOTEBOOK.ipynb`` plus
    ``timestamp.txt``, which ``nncourse grade OUT`` reads.

    * Canvas names: ``lastfirst_[LATE_]USERID_SUBMISSIONID_ORIGINAL``; a ``-N`` that Canvas
      appends to a resubmitted file's stem is removed.
    * Moodle names: ``Full Name_PARTICIPANTID_assignsubmission_file_/ORIGINAL`` (folder per
      student) or the same as a flat prefix without the ``/``.
    * The student id is looked up in ``--roster`` (``student_id,lms_id[,name]``) by the id
      in the file name (Canvas user id, Moodle participant id). Without a roster the
      student id *is* that LMS id (digits).
    * A notebook whose stem is the assignment id, or a copy of it (``Copy of X``,
      ``X (1)``, ``X-1``, any case), is written as ``ASSIGNMENT.ipynb``; other notebooks
      keep their name (``nncourse grade`` grades a single renamed notebook anyway).
    * Several files of one student that end up with the same name: the newest by zip
      date is kept, the others are ``superseded``.
    * Zip dates have no time zone; they are taken as UTC, and so is a ``--due`` without
      an offset. A file is ``late`` when its date is after ``--due`` or when Canvas marks
      its name ``LATE`` (the detail says which). Only a date after ``--due`` carries a
      penalty, because that is what nbgrader sees: ``nncourse grade --due D --penalty
      zero`` compares timestamp.txt with D and scores such a notebook 0
      (``nncourse.late``). Collect changes no score; its penalty column says what that
      grade run will do.
    * Every file of the zip (but what archivers add: ``__MACOSX/``, ``._x``,
      ``.DS_Store``) gets one row of ``OUT/collect.csv``
      (``assignment,lms_file,student_id,status,seconds_late,penalty,detail``), status
      one of collected, late, superseded, unmatched (no known name pattern, id not in the
      roster, not a notebook) and refused (absolute or ``..`` paths, links, entries that
      inflate past ``ZIP_ENTRY_BYTES`` or cannot be unpacked).
    * The caps of ``nncourse.collect`` hold here too: a zip with more than ``ZIP_ENTRIES``
      entries, or whose kept notebooks inflate past ``ZIP_TOTAL_BYTES`` in all, is
      refused as a whole; an entry is read only up to its declared size.
      Rows of other assignments already in collect.csv are kept, so one folder can
      collect several assignments. Nothing is written outside OUT. A student's
      ``OUT/STUDENT/ASSIGNMENT/`` folder is replaced, so collecting again gives the
      latest zip's result.

export
    Reads ``DIR/grades.csv`` of an ``nncourse grade`` run (it may hold several
    assignments). A student's assignment score is the sum over its notebooks; its points
    possible is the largest such sum of max_score over students.

    * ``--format csv``: ``student_id,<assignment>...,total``, sorted by student id; an
      assignment a student has no row for is left empty.
    * ``--format canvas``: Canvas gradebook import: ``Student,ID,SIS User ID,SIS Login
      ID,Section,<assignment>...`` and a ``Points Possible`` row. With ``--roster``,
      Student is the roster name and ID the lms_id (Canvas user id); without it both are
      the student id, which is right when collect ran without a roster. SIS columns and
      Section are left empty (Canvas matches on ID).
    * Feedback: every ``DIR/feedback/STUDENT/ASSIGNMENT/*.html`` is copied to
      ``DIR/lms/ASSIGNMENT/{lms_id or student}_{ASSIGNMENT}_feedback.html`` (with
      ``_{notebook}`` before ``_feedback`` when a student has several notebooks).
"""

import csv
import io
import re
import shutil
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from .collect import (
    IGNORED_NAMES,
    ZIP_ENTRIES,
    ZIP_TOTAL_BYTES,
    copy_entry,
    entry_problem,
    megabytes,
)
from .course import CourseError
from .files import atomic_write
from .late import check_penalty, nbgrader_timestamp, parse_due
from .report import GRADES_COLUMNS, fmt

STATUSES = ["collected", "late", "superseded", "unmatched", "refused"]
REPORT_COLUMNS = [
    "assignment",
    "lms_file",
    "student_id",
    "status",
    "seconds_late",
    "penalty",
    "detail",
]

CANVAS_NAME = re.compile(
    r"^(?P<who>[^_]+)_(?:(?P<late>LATE)_)?(?P<lms_id>\d+)_(?P<sub>\d+)_(?P<original>.+)$"
)
MOODLE_PATH = re.compile(
    r"^(?:.*/)?(?P<who>[^/]+?)_(?P<lms_id>\d+)_assignsubmission_file_/?(?P<original>[^/]+)$"
)
RESUBMISSION_SUFFIX = re.compile(r"-(\d+)$")
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
OS_JUNK = {".DS_Store", "Thumbs.db", "desktop.ini"}  # added by zip tools, not by students


def os_junk(name: str) -> bool:
    """A zip entry the archiver added (``__MACOSX/``, AppleDouble ``._x``, ``.DS_Store``):
    left out of collect.csv altogether."""
    parts = PurePosixPath(name).parts
    base = parts[-1] if parts else ""
    return bool(IGNORED_NAMES & set(parts)) or base in OS_JUNK or base.startswith("._")


# ---------------------------------------------------------------------------- roster


@dataclass(frozen=True)
class Student:
    """One roster row."""

    student_id: str
    lms_id: str
    name: str = ""


def check_id(value: str, what: str) -> str:
    """Return ``value`` if it is safe as one folder name, else raise CourseError."""
    if not SAFE_ID.match(value) or value in {".", ".."}:
        raise CourseError(
            f"{what} {value!r} is not usable as a folder name "
            "(letters, digits, '.', '_', '@', '-'; not starting with a symbol)"
        )
    return value


def read_roster(path: Path) -> list[Student]:
    """Read ``student_id,lms_id[,name]``; any bad row is a CourseError naming its line."""
    if not path.is_file():
        raise CourseError(f"roster {path} does not exist")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"student_id", "lms_id"} - set(reader.fieldnames or [])
        if missing:
            raise CourseError(
                f"roster {path}: header must hold student_id,lms_id[,name]; "
                f"missing {', '.join(sorted(missing))}"
            )
        students, seen_ids, seen_lms = [], {}, {}
        for row in reader:
            line = reader.line_num
            student_id = (row.get("student_id") or "").strip()
            lms_id = (row.get("lms_id") or "").strip()
            if not student_id:
                raise CourseError(f"roster {path} line {line}: empty student_id")
            if student_id in seen_ids:
                raise CourseError(
                    f"roster {path} line {line}: duplicate student_id {student_id!r} "
                    f"(also on line {seen_ids[student_id]})"
                )
            if not lms_id:
                raise CourseError(f"roster {path} line {line}: empty lms_id")
            if lms_id in seen_lms:
                raise CourseError(
                    f"roster {path} line {line}: duplicate lms_id {lms_id!r} "
                    f"(also on line {seen_lms[lms_id]})"
                )
            check_id(student_id, f"roster {path} line {line}: student_id")
            seen_ids[student_id], seen_lms[lms_id] = line, line
            students.append(Student(student_id, lms_id, (row.get("name") or "").strip()))
    return students


# --------------------------------------------------------------------------- collect


@dataclass
class ZipFileRow:
    """One file of the LMS zip and what collect made of it (one row of collect.csv)."""

    assignment: str
    lms_file: str
    student_id: str = ""
    status: str = "unmatched"
    seconds_late: str = ""
    penalty: str = ""
    detail: str = ""
    target: str = ""  # notebook name under STUDENT/ASSIGNMENT/
    when: datetime | None = None
    order: tuple = ()  # newest wins: (date, resubmission number, zip position)
    canvas_late: bool = False

    def as_row(self) -> dict:
        return {column: getattr(self, column) for column in REPORT_COLUMNS}


@dataclass
class CollectResult:
    rows: list[ZipFileRow] = field(default_factory=list)
    report: Path | None = None

    def counts(self) -> Counter:
        return Counter(row.status for row in self.rows)


def unsafe_path(name: str) -> str:
    """Why a zip entry name may not be used (absolute, ``..``), or ''."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return "absolute path in zip; refused"
    if ".." in PurePosixPath(posix).parts:
        return "path leaves the zip folder ('..'); refused"
    return ""


def parse_lms_name(name: str) -> tuple[str, str, bool, int] | None:
    """``(lms_id, original_name, canvas_late, resubmission)`` of a Canvas or Moodle
    entry name, or None when it matches neither pattern."""
    posix = name.replace("\\", "/")
    moodle = MOODLE_PATH.match(posix)
    if moodle:
        return moodle["lms_id"], moodle["original"], False, 0
    canvas = CANVAS_NAME.match(PurePosixPath(posix).name)
    if canvas:
        original, resubmission = strip_resubmission(canvas["original"])
        return canvas["lms_id"], original, bool(canvas["late"]), resubmission
    return None


def strip_resubmission(original: str) -> tuple[str, int]:
    """Canvas's ``name-2.ipynb`` -> ``("name.ipynb", 2)``."""
    path = PurePosixPath(original)
    match = RESUBMISSION_SUFFIX.search(path.stem)
    if not match:
        return original, 0
    return path.stem[: match.start()] + path.suffix, int(match[1])


def notebook_name(original: str, assignment: str) -> str:
    """``ASSIGNMENT.ipynb`` for the assignment's notebook or a copy of it, else the name."""
    stem = PurePosixPath(original).stem.strip()
    stem = re.sub(r"^copy of\s+", "", stem, flags=re.IGNORECASE)
    stem = re.sub(r"\s*\(\d+\)$", "", stem)
    stem = RESUBMISSION_SUFFIX.sub("", stem)
    if stem.lower() == assignment.lower():
        return f"{assignment}.ipynb"
    return PurePosixPath(original).name


def zip_time(info: zipfile.ZipInfo) -> datetime:
    """The entry's date, taken as UTC (zip dates carry no time zone)."""
    return datetime(*info.date_time, tzinfo=UTC)


def classify(
    info: zipfile.ZipInfo, position: int, assignment: str, by_lms: dict[str, str] | None
) -> ZipFileRow:
    """Match one zip entry to a student and a notebook name (status collected) or say
    why not (unmatched / refused)."""
    row = ZipFileRow(assignment, info.filename)
    reason = unsafe_path(info.filename)
    if reason:
        row.status, row.detail = "refused", reason
        return row
    parsed = parse_lms_name(info.filename)
    if parsed is None:
        row.detail = "file name matches no Canvas or Moodle pattern"
        return row
    lms_id, original, row.canvas_late, resubmission = parsed
    if by_lms is None:
        row.student_id = lms_id
    elif lms_id in by_lms:
        row.student_id = by_lms[lms_id]
    else:
        row.detail = f"LMS id {lms_id} is not in the roster"
        return row
    if PurePosixPath(original).suffix.lower() != ".ipynb" or original.startswith("."):
        row.detail = f"{original} is not a notebook (.ipynb)"
        return row
    problem = entry_problem(info)
    if problem:
        row.status, row.detail = "refused", f"{original} {problem}"
        return row
    row.status = "collected"
    row.target = notebook_name(original, assignment)
    row.when = zip_time(info)
    row.order = (row.when, resubmission, position)
    if row.target != original:
        row.detail = f"{original} saved as {row.target}"
    return row


def mark_superseded(rows: list[ZipFileRow]) -> None:
    """Keep the newest file per (student, notebook name); supersede the others."""
    groups = defaultdict(list)
    for row in rows:
        if row.status == "collected":
            groups[(row.student_id, row.target)].append(row)
    for group in groups.values():
        newest = max(group, key=lambda r: r.order)
        for row in group:
            if row is not newest:
                row.status = "superseded"
                row.detail = f"older than {newest.lms_file}; not used"


def mark_late(rows: list[ZipFileRow], due: datetime | None, penalty: str) -> None:
    """Set late status, seconds_late and penalty of the kept files. The penalty column is
    what ``nncourse grade --due --penalty`` will apply (nbgrader compares timestamp.txt
    with the due date); a Canvas LATE mark alone is recorded but costs nothing."""
    for row in rows:
        if row.status != "collected":
            continue
        seconds = int((row.when - due).total_seconds()) if due else 0
        if due:
            row.seconds_late = str(max(seconds, 0))
        reasons = []
        if seconds > 0:
            row.penalty = penalty
            effect = "scores 0" if penalty == "zero" else "no penalty"
            reasons.append(f"{seconds} s after --due; {effect} when graded with this --due")
        elif row.canvas_late:
            why = "not after --due" if due else "no --due given"
            reasons.append(f"Canvas marks it LATE; {why}, so no penalty")
        if reasons:
            row.status = "late"
            row.detail = "; ".join(filter(None, [row.detail, *reasons]))


def write_tree(archive: zipfile.ZipFile, rows: list[ZipFileRow], out: Path, assignment: str):
    """Write the kept notebooks and one timestamp.txt (newest file) per student."""
    kept = defaultdict(list)
    for row in rows:
        if row.status in {"collected", "late"}:
            kept[row.student_id].append(row)
    root = out.resolve()
    for student, student_rows in sorted(kept.items()):
        folder = out / student / assignment
        if not folder.resolve().is_relative_to(root):  # ids are checked; belt and braces
            raise CourseError(f"student id {student!r} would leave {out}")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        written = [row for row in student_rows if _write_row(archive, row, folder)]
        if not written:
            shutil.rmtree(folder)
            continue
        newest = max(r.when for r in written)
        (folder / "timestamp.txt").write_text(nbgrader_timestamp(newest) + "\n")


def _write_row(archive: zipfile.ZipFile, row: ZipFileRow, folder: Path) -> bool:
    """Write one kept notebook; a damaged entry makes its row refused (False)."""
    why = copy_entry(archive, archive.getinfo(row.lms_file), folder / row.target)
    if why:
        row.status, row.detail, row.penalty = "refused", f"{row.lms_file} {why}", ""
    return not why


def check_zip_size(zip_path: Path, infos: list[zipfile.ZipInfo], rows: list[ZipFileRow]):
    """Refuse a zip with too many entries, or whose kept notebooks inflate too much."""
    if len(infos) > ZIP_ENTRIES:
        raise CourseError(
            f"{zip_path} has {len(infos):,} entries, more than the cap of {ZIP_ENTRIES:,}"
        )
    sizes = {info.filename: info.file_size for info in infos}
    total = sum(sizes[row.lms_file] for row in rows if row.status in {"collected", "late"})
    if total > ZIP_TOTAL_BYTES:
        raise CourseError(
            f"{zip_path}: its notebooks would inflate to {megabytes(total)}, more than the "
            f"cap of {megabytes(ZIP_TOTAL_BYTES)} for one zip"
        )


def collect_zip(
    zip_path: Path,
    assignment: str,
    out: Path,
    roster: Path | None = None,
    due: str | None = None,
    penalty: str = "none",
) -> CollectResult:
    """``nncourse collect``: LMS zip -> ``OUT/STUDENT/ASSIGNMENT/`` and ``OUT/collect.csv``."""
    check_id(assignment, "--assignment")
    check_penalty(penalty)
    due_at = parse_due(due)
    students = read_roster(roster) if roster else None
    by_lms = {s.lms_id: s.student_id for s in students} if students is not None else None
    if not zip_path.is_file():
        raise CourseError(f"{zip_path} does not exist (expected the LMS bulk-download zip)")
    if not zipfile.is_zipfile(zip_path):
        raise CourseError(f"{zip_path} is not a zip file")
    result = CollectResult()
    try:
        with zipfile.ZipFile(zip_path) as archive:
            everything = archive.infolist()
            infos = [i for i in everything if not i.is_dir() and not os_junk(i.filename)]
            result.rows = [classify(i, n, assignment, by_lms) for n, i in enumerate(infos)]
            for row in result.rows:  # an LMS id without roster must still be a folder name
                if row.status == "collected" and not SAFE_ID.match(row.student_id):
                    row.status, row.detail = "refused", "student id unusable as a folder"
            mark_superseded(result.rows)
            mark_late(result.rows, due_at, penalty)
            check_zip_size(zip_path, everything, result.rows)
            out.mkdir(parents=True, exist_ok=True)
            write_tree(archive, result.rows, out, assignment)
    except (zipfile.BadZipFile, RuntimeError, OSError) as err:
        raise CourseError(f"{zip_path}: cannot read the zip: {err}") from None
    result.rows.sort(key=lambda r: r.lms_file)
    result.report = out / "collect.csv"
    kept = other_assignments(result.report, assignment)
    write_csv(result.report, REPORT_COLUMNS, kept + [r.as_row() for r in result.rows])
    return result


def other_assignments(report: Path, assignment: str) -> list[dict]:
    """Rows of an earlier collect.csv for other assignments (kept: one submissions folder
    may hold several assignments); a report in another layout is replaced."""
    if not report.is_file():
        return []
    with report.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != REPORT_COLUMNS:
            return []
        return [row for row in reader if row["assignment"] != assignment]


def collect_summary(result: CollectResult) -> str:
    """Counts per status and every unmatched or refused file by name."""
    counts = result.counts()
    lines = [", ".join(f"{counts[s]} {s}" for s in STATUSES)]
    for row in result.rows:
        if row.status in {"unmatched", "refused"}:
            lines.append(f"  {row.status}: {row.lms_file} ({row.detail})")
    lines.append(f"report: {result.report}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- export


@dataclass
class Gradebook:
    """Per-student, per-assignment totals read from grades.csv."""

    scores: dict[str, dict[str, float]]  # student -> assignment -> score
    points: dict[str, float]  # assignment -> points possible

    @property
    def assignments(self) -> list[str]:
        return sorted(self.points)


def read_grades(path: Path) -> Gradebook:
    """Sum grades.csv per student and assignment; CourseError if missing or malformed."""
    if not path.is_file():
        raise CourseError(f"{path} does not exist: is the folder an `nncourse grade` run?")
    scores: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    maxima: dict[tuple[str, str], float] = defaultdict(float)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in GRADES_COLUMNS[:5] if c not in (reader.fieldnames or [])]
        if missing:
            raise CourseError(f"{path}: missing column(s) {', '.join(missing)}")
        for row in reader:
            try:
                score, top = float(row["score"]), float(row["max_score"])
            except (TypeError, ValueError):
                raise CourseError(
                    f"{path} line {reader.line_num}: score/max_score not numbers: "
                    f"{row['score']!r}, {row['max_score']!r}"
                ) from None
            scores[row["student_id"]][row["assignment"]] += score
            maxima[(row["student_id"], row["assignment"])] += top
    points: dict[str, float] = defaultdict(float)
    for (_, assignment), top in maxima.items():
        points[assignment] = max(points[assignment], top)
    return Gradebook({s: dict(a) for s, a in scores.items()}, dict(points))


def csv_table(book: Gradebook) -> list[list[str]]:
    """``student_id,<assignment>...,total`` rows, header first."""
    rows = [["student_id", *book.assignments, "total"]]
    for student in sorted(book.scores):
        got = book.scores[student]
        cells = [fmt(got[a]) if a in got else "" for a in book.assignments]
        rows.append([student, *cells, fmt(sum(got.values()))])
    return rows


def canvas_table(book: Gradebook, roster: dict[str, Student]) -> list[list[str]]:
    """Canvas gradebook import rows: header, Points Possible, one row per student."""
    rows = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *book.assignments],
        ["Points Possible", "", "", "", "", *(fmt(book.points[a]) for a in book.assignments)],
    ]
    for student in sorted(book.scores):
        got = book.scores[student]
        known = roster.get(student)
        name = (known.name or student) if known else student
        lms_id = known.lms_id if known else student
        cells = [fmt(got[a]) if a in got else "" for a in book.assignments]
        rows.append([name, lms_id, "", "", "", *cells])
    return rows


def copy_feedback(run: Path, roster: dict[str, Student]) -> list[Path]:
    """Copy ``feedback/STUDENT/ASSIGNMENT/*.html`` to LMS-named files under ``lms/``."""
    written = []
    for folder in sorted(p for p in (run / "feedback").glob("*/*") if p.is_dir()):
        student, assignment = folder.parent.name, folder.name
        pages = sorted(folder.glob("*.html"))
        known = roster.get(student)
        prefix = known.lms_id if known else student
        for page in pages:
            part = f"_{page.stem}" if len(pages) > 1 else ""
            target = run / "lms" / assignment / f"{prefix}_{assignment}{part}_feedback.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
            written.append(target)
    return written


def write_csv(path: Path, header: list[str] | None, rows: list) -> None:
    """Write rows (dicts when ``header`` is given, else lists) atomically."""
    text = io.StringIO(newline="")
    if header:
        writer = csv.DictWriter(text, fieldnames=header, lineterminator="\n")
        writer.writeheader()
    else:
        writer = csv.writer(text, lineterminator="\n")
    writer.writerows(rows)
    atomic_write(path, text.getvalue())


def export(run: Path, fmt_name: str, out: Path, roster: Path | None = None):
    """``nncourse export``: write the table to ``out``. Returns the feedback copies and
    the graded students missing from ``roster`` (they keep their student id as LMS id)."""
    if fmt_name not in {"csv", "canvas"}:
        raise CourseError(f"--format must be csv or canvas, got {fmt_name!r}")
    if not run.is_dir():
        raise CourseError(f"{run} is not a folder (expected an `nncourse grade` run)")
    students = {s.student_id: s for s in read_roster(roster)} if roster else {}
    book = read_grades(run / "grades.csv")
    table = csv_table(book) if fmt_name == "csv" else canvas_table(book, students)
    write_csv(out, None, table)
    unknown = sorted(set(book.scores) - set(students)) if roster else []
    return copy_feedback(run, students), unknown
