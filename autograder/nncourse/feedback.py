"""Step 5 of grading: per-student feedback HTML through nbgrader generate_feedback.

Hidden tests are for grading, not for reading: ``HideHiddenTests`` replaces each hidden
test cell's code with its name and keeps only the student-facing message of a failure
(``AssertionError: dW is wrong at ...``), never the traceback, which would quote code.
"""

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
    """Show hidden tests by name, pass/fail and message only."""

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
        else:
            text = "passed\n"
        cell.outputs = [new_output("stream", name="stdout", text=text)]
        return cell, resources


def feedback_preprocessors() -> list:
    """nbgrader's feedback pipeline with hidden-test code removed."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    return [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
