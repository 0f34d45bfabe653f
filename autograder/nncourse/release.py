"""The student bundle: ``nncourse release ID... [--unlock ID...] --out DIR``.

    DIR/README.md             what to install, how to open the notebooks, how Validate works
    DIR/nbgrader_config.py    Validate checks the notebook as grading sees it
    DIR/ID/ID.ipynb           each released notebook, as ``nncourse build`` made it
    DIR/wheels/nnkit-*.whl    the student edition of nnkit (``nncourse.edition``), whose
                              metadata brings what a student needs and nothing of the grader

The wheel holds no answer of an assignment that is not in ``--unlock``: those are stand-ins
raising ``Locked``. Visible test cells still judge locally: each visible case carries the
outcome of nnkit's reference run, computed here (``nnkit.checks.stored``). A notebook whose
lessons run on another assignment's answers (``LESSON_NEEDS``) is released only with that
assignment unlocked.
"""

import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from nnkit.checks.case import program
from nnkit.checks.stored import case_key, write_store

from .course import Course, CourseError
from .edition import build_edition
from .judge import PlanError, collect_cases, graded_names, test_cells
from .structure import nbgrader_meta

# What the lessons of a notebook (its read-only cells, experiments and widgets) run on
# besides the student's own functions: assignment -> {assignment it needs unlocked: why}.
# tests/test_release.py proves it: each notebook, solved, runs in a fresh venv holding only
# a bundle released with these unlocked.
LESSON_NEEDS: dict[str, dict[str, str]] = {
    "01_gradient_checking": {},
    "02_minibatch_sgd": {
        "01_gradient_checking": "trains nnkit's LinearClassifier, whose loss is "
        "01_gradient_checking's softmax loss",
    },
    "03_lr_schedules": {
        "01_gradient_checking": "trains nnkit's LinearClassifier, whose loss is "
        "01_gradient_checking's softmax loss",
        "02_minibatch_sgd": "trains with 02_minibatch_sgd's update rules and minibatches "
        "(nnkit's Solver)",
    },
    "04_neural_networks": {
        "01_gradient_checking": "checks gradients with 01_gradient_checking's numerical "
        "gradient and relative error",
        "02_minibatch_sgd": "trains with 02_minibatch_sgd's update rules and minibatches "
        "(nnkit's Solver)",
        "03_lr_schedules": "trains with 03_lr_schedules's cosine_decay",
    },
}

# The distributions a student's Jupyter needs; their version ranges come from pyproject.toml.
STUDENT_REQUIREMENTS = (
    "numpy",
    "matplotlib",
    "scikit-learn",
    "tqdm",
    "jupyterlab",
    "notebook",
    "ipykernel",
    "ipywidgets",
    "ipympl",
    "nbgrader",
)
VISIBLE_STORE = Path("nnkit") / "checks" / "visible"


@dataclass(frozen=True)
class Release:
    out: Path
    notebooks: list[Path]
    wheel: Path
    visible_cases: int


def release(course: Course, ids: list[str], unlock: list[str], out: Path) -> Release:
    """Write the student bundle of ``ids`` into ``out`` (missing or empty).
    ``CourseError`` for an unknown id, a lesson needing a locked answer, or a used DIR."""
    known = course.assignment_ids()
    for flag, names in (("", ids), ("--unlock: ", unlock)):
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise CourseError(
                f"{flag}unknown assignment(s) {', '.join(unknown)} (known: {', '.join(known)})"
            )
    check_needs(ids, unlock)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CourseError(f"--out {out} exists and is not empty: give a new or empty folder")
    sources = {i: course.assignments / i / f"{i}.ipynb" for i in ids}
    for path in sources.values():
        if not path.is_file():
            raise CourseError(f"{path} is missing: run `nncourse build` first")
    from nnkit.validation import nbgrader_config_text

    with tempfile.TemporaryDirectory(prefix="nncourse-release-") as tmp:
        tree = Path(tmp) / "src"
        build_edition(tree, unlocked=set(unlock))
        cases = 0
        for assignment, path in sources.items():
            outcomes = visible_outcomes(nbformat.read(path, as_version=4), assignment)
            write_store(tree / VISIBLE_STORE, assignment, outcomes)
            cases += len(outcomes)
        write_project(tree, course, unlock)
        out.mkdir(parents=True, exist_ok=True)
        wheel = build_wheel(tree, out / "wheels")
    notebooks = []
    for assignment, path in sources.items():
        (out / assignment).mkdir()
        notebooks.append(Path(shutil.copy2(path, out / assignment / path.name)))
    (out / "nbgrader_config.py").write_text(nbgrader_config_text(), encoding="utf-8")
    (out / "README.md").write_text(readme(ids, unlock, wheel.name), encoding="utf-8")
    return Release(out, notebooks, wheel, cases)


def check_needs(ids: list[str], unlock: list[str]) -> None:
    """``CourseError`` naming what to unlock when a released notebook's lessons need a
    locked assignment's answers."""
    missing = [
        f"{assignment} {why}: add --unlock {needed}"
        for assignment in ids
        for needed, why in LESSON_NEEDS.get(assignment, {}).items()
        if needed not in unlock
    ]
    if missing:
        raise CourseError("; ".join(missing))


def visible_outcomes(nb, assignment: str) -> dict[str, dict]:
    """case key -> nnkit's reference run (wire data) for every case of every visible test
    cell of a released notebook. A released hidden cell is blank (or only comments) and
    is skipped; its cases are never read."""
    from nnkit.answers import reference
    from nnkit.checks.judging import BadCase, check_reference, read_outcome
    from nnkit.checks.run import run_case

    graded = graded_names(nb)
    outcomes = {}
    for cell in test_cells(nb):
        source = cell["source"]
        code = [line for line in source.splitlines() if line.strip() and not _comment(line)]
        if not code:
            continue
        grade_id = nbgrader_meta(cell)["grade_id"]
        try:
            cases = collect_cases(source, graded, grade_id)
        except PlanError as err:
            raise CourseError(f"{assignment}: {err}") from None
        for case in cases:
            prog = program(case)
            data = run_case(prog, reference)
            try:
                check_reference(case, read_outcome(data, prog))
            except BadCase as err:
                raise CourseError(f"{assignment}, test cell {grade_id}: {err}") from None
            outcomes[case_key(prog)] = data
    return outcomes


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def student_requirements(course: Course) -> tuple[list[str], str]:
    """The student's requirements with the course's version ranges, and requires-python."""
    project = tomllib.loads((course.root / "pyproject.toml").read_text())["project"]
    by_name = {}
    for requirement in project["dependencies"]:
        name = requirement.split(";")[0]
        for mark in "<>=!~[ ":
            name = name.split(mark)[0]
        by_name[name.lower()] = requirement
    missing = [n for n in STUDENT_REQUIREMENTS if n not in by_name]
    if missing:
        raise CourseError(f"pyproject.toml does not list {', '.join(missing)}")
    return [by_name[n] for n in STUDENT_REQUIREMENTS], project["requires-python"]


def write_project(tree: Path, course: Course, unlock: list[str]) -> None:
    """The pyproject.toml of the student edition's wheel, in ``tree`` beside ``nnkit/``."""
    requirements, python = student_requirements(course)
    version = tomllib.loads((course.root / "pyproject.toml").read_text())["project"]["version"]
    packages = sorted(
        ".".join(p.parent.relative_to(tree).parts) for p in (tree / "nnkit").rglob("__init__.py")
    )
    data = {}  # package -> its files that are not modules (the stored cases, assets)
    for path in sorted((tree / "nnkit").rglob("*")):
        if path.is_file() and path.suffix not in (".py", ".pyc"):
            package = next(p for p in path.parents if (p / "__init__.py").is_file())
            name = ".".join(package.relative_to(tree).parts)
            data.setdefault(name, []).append(path.relative_to(package).as_posix())
    unlocked = ", ".join(sorted(unlock)) or "none"
    lines = [
        "[build-system]",
        'requires = ["setuptools>=68"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        'name = "nnkit"',
        f'version = "{version}"',
        f'description = "nnkit, student edition (answers unlocked: {unlocked})"',
        f'requires-python = "{python}"',
        f"dependencies = {json.dumps(requirements)}",
        "",
        "[tool.setuptools]",
        f"packages = {json.dumps(packages)}",
        "",
        "[tool.setuptools.package-data]",
        *(f"{json.dumps(package)} = {json.dumps(files)}" for package, files in data.items()),
        "",
    ]
    (tree / "pyproject.toml").write_text("\n".join(lines), encoding="utf-8")


def build_wheel(tree: Path, dest: Path) -> Path:
    """Build the wheel of ``tree`` with setuptools into ``dest`` (no network)."""
    dest.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    )
    try:
        import setuptools  # noqa: F401
    except ImportError:
        raise CourseError("building the wheel needs setuptools: pip install setuptools") from None
    proc = subprocess.run(
        [sys.executable, "-c", code, str(dest.resolve())],
        cwd=tree,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    if proc.returncode != 0:
        raise CourseError(f"building the nnkit wheel failed:\n{proc.stderr[-2000:]}")
    return dest / proc.stdout.strip().splitlines()[-1]


def readme(ids: list[str], unlock: list[str], wheel: str) -> str:
    """The bundle's README, for students."""
    listed = "\n".join(f"- `{i}/{i}.ipynb`" for i in ids)
    unlocked = ", ".join(f"`{u}`" for u in sorted(unlock)) or "none yet"
    return f"""# Training neural networks with numpy: your notebooks

{listed}

## Set up (once)

You need Python 3.11 or 3.12. In this folder:

```
python3 -m venv .venv && .venv/bin/pip install wheels/*.whl
.venv/bin/jupyter lab
```

The wheel (`wheels/{wheel}`) is `nnkit`, the course's helper library, and it brings
JupyterLab, Notebook, nbgrader (for Validate), ipywidgets, ipympl, numpy, matplotlib and
scikit-learn. Start `jupyter lab` from this folder, so that Validate reads
`nbgrader_config.py`. On Windows use `.venv\\Scripts\\pip` and `.venv\\Scripts\\jupyter`.

## Working on a notebook

Open `ID/ID.ipynb` and write your code in the cells that hold `# YOUR CODE HERE`
(the solution cells). Run the cells in order: the test cells under each function check
your code on a few cases and say what is wrong, with the input and the expected values.

**Grading runs only the solution cells, the read-only cells and the test cells.** A
helper you define in any other cell (a scratch cell you added) does not exist when your
notebook is graded: put everything your functions use into their solution cells.

Hidden test cells are empty here: their tests run when your notebook is graded.

## Validate

The Validate button (in the notebook's toolbar, or `.venv/bin/nbgrader validate
ID/ID.ipynb` in this folder) runs your notebook as grading will: from a fresh kernel,
solution and test cells only, and tells you when a solution cell uses a name defined
outside the solution cells. It runs only the visible tests; grading also runs the hidden
ones, so passing Validate does not mean full marks.

## nnkit and the assignments still open

`nnkit` holds the course's versions of functions you write only for assignments whose
answers your instructor has unlocked (here: {unlocked}). The others raise an error
naming the notebook where you write them, e.g. "adam is what you write in
02_minibatch_sgd". When your instructor unlocks more, they give you a new wheel:
`.venv/bin/pip install --force-reinstall --no-deps wheels/*.whl`.
"""
