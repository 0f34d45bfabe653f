"""The written questions carry model answers and rubrics in the solution notebooks (for
graders and the self-study site), the release shows only the answer stub, and each
notebook's introduction states the grading rule (only read-only, solution and test cells
run)."""

import re

import pytest

from nncourse.structure import nbgrader_meta
from tests import harness

# the notebooks whose answers are written; every notebook belongs here once it has them
WITH_ANSWERS = [
    "01_gradient_checking",
    "02_minibatch_sgd",
    "03_lr_schedules",
    "04_neural_networks",
]
ANSWER = re.compile(
    r"### BEGIN SOLUTION\n\*\*Model answer\.\*\* (?P<answer>.+?)\n\n"
    r"\*\*Rubric \((?P<points>[\d.]+) points?\)\.\*\* (?P<rubric>.+?)\n### END SOLUTION",
    re.S,
)


def answer_cells(nb) -> list:
    return [
        c
        for c in nb.cells
        if c.cell_type == "markdown"
        and nbgrader_meta(c).get("solution")
        and nbgrader_meta(c).get("grade")
    ]


@pytest.mark.parametrize("assignment", WITH_ANSWERS)
def test_every_written_question_has_a_model_answer_and_a_rubric(assignment):
    cells = answer_cells(harness.read("solutions", assignment))
    assert cells, "expected written questions"
    for cell in cells:
        grade_id = nbgrader_meta(cell)["grade_id"]
        match = ANSWER.fullmatch(cell.source.strip())
        assert match, f"{grade_id}: one solution region, a model answer, then a rubric"
        assert float(match["points"]) == nbgrader_meta(cell)["points"], grade_id
        assert len(match["answer"].split()) >= 40, f"{grade_id}: the model answer is a stub"
        assert "Full marks:" in match["rubric"] and "Half:" in match["rubric"], grade_id


@pytest.mark.parametrize("assignment", WITH_ANSWERS)
def test_the_release_shows_only_the_answer_stub(assignment):
    release = {
        nbgrader_meta(c)["grade_id"]: c
        for c in answer_cells(harness.read("assignments", assignment))
    }
    solution = answer_cells(harness.read("solutions", assignment))
    assert set(release) == {nbgrader_meta(c)["grade_id"] for c in solution}
    assert {c.source for c in release.values()} == {"YOUR ANSWER HERE"}


@pytest.mark.parametrize("assignment", WITH_ANSWERS)
def test_the_introduction_states_the_grading_rule(assignment):
    intro = " ".join(harness.read("assignments", assignment).cells[0].source.split())
    assert "your solution cells and the test cells run" in intro
    assert "is not there when grading runs" in intro
    assert "Put every helper inside the solution cell that uses it." in intro
