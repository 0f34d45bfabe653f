"""The student edition of nnkit (nncourse.edition): every answer of a locked assignment is
a stand-in that raises Locked naming the notebook, no answer's code survives in any form,
and everything else of nnkit still imports and works."""

import ast
import subprocess
import sys
import textwrap

import pytest

from nncourse.edition import build_edition, lock_source, nnkit_source
from nnkit.answers import graded_names
from tests.harness import GRADED


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    return build_edition(tmp_path_factory.mktemp("locked"))


def run_in(edition, code: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(edition.parent), "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True
    )


def test_every_graded_name_has_a_reference_in_its_assignment():
    names = graded_names()
    for assignment, targets in GRADED.items():
        for target in targets:
            assert names[target.partition(".")[0]] == assignment, target


def test_locked_references_raise_naming_the_notebook(locked):
    proc = run_in(
        locked,
        """
        import nnkit
        from nnkit.answers import Locked, reference, graded_names
        assert nnkit.__file__.startswith(EDITION), nnkit.__file__
        for name, assignment in sorted(graded_names().items()):
            ref = reference(name)
            try:
                ref(*[None] * 8) if not isinstance(ref, type) else ref(1, 2, 3)
            except Locked as err:
                assert f"{name} is what you write in {assignment}" in str(err) or (
                    name in str(err) and assignment in str(err)), str(err)
            except TypeError:
                pass  # a signature that takes fewer arguments: checked below
            else:
                raise SystemExit(f"{name} ran")
        import nnkit.optim, nnkit.schedules, nnkit.solver, nnkit.widgets, nnkit.checks
        try:
            nnkit.optim.adam(1.0, 1.0)
        except Locked as err:
            print(err)
        """.replace("EDITION", repr(str(locked))),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("adam is what you write in 02_minibatch_sgd")


def test_unlocked_assignments_keep_their_answers(tmp_path):
    edition = build_edition(tmp_path, unlocked={"03_lr_schedules"})
    proc = run_in(
        edition,
        """
        from nnkit import schedules, optim
        print(schedules.step_decay(5, 0.1, 5))
        try:
            optim.sgd(1.0, 1.0)
        except NotImplementedError:
            print("locked")
        """,
    )
    assert proc.stdout.split() == [repr(0.1 * 0.1), "locked"], proc.stderr


def answer_bodies() -> dict[str, str]:
    """name -> ast.dump of the body (docstring excluded) of every @answer definition,
    and of every method of a marked class."""
    bodies = {}
    for path in nnkit_source().rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            marked = any("answer" in ast.unparse(d) for d in getattr(node, "decorator_list", []))
            if not marked:
                continue
            functions = [node] if not isinstance(node, ast.ClassDef) else [
                n for n in node.body if isinstance(n, ast.FunctionDef)
            ]  # fmt: skip
            for fn in functions:
                body = fn.body[1:] if ast.get_docstring(fn) is not None else fn.body
                bodies[f"{path.stem}.{fn.name}"] = ast.dump(ast.Module(body, []))
    return bodies


def test_no_answer_survives_in_any_form(locked):
    bodies = answer_bodies()
    assert len(bodies) >= 31
    found = set()
    for path in locked.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                found.add(ast.dump(ast.Module(body, [])))
    leaked = [name for name, body in bodies.items() if body in found]
    assert not leaked
    compiled = [p for p in locked.rglob("*.pyc")]
    assert compiled, "the edition is compiled, so kernels import it fast"


def test_lock_source_keeps_signatures_docstrings_and_the_rest():
    text = textwrap.dedent(
        '''
        from .answers import answer

        # a comment
        RULES = {}


        @answer("02_minibatch_sgd", "sgd")
        def sgd(w, dw, config=None, *, fast: bool = True) -> tuple:
            """Vanilla SGD."""
            secret = w - 0.01 * dw  # the answer
            return secret, config


        @answer("04_neural_networks")
        class Net(Base):
            """A net."""

            def __init__(self, d, reg=0.0):
                self.secret_init = d

            def loss(self, X, y=None):
                return X @ self.secret_w


        def keep(x):
            return x + 1
        '''
    )
    out, locked = lock_source(text, unlocked=())
    assert locked == ["sgd", "Net"]
    assert "secret" not in out and "the answer" not in out
    assert "def sgd(w, dw, config=None, *, fast: bool=True) -> tuple:" in out
    assert '"""Vanilla SGD."""' in out and '"""A net."""' in out
    assert "class Net(Base):" in out and "def loss(self, X, y=None):" in out
    assert "raise Locked('sgd', '02_minibatch_sgd')" in out
    assert "def keep(x):\n    return x + 1" in out and "# a comment" in out
    assert "from .answers import Locked" in out
    ast.parse(out)
    assert lock_source(text, unlocked={"02_minibatch_sgd", "04_neural_networks"}) == (text, [])
