"""Grading harness for the test suite: real submissions through the real `nncourse grade`.

A *batch* is one submissions folder graded by one `nncourse grade` run:
- ``solution``: the release filled in with the instructor's solutions (must score full);
- ``release``: the student release untouched (must score zero);
- ``round_NN``: the solution with one mutant per graded target swapped in. A round holds
  mutants of different targets only, which is sound because every test cell tests one
  target and calls no other graded function (``test_cells_are_independent`` checks it).
Per-target scores come from tests.csv.
"""

import ast
import csv
import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat

from nncourse.course import Course
from nncourse.mutate import solved_submission

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
GRADE_ID = re.compile(r"^(?P<target>.+?)_(?P<kind>visible|hidden)(_\d+)?$")


def notebook_path(folder: str, assignment: str) -> Path:
    return ROOT / folder / assignment / f"{assignment}.ipynb"


def read(folder: str, assignment: str):
    return nbformat.read(notebook_path(folder, assignment), as_version=4)


def target_of(grade_id: str) -> str:
    """``svm_loss_naive_hidden_2`` -> ``svm_loss_naive``; ``TwoLayerNet_loss_visible`` ->
    ``TwoLayerNet.loss`` is matched by comparing with dots replaced (see ``key``)."""
    match = GRADE_ID.match(grade_id)
    if not match:
        raise ValueError(f"test cell grade_id {grade_id!r} does not follow <target>_visible|hidden")
    return match["target"]


def key(target: str) -> str:
    return target.replace(".", "_")


def test_cells(nb) -> list:
    return [
        c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
    ]


def called_names(source: str) -> set[str]:
    """Names called or referenced in a cell (hidden-test markers are comments)."""
    tree = ast.parse(source)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
    }


SECRET_BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def secret_lines(nb, kinds=("SOLUTION", "HIDDEN TESTS")) -> list[str]:
    """Substantial lines inside solution / hidden-test blocks that the notebook does not
    also show elsewhere (visible tests and lesson text legitimately repeat some)."""
    public, secret = "", []
    for cell in nb.cells:
        public += SECRET_BLOCK.sub("", cell.source) + "\n"
        for kind, body in SECRET_BLOCK.findall(cell.source):
            if kind in kinds:
                secret += [ln.strip() for ln in body.splitlines() if len(ln.strip()) > 20]
    return [ln for ln in secret if ln not in public]


def rounds(mutants) -> list[dict]:
    """Pack mutants into rounds with at most one mutant per target."""
    per_target = defaultdict(list)
    for m in mutants:
        per_target[m.target].append(m)
    n = max((len(v) for v in per_target.values()), default=0)
    return [{t: ms[i] for t, ms in per_target.items() if i < len(ms)} for i in range(n)]


@dataclass
class BatchResult:
    out: Path
    grades: dict  # student -> grades.csv row
    tests: dict  # (student, target key) -> (score, max_score)
    errors: dict  # (student, grade_id) -> "ename: evalue" of a failed test cell
    placement: dict  # mutant (target, name) -> student

    def target_score(self, student: str, target: str) -> tuple[float, float]:
        return self.tests[(student, key(target))]


def write_batch(assignment: str, mutants, folder: Path) -> dict:
    """Write the batch's submissions; returns mutant (target, name) -> student."""
    release = read("assignments", assignment)
    solution = read("solutions", assignment)
    placement = {}
    students = {"solution": {}, "release": None}
    for i, round_ in enumerate(rounds(mutants), 1):
        student = f"round_{i:02d}"
        students[student] = {t: m.source for t, m in round_.items()}
        placement.update({(t, m.name): student for t, m in round_.items()})
    for student, replacements in students.items():
        nb = release if replacements is None else solved_submission(release, solution, replacements)
        path = folder / student / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
    return placement


def grade(submissions: Path, assignment: str, out: Path, *extra: str):
    """Run the real CLI; return the completed process (check=True)."""
    cmd = [
        str(Path(sys.executable).parent / "nncourse"),
        "grade",
        str(submissions),
        "--assignment",
        assignment,
        "--out",
        str(out),
        *extra,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def failure_messages(out: Path, assignment: str, student: str) -> dict:
    """grade_id -> 'ename: evalue' for each failed test cell of an autograded notebook."""
    path = out / "autograded" / student / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        return {}
    messages = {}
    for cell in test_cells(nbformat.read(path, as_version=4)):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                messages[grade_id] = f"{output['ename']}: {output['evalue']}"
    return messages


def run_batch(assignment: str, mutants, tmp: Path) -> BatchResult:
    submissions = tmp / "submissions"
    placement = write_batch(assignment, mutants, submissions)
    out = tmp / "run"
    grade(submissions, assignment, out)
    grades = {r["student_id"]: r for r in read_csv(out / "grades.csv")}
    tests = defaultdict(lambda: [0.0, 0.0])
    for r in read_csv(out / "tests.csv"):
        entry = tests[(r["student_id"], key(target_of(r["grade_id"])))]
        entry[0] += float(r["score"])
        entry[1] += float(r["max_score"])
    errors = {}
    for student in grades:
        for grade_id, message in failure_messages(out, assignment, student).items():
            errors[(student, grade_id)] = message
    return BatchResult(out, grades, {k: tuple(v) for k, v in tests.items()}, errors, placement)
