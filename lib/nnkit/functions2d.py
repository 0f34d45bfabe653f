"""Two-dimensional test functions for optimizers, each with its gradient.

Every function maps a point ``w`` of shape (2,) to ``(value, dw)``: the value as a float
and the gradient ``dw`` of shape (2,), so it plugs straight into an update rule::

    value, dw = rosenbrock(w)
    w, config = adam(w, dw, config)

They also accept a stack of points ``w`` of shape (2, ...), with ``w[0]`` the first and
``w[1]`` the second coordinates (e.g. ``np.stack([xx, yy])`` of a meshgrid); then the
value has shape ``w.shape[1:]`` and the gradient ``w.shape``. Contour plots
(``nnkit.plots.plot_trajectories``) use that to evaluate a whole grid at once.
"""

import math

import numpy as np

__all__ = ["ill_conditioned_quadratic", "rosenbrock"]


def _point(w) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.ndim < 1 or w.shape[0] != 2:
        raise ValueError(f"w must have shape (2,) or (2, ...), got {w.shape}")
    return w


def _result(w: np.ndarray, value: np.ndarray, dw: np.ndarray):
    if w.ndim == 1:
        return float(value), dw
    return value, dw


def ill_conditioned_quadratic(w, kappa: float = 20.0, angle: float = 0.0):
    """The quadratic bowl ``f(w) = (u**2 + kappa * v**2) / 2`` in rotated coordinates.

    ``(u, v)`` are the coordinates of w in axes turned by ``angle`` radians:
    ``u = cos(angle) w0 + sin(angle) w1`` and ``v = -sin(angle) w0 + cos(angle) w1``.
    So the Hessian has eigenvalues 1 and ``kappa`` (its condition number), the
    steep direction is v, and with ``angle=0`` the axes of the bowl are the coordinate
    axes. The minimum is f = 0 at w = (0, 0).

    Inputs: w (2,) or (2, ...); kappa > 0; angle in radians.
    Returns (value, dw) with ``dw = (u cos(angle) - kappa v sin(angle),
    u sin(angle) + kappa v cos(angle))``.
    """
    w = _point(w)
    if not (math.isfinite(kappa) and kappa > 0):
        raise ValueError(f"kappa must be a positive number, got {kappa!r}")
    c, s = math.cos(angle), math.sin(angle)
    u = c * w[0] + s * w[1]
    v = -s * w[0] + c * w[1]
    value = 0.5 * (u**2 + kappa * v**2)
    dw = np.stack([c * u - s * kappa * v, s * u + c * kappa * v])
    return _result(w, value, dw)


def rosenbrock(w, a: float = 1.0, b: float = 100.0):
    """Rosenbrock's banana valley ``f(w) = (a - w0)**2 + b (w1 - w0**2)**2``.

    The valley floor follows the parabola w1 = w0**2; it is steep across (about ``b``)
    and nearly flat along the floor. The minimum is f = 0 at w = (a, a**2).

    Inputs: w (2,) or (2, ...); a, b numbers (b >= 0).
    Returns (value, dw) with ``dw = (-2 (a - w0) - 4 b w0 (w1 - w0**2), 2 b (w1 - w0**2))``.
    """
    w = _point(w)
    if not (math.isfinite(b) and b >= 0):
        raise ValueError(f"b must be a number >= 0, got {b!r}")
    x, y = w[0], w[1]
    r = y - x**2
    value = (a - x) ** 2 + b * r**2
    dw = np.stack([-2 * (a - x) - 4 * b * x * r, 2 * b * r])
    return _result(w, value, dw)
