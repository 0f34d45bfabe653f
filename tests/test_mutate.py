"""Building submissions with replaced definitions (used by the mutation suite)."""

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nncourse.mutate import defined_names, replace_definition, solved_submission

SOURCE = '''import numpy as np

def f(x):
    """doc"""
    ### BEGIN SOLUTION
    return x + 1
    ### END SOLUTION

class Net:
    def __init__(self):
        self.a = 1

    def loss(self, X):
        return X * self.a
'''


def test_replace_top_level_function():
    out = replace_definition(SOURCE, "f", "def f(x):\n    return x - 1\n")
    ns = {}
    exec(out, ns)
    assert ns["f"](3) == 2
    assert "class Net" in out


def test_replace_method_keeps_class_indentation():
    out = replace_definition(SOURCE, "Net.loss", "def loss(self, X):\n    return X * 10\n")
    ns = {}
    exec(out, ns)
    assert ns["Net"]().loss(2) == 20
    assert ns["Net"]().a == 1


def test_unknown_target_raises_key_error():
    with pytest.raises(KeyError):
        replace_definition(SOURCE, "g", "def g(): pass")
    with pytest.raises(KeyError):
        replace_definition(SOURCE, "Other.loss", "def loss(self): pass")


def test_defined_names():
    assert defined_names(SOURCE) == {"f", "Net", "Net.__init__", "Net.loss"}


def _cell(source, **nbgrader):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": "f_solution", "solution": True, **nbgrader}
    return cell


def test_solved_submission_fills_release_and_applies_replacements():
    solution = new_notebook(cells=[_cell(SOURCE)])
    release = new_notebook(cells=[_cell("def f(x):\n    raise NotImplementedError()\n")])
    nb = solved_submission(release, solution)
    assert "BEGIN SOLUTION" not in nb.cells[0].source
    assert "return x + 1" in nb.cells[0].source
    mutated = solved_submission(release, solution, {"f": "def f(x):\n    return 0\n"})
    assert "return 0" in mutated.cells[0].source
    assert "return x + 1" in release.cells[0].source or "raise" in release.cells[0].source
    with pytest.raises(KeyError, match="nothing_here"):
        solved_submission(release, solution, {"nothing_here": "def nothing_here(): pass"})
