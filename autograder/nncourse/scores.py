"""Step 4 of grading: read scores back from the nbgrader gradebook.

The gradebook is the source of truth that formgrader also shows; grades.csv and
tests.csv are views of it, plus a row for every notebook that could not be graded.
"""

from dataclasses import dataclass
from pathlib import Path

import nbformat

from .collect import Entry


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    max_score: float


@dataclass(frozen=True)
class NotebookScores:
    total: float
    max_score: float  # the notebook's full points, manual answers included
    tests: dict  # grade_id -> auto score, for autograded test cells
    penalty: float = 0.0  # nbgrader's late_submission_penalty (total is before it)
    seconds_late: float = 0.0


def test_cells(source_notebook: Path) -> list[TestCell]:
    """The autograded test cells of an instructor notebook, in notebook order."""
    nb = nbformat.read(source_notebook, as_version=4)
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            cells.append(TestCell(meta["grade_id"], float(meta.get("points", 0))))
    return cells


def notebook_max_score(gb, assignment_id: str, notebook: str) -> float:
    return float(gb.find_notebook(notebook, assignment_id).max_score)


def submission_scores(gb, entry: Entry, assignment_id: str) -> NotebookScores:
    """Scores of one autograded notebook (auto scores; manual ones once formgrader set them)."""
    sub = gb.find_submission_notebook(entry.notebook, assignment_id, entry.student)
    tests = {g.name: float(g.score) for g in sub.grades if g.cell_type == "code"}
    seconds_late = gb.find_submission(assignment_id, entry.student).total_seconds_late
    penalty = float(sub.late_submission_penalty or 0.0)
    return NotebookScores(float(sub.score), float(sub.max_score), tests, penalty, seconds_late)


def failed_tests(tests: dict, cells: list[TestCell]) -> list[str]:
    return [c.grade_id for c in cells if tests.get(c.grade_id, 0.0) < c.max_score]
