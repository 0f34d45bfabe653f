"""The student bundle (``nncourse release``): no answer of a locked assignment in it in any
form, each released notebook runs in a fresh venv holding only the bundle's wheel, and a
notebook whose lessons need a locked assignment's answers is refused."""

import ast
import json
import shutil
import subprocess
import sys
import textwrap
import time
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest

from nncourse import judge
from nncourse.cli import main
from nncourse.course import CourseError
from nncourse.edition import nnkit_source
from nncourse.release import LESSON_NEEDS, STUDENT_REQUIREMENTS, release
from nncourse.structure import nbgrader_meta
from nnkit.checks.case import program
from nnkit.checks.stored import case_key
from tests.bundle_leaks import MIN_NODES, leaks, parse, size
from tests.harness import COURSE, ROOT, SECRET_BLOCK

IDS = COURSE.assignment_ids()
GRADER_ONLY = ("nncourse", "dask", "distributed", "psycopg", "pytest", "playwright", "voila")


# ------------------------------------------------------------------- the bundles


def needs(assignment: str) -> list[str]:
    return sorted(LESSON_NEEDS[assignment])


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict:
    """assignment -> its bundle, released with what its lessons need unlocked."""
    root = tmp_path_factory.mktemp("bundles")
    return {i: release(COURSE, [i], needs(i), root / i).out for i in IDS}


def test_every_assignment_declares_what_its_lessons_need():
    assert set(LESSON_NEEDS) == set(IDS)
    for assignment, needed in LESSON_NEEDS.items():
        assert all(n < assignment for n in needed), "a lesson needs only earlier answers"


def test_bundle_holds_the_notebooks_the_config_and_one_student_wheel(bundles):
    out = bundles["02_minibatch_sgd"]
    assert sorted(p.name for p in out.iterdir()) == [
        "02_minibatch_sgd",
        "README.md",
        "nbgrader_config.py",
        "wheels",
    ]
    released = out / "02_minibatch_sgd" / "02_minibatch_sgd.ipynb"
    assert (
        released.read_bytes()
        == (COURSE.assignments / "02_minibatch_sgd" / released.name).read_bytes()
    )
    assert "grading_view" in (out / "nbgrader_config.py").read_text()
    readme = (out / "README.md").read_text()
    assert "python3 -m venv .venv && .venv/bin/pip install wheels/*.whl" in readme
    assert ".venv/bin/jupyter lab" in readme and "only the solution cells" in readme
    (wheel,) = (out / "wheels").iterdir()
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert all(n.startswith(("nnkit/", "nnkit-")) for n in names), names
    assert not [n for n in names if n.endswith(".pyc") or "/tests/" in n]
    required = [
        line.split(": ", 1)[1] for line in meta.splitlines() if line.startswith("Requires-Dist")
    ]
    names_required = [r.split("<")[0].split(">")[0].split("=")[0].split(";")[0] for r in required]
    assert names_required == list(STUDENT_REQUIREMENTS)
    assert not [r for r in required if r.lower().startswith(GRADER_ONLY) or "extra ==" in r]
    assert "nnkit/checks/visible/02_minibatch_sgd.json" in names


def test_release_refuses_bad_requests(tmp_path, capsys):
    def run(*argv) -> str:
        assert main(["--course", str(ROOT), "release", *argv]) == 2
        return capsys.readouterr().err

    out = str(tmp_path / "b")
    assert "unknown assignment(s) 09_nope" in run("09_nope", "--out", out)
    assert "--unlock: unknown assignment(s) 07_x" in run(
        "01_gradient_checking", "--unlock", "07_x", "--out", out
    )
    err = run("03_lr_schedules", "--unlock", "01_gradient_checking", "--out", out)
    assert (
        "03_lr_schedules trains with 02_minibatch_sgd's update rules and minibatches "
        "(nnkit's Solver): add --unlock 02_minibatch_sgd"
    ) in err
    assert "Traceback" not in err and not (tmp_path / "b").exists()
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("")
    assert "exists and is not empty" in run("01_gradient_checking", "--out", str(tmp_path / "used"))


# --------------------------------------------------------------------------- leaks


@pytest.mark.parametrize("assignment", IDS)
def test_no_locked_answer_or_hidden_test_in_the_bundle(bundles, assignment):
    locked = set(IDS) - set(needs(assignment))
    assert assignment in locked
    assert leaks(bundles[assignment], locked) == []


def test_hidden_cases_are_never_stored(bundles):
    for assignment in IDS:
        nb = nbformat.read(COURSE.solutions / assignment / f"{assignment}.ipynb", as_version=4)
        graded = judge.graded_names(nb)
        keys = {"hidden": set(), "visible": set()}
        for cell in judge.test_cells(nb):
            cases = judge.collect_cases(cell.source, graded, nbgrader_meta(cell)["grade_id"])
            kind = "hidden" if "BEGIN HIDDEN TESTS" in cell.source else "visible"
            keys[kind] |= {case_key(program(c)) for c in cases}
        (wheel,) = (bundles[assignment] / "wheels").iterdir()
        with zipfile.ZipFile(wheel) as zf:
            stored = json.loads(zf.read(f"nnkit/checks/visible/{assignment}.json"))["cases"]
        assert set(stored) == keys["visible"] and keys["hidden"] - keys["visible"]


def test_the_leak_check_finds_a_planted_answer(bundles, tmp_path):
    out = shutil.copytree(bundles["01_gradient_checking"], tmp_path / "planted")
    locked = set(IDS)
    nb_path = out / "01_gradient_checking" / "01_gradient_checking.ipynb"
    solutions = nbformat.read(COURSE.solutions / nb_path.parent.name / nb_path.name, as_version=4)
    solved = next(c for c in solutions.cells if "def numerical_gradient(" in c.source)
    nb = nbformat.read(nb_path, as_version=4)
    renamed = solved.source.replace("def numerical_gradient(", "def my_gradient(")
    nb.cells.append(nbformat.v4.new_code_cell(renamed))
    nbformat.write(nb, nb_path)
    hidden = next(c for c in solutions.cells if "BEGIN HIDDEN TESTS" in c.source)
    statement = next(
        ast.unparse(s) for s in parse(SECRET_BLOCK.search(hidden.source).group(2)).body
        if size([s]) >= MIN_NODES
    )  # fmt: skip
    (wheel,) = (out / "wheels").iterdir()
    with zipfile.ZipFile(wheel, "a") as zf:
        zf.writestr("nnkit/extra.py", f"if True:\n    {statement}\n")
    optim = (nnkit_source() / "optim.py").read_text()
    adam = ast.get_source_segment(optim, next(
        n for n in ast.parse(optim).body if getattr(n, "name", "") == "adam"
    ))  # fmt: skip
    with (out / "nbgrader_config.py").open("a") as f:
        f.write("\n\n" + adam.replace("def adam(", "def helper("))
    found = leaks(out, locked)
    assert any(f.startswith("solution 01_gradient_checking:numerical_gradient in ") for f in found)
    assert any(f.startswith("hidden ") and ":nnkit/extra.py" in f for f in found), found
    assert "reference optim.adam in nbgrader_config.py" in found
    assert leaks(bundles["01_gradient_checking"], locked) == []


# ---------------------------------------------------------------- the edition's answers


def run_with(wheel: Path, tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    """Run ``code`` with the wheel's nnkit (unpacked) in place of the repository's."""
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True
    )


def test_unlocked_references_are_real_and_locked_ones_name_their_notebook(bundles, tmp_path):
    (wheel,) = (bundles["02_minibatch_sgd"] / "wheels").iterdir()  # 01 unlocked, the rest not
    proc = run_with(
        wheel,
        tmp_path,
        """
        import numpy as np
        import nnkit
        from nnkit.answers import Locked
        from nnkit.linear import softmax_loss
        assert "site" in nnkit.__file__, nnkit.__file__
        loss, dW = softmax_loss(np.zeros((3, 2)), np.ones((4, 3)), np.array([0, 1, 0, 1]), 0.0)
        print(round(loss, 6))
        from nnkit.optim import adam
        try:
            adam(np.zeros(2), np.ones(2))
        except Locked as err:
            print(err)
        """,
    )
    assert proc.returncode == 0, proc.stderr
    loss, message = proc.stdout.splitlines()
    assert float(loss) == round(float(__import__("numpy").log(2)), 6)
    assert message.startswith("adam is what you write in 02_minibatch_sgd")


VISIBLE_RUN = r"""
import json, sys
import nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
cell = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
namespace = {}
imports = [line for line in nb.cells[1].source.splitlines() if not line.startswith("%")]
exec("\n".join(imports), namespace)
exec(sys.argv[2], namespace)  # the student's function
try:
    exec(cell[sys.argv[3]], namespace)
except Exception as err:
    print(json.dumps(f"{type(err).__name__}: {err}"))
else:
    print(json.dumps("passed"))
"""
WRONG_SVM = """
def svm_loss_naive(W, X, y, reg):
    loss, dW = _right(W, X, y, reg)
    return loss * 1.01, dW
"""


def test_visible_cases_judge_with_stored_outcomes_and_the_same_messages(bundles, tmp_path):
    notebook = (
        bundles["01_gradient_checking"] / "01_gradient_checking" / "01_gradient_checking.ipynb"
    )
    solutions = nbformat.read(COURSE.solutions / notebook.parent.name / notebook.name, as_version=4)
    right = next(c.source for c in solutions.cells if "def svm_loss_naive(" in c.source)
    right += "\n_right = svm_loss_naive\n"
    (wheel,) = (bundles["01_gradient_checking"] / "wheels").iterdir()
    edited = "svm_loss_naive_visible"

    def in_edition(student: str, nb_path: Path = notebook) -> str:
        argv = ["", str(nb_path), student, edited]
        proc = run_with(wheel, tmp_path, f"import sys\nsys.argv = {argv!r}\n{VISIBLE_RUN}")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.splitlines()[-1])

    def in_repository(student: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", VISIBLE_RUN, str(notebook), student, edited],
            capture_output=True, text=True,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.splitlines()[-1])

    assert in_edition(right) == "passed"
    wrong = in_edition(right + WRONG_SVM)
    assert wrong != "passed" and "loss" in wrong
    assert wrong == in_repository(right + WRONG_SVM)
    # a case the bundle did not store (the cell's inputs edited) cannot be judged locally
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == edited)
    assert "default_rng(4101)" in cell.source, "the seed this test edits"
    cell.source = cell.source.replace("default_rng(4101)", "default_rng(4102)")
    nbformat.write(nb, tmp_path / notebook.name)
    assert "checked when you submit" in in_edition(right, tmp_path / notebook.name)


# -------------------------------------------------------------------- a fresh venv

RUNNER = """
import json, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path, timeout = Path(sys.argv[1]), float(sys.argv[2])
nb = nbformat.read(path, as_version=4)
where = "import sys, nnkit; print(sys.prefix, nnkit.__file__)"
nb.cells.insert(0, nbformat.v4.new_code_cell(where))
client = NotebookClient(
    nb, timeout=timeout, iopub_timeout=timeout, raise_on_iopub_timeout=True,
    kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
)
result = {"error": None}
try:
    client.execute()
except CellExecutionError as err:
    failed = next(
        i for i, c in enumerate(nb.cells)
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    )
    result["error"] = {"cell": failed - 1, "ename": err.ename, "evalue": err.evalue}
result["where"] = "".join(o.get("text", "") for o in nb.cells[0].outputs)
# what the widgets' error labels (class nnkit-error) show at the end, from the widget state
state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
labels = [
    m["state"].get("value", "") for m in state.get("state", {}).values()
    if "nnkit-error" in m.get("state", {}).get("_dom_classes", ())
]
result["widget_errors"] = {"labels": len(labels), "shown": [v for v in labels if v]}
print(json.dumps(result))
"""


class StudentVenv:
    """One fresh venv for every test below; ``use`` installs a bundle's wheel in it."""

    def __init__(self, path: Path, first_wheel: Path):
        venv.create(path, with_pip=True)
        self.python, self.wheel = path / "bin" / "python", None
        start = time.perf_counter()
        self._pip("install", "--quiet", str(first_wheel))
        self.install_seconds = time.perf_counter() - start
        print(f"\nthe bundle's wheel installed in a fresh venv in {self.install_seconds:.0f} s")
        self.wheel = first_wheel

    def _pip(self, *args: str) -> None:
        proc = subprocess.run([self.python, "-m", "pip", *args], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-3000:]

    def use(self, bundle: Path) -> None:
        (wheel,) = (bundle / "wheels").iterdir()
        if wheel != self.wheel:
            self._pip("install", "--quiet", "--force-reinstall", "--no-deps", str(wheel))
            self.wheel = wheel

    def execute(self, notebook: Path, timeout: float = 120) -> dict:
        env = {"PATH": f"{self.python.parent}:/usr/bin:/bin", "HOME": str(notebook.parent),
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}  # fmt: skip
        proc = subprocess.run(
            [self.python, "-c", RUNNER, str(notebook), str(timeout)],
            capture_output=True, text=True, env=env, cwd=notebook.parent,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        result = json.loads(proc.stdout.splitlines()[-1])
        prefix, nnkit_file = result["where"].split()
        assert Path(prefix) == self.python.parent.parent and nnkit_file.startswith(prefix)
        return result


@pytest.fixture(scope="module")
def student_venv(bundles, tmp_path_factory) -> StudentVenv:
    (wheel,) = (bundles[IDS[0]] / "wheels").iterdir()
    return StudentVenv(tmp_path_factory.mktemp("student") / ".venv", wheel)


def filled(bundle: Path, assignment: str, folder: Path) -> Path:
    """A copy of the released notebook with its solution cells from solutions/."""
    name = f"{assignment}.ipynb"
    solutions = nbformat.read(COURSE.solutions / assignment / name, as_version=4)
    solved = {
        nbgrader_meta(c)["grade_id"]: c.source
        for c in solutions.cells
        if nbgrader_meta(c).get("solution")
    }
    nb = nbformat.read(bundle / assignment / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and nbgrader_meta(cell).get("solution"):
            cell.source = solved[nbgrader_meta(cell)["grade_id"]]
    path = folder / name
    nbformat.write(nb, path)
    return path


# the widgets (each with one error label) that a released notebook shows
WIDGETS = {"03_lr_schedules": 2, "04_neural_networks": 1}


@pytest.mark.slow
@pytest.mark.xdist_group("student_venv")
@pytest.mark.parametrize("assignment", IDS)
def test_solved_notebook_runs_in_a_fresh_venv_with_only_the_wheel(
    bundles, student_venv, assignment, tmp_path
):
    student_venv.use(bundles[assignment])
    result = student_venv.execute(filled(bundles[assignment], assignment, tmp_path))
    assert result["error"] is None, result["error"]
    # the widgets ran on the student's functions: none of them shows an error
    assert result["widget_errors"]["shown"] == []
    assert result["widget_errors"]["labels"] >= WIDGETS.get(assignment, 0)


@pytest.mark.slow
@pytest.mark.xdist_group("student_venv")
@pytest.mark.parametrize("assignment", IDS)
def test_blank_notebook_stops_at_the_first_unwritten_function(
    bundles, student_venv, assignment, tmp_path
):
    student_venv.use(bundles[assignment])
    notebook = shutil.copy(bundles[assignment] / assignment / f"{assignment}.ipynb", tmp_path)
    nb = nbformat.read(notebook, as_version=4)
    first = next(
        i
        for i, c in enumerate(nb.cells)
        if nbgrader_meta(c).get("solution") and c.cell_type == "code"
    )
    graded = [n.name for n in ast.parse(nb.cells[first].source).body if hasattr(n, "name")]
    error = student_venv.execute(Path(notebook))["error"]
    assert error is not None and error["cell"] > first
    assert "not written yet" in error["evalue"] or error["ename"] == "NotImplementedError"
    assert any(name in error["evalue"] for name in graded), (graded, error)


def test_an_unknown_release_is_a_course_error(tmp_path):
    with pytest.raises(CourseError, match="known: 01_gradient_checking"):
        release(COURSE, ["1"], [], tmp_path / "b")
