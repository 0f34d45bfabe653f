"""Cases and returned data in, verdicts out: the grader's side of sealed grading.

    plan = Plan.from_notebook(source_nb)        # once per assignment, in the grader
    payload = plan.payload()                    # the cases' inputs, for the kernel
    verdicts = plan.judge(executed_nb)          # grade_id -> Verdict, per student

``Plan.from_notebook`` runs every test cell of the instructor's notebook in this process
in *collect* mode (``nnkit.checks.collecting``): the graded names are stand-ins, so the
cell only states its cases. Each case's reference run (nnkit's references on the same
inputs) is computed here once and reused for every student. ``payload`` is what the
student's kernel receives: the cases' programs (inputs and what to call), never a
reference, an expected value or the cell's code.

``judge`` reads the probe messages in an executed notebook (``nnkit.checks.sealed``) as
plain data, compares them with the references (``nnkit.checks.judging``) and returns one
``Verdict`` per test cell: passed, or the first failing case's message. A probe whose
message is missing, malformed, or about another cell is a failure ("did not run" or
"could not be read"), never a pass. A test of a method that builds on other graded
functions (a model's ``loss`` on the layers) is also judged on its second run, with
correct layers (``nncourse.rerun``), so that a wrong layer costs only its own points.
This module never imports student code and never calls into the student's kernel; see
autograder/README.md, "Trust boundary".
"""

import builtins
import contextlib
import io
import json
from dataclasses import dataclass, replace

import numpy as np
from IPython.core.inputtransformer2 import TransformerManager

import nnkit.checks
from nnkit.answers import builds_on, reference
from nnkit.checks.case import Graded, collecting, program
from nnkit.checks.judging import BadCase, Failure, judge, read_outcome, reference_outcome
from nnkit.checks.sealed import MIME
from nnkit.checks.wire import WireError

from .diagnoses import diagnose, likely
from .grade_ids import graded_target, method_of
from .rerun import MARK, WITH
from .structure import nbgrader_meta

PASSED_TEXT = "passed"
NOT_RUN_ENAME = "NotGraded"  # a test cell that did not run (timeout, crash, tampered...)


class PlanError(RuntimeError):
    """The instructor's notebook states a test cell that cannot be judged."""


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str = ""
    ename: str = "AssertionError"
    cause: str = ""  # the known mistake the judge named (``diagnoses``), never parsed text

    def outputs(self) -> list[dict]:
        """The test cell's outputs in the autograded notebook (what nbgrader scores:
        an error output gives 0 points, none gives full points). A passed test may carry
        a message too (a model that is right although a layer it calls is not)."""
        if self.passed:
            text = f"{PASSED_TEXT}: {self.message}" if self.message else PASSED_TEXT
            return [{"output_type": "stream", "name": "stdout", "text": f"{text}\n"}]
        return [
            {
                "output_type": "error",
                "ename": self.ename,
                "evalue": self.message,
                "traceback": [f"{self.ename}: {self.message}"],
            }
        ]


def test_cells(nb) -> list:
    """The autograded test cells of a notebook, in order."""
    return [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code"
        and nbgrader_meta(c).get("grade")
        and not nbgrader_meta(c).get("solution")
    ]


def graded_names(nb) -> set[str]:
    """Public top-level functions and classes defined by the solution cells."""
    import ast

    names = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and nbgrader_meta(cell).get("solution"):
            for node in ast.parse(_source(cell)).body:
                public = not node.name.startswith("_") if hasattr(node, "name") else False
                if isinstance(node, ast.FunctionDef | ast.ClassDef) and public:
                    names.add(node.name)
    return names


def _source(cell) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def substitutes(grade_id: str) -> tuple[str, ...]:
    """The graded functions that the method of test cell ``grade_id`` builds on, whose
    correct versions its cases run with a second time (``nncourse.rerun``)."""
    method = method_of(grade_id)
    return builds_on(method) if method else ()


def collect_cases(source: str, graded: set[str], grade_id: str = "<cell>") -> list:
    """The cases a test cell states, read in collect mode in this process."""
    code = TransformerManager().transform_cell(source)
    namespace = {name: getattr(nnkit.checks, name) for name in nnkit.checks.__all__}
    namespace.update({"np": np, "__builtins__": builtins, "__name__": "__test_cell__"})
    namespace.update({name: Graded(name) for name in graded})
    with collecting() as found, contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(compile(code, f"<{grade_id}>", "exec"), namespace)  # instructor code
        except Exception as err:
            why = f"{type(err).__name__}: {err}"
            raise PlanError(f"test cell {grade_id} cannot be read: {why}") from None
    if not found:
        raise PlanError(f"test cell {grade_id} states no case (call check(Case(...)))")
    return found


@dataclass
class CellPlan:
    grade_id: str
    cases: list
    programs: list[dict]
    references: list  # Outcome | None per case
    uses: tuple = ()  # graded functions whose correct versions a second run uses


class Plan:
    """The cases of one notebook's test cells, with their reference runs."""

    def __init__(self, cells: dict[str, CellPlan]):
        self.cells = cells

    @classmethod
    def from_notebook(cls, source_nb) -> "Plan":
        graded = graded_names(source_nb)
        cells = {}
        for cell in test_cells(source_nb):
            grade_id = nbgrader_meta(cell)["grade_id"]
            cases = collect_cases(_source(cell), graded, grade_id)
            programs = [program(case) for case in cases]
            references = []
            for case, prog in zip(cases, programs, strict=True):
                try:
                    references.append(reference_outcome(case, prog, reference))
                except BadCase as err:
                    raise PlanError(f"test cell {grade_id}: {err}") from None
            uses = substitutes(grade_id)
            cells[grade_id] = CellPlan(grade_id, cases, programs, references, uses)
        return cls(cells)

    def payload(self) -> str:
        """What the student's kernel receives (``nnkit.checks.sealed.install``)."""
        programs = {g: c.programs for g, c in self.cells.items()}
        return json.dumps({"cells": programs}, separators=(",", ":"))

    def judge(self, executed_nb, reason: str = "") -> dict[str, "Verdict"]:
        """A verdict for every test cell, from an executed worker notebook (a dict as
        read by ``json``). ``reason`` says why a cell without results did not run."""
        messages = probe_messages(executed_nb)
        verdicts = {g: self.judge_cell(c, messages.get(g), reason) for g, c in self.cells.items()}
        again = rerun_messages(executed_nb)
        for grade_id, cell in self.cells.items():
            if cell.uses and not verdicts[grade_id].passed and grade_id in again:
                rerun = self.judge_cell(cell, again[grade_id], reason, diagnosis=False)
                verdicts[grade_id] = with_correct_layers(cell, verdicts, rerun.passed)
        return verdicts

    def judge_cell(self, cell: CellPlan, message, reason: str, diagnosis=True) -> "Verdict":
        if message is None:
            why = f"this test did not run: {reason}" if reason else "this test did not run"
            return Verdict(False, why, NOT_RUN_ENAME)
        cases = message.get("cases") if isinstance(message, dict) else None
        if not isinstance(cases, list) or len(cases) != len(cell.cases):
            return Verdict(False, "the results of this test could not be read", "ResultError")
        runs = zip(cell.cases, cell.programs, cell.references, cases, strict=True)
        for case, prog, ref, data in runs:
            try:
                outcome = read_outcome(data, prog)
            except (WireError, RecursionError):
                failure = Failure("the outputs of your function could not be read as data")
            else:
                failure = judge(case, outcome, ref)
                known = diagnose(case, prog, outcome) if failure and diagnosis else None
                if known is not None:
                    message = likely(failure.message, known)
                    return Verdict(False, message, failure.ename, known.message)
            if failure is not None:
                return Verdict(False, failure.message, failure.ename)
        return Verdict(True)


def with_correct_layers(cell: CellPlan, verdicts: dict, passed: bool) -> "Verdict":
    """The verdict of a method's test that failed with the student's own layers, given
    whether it passed its second run, with correct ones (``passed``). Only that bit of
    the second run is used: its outputs never reach the student."""
    own, method = verdicts[cell.grade_id], method_of(cell.grade_id)
    wrong = [
        name
        for name in cell.uses
        if any(not v.passed and graded_target(g) == name for g, v in verdicts.items())
    ]
    named = [f"`{name}`" for name in wrong]
    listed = ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else "".join(named)
    if passed and wrong:
        verb, whose = ("is", "its") if len(wrong) == 1 else ("are", "their")
        return Verdict(
            True,
            f"{method} is right: with correct layers it passes this test, so it keeps its "
            f"points. With your own layers it fails because {listed} {verb} wrong: see "
            f"{whose} own tests.",
        )
    if passed:
        return Verdict(
            True,
            f"{method} is right: with correct layers it passes this test, so it keeps its "
            f"points. With your own layers, which pass their own tests, it fails: check "
            f"how {method} calls them. With your own layers: {own.message}",
        )
    if wrong:
        also = f" It fails with correct layers too, so the mistake is in {method} itself."
        return replace(own, message=own.message + also)
    return own


def with_hints(verdicts: dict[str, Verdict], findings) -> dict[str, Verdict]:
    """The verdicts, where a failure is a NameError of a name that the student defined
    outside the cells grading runs (``nnkit.validation.ungraded_names`` of the submitted
    notebook, computed by the grader, not in the kernel): with that finding's message
    added, which says where the name is defined and what to do."""
    out = {}
    for grade_id, verdict in verdicts.items():
        if not verdict.passed and verdict.ename == "NameError":
            notes = [f.message for f in findings if f"'{f.name}'" in verdict.message]
            if notes:
                verdict = replace(verdict, message=" ".join([verdict.message, *notes]))
        out[grade_id] = verdict
    return out


def rerun_messages(executed_nb) -> dict:
    """grade_id -> the results message of that test cell's second run (a worker cell
    marked ``{"nncourse": {MARK: grade_id}}``, whose message says ``"with": WITH``)."""
    found = {}
    for cell in executed_nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nncourse", {})
        grade_id = meta.get(MARK) if isinstance(meta, dict) else None
        if isinstance(grade_id, str) and grade_id not in found:
            message = results_message(cell, grade_id, WITH)
            if message is not None:
                found[grade_id] = message
    return found


def probe_messages(executed_nb) -> dict:
    """grade_id -> the first results message found in that test cell's probe outputs.

    The cell is known by the worker notebook's own metadata (which the kernel cannot
    change), and a message must name the same cell."""
    found = {}
    for cell in executed_nb.get("cells", []):
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("grade") and grade_id not in found:
            message = results_message(cell, grade_id)
            if message is not None:
                found[grade_id] = message
    return found


def results_message(cell, grade_id: str, second_run: str | None = None) -> dict | None:
    """The first results message among a worker cell's outputs that names ``grade_id``
    (and, for a second run, says ``"with": second_run``), or None."""
    for output in cell.get("outputs", []):
        data = output.get("data") if isinstance(output, dict) else None
        message = data.get(MIME) if isinstance(data, dict) else None
        if isinstance(message, dict) and message.get("cell") == grade_id:
            if second_run is None or message.get("with") == second_run:
                return message
    return None
