"""nncourse.rerun and its judging: a model's tests run again with correct layers.

The kernel's side is played by this test (as in tests/test_judge.py): the student's own
run of a model cell fails, a layer's own test fails, and the second run, with correct
layers, passes or not. The real pipeline is in tests/test_assignments.py
(``test_a_wrong_layer_costs_the_models_nothing``)."""

import copy
import json
import re

import nbformat
import numpy as np
import pytest

from nncourse.execution import worker_notebook
from nncourse.grade_ids import method_of
from nncourse.judge import MIME, Plan, substitutes
from nncourse.mutate import solved_submission
from nncourse.rerun import MARK, correct_source
from nnkit.answers import builds_on, reference
from nnkit.checks.run import run_case
from tests import harness

A = "04_neural_networks"
MODEL = "TwoLayerNet_loss_hidden"
LAYER = "relu_backward_hidden"


@pytest.fixture(scope="module")
def plan():
    return Plan.from_notebook(harness.read("solutions", A))


def honest(plan, grade_id: str, again: bool = False) -> dict:
    message = {
        "cell": grade_id,
        "cases": [run_case(p, reference) for p in plan.cells[grade_id].programs],
    }
    return {**message, "with": "correct"} if again else message


def wrong(message: dict) -> dict:
    """The message with its first case's outputs replaced by nonsense."""
    message = copy.deepcopy(message)
    message["cases"][0] = {"steps": "garbage"}
    return message


def executed(plan, own: dict, reruns: dict) -> dict:
    """An executed worker notebook: a probe cell per test cell (``own``: grade_id ->
    message), then the second-run cells (``reruns``: marked grade_id -> outputs)."""
    cells = []
    for grade_id in plan.cells:
        meta = {"nbgrader": {"grade_id": grade_id, "grade": True, "points": 1}}
        output = {
            "output_type": "display_data",
            "data": {MIME: own.get(grade_id) or honest(plan, grade_id)},
        }
        cells.append({"cell_type": "code", "metadata": meta, "outputs": [output]})
    for grade_id, messages in reruns.items():
        outputs = [{"output_type": "display_data", "data": {MIME: m}} for m in messages]
        cells.append({"cell_type": "code", "metadata": {"nncourse": {MARK: grade_id}},
                      "outputs": outputs})  # fmt: skip
    return {"cells": cells}


def test_correct_source_is_the_reference_without_its_decorators():
    names = builds_on("TwoLayerNet.loss")
    source = correct_source(names)
    assert "@answer" not in source and "import" not in source
    namespace = {"np": np}
    exec(source, namespace)  # noqa: S102 - nnkit's own code
    rng = np.random.default_rng(7001)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    out, cache = namespace["affine_forward"](x, w, b)
    assert np.array_equal(out, reference("affine_forward")(x, w, b)[0])
    scores, y = rng.standard_normal((4, 5)), rng.integers(5, size=4)
    assert namespace["softmax_loss"](scores, y)[0] == reference("softmax_loss")(scores, y)[0]
    with pytest.raises(ValueError):  # the private helper it calls came along
        namespace["softmax_loss"](scores, y[:2])


def test_only_the_models_loss_cells_are_run_again(plan):
    again = {g for g, c in plan.cells.items() if c.uses}
    assert again and all(
        method_of(g) in ("TwoLayerNet.loss", "FullyConnectedNet.loss") for g in again
    )
    assert substitutes("TwoLayerNet___init___hidden") == ()
    assert substitutes("affine_forward_hidden") == ()


def test_correct_layers_come_after_every_test_and_never_in_the_payload(plan):
    source, release = harness.read("solutions", A), harness.read("assignments", A)
    nb = worker_notebook(solved_submission(release, source), source, release)
    marked = [i for i, c in enumerate(nb.cells) if MARK in c.metadata.get("nncourse", {})]
    probes = [i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(marked) == sum(1 for c in plan.cells.values() if c.uses)
    assert min(marked) > max(probes)
    assert "def relu_backward" in nb.cells[marked[0]].source
    assert "def relu_backward" not in plan.payload()
    assert not any("def relu_backward" in c.source for c in nb.cells[: min(marked)]
                   if c.metadata.get("nbgrader", {}).get("grade"))  # fmt: skip
    assert nbformat.validate(nb) is None


def test_a_model_right_with_correct_layers_keeps_its_points_and_names_the_layer(plan):
    own = {MODEL: wrong(honest(plan, MODEL)), LAYER: wrong(honest(plan, LAYER))}
    verdicts = plan.judge(executed(plan, own, {MODEL: [honest(plan, MODEL, again=True)]}))
    assert verdicts[MODEL].passed
    assert "TwoLayerNet.loss is right" in verdicts[MODEL].message
    assert "`relu_backward` is wrong" in verdicts[MODEL].message
    assert not verdicts[LAYER].passed  # the layer keeps its own verdict
    assert verdicts[MODEL].outputs()[0]["text"].startswith("passed: TwoLayerNet.loss is right")


def test_a_model_wrong_with_correct_layers_too_is_a_mistake_of_its_own(plan):
    own = {MODEL: wrong(honest(plan, MODEL)), LAYER: wrong(honest(plan, LAYER))}
    rerun = wrong(honest(plan, MODEL, again=True))
    verdicts = plan.judge(executed(plan, own, {MODEL: [rerun]}))
    assert not verdicts[MODEL].passed
    assert verdicts[MODEL].message.endswith("so the mistake is in TwoLayerNet.loss itself.")


def test_a_model_that_fails_only_with_its_own_correct_layers_says_how_it_calls_them(plan):
    own = {MODEL: wrong(honest(plan, MODEL))}
    verdicts = plan.judge(executed(plan, own, {MODEL: [honest(plan, MODEL, again=True)]}))
    assert verdicts[MODEL].passed
    assert "which pass their own tests" in verdicts[MODEL].message


@pytest.mark.parametrize(
    "forge",
    [
        # a second-run message that says it is not one
        lambda plan: {MODEL: [honest(plan, MODEL)]},
        # about another cell, in the model's marked cell
        lambda plan: {MODEL: [{**honest(plan, LAYER, again=True)}]},
        # a marked cell for a layer's test: layers are never judged again
        lambda plan: {LAYER: [honest(plan, LAYER, again=True)]},
        # garbage
        lambda plan: {MODEL: [{"cell": MODEL, "with": "correct", "cases": "all passed"}]},
        lambda plan: {MODEL: ["passed"]},
    ],
)
def test_no_forged_second_run_turns_a_failure_into_a_pass(plan, forge):
    own = {MODEL: wrong(honest(plan, MODEL)), LAYER: wrong(honest(plan, LAYER))}
    verdicts = plan.judge(executed(plan, own, forge(plan)))
    assert not verdicts[MODEL].passed and not verdicts[LAYER].passed


def test_a_second_run_in_an_ordinary_probe_cell_is_not_read(plan):
    own = {MODEL: wrong(honest(plan, MODEL)), LAYER: wrong(honest(plan, LAYER))}
    nb = executed(plan, own, {})
    for cell in nb["cells"]:  # the model's probe cell also shows a "second run"
        if cell["metadata"]["nbgrader"]["grade_id"] == MODEL:
            data = {MIME: honest(plan, MODEL, again=True)}
            cell["outputs"].append({"output_type": "display_data", "data": data})
    assert not plan.judge(json.loads(json.dumps(nb)))[MODEL].passed


def test_check_with_only_relu_backward_wrong_keeps_the_models_points(tmp_path):
    """The issue's case, through ``nncourse check`` (sealed, sandboxed): relu_backward
    alone wrong (the mask taken from dout) used to cost the two correct models all their
    points; now only relu_backward's tests fail, and the models' messages name it."""
    from tests.mutants import nb04
    from tests.test_feedback_summary import nncourse_check

    [bug] = [m for m in nb04.MUTANTS if (m.target, m.name) == ("relu_backward", "mask_on_dout")]
    release, solution = harness.read("assignments", A), harness.read("solutions", A)
    path = tmp_path / f"{A}.ipynb"
    nbformat.write(solved_submission(release, solution, {bug.target: bug.source}), path)
    table, page = nncourse_check(path)
    for model in ("TwoLayerNet_loss", "FullyConnectedNet_loss"):
        points = re.search(rf"{model} (\d+) / (\d+)", table)
        assert points and points[1] == points[2], table
    lost = re.search(r"relu_backward (\d+) / (\d+)", table)
    assert lost and int(lost[1]) < int(lost[2]), table
    assert "TwoLayerNet.loss is right: with correct layers it passes this test" in table
    assert "because `relu_backward` is wrong" in table
    assert "FullyConnectedNet.loss is right" in table
    failed = re.search(r"(\d+) of \d+ tests failed: ([^\n]*)", table)
    assert failed and all(g.startswith("relu_backward") for g in failed[2].split(", ")), table
    assert "because `relu_backward` is wrong" in page  # hidden tests' messages shown too


# An attack not tried before: a blank notebook whose model, in the second run, reads the
# correct layers it is handed (their code objects: docstrings, error texts, names) and
# raises them as its exception text, hoping the feedback quotes it. The second run gives
# the judge one bit; the student's message is their own run's, with their own stubs.
LEAKING_LOSS = """
def loss(self, X, y=None):
    code = affine_forward.__code__
    raise ValueError(" | ".join(map(repr, (*code.co_consts, *code.co_names))))
"""
EMPTY_INIT = """
def __init__(self, *args, **kwargs):
    self.params, self.reg = {}, 0.0
"""


def test_the_second_run_cannot_carry_the_correct_layers_into_feedback(tmp_path):
    """With the tamper scan off (it flags ``__code__``), so that only the judge stands
    between the kernel and the feedback: the kernel does read the correct layers' texts
    in the second run, and none of them reaches the student's page, messages or score."""
    release = harness.read("assignments", A)
    attack = {"TwoLayerNet.__init__": EMPTY_INIT, "TwoLayerNet.loss": LEAKING_LOSS}
    nb = solved_submission(release, release, attack)
    submitted = tmp_path / "subs" / "eve" / A / f"{A}.ipynb"
    submitted.parent.mkdir(parents=True)
    nbformat.write(nb, submitted)
    out = tmp_path / "run"
    harness.grade(tmp_path / "subs", A, out, "--no-tamper-scan")
    # the reference's docstring, which the release does not hold (the kernel caps the
    # text of an exception, so these come from its first 200 characters)
    secrets = ("with D = d1 * ... * dk, w (D, M), b (M,)", "Inputs: x (N, d1, ..., dk)")
    released = "\n".join(c.source for c in release.cells)
    assert not [secret for secret in secrets if secret in released]  # only nnkit has them
    executed = json.loads((out / "executed" / "eve" / A / f"{A}.ipynb").read_text())
    again = json.dumps(
        [c["outputs"] for c in executed["cells"] if MARK in c["metadata"].get("nncourse", {})]
    )
    assert all(secret in again for secret in secrets)  # the attack worked in the kernel
    [row] = harness.read_csv(out / "grades.csv")
    assert (row["status"], float(row["score"])) == ("ok", 0.0), row
    shown = [(out / "feedback" / "eve" / A / f"{A}.html").read_text()]
    shown.append((out / "autograded" / "eve" / A / f"{A}.ipynb").read_text())
    shown += [(out / name).read_text() for name in ("grades.csv", "tests.csv", "report.html")]
    assert not [secret for secret in secrets if any(secret in text for text in shown)]
