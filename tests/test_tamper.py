"""Tamper detection on real notebooks: every attack is found, and no honest code is.

Each attack replaces the ``sgd`` solution of notebook 02 (or edits a test cell); the
honest side is every bug and alternative of the mutation catalogs, every solution and the
bundled sample class, which must scan clean.
"""

import io
import textwrap
import tokenize

import nbformat
import pytest

from nncourse.mutate import solved_submission
from nncourse.tamper import Context, ipython_source, scan
from tests import harness
from tests.harness import CORRECT_SGD as SGD
from tests.mutants import nb01, nb02, nb03, nb04

A = "02_minibatch_sgd"
GRADED = "sgd_solution"


@pytest.fixture(scope="module")
def notebooks():
    source, release = harness.read("solutions", A), harness.read("assignments", A)
    return source, release, Context.from_notebooks(source, release)


def check_helper(context) -> str:
    """A checking helper of the read-only cells (``check_array``, or ``check``): what an
    attack on the checks would patch. Sources below write it as CHECK_HELPER."""
    return min(name for name in context.provided if name.startswith("check"))


def submission(notebooks, sgd_source=SGD):
    """The solution with the ``sgd`` definition replaced (the rest of its cell is kept)."""
    source, release, context = notebooks
    sgd_source = sgd_source.replace("CHECK_HELPER", check_helper(context))
    return solved_submission(release, source, {"sgd": sgd_source})


def cell_submission(notebooks, cell_source):
    """The solution with the whole ``sgd`` solution cell replaced, byte for byte."""
    source, release, context = notebooks
    nb = solved_submission(release, source)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == GRADED]
    cell.source = cell_source.replace("CHECK_HELPER", check_helper(context))
    return nb


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
    "rebind_check_helper": SGD + "\nCHECK_HELPER = lambda *a, **k: None\n",
    "redefine_check_helper": SGD + "\ndef CHECK_HELPER(*a, **k):\n    pass\n",
    "global_check_helper": SGD.replace(
        "    if config", "    global CHECK_HELPER\n    CHECK_HELPER = print\n    if config"
    ),
    "globals_dict": SGD + "\nglobals()['CHECK_HELPER'] = print\n",
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


def prompted(code: str) -> str:
    """``code`` as pasted from a Python prompt: ``>>> `` first lines, ``... `` the rest."""
    lines = code.strip("\n").splitlines()
    return "\n".join((">>> " if not line.startswith(" ") else "... ") + line for line in lines)


TRACEBACK_FRAME = """
def sgd(w, dw, config=None):
    try:
        raise ValueError
    except ValueError as err:
        caller = err.__traceback__.tb_frame.f_back
    return caller.f_locals["expected"], config
"""
# Attacks that IPython's transformation, the allow-lists or the special-attribute rules
# catch: name -> (source of the sgd cell, words of the finding that must be there).
READ_AS_IPYTHON_RUNS = {
    "magic_hides_reference_import": (
        "%time from nnkit.linear import svm_loss as svm_loss_naive\n" + SGD,
        "runs the IPython magic %time from nnkit.linear import svm_loss",
    ),
    "magic_assignment": ("x = %time np.allclose\n" + SGD, "runs the IPython magic %time"),
    "cell_magic": ("%%capture\nimport nnkit\n" + SGD, "runs the IPython cell magic %%capture"),
    "shell_escape": (
        "!cat solutions/02_minibatch_sgd/02_minibatch_sgd.ipynb\n" + SGD,
        "runs the shell command !cat solutions/02_minibatch_sgd",
    ),
    "shell_output": ("answers = !ls solutions\n" + SGD, "runs the shell command !ls solutions"),
    "automagic_one_line_cell": ("run -m nnkit.optim", "IPython runs this one-line cell as %run"),
    "indented_cell": (
        textwrap.indent(SGD + "\nnp.allclose = lambda *a, **k: True\n", "    "),
        "assigns np.allclose, which belongs to np",
    ),
    "prompted_cell": (
        prompted(SGD + "\nnp.allclose = lambda *a, **k: True\n"),
        "assigns np.allclose, which belongs to np",
    ),
    "top_level_await": (
        SGD + "\nasync def later():\n    return None\n\nawait later()\nimport nnkit\n",
        "imports nnkit; graded code may import only",
    ),
    "get_ipython_custom_exc": (
        SGD + "\nget_ipython().set_custom_exc((AssertionError,), lambda *a, **k: None)\n",
        "calls get_ipython().set_custom_exc()",
    ),
    "get_ipython_alias": (SGD + "\nshell = get_ipython\n", "uses get_ipython"),
    "input_history": (SGD + "\nsource = In[-2]\n", "uses In, IPython's input and output history"),
    "builtin_through_self": (
        SGD + "\nabs.__self__.exec('import nnkit')\n",
        "uses abs.__self__: it reaches the object behind a builtin function",
    ),
    "built_attribute_name": (
        SGD + "\nscope = getattr(sgd, '__glo' + 'bals__')\n",
        "calls getattr() with an attribute name that is not a plain string",
    ),
    "literal_dunder_getattr": (
        SGD + "\nscope = getattr(sgd, '__globals__')\n",
        "uses sgd.__globals__: it reaches the notebook's globals",
    ),
    "getattr_not_called": (
        SGD + "\nread = getattr\n",
        "uses getattr without calling it with a plain attribute name",
    ),
    "from_sys_import_modules": (SGD + "\nfrom sys import modules\n", "uses sys.modules"),
    "runpy": (SGD + "\nimport runpy\nrunpy.run_module('nnkit.optim')\n", "imports runpy"),
    "marshal": (SGD + "\nimport marshal\ncode = marshal.loads(b'')\n", "imports marshal"),
    "pickle": (SGD + "\nimport pickle\nstate = pickle.loads(b'')\n", "imports pickle"),
    "numpy_unpickles": (
        SGD + "\nstate = np.load('state.npy', allow_pickle=True)\n",
        "uses allow_pickle: loading a pickle runs code",
    ),
    "importlib": (SGD + "\nimport importlib\n", "imports importlib"),
    "code_swap_by_setattr": (
        SGD + "\nCHECK_HELPER.__setattr__('__co' + 'de__', sgd.__code__)\n",
        "uses CHECK_HELPER.__setattr__: it writes attributes by name",
    ),
    "traceback_frame": (
        TRACEBACK_FRAME,
        "uses err.__traceback__.tb_frame, an attribute of the interpreter's frames",
    ),
    "generator_frame": (
        SGD + "\nsteps = (s for s in [1])\nframe = steps.gi_frame\n",
        "uses steps.gi_frame, an attribute of the interpreter's frames",
    ),
    "format_reads_attributes": (
        SGD + "\nleak = '{0.__globals__}'.format(sgd)\n",
        "a string names __globals__",
    ),
    "numpy_back_door_to_builtins": (
        SGD + "\nnp.ma.extras.ma.builtins.exec('import nnkit')\n",
        "reaches builtins: the builtins module",
    ),
    "numpy_back_door_to_sys": (
        SGD + "\nmods = np.testing.extbuild.sys.modules\n",
        "reaches sys: the interpreter's sys module",
    ),
    "numpy_private_part": (SGD + "\ncore = np._core\n", "a private part of a module"),
    "type_hints_evaluate_strings": (
        SGD + "\nfrom typing import get_type_hints\n",
        "reaches get_type_hints: evaluating annotation strings as code",
    ),
    "locals_at_top_level": (SGD + "\nlocals()['CHECK_HELPER'] = print\n", "calls locals()"),
    "import_rebinds_helper": (
        SGD + "\nfrom numpy import allclose as CHECK_HELPER\n",
        "rebinds CHECK_HELPER, which the tests rely on",
    ),
    "walrus_rebinds_helper": (
        SGD + "\n(CHECK_HELPER := print)\n",
        "rebinds CHECK_HELPER, which the tests rely on",
    ),
    "alias_in_a_container": (
        SGD + "\nmodules = [np]\nmodules[0].allclose = print\n",
        "assigns modules[0].allclose, which belongs to modules",
    ),
    "alias_from_a_call": (
        SGD + "\nm = (lambda: np)()\nm.allclose = print\n",
        "assigns m.allclose: allclose is a name of numpy or the builtins",
    ),
    "array_subclass_result": (
        SGD + "\nclass Liar(np.ndarray):\n    pass\n",
        "class Liar derives from np.ndarray",
    ),
    "lying_equality": (
        SGD + "\nclass Always:\n    def __eq__(self, other):\n        return True\n",
        "class Always defines __eq__",
    ),
    "class_built_by_type": (
        SGD + "\nLiar = type('Liar', (), {})\n",
        "builds a class with type(name, bases, namespace)",
    ),
    "import_rebinds_numpy": (
        "import numpy.linalg as np\n" + SGD,
        "rebinds np, which the tests rely on",
    ),
    "relative_import": (SGD + "\nfrom . import optim\n", "uses a relative import"),
    "os_module": (SGD + "\nimport os\n", "imports os; graded code may import only"),
}


@pytest.mark.parametrize("name", READ_AS_IPYTHON_RUNS)
def test_what_ipython_would_run_is_read(notebooks, name):
    source, words = READ_AS_IPYTHON_RUNS[name]
    words = words.replace("CHECK_HELPER", check_helper(notebooks[2]))
    findings = scan(cell_submission(notebooks, source), notebooks[2])
    assert any(words in f.what for f in findings), [str(f) for f in findings]
    assert all(str(f).startswith("sgd_solution, line ") for f in findings), findings


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


def test_a_test_cell_reformatted_or_commented_is_not_edited(notebooks):
    """Layout and comments are not what a test does: a release reformatted after students
    downloaded it, or a student's note in a test cell, flags nobody. A changed number is."""
    nb = submission(notebooks)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    original = cell.source
    cell.source = "# my note: run this after sgd\n" + original.replace(", ", ",   ") + "\n\n"
    assert scan(nb, notebooks[2]) == []
    numbers = [t for t in tokenize.generate_tokens(io.StringIO(original).readline)
               if t.type == tokenize.NUMBER]  # fmt: skip
    assert numbers, "the first test cell has a number to change"
    (row, col), (_, end) = numbers[0].start, numbers[0].end
    lines = original.splitlines(keepends=True)
    lines[row - 1] = lines[row - 1][:col] + "(1 + " + numbers[0].string + ")" + lines[row - 1][end:]
    cell.source = "".join(lines)
    grade_id = cell.metadata["nbgrader"]["grade_id"]
    assert [(f.cell, f.what) for f in scan(nb, notebooks[2])] == [
        (grade_id, "this test cell was edited")
    ]


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


HONEST |= {
    "indented_and_prompted": textwrap.indent(SGD, "    ") + "\n",
    "prompted": prompted(SGD),
    "subclass_constructor_and_messages": """
class _Base:
    def __init__(self, lr):
        self.lr = lr


class _Rule(_Base):
    def __init__(self, lr):
        super().__init__(lr)

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr})"


def sgd(w, dw, config=None):
    config = {} if config is None else config
    rule = _Rule(config.setdefault("learning_rate", 1e-2))
    step = (rule.lr * dw).copy()
    step.shape = w.shape  # honest numpy: reshape in place
    return w - step, config


if __name__ == "__main__":
    print(_Rule(0.1))
""",
    "allowed_modules_and_getattr_literal": """
import bisect
import collections
import functools
import itertools
from dataclasses import dataclass
from typing import Optional


@dataclass
class _Step:
    lr: float


def sgd(w, dw, config: Optional[dict] = None):
    config = collections.OrderedDict() if config is None else config
    lr = getattr(_Step(config.setdefault("learning_rate", 1e-2)), "lr")
    assert bisect.bisect([1, 2], 1) == 1 and list(itertools.islice([1], 1)) == [1]
    return functools.reduce(lambda a, b: a - b, [w, lr * dw]), config
""",
    "reads_a_file": SGD
    + "\ntry:\n    NOTES = open('notes.txt').read()\nexcept OSError:\n    pass\n",
    "imports_again_what_the_notebook_imports": "import math\nimport numpy as np\n" + SGD,
    "module_aliases": SGD + "\nla = np.linalg\nnorm = la.norm\nsteps = [np.zeros(2)][0]\n",
    "top_level_await_alone": SGD + "\nasync def ready():\n    return True\n\nawait ready()\n",
}


@pytest.mark.parametrize("name", HONEST)
def test_honest_code_is_clean(notebooks, name):
    assert scan(cell_submission(notebooks, HONEST[name]), notebooks[2]) == []


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


def test_sample_class_solutions_scan_clean_but_for_its_tamper_student():
    """kim patches numpy (tests/sample_class.py, PATCH_NUMPY). The solution cells of every
    other sample-class notebook scan clean, the hanging and the memory-hungry ones too.
    (gus's file is not JSON: collect reports it. Test cells are compared with the release by
    test_edited_and_deleted_test_cells_are_found, and the sample class is kept in step with
    the release by test_sample_class_is_current.)"""
    contexts, flagged, scanned = {}, {}, 0
    for path in sorted(harness.COURSE.sample_class.rglob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except nbformat.reader.NotJSONError:
            continue
        assignment = path.parent.name
        if assignment not in contexts:
            source = harness.read("solutions", assignment)
            release = harness.read("assignments", assignment)
            contexts[assignment] = Context.from_notebooks(source, release)
        solutions = {
            c.metadata["nbgrader"]["grade_id"]
            for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")
        }
        findings = [f for f in scan(nb, contexts[assignment]) if f.cell in solutions]
        scanned += 1
        if findings:
            flagged[f"{path.parts[-3]}/{assignment}"] = sorted({f.what for f in findings})
    assert scanned >= 30
    assert set(flagged) == {"kim/01_gradient_checking"}
    assert flagged["kim/01_gradient_checking"] == ["assigns np.allclose, which belongs to np"]


def test_cells_are_read_as_ipython_transforms_them():
    assert ipython_source("%matplotlib inline\nx = 1\n!ls\ny = 2").splitlines() == [
        "get_ipython().run_line_magic('matplotlib', 'inline')",
        "x = 1",
        "get_ipython().system('ls')",
        "y = 2",
    ]


def test_line_numbers_are_the_cells_own(notebooks):
    """IPython drops blank lines at the top of a cell; findings count them back in."""
    source = "\n\n" + SGD.strip("\n") + "\nimport nnkit\n"
    (finding,) = scan(cell_submission(notebooks, source), notebooks[2])
    assert finding.line == source.splitlines().index("import nnkit") + 1


@pytest.mark.parametrize(
    "source, reason, line",
    [
        ("def sgd(w, dw, config=None):\n    return (\n", "SyntaxError at line 2", 2),
        ("\n\ndef sgd(w, dw, config=None)\n    pass\n", "SyntaxError at line 3: ", 3),
        ("x = 1\n  y = 2\n", "IndentationError at line 2: unexpected indent", 2),
        ("x = 1\ndef f(w, w):\n    pass\n", "SyntaxError at line 2: duplicate argument", 2),
        ("x = 1\nreturn x\n", "SyntaxError at line 2: 'return' outside function", 2),
        ("x = 1" + " + 1" * 100_000 + "\n", "nested too deeply to parse", 0),
        ("x = 1\0\n", "null bytes", 0),
    ],
)
def test_an_unreadable_cell_is_reported_plainly(notebooks, source, reason, line):
    (finding,) = scan(cell_submission(notebooks, source), notebooks[2])
    assert (finding.cell, finding.line) == ("sgd_solution", line)
    assert finding.what.startswith("this cell cannot be read (")
    assert reason in finding.what
    assert finding.what.endswith(
        "nothing in this notebook was run; fix it and resubmit, or re-grade after review"
    )
