"""nnkit.gradcheck against functions whose derivatives are known in closed form."""

import numpy as np
import pytest

from nnkit.gradcheck import (
    check_entries,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_numerical_gradient_matches_closed_form(rng, shape):
    x = rng.standard_normal(shape)
    before = x.copy()
    grad = eval_numerical_gradient(lambda v: np.sum(np.sin(v) * v**2), x)
    exact = np.cos(x) * x**2 + 2 * x * np.sin(x)
    assert grad.shape == x.shape
    assert rel_error(grad, exact) < 1e-8
    np.testing.assert_array_equal(x, before)


def test_centred_difference_error_is_second_order(rng):
    # For f = sum(x**3) the centred difference is exact up to h**2: f' + h**2.
    x = rng.standard_normal(6)
    h = 1e-3
    grad = eval_numerical_gradient(lambda v: np.sum(v**3), x, h=h)
    np.testing.assert_allclose(grad, 3 * x**2 + h**2, rtol=0, atol=1e-9)


def test_numerical_gradient_array_is_vector_jacobian_product(rng):
    x = rng.standard_normal((4, 3))
    A = rng.standard_normal((3, 5))
    dout = rng.standard_normal((4, 5))
    dx = eval_numerical_gradient_array(lambda v: np.tanh(v @ A), x, dout)
    exact = ((1 - np.tanh(x @ A) ** 2) * dout) @ A.T
    assert rel_error(dx, exact) < 1e-7


def test_numerical_gradient_array_copes_with_f_returning_a_view(rng):
    x = rng.standard_normal(5)
    dout = rng.standard_normal(5)
    dx = eval_numerical_gradient_array(lambda v: v, x, dout)
    np.testing.assert_allclose(dx, dout, rtol=1e-8)


def test_rel_error_formula():
    assert rel_error(1.0, 1.1) == pytest.approx(0.1 / 2.1)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 3.0])) == pytest.approx(1 / 5)
    # tiny values are measured against the 1e-8 floor, not against each other
    assert rel_error(1e-12, 2e-12) == pytest.approx(1e-12 / 1e-8)


def test_grad_check_sparse_is_reproducible_and_accurate(rng):
    W = rng.standard_normal((30, 4))

    def f(v):
        return float(np.sum(v**2))

    first = grad_check_sparse(f, W, 2 * W, num_checks=5, rng=np.random.default_rng(1))
    again = grad_check_sparse(f, W, 2 * W, num_checks=5, rng=np.random.default_rng(1))
    assert [r[0] for r in first] == [r[0] for r in again]
    assert max(r[3] for r in first) < 1e-8
    wrong = grad_check_sparse(f, W, W, num_checks=5, rng=np.random.default_rng(1))
    assert min(r[3] for r in wrong) > 0.3


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: eval_numerical_gradient(np.sum, np.arange(3)), "float dtype"),
        (lambda: eval_numerical_gradient(np.sum, [1.0, 2.0]), "numpy array"),
        (lambda: eval_numerical_gradient(np.sum, np.ones(2), h=0), "h must be > 0"),
        (lambda: eval_numerical_gradient_array(np.sin, np.ones(2), np.ones(3)), "shape"),
        (lambda: rel_error(np.ones(2), np.ones(3)), "equal shapes"),
        (lambda: grad_check_sparse(np.sum, np.ones(2), np.ones(3)), "analytic_grad"),
        (lambda: grad_check_sparse(np.sum, np.ones(2), np.ones(2), num_checks=0), "num_checks"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_check_entries_uses_the_readers_numerical_gradient_at_distinct_entries():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((7, 5))

    def f(W):
        return float(np.sum(np.sin(W) * A))

    W = rng.standard_normal((7, 5))
    W_before = W.copy()
    exact = np.cos(W) * A
    seen = []

    def readers_numerical_gradient(g, v, h=1e-5):
        seen.append(v.shape)
        return eval_numerical_gradient(g, v, h)

    results = check_entries(
        f, W, exact, readers_numerical_gradient, rel_error, 6, rng=np.random.default_rng(0)
    )
    assert seen == [(6,)]  # one call, on the chosen entries only
    assert len({ix for ix, *_ in results}) == 6
    for ix, numerical, analytic, error in results:
        assert analytic == exact[ix]
        assert numerical == pytest.approx(exact[ix], abs=1e-8)
        assert error == rel_error(numerical, analytic) and error < 1e-7
    np.testing.assert_array_equal(W, W_before)
    again = check_entries(
        f, W, exact, eval_numerical_gradient, rel_error, 6, np.random.default_rng(0)
    )
    assert [r[0] for r in again] == [r[0] for r in results]  # the rng decides the entries


def test_check_entries_finds_a_wrong_gradient_and_refuses_bad_input():
    W = np.linspace(-1, 1, 12).reshape(3, 4)
    results = check_entries(
        lambda W: float(np.sum(W**2)), W, W, eval_numerical_gradient, rel_error, 12
    )
    for _, numerical, analytic, error in results:  # the gradient is 2W, not W
        assert numerical == pytest.approx(2 * analytic, abs=1e-8)
        assert error == pytest.approx(1 / 3) or analytic == 0
    with pytest.raises(ValueError, match="analytic_grad has shape"):
        check_entries(np.sum, W, W.T, eval_numerical_gradient, rel_error)
    with pytest.raises(ValueError, match="num_checks must be from 1 to x.size = 12"):
        check_entries(np.sum, W, W, eval_numerical_gradient, rel_error, 13)
    with pytest.raises(ValueError, match="it must return the shape of its input"):
        check_entries(np.sum, W, W, lambda g, v: np.zeros(2), rel_error, 3)
