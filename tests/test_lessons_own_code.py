"""The experiments of the lessons run on the reader's functions and survive a broken one:
the experiment cells of the solution notebooks, run on a namespace where one update rule
is not written yet (or returns nothing), name that rule and go on with the others. (The
whole notebooks run in tests/test_assignments.py and, on the student edition only,
tests/test_release.py.)"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from nnkit import optim  # noqa: E402
from tests import harness  # noqa: E402


def cell_source(assignment: str, marker: str) -> str:
    (source,) = [
        c.source for c in harness.read("solutions", assignment).cells if marker in c.source
    ]
    return source


def imports_namespace(assignment: str) -> dict:
    namespace: dict = {}
    imports = harness.read("solutions", assignment).cells[1].source
    exec(imports.replace("%matplotlib inline", ""), namespace)  # noqa: S102 - our own cell
    return namespace


def not_written(w, dw, config=None):
    # YOUR CODE HERE
    raise NotImplementedError()


def returns_nothing(w, dw, config=None):
    config = {} if config is None else config
    w - config.get("learning_rate", 1e-3) * dw  # the result is never returned


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        (not_written, "adam is not written yet"),
        (returns_nothing, "adam raised TypeError: cannot unpack non-iterable NoneType object"),
    ],
)
def test_the_optimizer_landscapes_leave_out_a_broken_rule_by_name(capsys, broken, why):
    namespace = imports_namespace("02_minibatch_sgd")
    for name in ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop"):
        namespace[name] = getattr(optim, name)
    namespace["adam"] = broken
    broken.__name__ = "adam"  # as the reader's function is called
    exec(cell_source("02_minibatch_sgd", "def tuned_runs("), namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert f"adam left out: {why}" in out
    ran = {line.split()[0] for line in out.splitlines() if " f after 100 steps: " in line}
    assert ran == {"sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop"}
