"""``nncourse grade``: the grading pipeline, one small step after another.

    prepare run folder -> collect -> autograde -> scores -> report -> feedback

The run folder (``--out DIR``) is a self-contained nbgrader course: ``source/`` copied
from solutions/, ``release/``, ``submitted/``, ``autograded/``, ``feedback/`` and the
gradebook (SQLite ``DIR/gradebook.db`` by default), so formgrader can be opened on it.
Nothing is written into the course repository.
"""

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .collect import Entry, collect
from .course import Course, CourseError
from .feedback import feedback_preprocessors
from .nbgrader_api import course_config, make_api, run
from .report import GRADES_COLUMNS, TESTS_COLUMNS, fmt, write_rows
from .scores import failed_tests, notebook_max_score, submission_scores, test_cells

RUN_CONFIG = '''\
"""nbgrader config of an `nncourse grade` run folder: `nbgrader formgrader` works here."""
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "nncourse"
c.CourseDirectory.db_url = {db_url!r}
c.OverwriteCells.add_missing_cells = True
from nncourse.feedback import feedback_preprocessors  # noqa: E402
c.GenerateFeedback.preprocessors = feedback_preprocessors()
'''


@dataclass
class GradeOptions:
    assignment: str
    out: Path
    students: list[str] | None = None
    timeout: float = 300.0
    db_url: str | None = None
    feedback: bool = True


@dataclass
class GradeResult:
    entries: list[Entry] = field(default_factory=list)
    grade_rows: list[dict] = field(default_factory=list)
    test_rows: list[dict] = field(default_factory=list)


def prepare_run_dir(course: Course, opts: GradeOptions, ipc: Path):
    """Create the run's nbgrader course and seed its gradebook from solutions/.

    Kernels get their connection sockets under ``ipc`` (a short path: socket names are
    limited to about 100 characters)."""
    out = opts.out
    out.mkdir(parents=True, exist_ok=True)
    db_url = opts.db_url or f"sqlite:///{out / 'gradebook.db'}"
    config = course_config(course, out, db_url)
    config.Execute.timeout = int(opts.timeout)
    # Kernels talk over local IPC sockets, not TCP: nothing listens on the network.
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(ipc / "kernel")
    config.Execute.interrupt_on_timeout = True
    config.GenerateFeedback.preprocessors = feedback_preprocessors()
    config.HTMLExporter.template_name = "feedback"
    (out / "nbgrader_config.py").write_text(RUN_CONFIG.format(root=str(out), db_url=db_url))

    source = out / "source" / opts.assignment
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(
        course.solutions / opts.assignment,
        source,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    api = make_api(config)
    run(api.generate_assignment(opts.assignment, force=True, create=True), "generate_assignment")
    return api, db_url


def clear_previous(out: Path, assignment: str, students: list[str]) -> None:
    """Forget earlier files of the students graded now, so stale work is never graded."""
    for step in ("autograded", "feedback"):
        for student in students:
            shutil.rmtree(out / step / student / assignment, ignore_errors=True)


def autograde(api, assignment: str, entries: list[Entry]) -> None:
    """Run nbgrader autograde once per student with something to grade.

    A student whose run fails gets status ``error`` with nbgrader's last error line; the
    batch goes on.
    """
    by_student: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.status == "pending":
            by_student.setdefault(entry.student, []).append(entry)
    for i, (student, pending) in enumerate(sorted(by_student.items()), 1):
        print(f"[{i}/{len(by_student)}] grading {student}", file=sys.stderr, flush=True)
        result = api.autograde(assignment, student, force=True, create=True)
        status, detail = ("ok", "") if result.get("success") else ("error", _error_line(result))
        for entry in pending:
            entry.status = status
            entry.detail = "; ".join(filter(None, [entry.detail, detail]))


def _error_line(result: dict) -> str:
    """The most telling line of a failed nbgrader run, for the detail column."""
    text = "\n".join(filter(None, [result.get("log", ""), result.get("error", "")]))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for marker in ("DeadKernelError", "Kernel died", "CellTimeoutError", "Timeout"):
        for line in lines:
            if marker in line:
                return f"kernel failed: {line[:200]}"
    errors = [ln for ln in lines if ln.startswith("[ERROR]")]
    return (errors[-1] if errors else (lines[-1] if lines else "nbgrader failed"))[:200]


def score_rows(course: Course, opts: GradeOptions, entries: list[Entry], db_url: str):
    """grades.csv and tests.csv rows for every entry, from the gradebook."""
    from nbgrader.api import Gradebook

    assignment = opts.assignment
    cells = {
        stem: test_cells(opts.out / "source" / assignment / f"{stem}.ipynb")
        for stem in course.notebooks(assignment)
    }
    grade_rows, test_rows = [], []
    with Gradebook(db_url) as gb:
        for entry in entries:
            if not entry.expected:
                grade_rows.append(_grade_row(entry, assignment, 0.0, 0.0))
                continue
            full = notebook_max_score(gb, assignment, entry.notebook)
            tests = {}
            if entry.status == "ok":
                scores = submission_scores(gb, entry, assignment)
                tests = scores.tests
                failed = failed_tests(tests, cells[entry.notebook])
                if failed:
                    summary = f"{len(failed)} of {len(cells[entry.notebook])} tests failed: "
                    entry.detail = "; ".join(
                        filter(None, [entry.detail, summary + ", ".join(failed)])
                    )
                total = scores.total
            else:
                total = 0.0
            grade_rows.append(_grade_row(entry, assignment, total, full))
            for cell in cells[entry.notebook]:
                test_rows.append(
                    {
                        "student_id": entry.student,
                        "assignment": assignment,
                        "notebook": entry.notebook,
                        "grade_id": cell.grade_id,
                        "score": fmt(tests.get(cell.grade_id, 0.0)),
                        "max_score": fmt(cell.max_score),
                    }
                )
    return grade_rows, test_rows


def _grade_row(entry: Entry, assignment: str, score: float, max_score: float) -> dict:
    return {
        "student_id": entry.student,
        "assignment": assignment,
        "notebook": entry.notebook,
        "score": fmt(score),
        "max_score": fmt(max_score),
        "status": entry.status,
        "detail": entry.detail,
    }


def generate_feedback(api, assignment: str, entries: list[Entry]) -> None:
    for student in sorted({e.student for e in entries if e.status == "ok"}):
        result = api.generate_feedback(assignment, student, force=True)
        if not result.get("success"):
            print(f"warning: no feedback for {student}: {_error_line(result)}", file=sys.stderr)


def grade(course: Course, submissions: Path, opts: GradeOptions) -> GradeResult:
    expected = course.notebooks(opts.assignment)
    if not expected:
        raise CourseError(f"solutions/{opts.assignment} holds no notebook")
    opts.out = opts.out.resolve()
    submitted = opts.out / "submitted"
    entries = collect(submissions, opts.assignment, expected, submitted, opts.students)
    clear_previous(opts.out, opts.assignment, sorted({e.student for e in entries}))
    with tempfile.TemporaryDirectory(prefix="nncourse-ipc-") as ipc:
        api, db_url = prepare_run_dir(course, opts, Path(ipc))
        autograde(api, opts.assignment, entries)
    grade_rows, test_rows = score_rows(course, opts, entries, db_url)
    replace = set(opts.students) if opts.students else None
    write_rows(opts.out / "grades.csv", GRADES_COLUMNS, grade_rows, replace)
    write_rows(opts.out / "tests.csv", TESTS_COLUMNS, test_rows, replace)
    if opts.feedback:
        generate_feedback(api, opts.assignment, entries)
    return GradeResult(entries, grade_rows, test_rows)
