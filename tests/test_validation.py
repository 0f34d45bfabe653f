"""Validate tells the truth (nnkit.validation): a solution cell that uses a name only a
scratch cell defines is named; the real `nbgrader validate` (and the lab extension's
Validate handler) with the student bundle's configuration checks a notebook as grading
sees it (read-only, solution and test cells only); `nncourse check` names the helper
beside the points it cost."""

import os
import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler

from nncourse.check import check
from nncourse.course import CourseError
from nncourse.mutate import solved_submission
from nnkit.validation import (
    SKIP_TAG,
    cell_names,
    describe_cell,
    grading_view,
    nbgrader_config_text,
    ungraded_names,
)
from tests.harness import COURSE, ROOT, read

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())


def solution(source: str, grade_id: str = "f_solution"):
    meta = {"nbgrader": {"solution": True, "grade": False, "locked": False, "grade_id": grade_id}}
    return new_code_cell(source, metadata=meta)


def grade_cell(source: str, grade_id: str = "f_visible"):
    meta = {"nbgrader": {"grade": True, "solution": False, "locked": True, "points": 1}}
    meta["nbgrader"]["grade_id"] = grade_id
    return new_code_cell(source, metadata=meta)


def read_only(source: str):
    meta = {"nbgrader": {"grade": False, "solution": False, "locked": True, "grade_id": "imports"}}
    return new_code_cell(source, metadata=meta)


def scratch(source: str):
    return new_code_cell(source)


def notebook(*cells):
    return new_notebook(cells=list(cells))


def names(nb, **kwargs) -> list[str]:
    return [f.name for f in ungraded_names(nb, **kwargs)]


# The static check -------------------------------------------------------------------


def test_a_helper_in_a_scratch_cell_is_named_with_its_cell():
    nb = notebook(
        new_markdown_cell("# 03 · Schedules"),
        read_only("import math"),
        new_markdown_cell("## 2. Step decay\n\nSome text."),
        scratch("def check_t_lr0(t, lr0):\n    assert t >= 0 and lr0 >= 0"),
        solution("def step_decay(t, lr0):\n    check_t_lr0(t, lr0)\n    return math.exp(-t)"),
        grade_cell("assert step_decay(0, 1.0) == 1.0"),
    )
    [finding] = ungraded_names(nb)
    assert (finding.name, finding.defined_in, finding.used_in) == ("check_t_lr0", (3,), (4,))
    assert finding.used_by == ("step_decay",)
    assert finding.message == (
        "`check_t_lr0` is defined in a cell that is not a solution cell (the 1st code cell "
        'under "2. Step decay", cell 4 of 6); grading runs only solution cells: move it '
        "into one. Used by `step_decay`."
    )


def test_a_helper_inside_the_solution_cell_is_fine():
    nb = notebook(
        scratch("def check_t_lr0(t, lr0):\n    pass"),  # an old copy, no longer needed
        solution(
            "def check_t_lr0(t, lr0):\n    assert t >= 0\n\n"
            "def step_decay(t, lr0):\n    check_t_lr0(t, lr0)\n    return lr0"
        ),
    )
    assert names(nb) == []


def test_imports_of_a_read_only_cell_are_fine_and_a_scratch_import_is_named():
    nb = notebook(
        read_only("import numpy as np\nfrom math import cos"),
        scratch("import scipy.special\nfrom functools import lru_cache"),
        solution("@lru_cache\ndef f(x):\n    return np.pi * cos(x) + scipy.special.expit(x)"),
    )
    findings = ungraded_names(nb)
    assert [(f.name, f.imported) for f in findings] == [("lru_cache", True), ("scipy", True)]
    assert findings[0].message.startswith("`lru_cache` is imported in a cell that is not a")
    assert "Used by the top level of a solution cell." in findings[0].message  # the decorator
    assert "Used by `f`." in findings[1].message


def test_an_import_of_a_test_cell_is_not_there_for_solution_cells_at_grading():
    """Grading runs a test cell's cases apart from the student's code (sealed), so what
    the test cell imports is not in the kernel; later test cells do see it locally."""
    nb = notebook(
        solution("def f(x):\n    return x", "f_solution"),
        grade_cell("import math\nassert f(1) == 1"),
        solution("def g(x):\n    return math.cos(x)", "g_solution"),
        grade_cell("assert g(0) == math.cos(0)", "g_visible"),
    )
    [finding] = ungraded_names(nb)
    assert (finding.name, finding.definer_role, finding.used_by) == ("math", "test", ("g",))
    assert finding.message == (
        "`math` is imported in a test cell (cell 2 of 4); grading runs test cells apart "
        "from your code, so a solution cell cannot use what they define: import it in a "
        "solution cell. Used by `g`."
    )
    assert ungraded_names(nb, roles=("test",)) == []


def test_builtins_and_ipython_names_are_not_scratch_names():
    nb = notebook(
        scratch("display = print\nlen = 3\n_3 = 'shadowed output'"),
        solution("def f(x):\n    display(len(x), _3, get_ipython(), In, Out)\n    return x"),
    )
    assert names(nb) == []


def test_names_defined_in_later_cells():
    nb = notebook(
        solution("def f(t):\n    return g(t) + helper(t)", "f_solution"),
        solution("top = helper(0)", "top_solution"),  # runs at once: needs it earlier
        scratch("def helper(t):\n    return t"),
        solution("def g(t):\n    return 2 * t", "g_solution"),  # f's body runs later
        solution("def helper(t):\n    return t", "helper_solution"),
    )
    # f's body runs after every cell above it: the later solution cell defines helper in
    # time. The top-level call runs before that solution cell: only the scratch cell
    # (which grading skips) defined it by then.
    [finding] = ungraded_names(nb)
    assert (finding.name, finding.used_in, finding.used_by) == ("helper", (1,), ("",))
    assert "cell 3 of 5" in finding.message


def test_a_helper_only_a_later_scratch_cell_defines_is_named():
    nb = notebook(solution("def f(t):\n    return helper(t)"), scratch("def helper(t): return t"))
    assert names(nb) == ["helper"]


def test_a_class_method_using_a_scratch_global_is_named_by_its_qualified_name():
    nb = notebook(
        scratch(
            "SCALE = 1e-3\ndef init(shape, rng):\n    return SCALE * rng.standard_normal(shape)"
        ),
        solution(
            "class TwoLayerNet:\n"
            "    def __init__(self, D, rng):\n"
            "        self.params = {'W1': init((D, 3), rng)}\n"
            "    def loss(self, X):\n"
            "        return [x @ self.params['W1'] for x in X] and SCALE\n"
        ),
    )
    found = {f.name: f.used_by for f in ungraded_names(nb)}
    assert found == {"init": ("TwoLayerNet.__init__",), "SCALE": ("TwoLayerNet.loss",)}


def test_a_name_a_function_makes_global_counts_as_defined():
    nb = notebook(
        solution("def setup():\n    global cache\n    cache = {}\nsetup()", "setup_solution"),
        scratch("cache = {'stale': 1}"),
        solution("def f(x):\n    return cache.get(x)", "f_solution"),
    )
    assert names(nb) == []


def test_magics_are_read_as_ipython_runs_them_and_unparsable_cells_are_skipped():
    nb = notebook(
        read_only("%matplotlib inline\nimport numpy as np"),
        scratch("%%time\nhelper = lambda x: x"),  # a cell magic: IPython still runs it
        scratch("def broken(:\n    pass"),  # does not parse: skipped, no error
        solution("def oops(:\n    return helper(x)", "oops_solution"),  # the same
        solution("%timeit -n1 np.zeros(3)\n!echo hi\ndef f(x):\n    return helper(np.abs(x))"),
    )
    assert cell_names("def broken(:\n    pass") is None
    assert "get_ipython" in cell_names("%timeit f(1)").uses
    # A cell magic's body is a string argument to run_cell_magic: helper is not seen as
    # defined there, so nothing can be said about it.
    assert names(nb) == []
    nb.cells[1].source = "%load_ext autoreload\nhelper = lambda x: x"
    assert names(nb) == ["helper"]


def test_a_star_import_in_a_cell_grading_runs_may_define_anything():
    nb = notebook(
        read_only("from math import *"),
        scratch("def cos(x):\n    return 1.0"),
        solution("def f(x):\n    return cos(x)"),
    )
    assert names(nb) == []


def test_cells_are_described_by_heading_and_position():
    cells = notebook(
        scratch("a = 1"),
        new_markdown_cell("Intro\n\n## 3. Cosine decay\n\ntext"),
        solution("x = 1"),
        new_markdown_cell("A paragraph without a heading."),
        scratch("b = 2"),
    ).cells
    assert describe_cell(cells, 0) == "cell 1 of 5"
    assert describe_cell(cells, 4) == 'the 2nd code cell under "3. Cosine decay", cell 5 of 5'


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_course_notebooks_need_nothing_from_a_cell_grading_skips(assignment):
    """The instructor's solutions use no lesson-cell name, and no released read-only or
    test cell does either (Validate skips lesson cells, as grading does)."""
    for folder in ("solutions", "assignments"):
        nb = read(folder, assignment)
        assert not [f.message for f in ungraded_names(nb)], folder
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        assert all(cell_names(source) is not None for source in code), folder
    released = read("assignments", assignment)
    assert not [f.message for f in ungraded_names(released, roles=("read-only", "test"))]


# The nbgrader hook --------------------------------------------------------------------


def test_grading_view_keeps_what_grading_runs_and_adds_one_failing_check_per_name():
    nb = notebook(
        new_markdown_cell("## 1. Part"),
        read_only("import math"),
        scratch("def helper(t):\n    return t"),
        solution("def f(t):\n    return helper(t)"),
        grade_cell("assert f(1) == 1"),
        scratch("plot_something()"),
    )
    grading_view(nb)
    sources = [c.source for c in nb.cells]
    assert sources[:3] == ["## 1. Part", "import math", "def f(t):\n    return helper(t)"]
    check, last = nb.cells[3], nb.cells[4]
    assert last.source == "assert f(1) == 1" and len(nb.cells) == 5
    assert check.metadata.tags == [SKIP_TAG]
    assert check.metadata.nbgrader["grade"] and check.metadata.nbgrader["points"] == 0
    [error] = check.outputs
    assert error.output_type == "error" and error.evalue.startswith("`helper` is defined in")
    assert max(len(line) for line in error.traceback) <= 80  # nbgrader cuts longer lines


def test_grading_view_without_findings_only_drops_skipped_cells():
    nb = notebook(solution("def f(t):\n    return t"), scratch("f = None"), grade_cell("f(1)"))
    grading_view(nb)
    assert [c.source for c in nb.cells] == ["def f(t):\n    return t", "f(1)"]


def test_the_bundle_config_installs_the_hook_where_validate_reads_it(tmp_path, monkeypatch):
    """The lab extension's Validate button loads nbgrader_config.py from the server's
    working folder, then builds a Validator from that config."""
    (tmp_path / "nbgrader_config.py").write_text(nbgrader_config_text())
    monkeypatch.chdir(tmp_path)
    config = ValidateAssignmentHandler.load_config(None)
    assert config.Validator.Execute.on_notebook_start is grading_view


# The real `nbgrader validate` on notebook 03 ----------------------------------------------

ASSIGNMENT = "03_lr_schedules"
HELPER = """\
def check_t_lr0(t, lr0):
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    if lr0 < 0:
        raise ValueError(f"lr0 must be >= 0, got {lr0}")
"""
STEP_DECAY = """\
def step_decay(t, lr0, step_size, gamma=0.1):
    check_t_lr0(t, lr0)
    if step_size <= 0:
        raise ValueError(f"step_size must be > 0, got {step_size}")
    return float(lr0 * gamma ** (t // step_size))
"""
BROKEN_STEP_DECAY = "def step_decay(t, lr0, step_size, gamma=0.1):\n    return 0.0\n"


def solved(scratch_source: str, step_decay: str | None = None, after: bool = False):
    """Notebook 03 as released, solved, with ``step_decay`` replaced (unless None) and a
    scratch cell ``scratch_source`` added right before (or ``after``) its solution cell;
    written answers filled in so that only code can fail."""
    nb = solved_submission(read("assignments", ASSIGNMENT), read("solutions", ASSIGNMENT))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "step_decay_solution" and step_decay is not None:
            cell.source = step_decay
        elif cell.cell_type == "markdown" and meta.get("solution"):
            cell.source = "My answer, in two sentences."
    index = next(
        i
        for i, c in enumerate(nb.cells)
        if c.metadata.get("nbgrader", {}).get("grade_id") == "step_decay_solution"
    )
    nb.cells.insert(index + after, scratch(scratch_source))
    return nb


@pytest.fixture
def bundle(tmp_path) -> Path:
    """A folder as a student has it: the bundle's nbgrader_config.py and ID/ID.ipynb."""
    (tmp_path / "nbgrader_config.py").write_text(nbgrader_config_text())
    (tmp_path / ASSIGNMENT).mkdir()
    return tmp_path


def nbgrader_validate(folder: Path, nb) -> str:
    """What `nbgrader validate ID/ID.ipynb`, run in ``folder``, prints (whitespace folded)."""
    path = folder / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nbformat.write(nb, path)
    nbgrader = Path(sys.executable).with_name("nbgrader")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(
        [str(nbgrader), "validate", str(path.relative_to(folder))],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return re.sub(r"\s+", " ", proc.stdout)


def test_validate_fails_naming_a_scratch_cell_helper(bundle):
    nb = solved(HELPER, STEP_DECAY)
    [finding] = ungraded_names(nb)
    out = nbgrader_validate(bundle, nb)
    assert "VALIDATION FAILED ON 2 CELL(S)!" in out, out  # the check and step_decay's test
    assert finding.message in out, out
    assert "`check_t_lr0` is defined in a cell that is not a solution cell" in out
    assert "grading runs only solution cells: move it into one. Used by `step_decay`." in out
    # The scratch cell did not run: step_decay's visible test met the NameError grading
    # would meet.
    assert "raised NameError" in out, out


def test_validate_passes_with_the_helper_in_the_solution_cell(bundle):
    nb = solved("# scratch: tried the helper here first", HELPER + "\n\n" + STEP_DECAY)
    out = nbgrader_validate(bundle, nb)
    assert "Success! Your notebook passes all the tests." in out, out


def test_validate_does_not_run_scratch_cells(bundle):
    # Run, this cell would replace the correct step_decay by one that fails its test.
    nb = solved(BROKEN_STEP_DECAY, after=True)
    out = nbgrader_validate(bundle, nb)
    assert "Success! Your notebook passes all the tests." in out, out


def test_the_validate_button_names_a_scratch_cell_helper(bundle, monkeypatch):
    """The lab extension's handler, as the Validate button calls it, with the server
    started in the bundle folder."""
    nbformat.write(solved(HELPER, STEP_DECAY), bundle / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    monkeypatch.chdir(bundle)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    server = types.SimpleNamespace(
        root_dir=str(bundle),
        log=types.SimpleNamespace(error=print),
        load_config=lambda: ValidateAssignmentHandler.load_config(None),
    )
    reply = ValidateAssignmentHandler.validate_notebook(server, f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    assert reply["success"], reply["value"]
    errors = [re.sub(r"\s+", " ", cell["raw_error"]) for cell in reply["value"]["failed"]]
    assert errors[0].startswith("`check_t_lr0` is defined in a cell that is not a solution")
    assert len(errors) == 2 and "raised NameError" in errors[1]


def test_nncourse_check_names_a_scratch_cell_helper_and_the_points_it_costs(bundle):
    path = bundle / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nbformat.write(solved(HELPER, STEP_DECAY), path)
    nncourse = Path(sys.executable).with_name("nncourse")
    proc = subprocess.run(
        [str(nncourse), "--course", str(ROOT), "check", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    out = re.sub(r"\s+", " ", proc.stdout)
    assert "Grading will not define these names for your solution cells:" in out, out
    assert "`check_t_lr0` is defined in a cell that is not a solution cell" in out, out
    assert re.search(r" step_decay 0 / [1-9]", out), out  # every test of it failed
    assert re.search(r" multistep_decay (\d+) / \1 ", out), out  # the others kept theirs
    assert "name 'check_t_lr0' is not defined" in out, out
    # and the feedback of the failed tests says why, where and what to do (the grader's
    # static check of the submitted notebook, not the kernel)
    assert re.search(r"is not defined\.? `check_t_lr0` is defined in a cell that is not", out), out


def test_nncourse_check_refuses_what_it_cannot_grade(tmp_path):
    attempt = tmp_path / "attempt.ipynb"
    attempt.write_text("{not json")
    with pytest.raises(CourseError, match="'attempt' is not an assignment.*--assignment"):
        check(COURSE, attempt)
    with pytest.raises(CourseError, match="cannot read .*attempt.ipynb"):
        check(COURSE, attempt, ASSIGNMENT)
