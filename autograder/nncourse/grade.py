"""``nncourse grade``: the grading pipeline, one small step after another.

    prepare run folder -> collect -> tamper scan -> execute (workers) -> autograde
    (single writer) -> feedback (processes) -> scores -> report

The run folder (``--out DIR``) is a self-contained nbgrader course: ``source/`` copied
from solutions/, ``release/``, ``submitted/``, ``autograded/``, ``feedback/`` and the
gradebook (SQLite ``DIR/gradebook.db`` by default), so formgrader can be opened on it.
Nothing is written into the course repository.

Parallel and safe: ``--workers`` threads (or Dask workers, ``nncourse.executors``) each
execute one notebook at a time in its own sandboxed kernel (``nncourse.sandbox``); only
the executed copies come back, into ``DIR/executed/``. The main thread is
the gradebook's only writer: as soon as all notebooks of a student are executed it runs
nbgrader's autograde for that student with ``ApplyExecution`` in place of ``Execute``
(overlapping with the workers' execution), then records the student as done in
``DIR/results/ASSIGNMENT/STUDENT.json``. Feedback pages, which only read the gradebook,
are written after the batch in parallel processes (``nncourse.feedback``), for every
autograded student without one. Killing the grader loses at most the students in
flight; ``--resume`` grades only the students without a result (or whose submission
changed) and writes any feedback page still missing. grades.csv and tests.csv are
rewritten from every recorded result at the end of each run, so ``--student`` replaces
only that student's rows.
"""

import hashlib
import json
import os
import shutil
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from nnkit.validation import ungraded_names

from .collect import Entry, collect
from .course import Course, CourseError
from .edition import build_edition
from .execution import Job, JobResult
from .executors import make_executor
from .feedback import feedback_preprocessors, pending_feedback, write_feedback
from .feedback_html import FeedbackExporter
from .files import atomic_write
from .judge import PlanError, with_hints
from .late import check_penalty, late_detail, naive_utc, parse_due
from .nbgrader_api import check_gradebook, course_config, make_api, run
from .progress import Progress
from .report import GRADES_COLUMNS, TESTS_COLUMNS, fmt, write_rows
from .sandbox import Limits, sandbox_problem
from .scores import failed_tests, notebook_max_score, submission_scores, test_cells
from .sealed import (
    ApplyExecution,
    NotebookContext,
    judge_executed,
    save_verdicts,
    solutions_hash,
)
from .structure import CheckCellMetadata, RestoreStructure, restore_structure

RUN_CONFIG = '''\
"""nbgrader config of an `nncourse grade` run folder: `nbgrader formgrader` works here.

Autograde (formgrader's button, or `nbgrader autograde` run here) never executes a
student's notebook as it is: it applies the verdicts `nncourse grade` judged, and grades
a notebook without current verdicts now, the same sealed, sandboxed way.
"""
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "nncourse"
c.CourseDirectory.db_url = {db_url!r}
c.OverwriteCells.add_missing_cells = True
c.LateSubmissionPlugin.penalty_method = {penalty!r}
from nncourse.feedback import feedback_preprocessors  # noqa: E402
from nncourse.grade import autograde_preprocessors, sanitize_preprocessors  # noqa: E402
c.GenerateFeedback.preprocessors = feedback_preprocessors()
c.GenerateFeedback.exporter_class = "nncourse.feedback_html.FeedbackExporter"
c.Autograde.sanitize_preprocessors = sanitize_preprocessors()
c.Autograde.autograde_preprocessors = autograde_preprocessors()
c.RestoreStructure.release_root = {release!r}
c.ApplyExecution.executed_root = {executed!r}
c.ApplyExecution.grade_missing = True
c.ApplyExecution.timeout = {timeout!r}
c.ApplyExecution.memory = {memory!r}
'''
EXECUTED_STATUSES = ("ok", "error", "timeout", "memory", "tampered")


@dataclass
class GradeOptions:
    assignment: str
    out: Path
    students: list[str] | None = None
    timeout: float = 300.0  # wall clock of one whole notebook
    memory: int = 2048  # MB per notebook
    workers: int | None = None  # None: one per core
    resume: bool = False
    db_url: str | None = None
    feedback: bool = True
    sandbox: bool | None = None  # None: bubblewrap where available
    progress: bool | None = None  # None: a bar on a terminal, plain lines otherwise
    executor: str = "local"  # local | dask (nncourse.executors)
    scheduler: str | None = None  # Dask scheduler address; None: a LocalCluster
    due: str | None = None  # ISO 8601; None: keep the gradebook's due date (if any)
    penalty: str = "none"  # late notebooks: none (recorded) | zero (nbgrader's plugin)
    unlock: tuple[str, ...] = ()  # assignments whose nnkit answers the kernel may import
    tamper_scan: bool = True  # False: grade flagged notebooks too (after a review)

    def limits(self) -> Limits:
        return Limits(timeout=self.timeout, memory_mb=self.memory)


@dataclass
class GradeResult:
    entries: list[Entry] = field(default_factory=list)
    grade_rows: list[dict] = field(default_factory=list)
    test_rows: list[dict] = field(default_factory=list)
    seconds: dict = field(default_factory=dict)  # student -> execution seconds (this run)
    warnings: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)  # students whose results were kept


def sanitize_preprocessors() -> list:
    """nbgrader's sanitizing steps, after ``RestoreStructure`` (a copied cell, or one whose
    nbgrader metadata was changed, would otherwise fail the notebook)."""
    from nbgrader.preprocessors import (
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    return [
        RestoreStructure,
        ClearOutput,
        DeduplicateIds,
        OverwriteKernelspec,
        OverwriteCells,
        CheckCellMetadata,
    ]


def autograde_preprocessors() -> list:
    """nbgrader's autograde pipeline with ``Execute`` replaced by ``ApplyExecution``."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    return [
        ApplyExecution,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]


def prepare_run_dir(course: Course, opts: GradeOptions, db_url: str):
    """Create the run's nbgrader course and seed its gradebook (at ``db_url``, checked
    by ``check_gradebook``) from solutions/."""
    out = opts.out
    out.mkdir(parents=True, exist_ok=True)
    config = course_config(course, out, db_url)
    config.Autograde.sanitize_preprocessors = sanitize_preprocessors()
    config.Autograde.autograde_preprocessors = autograde_preprocessors()
    config.RestoreStructure.release_root = str(out / "release")
    config.ApplyExecution.executed_root = str(out / "executed")
    config.GenerateFeedback.preprocessors = feedback_preprocessors()
    config.HTMLExporter.template_name = "feedback"
    config.GenerateFeedback.exporter_class = FeedbackExporter
    config.LateSubmissionPlugin.penalty_method = opts.penalty
    (out / "nbgrader_config.py").write_text(
        RUN_CONFIG.format(
            root=str(out),
            db_url=db_url,
            penalty=opts.penalty,
            executed=str(out / "executed"),
            release=str(out / "release"),
            timeout=opts.timeout,
            memory=opts.memory,
        )
    )

    source = out / "source" / opts.assignment
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(
        course.solutions / opts.assignment,
        source,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    api = make_api(config)
    run(api.generate_assignment(opts.assignment, force=True, create=True), "generate_assignment")
    build_edition(out / "edition", opts.unlock)
    return api


def set_due_date(db_url: str, assignment: str, due) -> str:
    """Write ``--due`` into the gradebook (nbgrader's lateness reads it from there) and
    return the due date in effect, which without ``--due`` is the gradebook's own."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        if due is not None:
            gb.update_or_create_assignment(assignment, duedate=naive_utc(due))
        duedate = gb.find_assignment(assignment).duedate
    return duedate.isoformat() if duedate else ""


def clear_previous(out: Path, assignment: str, students: list[str]) -> None:
    """Forget earlier work of the students graded now, so stale work is never graded."""
    for step in ("autograded", "feedback", "executed", "jobs"):
        for student in students:
            shutil.rmtree(out / step / student / assignment, ignore_errors=True)
    for student in students:
        (out / "results" / assignment / f"{student}.json").unlink(missing_ok=True)


# --------------------------------------------------------------------------------------
# results of finished students: what --resume keeps


def submission_hash(out: Path, assignment: str, entries: list[Entry], rule: str = "") -> str:
    """Fingerprint of what a student submitted, and of what it is graded against: the
    collected notebooks, the entries, timestamp.txt and the late rule (due date, penalty)."""
    digest = hashlib.sha256(f"{rule}\n".encode())
    timestamp = out / "submitted" / entries[0].student / assignment / "timestamp.txt"
    if timestamp.is_file():
        digest.update(timestamp.read_bytes())
    for entry in sorted(entries, key=lambda e: (e.notebook, e.expected)):
        digest.update(f"{entry.notebook}|{entry.status}|{entry.detail}|{entry.expected}\n".encode())
        path = out / "submitted" / entry.student / assignment / f"{entry.notebook}.ipynb"
        if entry.status == "pending" and path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def result_path(out: Path, assignment: str, student: str) -> Path:
    return out / "results" / assignment / f"{student}.json"


def save_result(
    out: Path,
    assignment: str,
    entries: list[Entry],
    fingerprint: str,
    seconds,
    writer=0.0,
    writer_cpu=0.0,
    main_cpu=0.0,
):
    """``seconds``: the student's notebooks in their kernels; ``writer``: the gradebook
    writer's autograde of them, wall clock, and ``writer_cpu``: the CPU seconds of the
    writer's thread in it, what the writer costs whatever else shares the cores;
    ``main_cpu``: that plus the main thread's tamper scan, job and judging of the
    student's notebooks, the serial work that bounds a cluster (all for the benchmarks)."""
    data = {
        "hash": fingerprint,
        "seconds": seconds,
        "writer_seconds": round(writer, 3),
        "writer_cpu_seconds": round(writer_cpu, 3),
        "main_cpu_seconds": round(main_cpu, 3),
        "entries": [{**asdict(e), "source": None} for e in entries],
    }
    atomic_write(result_path(out, assignment, entries[0].student), json.dumps(data, indent=1))


def load_result(path: Path) -> tuple[str, list[Entry], float]:
    data = json.loads(path.read_text())
    return data["hash"], [Entry(**e) for e in data["entries"]], float(data.get("seconds", 0.0))


def recorded_entries(out: Path, assignment: str) -> list[Entry]:
    """Entries of every student with a recorded result in this run folder."""
    entries = []
    for path in sorted((out / "results" / assignment).glob("*.json")):
        try:
            entries += load_result(path)[1]
        except (OSError, ValueError, KeyError, TypeError):
            print(f"warning: ignoring unreadable result {path}", file=sys.stderr)
    return entries


# --------------------------------------------------------------------------------------
# the batch


def hints_for(source: Path | None) -> list:
    """The names the solution cells of the student's notebook, as submitted (``source``,
    with its scratch cells: collect keeps only the cells a grade depends on), use but
    define only outside the cells grading runs (``ungraded_names``), for the feedback of
    a NameError. A file the static check cannot read gets no hints, never an error."""
    try:
        return ungraded_names(nbformat.read(source, as_version=4)) if source else []
    except Exception:  # noqa: BLE001 - a hint is optional; the grade does not depend on it
        return []


@dataclass
class _Student:
    entries: list[Entry]
    fingerprint: str
    jobs_left: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # the main thread's CPU seconds on this student (scan, job, judging)


class Batch:
    """One assignment's grading: tamper scan, parallel execution, single-writer autograde."""

    def __init__(self, course: Course, opts: GradeOptions, api, entries: list[Entry], rule=""):
        self.course, self.opts, self.api = course, opts, api
        self.out, self.assignment = opts.out, opts.assignment
        self.students: dict[str, _Student] = {}
        for entry in entries:
            self.students.setdefault(entry.student, _Student([], "")).entries.append(entry)
        for record in self.students.values():
            record.fingerprint = submission_hash(self.out, self.assignment, record.entries, rule)
        self.contexts: dict[str, NotebookContext] = {}
        self.fingerprints: dict[tuple, str] = {}  # (student, notebook) -> solutions_hash
        self.sources: dict[tuple, Path | None] = {}  # (student, notebook) -> as submitted
        self.result = GradeResult()

    def _context(self, stem: str) -> NotebookContext:
        """What every student's notebook ``stem`` is graded against, made once."""
        if stem not in self.contexts:
            try:
                self.contexts[stem] = NotebookContext.load(self.out, self.assignment, stem)
            except PlanError as err:
                raise CourseError(f"{self.assignment}/{stem}.ipynb: {err}") from None
        return self.contexts[stem]

    def resume(self) -> None:
        """Keep the recorded results of students whose submission did not change."""
        for student in list(self.students):
            path = result_path(self.out, self.assignment, student)
            if not path.is_file():
                continue
            try:
                fingerprint, _, _ = load_result(path)
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if fingerprint == self.students[student].fingerprint:
                del self.students[student]
                self.result.resumed.append(student)

    def jobs(self) -> list[Job]:
        """Scan every pending notebook; build a job for each clean one."""
        jobs = []
        for _, record in sorted(self.students.items()):
            for entry in record.entries:
                if entry.status != "pending":
                    continue
                cpu = time.thread_time()
                try:
                    job = self._job(entry)
                except CourseError:
                    raise  # the instructor's notebook, not this student's
                except Exception as err:  # noqa: BLE001 - one student never stops the batch
                    why = f"{type(err).__name__}: {err}".splitlines()[0][:200]
                    entry.status, entry.detail = "invalid", f"could not be read or scanned: {why}"
                    job = None
                record.cpu += time.thread_time() - cpu
                if job is not None:
                    jobs.append(job)
                    record.jobs_left += 1
        return jobs

    def _job(self, entry: Entry) -> Job | None:
        context = self._context(entry.notebook)
        rel = Path(entry.student) / self.assignment
        submitted = self.out / "submitted" / rel / f"{entry.notebook}.ipynb"
        executed = self.out / "executed" / rel / f"{entry.notebook}.ipynb"
        nb = nbformat.read(submitted, as_version=4)
        self.sources[(entry.student, entry.notebook)] = entry.source
        notes = restore_structure(nb, context.release)
        if notes:  # nbgrader's autograde reads submitted/: it must see the same cells
            nbformat.write(nb, submitted)
            more = f" (+{len(notes) - 2} more)" if len(notes) > 2 else ""
            entry.detail = "; ".join(filter(None, [entry.detail, *notes[:2]])) + more
        found = context.findings(nb) if self.opts.tamper_scan else ""
        if found:
            entry.status = "tampered"
            entry.detail = "; ".join(filter(None, [entry.detail, found]))
            JobResult(entry.student, entry.notebook, "tampered", found, 0.0, False, []).save(
                executed.with_suffix(".json")
            )
            return None
        self.fingerprints[(entry.student, entry.notebook)] = solutions_hash(nb)
        return context.job(
            entry.student,
            entry.notebook,
            nb,
            self.out / "jobs" / rel,
            executed,
            self.opts.limits(),
            edition=self.out / "edition",
            unlock=tuple(self.opts.unlock),
            sandbox=self.opts.sandbox,
            cell_timeout=self.opts.timeout,
        )

    def judge(self, result: JobResult) -> None:
        """Judge the probes of a finished job's executed notebook into its verdicts."""
        path = self.out / "executed" / result.student / self.assignment
        path = path / f"{result.notebook}.ipynb"
        try:
            verdicts = judge_executed(self._context(result.notebook), result, path)
            if any(not v.passed and v.ename == "NameError" for v in verdicts.values()):
                source = self.sources.get((result.student, result.notebook))
                verdicts = with_hints(verdicts, hints_for(source))  # only then: a static check
        except Exception as err:  # noqa: BLE001 - a grader bug: this notebook, not the batch
            why = f"the grader could not judge this notebook: {type(err).__name__}: {err}"
            print(f"warning: {result.student}/{result.notebook}: {why}"[:300], file=sys.stderr)
            verdicts = {}
            result.status, result.detail = "error", why[:300]
        fingerprint = self.fingerprints.get((result.student, result.notebook), "")
        save_verdicts(path.with_suffix(".verdicts.json"), verdicts, fingerprint)

    def record(self, result: JobResult) -> str | None:
        """Judge a finished job; return the student when all their notebooks are done."""
        record = self.students[result.student]
        cpu = time.thread_time()
        self.judge(result)
        record.cpu += time.thread_time() - cpu
        for entry in record.entries:
            if entry.notebook == result.notebook and entry.expected:
                entry.status = result.status
                entry.detail = "; ".join(filter(None, [entry.detail, result.detail]))
        record.seconds += result.seconds
        for warning in result.warnings:
            if warning not in self.result.warnings:
                self.result.warnings.append(warning)
        record.jobs_left -= 1
        return result.student if record.jobs_left == 0 else None

    def finish(self, student: str) -> None:
        """Single writer: autograde the student's notebooks from the executed copies, then
        record the student as done."""
        record = self.students[student]
        start, cpu = time.perf_counter(), time.thread_time()
        if any(e.status in EXECUTED_STATUSES for e in record.entries):
            outcome = self.api.autograde(self.assignment, student, force=True, create=True)
            if not outcome.get("success"):
                detail = f"nbgrader autograde failed: {_error_line(outcome)}"
                for entry in record.entries:
                    if entry.status in EXECUTED_STATUSES:
                        entry.status, entry.detail = "error", detail
                # no half-autograded notebook to write feedback from
                shutil.rmtree(self.out / "autograded" / student / self.assignment, True)
        self.result.seconds[student] = round(record.seconds, 3)
        writer, writer_cpu = time.perf_counter() - start, time.thread_time() - cpu
        save_result(
            self.out,
            self.assignment,
            record.entries,
            record.fingerprint,
            record.seconds,
            writer,
            writer_cpu,
            record.cpu + writer_cpu,
        )


def _error_line(result: dict) -> str:
    """The most telling line of a failed nbgrader run, for the detail column."""
    text = "\n".join(filter(None, [result.get("log", ""), result.get("error", "")]))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("[ERROR]")]
    return (errors[-1] if errors else (lines[-1] if lines else "nbgrader failed"))[:200]


def run_batch(batch: Batch, executor, progress: Progress) -> None:
    """Execute every job on ``executor``; finish each student as soon as possible."""
    jobs = batch.jobs()
    for student, record in sorted(batch.students.items()):
        if record.jobs_left == 0:
            batch.finish(student)
            progress.done(student, batch.students[student].entries, 0.0)
    if not jobs:
        return
    with executor:
        for result in executor.run(jobs):
            student = batch.record(result)
            if student is not None:
                batch.finish(student)
                record = batch.students[student]
                progress.done(student, record.entries, record.seconds)


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
            if entry.status in EXECUTED_STATUSES:
                scores = submission_scores(gb, entry, assignment)
                tests = scores.tests
                failed = failed_tests(tests, cells[entry.notebook])
                if failed and entry.status != "tampered":
                    summary = f"{len(failed)} of {len(cells[entry.notebook])} tests failed: "
                    entry.detail = "; ".join(
                        filter(None, [entry.detail, summary + ", ".join(failed)])
                    )
                total = scores.total - scores.penalty
                if scores.seconds_late > 0:
                    late = late_detail(scores.seconds_late, scores.penalty, opts.penalty)
                    entry.detail = "; ".join(filter(None, [entry.detail, late]))
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


def feedback_pages(api, opts: GradeOptions, processes: int) -> None:
    """Every missing feedback page, after the batch (``nncourse.feedback``); a student
    left without one is named in a warning, never an error."""
    pending = pending_feedback(opts.out, opts.assignment)
    if not pending[1]:
        return
    with Progress(len(pending[1]), opts.progress, what="feedback") as progress:
        missing, failures = write_feedback(
            api, opts.out, opts.assignment, processes, progress, pending
        )
    if missing:
        why = "; ".join(_error_line(f) for f in failures[:2]) or "nbgrader wrote no page"
        print(f"warning: no feedback for {', '.join(missing)}: {why}", file=sys.stderr)


def _quiet_nbgrader() -> None:
    """nbgrader's gradebook emits SQLAlchemy SAWarnings on every new submission."""
    try:
        from sqlalchemy.exc import SAWarning
    except ImportError:  # pragma: no cover - sqlalchemy comes with nbgrader
        return
    warnings.filterwarnings("ignore", category=SAWarning)


def grade(course: Course, submissions: Path, opts: GradeOptions) -> GradeResult:
    _quiet_nbgrader()
    expected = course.notebooks(opts.assignment)
    if not expected:
        raise CourseError(f"solutions/{opts.assignment} holds no notebook")
    workers = opts.workers if opts.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise CourseError(f"--workers must be at least 1, got {workers}")
    opts.limits()  # raises ValueError for a bad --timeout or --memory
    due = parse_due(opts.due)
    check_penalty(opts.penalty)
    executor = make_executor(opts.executor, workers, opts.scheduler)  # starts nothing yet
    opts.out = opts.out.resolve()
    # a bad --db URL or a missing extra is refused before anything is written
    db_url = check_gradebook(opts.db_url or f"sqlite:///{opts.out / 'gradebook.db'}")
    submitted = opts.out / "submitted"
    entries = collect(submissions, opts.assignment, expected, submitted, opts.students)
    api = prepare_run_dir(course, opts, db_url)
    rule = f"due={set_due_date(db_url, opts.assignment, due)} penalty={opts.penalty}"
    batch = Batch(course, opts, api, entries, rule)
    if opts.resume:
        batch.resume()
    clear_previous(opts.out, opts.assignment, sorted(batch.students))
    problem = sandbox_problem() if opts.sandbox is not False else "--no-sandbox"
    if problem:
        batch.result.warnings.insert(
            0,
            f"SANDBOX OFF ({problem}): student code ran with resource limits only and could "
            "read and write everything the grader can",
        )
        print(f"WARNING: {batch.result.warnings[0]}", file=sys.stderr)
    with Progress(len(batch.students), opts.progress) as progress:
        run_batch(batch, executor, progress)
    if opts.feedback:
        feedback_pages(api, opts, min(workers, os.cpu_count() or 1))

    all_entries = recorded_entries(opts.out, opts.assignment)
    grade_rows, test_rows = score_rows(course, opts, all_entries, db_url)
    write_rows(opts.out / "grades.csv", GRADES_COLUMNS, grade_rows)
    write_rows(opts.out / "tests.csv", TESTS_COLUMNS, test_rows)
    batch.result.entries = all_entries
    batch.result.grade_rows, batch.result.test_rows = grade_rows, test_rows
    return batch.result
