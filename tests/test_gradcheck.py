"""nnkit.gradcheck against functions whose derivatives are known in closed form."""

import numpy as np
import pytest

from nnkit.gradcheck import (
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
