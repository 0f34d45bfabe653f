"""Reference layers: every backward pass against a numerical gradient, forwards by formula."""

import numpy as np
import pytest

from nnkit import layers
from nnkit.gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, rel_error


def rng(seed=0):
    return np.random.default_rng(seed)


def numeric(f, x, dout):
    return eval_numerical_gradient_array(lambda v: f(v), x, dout)


@pytest.mark.parametrize("x_shape", [(4, 6), (3, 2, 3), (2, 2, 3, 2), (1, 6)])
def test_affine_forward_flattens_and_backward_matches_numerical(x_shape):
    g = rng(1)
    x = g.standard_normal(x_shape)
    D, M = int(np.prod(x_shape[1:])), 5
    w, b = g.standard_normal((D, M)), g.standard_normal(M)
    out, cache = layers.affine_forward(x, w, b)
    np.testing.assert_allclose(out, x.reshape(len(x), -1) @ w + b)
    dout = g.standard_normal(out.shape)
    dx, dw, db = layers.affine_backward(dout, cache)
    assert dx.shape == x.shape
    assert rel_error(dx, numeric(lambda v: layers.affine_forward(v, w, b)[0], x, dout)) < 1e-8
    assert rel_error(dw, numeric(lambda v: layers.affine_forward(x, v, b)[0], w, dout)) < 1e-8
    assert rel_error(db, numeric(lambda v: layers.affine_forward(x, w, v)[0], b, dout)) < 1e-8


def test_affine_forward_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="features"):
        layers.affine_forward(np.ones((2, 3)), np.ones((4, 5)), np.zeros(5))
    with pytest.raises(ValueError, match="expected"):
        layers.affine_forward(np.ones((2, 4)), np.ones((4, 5)), np.zeros(4))


ELEMENTWISE = {
    "relu": (layers.relu_forward, layers.relu_backward),
    "sigmoid": (layers.sigmoid_forward, layers.sigmoid_backward),
    "tanh": (layers.tanh_forward, layers.tanh_backward),
    "leaky_relu": (layers.leaky_relu_forward, layers.leaky_relu_backward),
}
FORMULAS = {
    "relu": lambda x: np.maximum(0, x),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2, 2)])
def test_activation_forward_formula_and_backward_numerical(name, shape):
    forward, backward = ELEMENTWISE[name]
    g = rng(2)
    # keep away from the kink at 0, where the numerical gradient of relu is undefined
    x = g.standard_normal(shape)
    x = np.where(np.abs(x) < 0.05, 0.3, x)
    x_in = x.copy()
    out, cache = forward(x)
    np.testing.assert_allclose(out, FORMULAS[name](x), rtol=1e-12)
    np.testing.assert_array_equal(x, x_in)
    dout = g.standard_normal(shape)
    dx = backward(dout, cache)
    assert rel_error(dx, numeric(lambda v: forward(v)[0], x, dout)) < 1e-8


def test_relu_subgradient_at_zero_is_zero():
    out, cache = layers.relu_forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(layers.relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0])


def test_sigmoid_is_stable_at_extremes():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        out, _ = layers.sigmoid_forward(np.array([-800.0, 0.0, 800.0]))
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])


def test_leaky_relu_rejects_bad_alpha():
    with pytest.raises(ValueError, match="alpha"):
        layers.leaky_relu_forward(np.ones(3), alpha=1.5)


def test_maxout_forward_is_max_of_pieces_and_backward_matches_numerical():
    g = rng(3)
    x, w, b = g.standard_normal((4, 5)), g.standard_normal((3, 5, 2)), g.standard_normal((3, 2))
    out, cache = layers.maxout_forward(x, w, b)
    np.testing.assert_allclose(out, np.max([x @ w[j] + b[j] for j in range(3)], axis=0))
    dout = g.standard_normal(out.shape)
    dx, dw, db = layers.maxout_backward(dout, cache)
    assert rel_error(dx, numeric(lambda v: layers.maxout_forward(v, w, b)[0], x, dout)) < 1e-8
    assert rel_error(dw, numeric(lambda v: layers.maxout_forward(x, v, b)[0], w, dout)) < 1e-8
    assert rel_error(db, numeric(lambda v: layers.maxout_forward(x, w, v)[0], b, dout)) < 1e-8


def test_affine_relu_chains_caches():
    g = rng(4)
    x, w, b = g.standard_normal((5, 2, 3)), g.standard_normal((6, 4)), g.standard_normal(4)
    out, cache = layers.affine_relu_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(0, x.reshape(5, 6) @ w + b))
    dout = g.standard_normal(out.shape)
    dx, dw, db = layers.affine_relu_backward(dout, cache)
    f = layers.affine_relu_forward
    assert rel_error(dx, numeric(lambda v: f(v, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, numeric(lambda v: f(x, v, b)[0], w, dout)) < 1e-7
    assert rel_error(db, numeric(lambda v: f(x, w, v)[0], b, dout)) < 1e-7


@pytest.mark.parametrize("loss_fn", [layers.softmax_loss, layers.svm_loss])
@pytest.mark.parametrize("N, C", [(1, 2), (6, 4), (20, 10)])
def test_loss_gradient_matches_numerical(loss_fn, N, C):
    g = rng(5)
    scores, y = g.standard_normal((N, C)), g.integers(C, size=N)
    _, dscores = loss_fn(scores, y)
    num = eval_numerical_gradient(lambda s: loss_fn(s, y)[0], scores)
    assert rel_error(dscores, num) < 1e-7


def test_losses_by_hand():
    scores = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    y = np.array([0, 2])
    # svm: row 0 margins 2 and 3; row 1 margins 1 and 1 -> (5 + 2) / 2
    assert layers.svm_loss(scores, y)[0] == pytest.approx(3.5)
    expected = (-np.log(np.exp(1) / np.exp([1, 2, 3]).sum()) + np.log(3)) / 2
    assert layers.softmax_loss(scores, y)[0] == pytest.approx(expected)


def test_softmax_loss_is_stable_for_large_scores():
    scores = 1000.0 * rng(6).standard_normal((5, 4))
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, dscores = layers.softmax_loss(scores, np.arange(5) % 4)
    assert np.isfinite(loss) and np.all(np.isfinite(dscores))


@pytest.mark.parametrize("loss_fn", [layers.softmax_loss, layers.svm_loss])
@pytest.mark.parametrize(
    "scores, y, message",
    [
        (np.ones(3), np.zeros(3, int), "expected"),
        (np.ones((2, 3)), np.array([0, 3]), "labels"),
        (np.ones((2, 3)), np.array([0.0, 1.0]), "labels"),
        (np.ones((0, 3)), np.zeros(0, int), "empty"),
    ],
)
def test_losses_reject_bad_input(loss_fn, scores, y, message):
    with pytest.raises(ValueError, match=message):
        loss_fn(scores, y)
