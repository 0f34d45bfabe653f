"""nnkit.functions2d: values, minima, and every gradient against the numerical gradient."""

import math

import numpy as np
import pytest

from nnkit.functions2d import ill_conditioned_quadratic, rosenbrock
from nnkit.gradcheck import eval_numerical_gradient, rel_error

CASES = [
    (ill_conditioned_quadratic, {}),
    (ill_conditioned_quadratic, {"kappa": 50.0}),
    (ill_conditioned_quadratic, {"kappa": 10.0, "angle": math.pi / 4}),
    (ill_conditioned_quadratic, {"kappa": 3.0, "angle": -1.0}),
    (rosenbrock, {}),
    (rosenbrock, {"a": 0.5, "b": 10.0}),
]
IDS = [f"{f.__name__}-{kw}" for f, kw in CASES]


@pytest.mark.parametrize("f, kwargs", CASES, ids=IDS)
def test_gradient_matches_numerical_gradient(f, kwargs):
    rng = np.random.default_rng(0)
    for _ in range(10):
        w = rng.uniform(-2, 2, size=2)
        before = w.copy()
        value, dw = f(w, **kwargs)
        assert isinstance(value, float)
        assert dw.shape == (2,)
        numerical = eval_numerical_gradient(lambda p: f(p, **kwargs)[0], w.copy())
        assert rel_error(dw, numerical) < 1e-7
        np.testing.assert_array_equal(w, before)


@pytest.mark.parametrize("f, kwargs", CASES, ids=IDS)
def test_a_stack_of_points_gives_the_pointwise_results(f, kwargs):
    rng = np.random.default_rng(1)
    W = rng.uniform(-2, 2, size=(2, 3, 4))
    values, grads = f(W, **kwargs)
    assert values.shape == (3, 4) and grads.shape == (2, 3, 4)
    for i, j in np.ndindex(3, 4):
        value, dw = f(W[:, i, j], **kwargs)
        assert values[i, j] == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(grads[:, i, j], dw, rtol=1e-12)


def test_known_values_and_minima():
    assert ill_conditioned_quadratic(np.array([1.0, 1.0]), kappa=20.0) == (
        pytest.approx(10.5),
        pytest.approx(np.array([1.0, 20.0])),
    )
    # Rotated by 90 degrees, the steep direction is the first axis.
    value, dw = ill_conditioned_quadratic(np.array([1.0, 0.0]), kappa=20.0, angle=math.pi / 2)
    assert value == pytest.approx(10.0)
    np.testing.assert_allclose(dw, [20.0, 0.0], atol=1e-12)
    assert rosenbrock(np.array([-1.0, 1.0]))[0] == pytest.approx(4.0)
    for f, kwargs, w_star in [
        (ill_conditioned_quadratic, {"angle": 0.3}, [0.0, 0.0]),
        (rosenbrock, {}, [1.0, 1.0]),
        (rosenbrock, {"a": 0.5, "b": 10.0}, [0.5, 0.25]),
    ]:
        value, dw = f(np.array(w_star), **kwargs)
        assert value == pytest.approx(0.0, abs=1e-15)
        np.testing.assert_allclose(dw, 0.0, atol=1e-12)


def test_hessian_eigenvalues_are_one_and_kappa():
    # The quadratic's gradient is A w, so its columns at the unit vectors give A.
    A = np.column_stack([ill_conditioned_quadratic(e, kappa=30.0, angle=0.7)[1] for e in np.eye(2)])
    np.testing.assert_allclose(A, A.T, atol=1e-12)
    np.testing.assert_allclose(np.linalg.eigvalsh(A), [1.0, 30.0])


@pytest.mark.parametrize(
    "call",
    [
        lambda: ill_conditioned_quadratic(np.zeros(3)),
        lambda: ill_conditioned_quadratic(np.float64(1.0)),
        lambda: ill_conditioned_quadratic(np.zeros(2), kappa=0.0),
        lambda: rosenbrock(np.zeros((3, 2))),
        lambda: rosenbrock(np.zeros(2), b=-1.0),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()
