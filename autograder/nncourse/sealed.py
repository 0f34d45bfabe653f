"""One notebook graded the sealed way, from a run folder: what the batch of ``nncourse
grade`` does per notebook, and what formgrader's autograde runs through.

``NotebookContext.load(run_dir, assignment, stem)`` holds what every student's notebook
``stem`` is graded against, made once per run: the instructor's and the released
notebook, the tamper scan's context and the judge's ``Plan``, whose payload (the cases'
inputs, the same for the whole class) is written to ``run_dir/cases/``.

``grade_now`` grades one student notebook here and now: tamper scan, then the worker
notebook in the sandbox with the run folder's student edition of nnkit, then the judge.
It returns the verdicts and the job's result; the caller writes them where
``ApplyExecution`` reads them.
"""

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Float, Integer, Unicode

from . import tamper
from .execution import Job, JobResult, not_run_output, run_job, worker_notebook
from .feedback_summary import CAUSE_KEY
from .files import atomic_write
from .judge import Plan, PlanError, Verdict
from .sandbox import Limits
from .structure import restore_structure


def solutions_hash(nb) -> str:
    """Fingerprint of what a verdict depends on in a student's notebook: the source of
    its solution cells, by grade id."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("solution"):
            digest.update(f"{meta.get('grade_id')}\0{cell.source}\0".encode())
    return digest.hexdigest()


@dataclass
class NotebookContext:
    tamper: tamper.Context
    source: nbformat.NotebookNode
    release: nbformat.NotebookNode
    plan: Plan
    payload: Path  # the cases' inputs, cases.json for every kernel

    @classmethod
    def load(cls, run_dir: Path, assignment: str, stem: str) -> "NotebookContext":
        """Raises ``PlanError`` when the instructor's test cells cannot be judged."""
        source = nbformat.read(run_dir / "source" / assignment / f"{stem}.ipynb", as_version=4)
        release = nbformat.read(run_dir / "release" / assignment / f"{stem}.ipynb", as_version=4)
        plan = Plan.from_notebook(source)
        payload = run_dir / "cases" / assignment / f"{stem}.json"
        text = plan.payload()
        if not payload.is_file() or payload.read_text() != text:
            atomic_write(payload, text)
            payload.chmod(0o644)  # readable by the sandbox's own uid
        return cls(tamper.Context.from_notebooks(source, release), source, release, plan, payload)

    def findings(self, student_nb) -> str:
        """The tamper scan's findings in one line, or "" for a clean notebook."""
        found = tamper.scan(student_nb, self.tamper)
        if not found:
            return ""
        shown = "; ".join(str(f) for f in found[:3])
        more = f" (+{len(found) - 3} more)" if len(found) > 3 else ""
        return f"tampering found, nothing executed: {shown}{more}"

    def job(self, student, stem, student_nb, folder: Path, executed: Path, limits, **options):
        """The job that executes ``student_nb``'s worker notebook, with its own files in
        ``folder`` (the worker notebook, the working folder) and its outputs at
        ``executed``; ``options`` are ``Job``'s (edition, sandbox, cell_timeout)."""
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / f"{stem}.ipynb"
        nbformat.write(worker_notebook(student_nb, self.source, self.release), source)
        workdir = folder / stem
        workdir.mkdir(exist_ok=True)
        return Job(student, stem, source, workdir, executed, limits, self.payload, **options)


def save_verdicts(path: Path, verdicts: dict[str, Verdict], fingerprint: str = "") -> None:
    data = {"solutions_hash": fingerprint, "verdicts": {g: v.__dict__ for g, v in verdicts.items()}}
    atomic_write(path, json.dumps(data))


def load_verdicts(path: Path) -> tuple[dict[str, Verdict], str]:
    """``(verdicts, solutions_hash)`` of a verdicts file."""
    data = json.loads(path.read_text())
    return {g: Verdict(**v) for g, v in data["verdicts"].items()}, data.get("solutions_hash", "")


def judge_executed(context: NotebookContext, result: JobResult, executed: Path) -> dict:
    """The verdicts of one executed worker notebook (missing or unreadable: none ran)."""
    try:
        nb = json.loads(executed.read_text()) if executed.is_file() else {}
    except (OSError, ValueError, RecursionError):
        nb = {}
    reason = f"{result.status}: {result.detail}" if result.status != "ok" else ""
    return context.plan.judge(nb, reason)


def grade_now(
    student_nb, run_dir: Path, assignment: str, stem: str, limits: Limits, **options
) -> tuple[dict[str, Verdict], JobResult]:
    """Grade one notebook now, the way the batch does (``options``: ``edition``,
    ``sandbox``, ``cell_timeout`` of ``Job``). A tampered notebook is not executed and
    gets no verdict (its tests then show why they did not run)."""
    try:
        context = NotebookContext.load(run_dir, assignment, stem)
    except PlanError as err:
        return {}, JobResult("", stem, "error", f"cannot judge: {err}"[:300], 0.0, False, [])
    found = context.findings(student_nb)
    if found:
        return {}, JobResult("", stem, "tampered", found, 0.0, False, [])
    with tempfile.TemporaryDirectory(prefix="nncourse-now-") as tmp:
        job = context.job("", stem, student_nb, Path(tmp), Path(tmp) / "out.ipynb", limits,
                          **options)  # fmt: skip
        result = run_job(job)
        return judge_executed(context, result, job.executed), result


class ApplyExecution(Preprocessor):
    """nbgrader's ``Execute``, replaced: write the judge's verdicts into the test cells.

    The verdicts are ``executed_root/STUDENT/ASSIGNMENT/NOTEBOOK.verdicts.json``. A test
    cell with a verdict gets its output (only "passed", or an error output with the
    judge's message); a test cell without one (tampered, or the run stopped before it)
    gets an error output saying why, so a test that did not run can never count as
    passed. Every other code cell gets no output at all: nothing the student's code
    printed or displayed is carried into the feedback.

    The known mistake the judge named for a failed test (``Verdict.cause``) is carried as
    data, ``cell.metadata["nncourse"] = {"cause": ...}``, for the feedback's summary table
    (``feedback_summary``), never read back from the message, which quotes the student's
    own exception text. Any ``nncourse`` metadata of the submitted notebook is dropped
    from every cell first: only the judge writes it.

    ``grade_missing`` (the run folder's config sets it, for formgrader): a notebook with
    no verdicts, or verdicts judged from other solution cells, is graded now through
    ``grade_now`` (tamper scan, sandbox, judge), never by running it as it is.
    """

    enabled = Bool(True)
    executed_root = Unicode("", help="folder of the executed copies and verdicts").tag(config=True)
    grade_missing = Bool(
        False, help="grade a notebook without current verdicts now, sealed (formgrader)"
    ).tag(config=True)
    timeout = Float(300.0, help="whole-notebook timeout when grading now (s)").tag(config=True)
    memory = Integer(2048, help="memory limit when grading now (MB)").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = Path(self.executed_root) / info["student"] / info["assignment"]
        path = path / f"{info['notebook']}.ipynb"
        verdicts, fingerprint, reason = {}, "", "the notebook was not executed"
        if path.with_suffix(".verdicts.json").is_file():
            verdicts, fingerprint = load_verdicts(path.with_suffix(".verdicts.json"))
        if path.with_suffix(".json").is_file():
            reason = JobResult.load(path.with_suffix(".json")).detail or reason
        if self.grade_missing:
            submitted = self._submitted(info)
            if fingerprint != solutions_hash(submitted):
                verdicts, reason = self._grade_now(submitted, info, path)
        for cell in nb.cells:
            cell.metadata.pop(CAUSE_KEY, None)  # a submitted notebook names no cause
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            cell.execution_count = None
            cell.outputs = []
            if meta.get("grade") and not meta.get("solution"):
                verdict = verdicts.get(meta.get("grade_id"))
                if verdict is None:
                    cell.outputs = [not_run_output(reason)]
                else:
                    cell.outputs = [nbformat.from_dict(o) for o in verdict.outputs()]
                    cell.execution_count = 1
                    if verdict.cause and not verdict.passed:
                        cell.metadata[CAUSE_KEY] = {"cause": verdict.cause}
        return nb, resources

    def _submitted(self, info):
        """The student's notebook as submitted (nbgrader's copy being autograded has the
        instructor's test cells, hidden tests included, put back into it)."""
        run_dir = Path(self.executed_root).parent
        path = run_dir / "submitted" / info["student"] / info["assignment"]
        nb = nbformat.read(path / f"{info['notebook']}.ipynb", as_version=4)
        release = run_dir / "release" / info["assignment"] / f"{info['notebook']}.ipynb"
        restore_structure(nb, nbformat.read(release, as_version=4))  # as the batch does
        return nb

    def _grade_now(self, nb, info, path: Path) -> tuple[dict, str]:
        run_dir = Path(self.executed_root).parent
        verdicts, result = grade_now(
            nb,
            run_dir,
            info["assignment"],
            info["notebook"],
            Limits(timeout=self.timeout, memory_mb=self.memory),
            edition=run_dir / "edition",
            cell_timeout=self.timeout,
        )
        result.student = info["student"]
        result.save(path.with_suffix(".json"))
        save_verdicts(path.with_suffix(".verdicts.json"), verdicts, solutions_hash(nb))
        self.log.info("graded %s/%s now, sealed: %s", info["student"], info["notebook"],
                      result.status)  # fmt: skip
        return verdicts, result.detail or "the notebook was not executed"
