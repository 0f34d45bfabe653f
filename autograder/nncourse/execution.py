"""Step 3 of grading: run the student's definitions on the instructor's cases, sealed.

The notebook a worker executes is built here, not taken from the student
(``worker_notebook``):

- first, a cell that installs the sealed runner (``nnkit.checks.sealed``) before any
  student code runs; it reads ``cases.json``, the cases' inputs, from the working folder;
- the instructor's read-only cells, in the instructor's order;
- each solution cell replaced by the student's cell of the same ``grade_id`` (the
  release's stub where the student has none);
- each test cell replaced by a one-line probe that runs that cell's cases on the
  student's functions and sends the outputs back as data. The test cell's code, its
  hidden tests and every expected value stay in the grader;
- last, for each test cell of a method that builds on other graded functions (a model's
  ``loss`` on the layers), a probe that runs its cases again with correct versions of
  them (``nncourse.rerun``).

So a student cannot edit, delete or reorder a test or an import, their free cells are not
run, and the kernel holds no reference and no verdict. Workers only execute (``run_job``,
in the sandbox of ``nncourse.sandbox``, with the student edition of nnkit) and write the
executed copy to disk; they never touch the gradebook. The main process judges the
probes' data (``nncourse.judge``) into one verdict per test cell, and the single writer
runs nbgrader's autograde with ``nncourse.sealed.ApplyExecution`` in place of nbgrader's
``Execute``.
"""

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from nnkit.checks.sealed import CASES_FILE

from .edition import nnkit_source
from .files import atomic_write
from .judge import NOT_RUN_ENAME as NOT_RUN
from .judge import substitutes, test_cells
from .rerun import MARK, correct_source, probe_call
from .sandbox import Limits, execute
from .structure import nbgrader_meta

BOOTSTRAP = (
    "from nnkit.checks.sealed import install as _nncourse_install\n"
    "_nncourse_probe = _nncourse_install()\n"
    "del _nncourse_install"
)
BOOTSTRAP_ID = "nncourse_sealed_runner"


def probe_source(grade_id: str) -> str:
    return f"_nncourse_probe({grade_id!r})"


def worker_notebook(student_nb, source_nb, release_nb):
    """The notebook to execute: the sealed runner, the instructor's read-only cells, the
    student's solutions, and a probe for each test cell."""
    student = {
        nbgrader_meta(c).get("grade_id"): c.source
        for c in student_nb.cells
        if c.cell_type == "code" and nbgrader_meta(c).get("solution")
    }
    stubs = {
        nbgrader_meta(c).get("grade_id"): c.source
        for c in release_nb.cells
        if nbgrader_meta(c).get("solution")
    }
    nb = nbformat.v4.new_notebook(metadata=source_nb.metadata)
    nb.cells.append(
        nbformat.v4.new_code_cell(BOOTSTRAP, metadata={"nbgrader": {"grade_id": BOOTSTRAP_ID}})
    )
    for cell in source_nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta:
            continue
        grade_id = meta.get("grade_id")
        source = cell.source
        if meta.get("solution"):
            source = student.get(grade_id, stubs.get(grade_id, ""))
        elif meta.get("grade"):
            source = probe_source(grade_id)
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"nbgrader": dict(meta)}))
    for cell in test_cells(source_nb):
        grade_id = nbgrader_meta(cell)["grade_id"]
        names = substitutes(grade_id)
        if names:
            again = probe_call(grade_id, correct_source(names))
            nb.cells.append(
                nbformat.v4.new_code_cell(again, metadata={"nncourse": {MARK: grade_id}})
            )
    return nb


@dataclass(frozen=True)
class Job:
    """One notebook to execute. Paths are absolute; ``workdir`` is the job's own folder."""

    student: str
    notebook: str
    source: Path  # the worker notebook (``worker_notebook``) to execute
    workdir: Path  # the only folder the sandbox may write
    executed: Path  # where the executed copy and its ``.json`` result go
    limits: Limits
    cases: Path | None = None  # the cases' inputs (``Plan.payload``), as cases.json
    edition: Path | None = None  # the student edition of nnkit the kernel imports
    unlock: tuple = ()  # the assignments that edition unlocks (to rebuild it elsewhere)
    sandbox: bool | None = None
    cell_timeout: float | None = None


@dataclass
class JobResult:
    student: str
    notebook: str
    status: str  # ok | error | timeout | memory
    detail: str
    seconds: float
    sandboxed: bool
    warnings: list

    def save(self, path: Path) -> None:
        atomic_write(path, json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> "JobResult":
        return cls(**json.loads(path.read_text()))

    def store(self, job: "Job", executed: str | None) -> None:
        """Write the executed notebook's text (if any) and this result where ``job``
        says, for ``ApplyExecution`` and ``--resume`` to find."""
        if executed is not None:
            atomic_write(job.executed, executed)
        self.save(job.executed.with_suffix(".json"))


def run_job(job: Job) -> JobResult:
    """Execute one worker notebook in the sandbox; write the executed copy and the result.

    Never raises because of the notebook: every failure is a status."""
    start = time.perf_counter()
    try:
        nb = nbformat.read(job.source, as_version=4)
        job.workdir.mkdir(parents=True, exist_ok=True)
        if job.cases is not None:
            _link(job.cases, job.workdir / CASES_FILE)
        run = execute(
            nb,
            job.workdir,
            job.limits,
            sandbox=job.sandbox,
            cell_timeout=job.cell_timeout,
            **edition_options(job.edition),
        )
        executed, status, detail = run.nb, run.status, run.detail
        sandboxed, warnings = run.sandboxed, list(run.warnings)
    except Exception as err:  # noqa: BLE001 - a grader bug must not lose the batch
        executed, status = None, "error"
        detail, sandboxed, warnings = f"grader could not execute: {err!r}"[:300], False, []
    result = JobResult(
        job.student,
        job.notebook,
        status,
        detail,
        round(time.perf_counter() - start, 3),
        sandboxed,
        warnings,
    )
    result.store(job, None if executed is None else nbformat.writes(executed))
    return result


def _link(source: Path, target: Path) -> None:
    """``target`` becomes ``source``'s content: a hard link where possible (the cases
    are the same for the whole class), else a copy."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def edition_options(edition: Path | None) -> dict:
    """``execute`` keywords that make the kernel import ``edition`` (a folder holding
    the student edition's ``nnkit``) instead of nnkit: in the sandbox the edition is
    shown in place of nnkit's own folder, which is not mounted; without the sandbox it
    comes first on the kernel's path."""
    if edition is None:
        return {}
    return {
        "overlays": {nnkit_source(): edition / "nnkit"},
        "env": {"PYTHONPATH": str(edition)},
    }


def not_run_output(reason: str):
    return nbformat.v4.new_output(
        "error", ename=NOT_RUN, evalue=f"this test did not run: {reason}", traceback=[]
    )
