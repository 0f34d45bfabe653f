"""``nncourse check NOTEBOOK``: grade one notebook exactly as ``nncourse grade`` would.

For self-study, and for an instructor trying a notebook: the notebook goes through the
whole grading pipeline (sealed, sandboxed, hidden tests included) as the only submission
of a student ``self`` in a temporary run folder, and the result is printed as a table
per graded function with the messages of its failed tests. Before that, the names its
solution cells use that grading will not define (a helper written in a scratch cell,
``nnkit.validation``) are listed by name, since at grading they are only a
``NameError``.
"""

import shutil
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from nnkit.validation import Finding, ungraded_names

from .course import Course, CourseError
from .grade_ids import graded_target

STUDENT = "self"


@dataclass
class CheckResult:
    notebook: Path
    assignment: str
    findings: list[Finding]
    grade_row: dict
    test_rows: list[dict]
    messages: dict = field(default_factory=dict)  # grade_id -> failure message
    notes: dict = field(default_factory=dict)  # grade_id -> message of a passed test
    feedback: Path | None = None  # the feedback page written, if one was asked for


def check(
    course: Course,
    notebook: Path,
    assignment: str | None = None,
    unlock: tuple[str, ...] = (),
    sandbox: bool | None = None,
    feedback: Path | None = None,
) -> CheckResult:
    """Grade ``notebook`` as ``assignment`` (default: its file name's stem). With
    ``feedback``, the notebook's feedback page (as a class gets it) is written there."""
    from .grade import GradeOptions, grade

    assignment = assignment or notebook.stem
    if assignment not in course.assignment_ids():
        known = ", ".join(course.assignment_ids())
        raise CourseError(
            f"{assignment!r} is not an assignment of this course ({known}): "
            "name it with --assignment"
        )
    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError) as err:  # NotJSONError is a ValueError
        raise CourseError(f"cannot read {notebook}: {err}") from None
    findings = ungraded_names(nb)
    with tempfile.TemporaryDirectory(prefix="nncourse-check-") as tmp:
        folder = Path(tmp) / "submissions" / STUDENT / assignment
        folder.mkdir(parents=True)
        shutil.copyfile(notebook, folder / notebook.name)
        opts = GradeOptions(
            assignment=assignment,
            out=Path(tmp) / "run",
            workers=1,
            feedback=feedback is not None,
            progress=False,
            sandbox=sandbox,
            unlock=tuple(unlock),
        )
        result = grade(course, folder.parent.parent, opts)
        [row] = [r for r in result.grade_rows if r["notebook"] in course.notebooks(assignment)]
        autograded = opts.out / "autograded" / STUDENT / assignment / f"{row['notebook']}.ipynb"
        messages = failure_messages(autograded) if autograded.is_file() else {}
        notes = passed_notes(autograded) if autograded.is_file() else {}
        page = opts.out / "feedback" / STUDENT / assignment / f"{row['notebook']}.html"
        written = None
        if feedback is not None and page.is_file():
            feedback.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, feedback)
            written = feedback
    return CheckResult(
        notebook, assignment, findings, row, result.test_rows, messages, notes, written
    )


def failure_messages(path: Path) -> dict:
    """grade_id -> 'ename: evalue' of each failed test cell of an autograded notebook."""
    messages = {}
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []) if cell.cell_type == "code" else ():
            if grade_id and output.get("output_type") == "error":
                messages[grade_id] = f"{output['ename']}: {output['evalue']}"
    return messages


def passed_notes(path: Path) -> dict:
    """grade_id -> the message of each test cell that passed with one ("passed: ...")."""
    notes = {}
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []) if cell.cell_type == "code" else ():
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            if grade_id and text.startswith("passed: "):
                notes[grade_id] = text.removeprefix("passed: ").strip()
    return notes


def check_table(result: CheckResult) -> str:
    """The report ``nncourse check`` prints: unseen names, then one line per graded
    function (its points and its failed tests' messages), then the total."""
    lines = []
    if result.findings:
        lines.append("Grading will not define these names for your solution cells:")
        for finding in result.findings:
            lines.append(
                textwrap.fill(finding.message, 88, initial_indent="  - ", subsequent_indent="    ")
            )
        lines.append("")
    functions: dict[str, list[dict]] = {}
    for row in result.test_rows:
        functions.setdefault(graded_target(row["grade_id"]), []).append(row)
    width = max([len("function"), *map(len, functions)])
    lines.append(f"{'function':<{width}}  points")
    for target, rows in functions.items():
        score = sum(float(r["score"]) for r in rows)
        full = sum(float(r["max_score"]) for r in rows)
        lines.append(f"{target:<{width}}  {score:g} / {full:g}")
        for r in rows:
            if r["grade_id"] in result.messages and float(r["score"]) < float(r["max_score"]):
                lines.append(f"{'':<{width}}    {r['grade_id']}: {result.messages[r['grade_id']]}")
            elif r["grade_id"] in result.notes:
                lines.append(
                    f"{'':<{width}}    {r['grade_id']} passed: {result.notes[r['grade_id']]}"
                )
    row = result.grade_row
    lines.append("")
    lines.append(
        f"{result.notebook.name} as {result.assignment}: {row['score']} / {row['max_score']} "
        f"points, status {row['status']}"
    )
    if row["detail"]:
        lines.append(f"  {row['detail']}")
    if result.feedback is not None:
        lines.append(f"feedback page: {result.feedback}")
    return "\n".join(lines)
