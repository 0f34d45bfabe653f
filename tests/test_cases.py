"""nnkit.checks cases in local mode: each kind of check passes a correct function and
fails a wrong one with the message a student reads, and the same case, collected in the
grader and judged from data, gives the same verdict (nncourse.judge)."""

import numpy as np
import pytest

from nnkit import gradcheck, layers, linear, models, optim, schedules, solver
from nnkit.checks import Batches, Case, Graded, check, collecting, fn
from nnkit.checks.case import program
from nnkit.checks.judging import BadCase, judge, judge_locally, read_outcome
from nnkit.checks.run import run_case


def failure(*cases) -> str:
    with pytest.raises(AssertionError) as info:
        check(*cases)
    return str(info.value)


RNG = np.random.default_rng(0)
W, X, Y = RNG.standard_normal((5, 3)), RNG.standard_normal((8, 5)), RNG.integers(3, size=8)


def svm_case(student):
    return (
        Case(student, W, X, Y, 0.1, returns=("loss", "dW"))
        .like_reference("loss", "dW")
        .unchanged("W", "X", "y")
    )


def test_a_correct_function_passes():
    def svm_loss_naive(W, X, y, reg):
        return linear.svm_loss(W, X, y, reg)

    check(svm_case(svm_loss_naive))


def test_a_wrong_entry_is_named_with_the_inputs():
    def svm_loss_naive(W, X, y, reg):
        loss, dW = linear.svm_loss(W, X, y, reg)
        dW[1, 2] += 1
        return loss, dW

    text = failure(svm_case(svm_loss_naive))
    assert text.startswith("dW for input W of shape (5, 3) (float64), X of shape (8, 5)")
    assert "reg=0.1 is wrong at 1 of 15 entries. First wrong entry dW[1, 2]" in text


def test_the_wrong_kind_of_return_value_is_said_in_words():
    def svm_loss_naive(W, X, y, reg):
        return 1.0

    assert "should return a tuple (loss, dW), but it returned a float." in failure(
        svm_case(svm_loss_naive)
    )


def test_an_exception_is_reported_with_its_first_line():
    def svm_loss_naive(W, X, y, reg):
        return X[100]

    text = failure(svm_case(svm_loss_naive))
    assert text.startswith("svm_loss_naive for input W of shape (5, 3)")
    assert "raised IndexError: index 100 is out of bounds" in text


def test_a_function_not_written_yet_says_so():
    def svm_loss_naive(W, X, y, reg):
        raise NotImplementedError()

    assert "it is not written yet" in failure(svm_case(svm_loss_naive))


def test_an_input_changed_in_place_is_named():
    def svm_loss_naive(W, X, y, reg):
        X *= 2
        return linear.svm_loss(W, X / 2, y, reg)

    assert "Your function modified its input X" in failure(svm_case(svm_loss_naive))


def test_expected_values_computed_by_the_cell_and_a_test_function():
    x = RNG.standard_normal((4, 3))

    def numerical_gradient(f, x, h=1e-5):
        return gradcheck.eval_numerical_gradient(f, x, h)

    case = Case(numerical_gradient, fn.sum_cube, x, 1e-2, returns="grad")
    check(case.expect("grad", 3 * x**2 + 1e-4, rtol=1e-8).unchanged("x"))

    def numerical_gradient(f, x, h=1e-5):  # noqa: F811 - a forward difference
        grad = np.zeros_like(x)
        for ix in np.ndindex(x.shape):
            old = x[ix]
            x[ix] = old + h
            up = f(x)
            x[ix] = old
            grad[ix] = (up - f(x)) / h
        return grad

    case = Case(numerical_gradient, fn.sum_cube, x, 1e-2, returns="grad")
    text = failure(case.expect("grad", 3 * x**2 + 1e-4, rtol=1e-8))
    assert "f=f(x) = sum(x**3)" in text and "h=0.01" in text and "grad" in text


def momentum_case(student):
    case, config = Case(), {"learning_rate": 0.1, "momentum": 0.5}
    rng = np.random.default_rng(1)
    for step in (1, 2, 3):
        w, dw = rng.standard_normal(4), rng.standard_normal(4)
        case.call(student, w, dw, config, returns=("next_w", "config"), note=f"step {step}")
        case.like_reference("next_w").unchanged("w", "dw")
        case.like_reference(case["config"]["velocity"], hint="Keep it in config.")
        config = case["config"]
    return case


def test_state_carried_between_steps_is_the_students_own():
    def sgd_momentum(w, dw, config=None):  # a new dict each step: still correct
        config = dict(config or {})
        v = 0.5 * config.get("velocity", 0.0) - 0.1 * dw
        return w + v, {**config, "velocity": v}

    check(momentum_case(sgd_momentum))


def test_a_missing_state_key_is_named_with_the_hint():
    def sgd_momentum(w, dw, config=None):
        return w - 0.1 * dw, config

    text = failure(momentum_case(sgd_momentum))
    assert "config for input" in text and "has no key 'velocity'" in text
    assert text.endswith("Keep it in config.")


def batches_case(student):
    case = Case()
    rng = case.rng(3)
    for epoch in (1, 2):
        case.call(student, np.arange(30.0).reshape(10, 3), np.arange(10), 3, rng, returns=Batches())
        case.like_reference(exact=True, name=f"epoch {epoch}")
    return case


def test_generators_are_collected_and_compared_batch_by_batch():
    def minibatches(X, y, batch_size, rng, drop_last=False):
        return solver.minibatches(X, y, batch_size, rng, drop_last)

    check(batches_case(minibatches))

    def minibatches(X, y, batch_size, rng, drop_last=False):  # noqa: F811 - drops the last
        order = rng.permutation(len(y))
        for start in range(0, len(y) - batch_size + 1, batch_size):
            yield X[order[start : start + batch_size]], y[order[start : start + batch_size]]

    assert "the number of batches" in failure(batches_case(minibatches))
    assert "expected 4, got 3" in failure(batches_case(minibatches))


def warmup_case(student):
    case = Case(student, fn.halving, 4, returns="g")
    for t in range(7):
        case.call(case["g"], t, returns="g(t)", names=("t",)).like_reference(rtol=1e-12)
    return case.call(case["g"], -1, names=("t",)).raises(ValueError)


def test_a_returned_function_is_called_and_must_raise_where_asked():
    def with_warmup(schedule, warmup_steps):
        return schedules.with_warmup(schedule, warmup_steps)

    check(warmup_case(with_warmup))

    def with_warmup(schedule, warmup_steps):  # noqa: F811 - no check of t
        return lambda t: schedule(0) * t / warmup_steps if t < warmup_steps else schedule(t)

    assert "g(t) for input t=4 is wrong" in failure(warmup_case(with_warmup))

    def with_warmup(schedule, warmup_steps):  # noqa: F811
        return 0.1

    assert "g should be a function (something to call), but it is a float" in failure(
        warmup_case(with_warmup)
    )


def model_case(student):
    case = Case()
    case.call(student, 4, 5, 3, weight_scale=0.1, reg=0.2, rng=case.rng(5), returns="model")
    model = case["model"]
    case.like_reference(model.params, rtol=1e-12).like_reference(model.reg)
    case.set(model, "reg", 0.3)
    rng = np.random.default_rng(2)
    case.call(model.loss, rng.standard_normal((6, 4)), rng.integers(3, size=6),
              returns=("loss", "grads"))  # fmt: skip
    return case.like_reference()


def test_methods_attributes_and_sets_on_an_object_built_by_the_case():
    check(model_case(models.TwoLayerNet))

    class TwoLayerNet(models.TwoLayerNet):
        def loss(self, X, y=None):
            loss, grads = super().loss(X, y)
            grads["b2"] = grads["b2"] * 2
            return loss, grads

    text = failure(model_case(TwoLayerNet))
    assert text.startswith("grads['b2'] for input X of shape (6, 4)")


def test_satisfies_and_shape_get_the_students_plain_values():
    def relu_forward(x):
        return layers.relu_forward(x)

    seen = []

    def non_negative(out):
        seen.append(type(out))
        if (out < 0).any():
            raise AssertionError("out has negative entries")

    x = np.array([[-1.0, 2.0]])
    case = Case(relu_forward, x, returns=("out", "cache")).shape("out", (1, 2))
    check(case.satisfies(non_negative, "out"))
    assert seen == [np.ndarray]

    def relu_forward(x):  # noqa: F811
        return x, x

    case = Case(relu_forward, x, returns=("out", "cache")).satisfies(non_negative, "out")
    assert failure(case) == "out has negative entries"


def test_a_reference_that_fails_the_case_is_the_cells_fault():
    def step_decay(t, lr0, step_size, gamma=0.1):
        return 0.1

    with pytest.raises(BadCase, match="the test cell states a case"):
        check(Case(step_decay, 5, 0.1, 0, returns="lr").like_reference())


def test_collect_mode_records_and_the_same_judgement_comes_from_data():
    def sgd(w, dw, config=None):
        return optim.sgd(w, dw, config)

    w, dw = np.ones(3), np.arange(3.0)
    with collecting() as found:
        check(Case(Graded("sgd"), w, dw, returns=("next_w", "config")).like_reference("next_w"))
    (case,) = found
    prog = program(case)
    assert "sgd" in str(prog["steps"][0]["call"]) and "expected" not in str(prog)
    student = read_outcome(run_case(prog, {"sgd": lambda w, dw, c=None: (w, c)}.__getitem__), prog)
    reference = read_outcome(run_case(prog, {"sgd": sgd}.__getitem__), prog)
    assert judge(case, reference, reference) is None
    verdict = judge(case, student, reference)
    assert verdict.message.startswith("next_w for input w=[1, 1, 1], dw=[0, 1, 2]")
    local = Case(sgd, w, dw, returns=("next_w", "config")).like_reference("next_w")
    assert judge_locally(local) is None


def test_graded_stand_ins_cannot_be_called():
    with pytest.raises(TypeError, match="state cases"):
        Graded("sgd")(1, 2)


def test_inputs_that_cannot_travel_as_data_are_refused_when_the_case_is_built():
    case = Case(Graded("with_warmup"), lambda t: 0.1, 5)
    with pytest.raises(TypeError, match="nnkit.checks.fn"):
        program(case)
