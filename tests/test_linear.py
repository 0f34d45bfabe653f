"""Reference linear losses: formulas on hand-made cases, gradients against numerical ones."""

import numpy as np
import pytest

from nnkit import linear
from nnkit.gradcheck import eval_numerical_gradient, rel_error


def random_problem(rng, N=7, D=5, C=4, scale=0.1):
    W = scale * rng.standard_normal((D, C))
    X = rng.standard_normal((N, D))
    y = rng.integers(C, size=N)
    return W, X, y


def test_svm_loss_by_hand():
    # one sample, scores (1, 2, 3), correct class 0: margins 2 and 3 -> loss 5
    W = np.eye(3)
    X = np.array([[1.0, 2.0, 3.0]])
    loss, _ = linear.svm_loss(W, X, np.array([0]), reg=0.0)
    assert loss == pytest.approx(5.0)
    loss_reg, _ = linear.svm_loss(W, X, np.array([0]), reg=0.5)
    assert loss_reg == pytest.approx(5.0 + 0.5 * 3)


def test_softmax_loss_by_hand():
    W = np.zeros((2, 3))
    X = np.ones((4, 2))
    loss, _ = linear.softmax_loss(W, X, np.array([0, 1, 2, 0]), reg=0.0)
    assert loss == pytest.approx(np.log(3))


@pytest.mark.parametrize("loss_fn", [linear.svm_loss, linear.softmax_loss])
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_gradient_matches_numerical(loss_fn, reg):
    rng = np.random.default_rng(4)
    W, X, y = random_problem(rng)
    _, dW = loss_fn(W, X, y, reg)
    num = eval_numerical_gradient(lambda w: loss_fn(w, X, y, reg)[0], W)
    assert rel_error(dW, num) < 1e-6


def test_softmax_is_stable_for_large_scores():
    rng = np.random.default_rng(5)
    W, X, y = random_problem(rng, scale=1000.0)
    loss, dW = linear.softmax_loss(W, X, y, 0.0)
    assert np.isfinite(loss) and np.all(np.isfinite(dW))


def test_predict_takes_argmax():
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    X = np.array([[2.0, 1.0], [0.0, 3.0]])
    np.testing.assert_array_equal(linear.predict(W, X), [0, 1])


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.ones((3, 2)), np.ones((4, 5)), np.zeros(4, int), 0.0), "features"),
        ((np.ones((3, 2)), np.ones((4, 3)), np.zeros(5, int), 0.0), "labels"),
        ((np.ones((3, 2)), np.ones((4, 3)), np.full(4, 2), 0.0), r"\[0, 2\)"),
        ((np.ones((3, 2)), np.ones((4, 3)), np.zeros(4, int), -1.0), "reg"),
        ((np.ones(3), np.ones((4, 3)), np.zeros(4, int), 0.0), "expected W"),
    ],
)
@pytest.mark.parametrize("loss_fn", [linear.svm_loss, linear.softmax_loss])
def test_bad_shapes_raise(loss_fn, args, message):
    with pytest.raises(ValueError, match=message):
        loss_fn(*args)
