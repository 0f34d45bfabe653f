"""Tamper detection on real notebooks: every attack is found, and no honest code is.

Each attack replaces the ``sgd`` solution of notebook 02 (or edits a test cell); the
honest side is every bug and alternative of the mutation catalogs, which must scan clean.
"""

import pytest

from nncourse.mutate import solved_submission
from nncourse.tamper import Context, python_source, scan
from tests import harness
from tests.harness import CORRECT_SGD as SGD
from tests.mutants import nb01, nb02, nb03, nb04

A = "02_minibatch_sgd"


@pytest.fixture(scope="module")
def notebooks():
    source, release = harness.read("solutions", A), harness.read("assignments", A)
    return source, release, Context.from_notebooks(source, release)


def submission(notebooks, sgd_source=SGD):
    source, release, _ = notebooks
    return solved_submission(release, source, {"sgd": sgd_source})


ATTACKS = {
    "patch_numpy_top_level": SGD + "\nnp.allclose = lambda *a, **k: True\n",
    "patch_numpy_in_function": SGD.replace(
        "    if config", "    np.testing.assert_allclose = lambda *a, **k: None\n    if config"
    ),
    "patch_through_alias": SGD + "\nn = np\nn.abs = lambda x: 0 * x\n",
    "patch_submodule_alias": SGD + "\nfrom numpy import testing\ntesting.assert_allclose = print\n",
    "setattr_numpy": SGD + "\nsetattr(np, 'isclose', lambda *a, **k: True)\n",
    "module_dict": SGD + "\nnp.__dict__['all'] = lambda *a, **k: True\n",
    "delete_numpy_attr": SGD + "\ndel np.isfinite\n",
    "builtins_module": SGD + "\nimport builtins\nbuiltins.abs = lambda x: 0\n",
    "rebind_builtin_exception": SGD + "\nAssertionError = KeyboardInterrupt\n",
    "rebind_builtin_function": SGD + "\ndef isinstance(*args):\n    return True\n",
    "rebind_check_helper": SGD + "\ncheck_array = lambda *a, **k: None\n",
    "redefine_check_helper": SGD + "\ndef check_scalar(*a, **k):\n    pass\n",
    "global_check_helper": SGD.replace(
        "    if config", "    global check_array\n    check_array = print\n    if config"
    ),
    "globals_dict": SGD + "\nglobals()['check_unchanged'] = print\n",
    "settrace": SGD + "\nimport sys\nsys.settrace(lambda *a: None)\n",
    "excepthook": SGD + "\nimport sys\nsys.excepthook = print\n",
    "frame_walk": SGD.replace(
        "    if config", "    import sys\n    caller = sys._getframe(1).f_locals\n    if config"
    ),
    "frame_attribute": SGD.replace(
        "    if config", "    f = (lambda: 0).__globals__\n    if config"
    ),
    "subclasses_escape": SGD + "\nx = ().__class__.__bases__[0].__subclasses__()\n",
    "reference_import": "from nnkit.optim import sgd\n",
    "reference_import_in_function": SGD.replace(
        "    if config", "    import nnkit.optim as reference\n    if config"
    ),
    "dunder_import": SGD + "\nopt = __import__('nnkit.optim')\n",
    "importlib": SGD + "\nimport importlib\nref = importlib.import_module('nnkit.optim')\n",
    "exec_string": SGD + "\nexec('np.allclose = lambda *a, **k: True')\n",
    "eval_alias": SGD + "\nrun = eval\n",
    "ctypes": SGD + "\nimport ctypes\n",
    "gc_objects": SGD + "\nimport gc\n",
    "reads_test_variable": """
def sgd(w, dw, config=None):
    return expected, config
""",
    "star_import": SGD + "\nfrom math import *\n",
}


@pytest.mark.parametrize("name", ATTACKS)
def test_attack_is_found(notebooks, name):
    findings = scan(submission(notebooks, ATTACKS[name]), notebooks[2])
    assert findings, f"{name} was not detected"
    assert all(f.cell == "sgd_solution" for f in findings), findings
    assert all(str(f).startswith("sgd_solution, line ") for f in findings)


def test_edited_and_deleted_test_cells_are_found(notebooks):
    nb = submission(notebooks)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    tests[0].source = "print('all tests passed')"
    nb.cells.remove(tests[1])
    found = {(f.cell, f.what) for f in scan(nb, notebooks[2])}
    edited = tests[0].metadata["nbgrader"]["grade_id"]
    deleted = tests[1].metadata["nbgrader"]["grade_id"]
    assert found == {(edited, "this test cell was edited"), (deleted, "this test cell was deleted")}


HONEST = {
    "local_arrays_and_state": """
def sgd(w, dw, config=None):
    import math
    from numpy.linalg import norm
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    step = np.zeros_like(w)
    step[...] = config["learning_rate"] * dw
    config["last_norm"] = norm(step) + math.sqrt(0.0)
    expected = w - step  # a local that shares a name with a test variable
    return expected, config
""",
    "helper_and_constant": """
LR_DEFAULT = 1e-2


def _step(w, dw, lr):
    return w - lr * dw


def sgd(w, dw, config=None):
    config = config if config is not None else {}
    lr = config.setdefault("learning_rate", LR_DEFAULT)
    return _step(w, dw, lr), config
""",
    "class_with_state": """
class _Rule:
    def __init__(self):
        self.calls = 0

    def __call__(self, w, dw, config):
        self.calls += 1
        return w - config.setdefault("learning_rate", 1e-2) * dw, config


def sgd(w, dw, config=None):
    return _Rule()(w, dw, {} if config is None else config)
""",
}


@pytest.mark.parametrize("name", HONEST)
def test_honest_code_is_clean(notebooks, name):
    assert scan(submission(notebooks, HONEST[name]), notebooks[2]) == []


@pytest.mark.parametrize(
    "assignment, catalog",
    [
        ("01_gradient_checking", nb01.MUTANTS),
        ("02_minibatch_sgd", nb02.MUTANTS),
        ("03_lr_schedules", nb03.MUTANTS),
        ("04_neural_networks", nb04.MUTANTS),
    ],
)
def test_every_catalog_mutant_and_solution_scan_clean(assignment, catalog):
    source, release = harness.read("solutions", assignment), harness.read("assignments", assignment)
    context = Context.from_notebooks(source, release)
    assert scan(solved_submission(release, source), context) == []
    assert scan(release, context) == []
    flagged = {
        m.name: scan(solved_submission(release, source, {m.target: m.source}), context)
        for m in catalog
    }
    assert {k: v for k, v in flagged.items() if v} == {}


def test_magics_keep_line_numbers():
    assert python_source("%matplotlib inline\nx = 1\n!ls\ny = 2").splitlines() == [
        "",
        "x = 1",
        "",
        "y = 2",
    ]


def test_syntax_errors_are_the_students_own_failure(notebooks):
    assert (
        scan(submission(notebooks, "def sgd(w, dw, config=None):\n    return (\n"), notebooks[2])
        == []
    )
