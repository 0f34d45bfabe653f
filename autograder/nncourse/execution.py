"""Step 3 of grading: run the instructor's tests against a student's definitions.

The notebook a worker executes is built here, not taken from the student:

- the instructor's own code cells, in the instructor's order: the read-only cells, and
  the test cells *with* their hidden tests (from solutions/, never from the student);
- each solution cell replaced by the student's cell of the same ``grade_id`` (the
  release's stub where the student has none).

So a student cannot edit, delete or reorder a test or an import; their free cells are not
run; and what runs is exactly what nbgrader's own sanitizing would keep. Workers only
execute (``run_job``, in the sandbox of ``nncourse.sandbox``) and write the executed copy
to disk; they never touch the gradebook. The single writer, the main process, then runs
nbgrader's autograde with ``ApplyExecution`` in place of nbgrader's ``Execute``: it copies
those outputs in by ``grade_id``, and a test cell that did not finish gets an error
output, so it scores 0.
"""

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from .files import atomic_write
from .sandbox import STOPPED_ENAME, Limits, execute

NOT_RUN = "NotGraded"  # ename of the error output given to a test cell that did not run


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def worker_notebook(student_nb, source_nb, release_nb):
    """The notebook to execute: the instructor's code cells with the student's solutions."""
    student = {
        _meta(c).get("grade_id"): c.source
        for c in student_nb.cells
        if c.cell_type == "code" and _meta(c).get("solution")
    }
    stubs = {
        _meta(c).get("grade_id"): c.source for c in release_nb.cells if _meta(c).get("solution")
    }
    nb = nbformat.v4.new_notebook(metadata=source_nb.metadata)
    for cell in source_nb.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or not meta:
            continue
        grade_id = meta.get("grade_id")
        source = cell.source
        if meta.get("solution"):
            source = student.get(grade_id, stubs.get(grade_id, ""))
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"nbgrader": dict(meta)}))
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
        run = execute(
            nb, job.workdir, job.limits, sandbox=job.sandbox, cell_timeout=job.cell_timeout
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


def not_run_output(reason: str):
    return nbformat.v4.new_output(
        "error", ename=NOT_RUN, evalue=f"this test did not run: {reason}", traceback=[]
    )


class ApplyExecution(Preprocessor):
    """nbgrader's ``Execute``, replaced: take the outputs a worker produced.

    The executed copy is ``executed_root/STUDENT/ASSIGNMENT/NOTEBOOK.ipynb``. Code cells
    are matched by ``grade_id``. A cell that did not finish (no execution count: the
    kernel died or was killed first, or the notebook was never executed) gets an error
    output instead, so a test that did not run can never count as passed.
    """

    enabled = Bool(True)
    executed_root = Unicode("", help="folder of the executed copies").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = (
            Path(self.executed_root)
            / info["student"]
            / info["assignment"]
            / f"{info['notebook']}.ipynb"
        )
        executed, reason = {}, "the notebook was not executed"
        if path.is_file():
            ran = nbformat.read(path, as_version=4)
            executed = {_meta(c).get("grade_id"): c for c in ran.cells if _meta(c)}
            result = path.with_suffix(".json")
            if result.is_file():
                reason = JobResult.load(result).detail or reason
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            done = executed.get(_meta(cell).get("grade_id"))
            if done is not None and done.get("execution_count") is not None:
                cell.outputs = [o for o in done.outputs if o.get("ename") != STOPPED_ENAME]
                cell.execution_count = done.execution_count
            else:
                cell.outputs = [not_run_output(reason)] if _meta(cell).get("grade") else []
                cell.execution_count = None
        return nb, resources
