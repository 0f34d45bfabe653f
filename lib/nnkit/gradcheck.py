"""Numerical gradients: the oracle every analytic gradient in the course is checked against.

All functions use centred differences ``(f(x + h) - f(x - h)) / 2h``, one entry at a
time, and leave ``x`` exactly as they found it.
"""

from collections.abc import Callable

import numpy as np

from .answers import answer


@answer("01_gradient_checking", "numerical_gradient")
def eval_numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5):
    """Centred-difference gradient of a scalar function.

    Inputs:
    - f: maps an array shaped like x to a scalar.
    - x: array of any shape, float dtype; perturbed in place and restored.
    - h: step size.

    Returns grad, a float array shaped like x.
    """
    _check_float_array(x, "x")
    _check_step(h)
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        grad[ix] = _centred_difference(f, x, ix, h)
    return grad


@answer("01_gradient_checking", "numerical_gradient", helper=True)
def _centred_difference(f, x: np.ndarray, ix: tuple, h: float) -> float:
    """(f(x + h e_ix) - f(x - h e_ix)) / 2h, restoring x[ix] exactly."""
    old = x[ix]
    x[ix] = old + h
    fxph = float(f(x))
    x[ix] = old - h
    fxmh = float(f(x))
    x[ix] = old
    return (fxph - fxmh) / (2 * h)


@answer("01_gradient_checking", "numerical_gradient_array")
def eval_numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
):
    """Centred-difference gradient of ``np.sum(f(x) * dout)`` for an array-valued f.

    This is the upstream-gradient form used to check a layer's backward pass:
    dx[i] = sum_j dout[j] * d f(x)[j] / d x[i].

    Inputs:
    - f: maps x to an array shaped like dout.
    - x: array of any shape, float dtype; perturbed in place and restored.
    - dout: upstream gradient, shaped like f(x).
    - h: step size.

    Returns dx, a float array shaped like x.
    """
    _check_float_array(x, "x")
    _check_step(h)
    dout = np.asarray(dout)
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=np.float64)  # copy: f may return a view of x
        x[ix] = old - h
        neg = np.array(f(x), dtype=np.float64)
        x[ix] = old
        if pos.shape != dout.shape:
            raise ValueError(f"f(x) has shape {pos.shape} but dout has shape {dout.shape}")
        grad[ix] = np.sum((pos - neg) * dout) / (2 * h)
    return grad


@answer("01_gradient_checking", "relative_error")
def rel_error(a, b) -> float:
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``.

    a and b are scalars or arrays of the same shape. Below about 1e-7 a float64
    gradient check passes; around 1e-2 it is almost certainly wrong.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes, got {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


@answer("01_gradient_checking", "numerical_gradient", helper=True)
def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    rng: np.random.Generator | None = None,
):
    """Compare an analytic gradient with the centred difference at a few random entries.

    Cheap enough for large W (e.g. CIFAR-sized (3073, 10)). Entries are drawn with
    ``rng.integers``, so a seeded rng gives the same entries every time.

    Returns a list of ``(index, numerical, analytic, relative_error)`` tuples.
    """
    _check_float_array(x, "x")
    _check_step(h)
    analytic_grad = np.asarray(analytic_grad)
    if analytic_grad.shape != x.shape:
        raise ValueError(f"analytic_grad has shape {analytic_grad.shape} but x has shape {x.shape}")
    if num_checks < 1:
        raise ValueError(f"num_checks must be >= 1, got {num_checks}")
    rng = np.random.default_rng() if rng is None else rng
    results = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        numerical = _centred_difference(f, x, ix, h)
        analytic = float(analytic_grad[ix])
        results.append((ix, numerical, analytic, rel_error(numerical, analytic)))
    return results


def check_entries(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    numerical_gradient: Callable,
    relative_error: Callable,
    num_checks: int = 6,
    rng: np.random.Generator | None = None,
):
    """The sparse gradient check with the reader's own tools (notebook 01, section 6).

    Draws ``num_checks`` distinct entries of x (``rng.choice``, so a seeded rng gives the
    same entries) and hands ``numerical_gradient(g, v)`` the function ``g(v) = f(x with
    those entries set to v)`` of just those entries: 2 * num_checks evaluations of f,
    however large x is. ``numerical_gradient(f, x)`` and ``relative_error(a, b)`` are
    the functions the reader wrote. Returns ``(index, numerical, analytic,
    relative_error)`` tuples; x is left as it was.
    """
    _check_float_array(x, "x")
    analytic_grad = np.asarray(analytic_grad)
    if analytic_grad.shape != x.shape:
        raise ValueError(f"analytic_grad has shape {analytic_grad.shape} but x has shape {x.shape}")
    if isinstance(num_checks, bool) or not isinstance(num_checks, int | np.integer):
        raise ValueError(f"num_checks must be an integer, got {num_checks!r}")
    if not 1 <= num_checks <= x.size:
        raise ValueError(f"num_checks must be from 1 to x.size = {x.size}, got {num_checks}")
    rng = np.random.default_rng() if rng is None else rng
    chosen = np.unravel_index(rng.choice(x.size, size=num_checks, replace=False), x.shape)

    def f_of_chosen(v):
        x_new = x.copy()
        x_new[chosen] = v
        return f(x_new)

    numerical = np.asarray(numerical_gradient(f_of_chosen, x[chosen].copy()), dtype=np.float64)
    if numerical.shape != (num_checks,):
        raise ValueError(
            f"numerical_gradient returned shape {numerical.shape} for an input of shape "
            f"({num_checks},); it must return the shape of its input"
        )
    results = []
    for k in range(num_checks):
        ix = tuple(int(i[k]) for i in chosen)
        analytic = float(analytic_grad[ix])
        error = float(relative_error(np.array([numerical[k]]), np.array([analytic])))
        results.append((ix, float(numerical[k]), analytic, error))
    return results


def _check_float_array(x, name: str) -> None:
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"{name} must have a float dtype (an int array cannot hold x + h), got {x.dtype}"
        )


def _check_step(h: float) -> None:
    if not h > 0:
        raise ValueError(f"step size h must be > 0, got {h}")
