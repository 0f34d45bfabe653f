"""Step 5 of grading: per-student feedback HTML through nbgrader generate_feedback.

Pages are written after the batch, not by the single gradebook writer while it
autogrades: nbgrader's generate_feedback only reads the gradebook, so it runs in forked
processes over parts of the class, one nbgrader run per part so the templates are
compiled, and the cells every page shares rendered, once per part
(``feedback_html.FeedbackExporter``: about 0.13 s a page of 02 instead of 0.34 s).

The page opens with a table per graded function (``feedback_summary``): points, each
test passed or failed, and the first problem's one-line cause. Hidden tests are for
grading, not for reading: ``HideHiddenTests`` replaces each hidden
test cell's code with its name and keeps only the student-facing message of a failure
(``AssertionError: dW is wrong at ...``), never the traceback, which would quote code.

The page is one file that needs no network: its math is MathML (``mathml``).
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import Bool

HIDDEN_MARK = "BEGIN HIDDEN TESTS"


def is_hidden_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return (
        bool(meta.get("grade"))
        and cell.cell_type == "code"
        and ("_hidden" in meta.get("grade_id", "") or HIDDEN_MARK in cell.source)
    )


class HideHiddenTests(Preprocessor):
    """Show hidden tests by name, pass/fail and message only (a passed test's message
    too: a model that is right although a layer it calls is not)."""

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if not is_hidden_test(cell):
            return cell, resources
        grade_id = cell.metadata["nbgrader"].get("grade_id", "hidden test")
        cell.source = f"# Hidden test `{grade_id}`: its code is not shown."
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            error = errors[-1]
            text = f"FAILED: {error.get('ename', 'Error')}: {error.get('evalue', '')}\n"
        else:  # the judge's own "passed" output, with its message if it has one
            streams = [o.get("text", "") for o in cell.get("outputs", []) if "text" in o]
            text = next((t for t in streams if t.startswith("passed")), "passed\n")
        cell.outputs = [new_output("stream", name="stdout", text=text)]
        return cell, resources


def feedback_preprocessors() -> list:
    """nbgrader's feedback pipeline with hidden-test code removed, a summary table on
    top, and math that renders without a network."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from .feedback_summary import SummaryTable
    from .mathml import OfflineMath

    return [GetGrades, SummaryTable, HideHiddenTests, OfflineMath, CSSHTMLHeaderPreprocessor]


# ------------------------------------------------------------------ writing the pages

_API = None  # the parent's NbGraderAPI, inherited by forked feedback processes


def pending_feedback(out: Path, assignment: str) -> tuple[list[str], list[str]]:
    """``(autograded, todo)``: every student with autograded notebooks in the run folder,
    and those of them without a feedback page for each notebook (graded in this run, or
    recorded by a run that was stopped before its feedback was written)."""
    autograded, todo = [], []
    for folder in sorted((out / "autograded").glob(f"*/{assignment}")):
        notebooks = {p.stem for p in folder.glob("*.ipynb")}
        if not notebooks:  # autograde failed, or not a folder
            continue
        student = folder.parent.name
        autograded.append(student)
        pages = {p.stem for p in (out / "feedback" / student / assignment).glob("*.html")}
        if not notebooks <= pages:
            todo.append(student)
    return autograded, todo


def _feedback_part(api, assignment: str, part: list[str], everyone: list[str]) -> dict:
    """One nbgrader generate_feedback run over ``part`` (the others excluded), so its
    templates are compiled once for the whole part."""
    coursedir = api.coursedir
    before = coursedir.student_id_exclude
    coursedir.student_id_exclude = ",".join(sorted(set(everyone) - set(part)))
    try:
        return api.generate_feedback(assignment, None, force=True)
    finally:
        coursedir.student_id_exclude = before


def _forked_part(assignment: str, part: list[str], everyone: list[str]) -> dict:
    result = _feedback_part(_API, assignment, part, everyone)
    return {k: result.get(k) for k in ("success", "log", "error")}


def parts_of(students: list[str], processes: int, most: int = 16) -> list[list[str]]:
    """Split students into parts of at most ``most``, at least two per process when
    there are enough, so progress shows and a slow part does not hold the others."""
    size = max(1, min(most, -(-len(students) // (2 * processes))))
    return [students[i : i + size] for i in range(0, len(students), size)]


def write_feedback(api, out: Path, assignment: str, processes: int, progress=None, pending=None):
    """Write every missing feedback page of the run folder, in ``processes`` forked
    processes (the gradebook is only read). ``pending``: ``pending_feedback``'s answer
    when the caller already has it. Returns ``(students still without a page, nbgrader's
    failure messages)``; a failed part never stops the others."""
    global _API
    everyone, todo = pending or pending_feedback(out, assignment)
    if not todo:
        return [], []
    parts = parts_of(todo, processes)
    if any("," in student for student in everyone):  # not expressible in an exclude list
        parts = [todo]
    processes = min(processes, len(parts))
    failures = []

    def done(part: list[str], result: dict) -> None:
        if not result.get("success"):
            failures.append(result)
        if progress is not None:
            progress.advance(len(part))

    if processes > 1 and "fork" in multiprocessing.get_all_start_methods():
        _API = api
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(processes, mp_context=context) as pool:
                futures = {pool.submit(_forked_part, assignment, p, everyone): p for p in parts}
                for future in as_completed(futures):
                    try:
                        result = future.result()
                    except Exception as err:  # noqa: BLE001 - a lost process loses one part
                        result = {"success": False, "error": f"feedback process failed: {err!r}"}
                    done(futures[future], result)
        finally:
            _API = None
    else:
        for part in parts:
            done(part, _feedback_part(api, assignment, part, everyone))
    return pending_feedback(out, assignment)[1], failures
