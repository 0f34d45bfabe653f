"""Grading harness for the test suite: real submissions through the real `nncourse grade`.

A *batch* is one submissions folder graded by one `nncourse grade` run:
- ``solution``: the release filled in with the instructor's solutions (must score full);
- ``release``: the student release untouched (must score zero);
- ``round_NN``: the solution with several mutants swapped in, one per graded target.
  Two targets share a round only when they are *independent*: no test of one reaches
  the other, directly or through the code it calls (``reach``). Most test cells call
  only their own target; a backward test also calls its layer's forward (for the
  cache), a method test calls its class's constructor, and a model's ``loss`` calls
  the layer functions, so those are packed into different rounds.
Per-target scores come from tests.csv.
"""

import ast
import csv
import os
import re
import subprocess
import sys
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat

from nncourse import check
from nncourse.course import Course
from nncourse.mutate import solved_submission

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
# A correct sgd of notebook 02, for attacks that wrap honest code in dishonest code.
CORRECT_SGD = """
def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config
"""
# The graded names of each assignment (README, "The notebooks").
GRADED = {
    "01_gradient_checking": {
        "numerical_gradient",
        "numerical_gradient_array",
        "relative_error",
        "svm_loss_naive",
        "svm_loss_vectorized",
        "softmax_loss_naive",
        "softmax_loss_vectorized",
    },
    "02_minibatch_sgd": {
        "minibatches",
        "sgd",
        "sgd_momentum",
        "nesterov_momentum",
        "adagrad",
        "rmsprop",
        "adam",
    },
    "03_lr_schedules": {
        "step_decay",
        "multistep_decay",
        "cosine_decay",
        "linear_decay",
        "inverse_sqrt",
        "cosine_with_restarts",
        "with_warmup",
    },
    "04_neural_networks": {
        "affine_forward",
        "affine_backward",
        "relu_forward",
        "relu_backward",
        "sigmoid_forward",
        "sigmoid_backward",
        "softmax_loss",
        "svm_loss",
        "TwoLayerNet.__init__",
        "TwoLayerNet.loss",
        "FullyConnectedNet.__init__",
        "FullyConnectedNet.loss",
    },
}
NNCOURSE = str(Path(sys.executable).parent / "nncourse")
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


def graded_uses(source: str, graded: set[str]) -> set[str]:
    """The graded targets that code uses: a function ``f`` by bare name (``ref.f`` is the
    reference, not the student's), a class ``C`` as ``C.__init__``, and a method ``C.m``
    as an attribute ``.m`` in code that names ``C``."""
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    uses = {t for t in graded if "." not in t and t in names}
    for target in graded:
        cls, _, method = target.partition(".")
        if method and cls in names and (method == "__init__" or method in attributes):
            uses.add(target)
    return uses


def definition_calls(sources: list[str], graded: set[str]) -> dict[str, set[str]]:
    """target -> the graded targets its definitions in ``sources`` use (functions by name,
    methods through ``self.m``/``C(...)``)."""
    calls = defaultdict(set)
    for source in sources:
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name in graded:
                calls[node.name] |= graded_uses(ast.unparse(node), graded) - {node.name}
            if isinstance(node, ast.ClassDef):
                for method in node.body:
                    target = f"{node.name}.{getattr(method, 'name', '')}"
                    if isinstance(method, ast.FunctionDef) and target in graded:
                        body = f"{node.name}\n" + ast.unparse(method)
                        calls[target] |= graded_uses(body, graded) - {
                            target,
                            f"{node.name}.__init__",
                        }
    return calls


def reach(nb, graded: set[str], extra_sources=()) -> dict[str, set[str]]:
    """target -> every graded target that the tests of ``target`` run: what its test cells
    use, closed under the calls of the solution's (and ``extra_sources``') definitions."""
    solutions = [
        c.source
        for c in nb.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    ]
    calls = definition_calls([*solutions, *extra_sources], graded)
    by_key = {key(t): t for t in graded}
    result = defaultdict(set)
    for cell in test_cells(nb):
        target = by_key.get(target_of(cell.metadata["nbgrader"]["grade_id"]))
        if target is None:
            continue
        result[target] |= graded_uses(cell.source, graded) | {target}
    for seen in result.values():
        todo = list(seen)
        while todo:
            for callee in calls.get(todo.pop(), ()):
                if callee not in seen:
                    seen.add(callee)
                    todo.append(callee)
    return dict(result)


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


def rounds(mutants, reaches: dict[str, set[str]] | None = None) -> list[dict]:
    """Pack mutants into rounds: one mutant per target, and only targets whose tests do
    not reach each other (``reaches``: target -> targets its tests run; None: every
    test runs only its own target). Targets with the most mutants left go first."""
    reaches = reaches or {}

    def conflict(a, b):
        return b in reaches.get(a, ()) or a in reaches.get(b, ())

    pending = defaultdict(list)
    for m in mutants:
        pending[m.target].append(m)
    result = []
    while any(pending.values()):
        round_ = {}
        for target in sorted(pending, key=lambda t: (-len(pending[t]), t)):
            if pending[target] and not any(conflict(target, other) for other in round_):
                round_[target] = pending[target].pop(0)
        result.append(round_)
    return result


def as_definition(mutant) -> str:
    """A mutant's source as top-level code: a method is wrapped in its class."""
    cls, _, method = mutant.target.rpartition(".")
    return f"class {cls}:\n" + textwrap.indent(mutant.source, "    ") if cls else mutant.source


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
    graded = {m.target for m in mutants}
    reaches = reach(solution, graded, [as_definition(m) for m in mutants])
    for i, round_ in enumerate(rounds(mutants, reaches), 1):
        student = f"round_{i:02d}"
        students[student] = {t: m.source for t, m in round_.items()}
        placement.update({(t, m.name): student for t, m in round_.items()})
    for student, replacements in students.items():
        nb = release if replacements is None else solved_submission(release, solution, replacements)
        path = folder / student / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
    return placement


def grade(submissions: Path, assignment: str, out: Path, *extra: str, env=None):
    """Run the real CLI; return the completed process (check=True). ``env``: the
    environment to run it in (default: ours)."""
    cmd = [
        NNCOURSE,
        "grade",
        str(submissions),
        "--assignment",
        assignment,
        "--out",
        str(out),
        *extra,
    ]
    env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def failure_messages(out: Path, assignment: str, student: str) -> dict:
    """grade_id -> 'ename: evalue' for each failed test cell of an autograded notebook."""
    path = out / "autograded" / student / assignment / f"{assignment}.ipynb"
    return check.failure_messages(path) if path.is_file() else {}


def passed_notes(out: Path, assignment: str, student: str) -> dict:
    """grade_id -> the message of each test cell that passed with one ("passed: ..."),
    e.g. a model that is right although a layer it calls is not."""
    path = out / "autograded" / student / assignment / f"{assignment}.ipynb"
    return check.passed_notes(path) if path.is_file() else {}


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
