"""restore_structure: a submission's nbgrader cells put back in the release's structure."""

import copy

import nbformat

from nncourse.structure import restore_structure
from tests import harness

A = "02_minibatch_sgd"


def release():
    return harness.read("assignments", A)


def graded(nb, kind):
    """The first cell of ``kind`` ("test" or "solution") and its index."""
    if kind == "test":
        cell = harness.test_cells(nb)[0]
    else:
        solutions = (c for c in nb.cells if c.cell_type == "code" and "nbgrader" in c.metadata)
        cell = next(c for c in solutions if c.metadata.nbgrader.get("solution"))
    return nb.cells.index(cell), cell


def grade_ids(nb) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]


def test_a_faithful_submission_is_left_alone():
    nb, ref = release(), release()
    assert restore_structure(nb, ref) == []
    assert nb == ref


def test_a_copied_test_cell_keeps_the_faithful_copy_wherever_it_is():
    nb, ref = release(), release()
    i, cell = graded(nb, "test")
    fake = copy.deepcopy(cell)
    fake.source, fake.id = "pass", "copy-1"
    nb.cells.insert(0, fake)  # before the real one: the scan sees only the kept cell
    notes = restore_structure(nb, ref)
    assert grade_ids(nb) == grade_ids(ref)
    assert nb.cells[i].source == cell.source
    assert "appears 2 times" in notes[0] and "matches the assignment" in notes[0]


def test_copies_of_a_solution_cell_run_as_one_cell_in_order():
    nb, ref = release(), release()
    i, cell = graded(nb, "solution")
    later = copy.deepcopy(cell)
    later.source, later.id = "def minibatches(*a):\n    return 'second'", "copy-2"
    nb.cells.insert(i + 3, later)
    cell.source = "def minibatches(*a):\n    return 'first'"
    notes = restore_structure(nb, ref)
    assert grade_ids(nb) == grade_ids(ref)
    assert nb.cells[i].source.index("'first'") < nb.cells[i].source.index("'second'")
    assert "every copy's code, in order" in notes[0]


def test_roles_and_points_come_from_the_release():
    nb, ref = release(), release()
    i, cell = graded(nb, "test")
    cell.metadata["nbgrader"]["points"] = 1000
    _, solution = graded(nb, "solution")
    solution.metadata["nbgrader"].update(grade=True, solution=False, locked=True, points=50)
    notes = restore_structure(nb, ref)
    assert nb == ref
    ids = sorted([cell.metadata.nbgrader.grade_id, solution.metadata.nbgrader.grade_id])
    (note,) = notes
    assert note.endswith(": nbgrader role changed, restored from the assignment")
    assert all(repr(g) in note for g in ids)


def test_a_test_cell_turned_markdown_is_code_again():
    nb, ref = release(), release()
    i, cell = graded(nb, "test")
    nb.cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    nb.cells[i].id = cell.id
    restore_structure(nb, ref)
    assert nb.cells[i].cell_type == "code" and nb.cells[i].outputs == []
    assert nb == ref


def test_an_unknown_graded_cell_is_left_out():
    nb, ref = release(), release()
    bonus = nbformat.v4.new_code_cell("pass")
    bonus.metadata["nbgrader"] = dict(
        grade=True, solution=False, locked=True, grade_id="bonus", points=50, schema_version=3
    )
    nb.cells.append(bonus)
    notes = restore_structure(nb, ref)
    assert nb == ref
    assert notes == ["cell 'bonus': not in the assignment, left out"]
    nbformat.validate(nb)


# ----------------------------------------------------- CheckCellMetadata, validated once


def nbgrader_verdict(check, nb) -> str:
    """What a metadata check says of ``nb``: "valid", or the error's type and text."""
    try:
        check().preprocess(copy.deepcopy(nb), {})
    except Exception as err:  # noqa: BLE001 - the verdict is what is compared
        return f"{type(err).__name__}: {err}"
    return "valid"


def test_the_metadata_check_once_judges_as_nbgraders_own():
    """The writer's CheckCellMetadata remembers the cells it validated; what it says
    of a notebook is still what nbgrader's says, for valid metadata and for each kind
    of corruption, after the same cells were seen valid before."""
    from nbgrader.preprocessors import CheckCellMetadata as Stock

    from nncourse.structure import CheckCellMetadata

    assert nbgrader_verdict(CheckCellMetadata, release()) == "valid"  # remembered now
    corruptions = {
        "points are text": lambda meta: meta.update(points="five"),
        "unknown schema": lambda meta: meta.update(schema_version=99),
        "no grade_id": lambda meta: meta.pop("grade_id"),
        "grade without points": lambda meta: meta.pop("points"),
        "extra key": lambda meta: meta.update(extra=1),
    }
    for what, corrupt in corruptions.items():
        nb = release()
        _, cell = graded(nb, "test")
        corrupt(cell.metadata["nbgrader"])
        ours, stock = nbgrader_verdict(CheckCellMetadata, nb), nbgrader_verdict(Stock, nb)
        assert ours == stock, what
        assert ours != "valid", what
    nb = release()  # a duplicated grade id is the notebook's, not a cell's, error
    nb.cells.append(copy.deepcopy(graded(nb, "test")[1]))
    ours = nbgrader_verdict(CheckCellMetadata, nb)
    assert ours == nbgrader_verdict(Stock, nb) != "valid"


def test_the_grading_pipeline_uses_the_check_once():
    from nncourse.grade import autograde_preprocessors, sanitize_preprocessors
    from nncourse.structure import CheckCellMetadata

    for pipeline in (sanitize_preprocessors(), autograde_preprocessors()):
        checks = [p for p in pipeline if "CheckCellMetadata" in p.__name__]
        assert checks == [CheckCellMetadata]
