"""Hidden-test cells in the release say what they are (nncourse.labels), and an honest
student's notebook holding those labelled cells is graded like any other."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import compute_checksum

from nncourse.labels import HIDDEN_TESTS_LABEL, generate_preprocessors, label_regions
from nncourse.mutate import solved_submission
from nncourse.structure import nbgrader_meta, restore_structure
from nncourse.tamper import Context, scan
from tests import harness

ASSIGNMENTS = harness.COURSE.assignment_ids()
BLOCK = "### BEGIN HIDDEN TESTS\ncheck(case)\n### END HIDDEN TESTS"


def test_the_label_goes_where_the_hidden_block_was():
    assert label_regions(BLOCK) == HIDDEN_TESTS_LABEL + "\n" + BLOCK
    indented = "x = 1\n    " + BLOCK.replace("\n", "\n    ")
    assert label_regions(indented).split("\n")[1] == "    " + HIDDEN_TESTS_LABEL
    assert label_regions(label_regions(BLOCK)) == label_regions(BLOCK)  # never twice
    assert label_regions("check(case)") == "check(case)"  # no hidden block, no label


def test_the_pipeline_labels_hidden_tests_where_nbgrader_clears_them():
    pipeline = generate_preprocessors()
    names = [p.__name__ for p in pipeline]
    assert "ClearHiddenTests" not in names
    (label,) = [p for p in pipeline if p.__name__ == "LabelHiddenTests"]
    assert issubclass(label, ClearHiddenTests)
    # after the gradebook has saved the hidden tests, before the release's checksums
    assert names.index("SaveCells") < names.index("LabelHiddenTests")
    assert names[names.index("LabelHiddenTests") :].count("ComputeChecksums") == 1


def test_the_preprocessor_leaves_only_the_label():
    cell = new_code_cell(BLOCK)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "f_hidden",
        "locked": True,
        "points": 1,
        "solution": False,
        "schema_version": 3,
    }
    (label,) = [p for p in generate_preprocessors() if p.__name__ == "LabelHiddenTests"]
    nb, _ = label().preprocess(new_notebook(cells=[cell]), {})
    assert nb.cells[0].source == HIDDEN_TESTS_LABEL
    nbformat.validate(nb)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_hidden_test_cell_of_the_release_is_labelled(assignment):
    solution = harness.read("solutions", assignment)
    release = harness.read("assignments", assignment)
    hidden = {
        nbgrader_meta(c)["grade_id"]
        for c in harness.test_cells(solution)
        if "BEGIN HIDDEN TESTS" in c.source
    }
    assert hidden, "expected hidden tests in the solution notebook"
    for cell in harness.test_cells(release):
        grade_id = nbgrader_meta(cell)["grade_id"]
        if grade_id in hidden:
            assert cell.source == HIDDEN_TESTS_LABEL, grade_id
            # Validate compares this checksum with the cell: a labelled cell is unchanged
            assert nbgrader_meta(cell)["checksum"] == compute_checksum(cell), grade_id
        else:
            assert HIDDEN_TESTS_LABEL not in cell.source, grade_id


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_honest_submission_with_labelled_cells_is_not_flagged(assignment):
    solution = harness.read("solutions", assignment)
    release = harness.read("assignments", assignment)
    context = Context.from_notebooks(solution, release)
    honest = solved_submission(release, solution)
    labelled = [c for c in harness.test_cells(honest) if c.source == HIDDEN_TESTS_LABEL]
    assert labelled
    assert scan(honest, context) == []
    assert restore_structure(honest, release) == []
    # a student who deleted the comment line (or never saw it) still has the same cells
    for cell in labelled:
        cell.source = ""
    assert scan(honest, context) == []
