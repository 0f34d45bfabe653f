"""Functions that test cases pass to a graded function as an argument.

``numerical_gradient(f, x)`` needs an ``f``; ``with_warmup(schedule, 5)`` needs a
schedule. In a sealed run the grader cannot send a function into the student's kernel,
only data, so a case names one of these by key, with plain parameters (arrays, numbers),
and the kernel builds it from this module::

    f = fn.tanh_matmul(M=M)        # x -> np.tanh(x) @ M
    Case(numerical_gradient_array, f, x, dout)

A ``TestFunction`` is callable like the function it stands for, and says in messages what
it computes. Nothing here is an answer to an assignment: these are the functions whose
gradients and warmups the students compute.
"""

import inspect
import math
from collections.abc import Callable
from functools import partial

import numpy as np


def _sum_sin_x2(x):
    return np.sum(np.sin(x) * x**2)


def _sum_cube(x):
    return np.sum(x**3)


def _tanh_a_sin(x, A):
    # uses x as a matrix (A.T @ x), so x must be passed with its own shape
    return np.sum(np.tanh(A.T @ x) ** 2) + np.sum(np.sin(x) * x**2)


def _tanh_matmul(x, M):
    return np.tanh(x) @ M


def _cube_matmul(x, M):
    return (x**3) @ M


def _sin_times_x(x):
    return np.sin(x) * x


def _mix(x):
    return np.array([np.sum(x**2), np.sum(np.sin(x)), x[0, 0] * x[1, 2], np.sum(x[0] * x[1])])


def _reshape_view(x):
    return x.reshape(-1)


def _halving(t):
    return 0.1 * 0.5**t


def _exp_decay(t):
    return 0.1 * 0.9**t


def _constant(t):
    return 0.3


def _ramp_down(t):
    return max(0.0, 0.5 - 0.01 * t)


def _cos_100(t):
    return 0.05 * (1 + math.cos(math.pi * min(t, 100) / 100))


# key -> (function, what it computes, for messages)
REGISTRY: dict[str, tuple[Callable, str]] = {
    "sum_sin_x2": (_sum_sin_x2, "f(x) = sum(sin(x) * x**2)"),
    "sum_cube": (_sum_cube, "f(x) = sum(x**3)"),
    "tanh_a_sin": (_tanh_a_sin, "f(x) = sum(tanh(A.T @ x)**2) + sum(sin(x) * x**2)"),
    "tanh_matmul": (_tanh_matmul, "f(x) = tanh(x) @ M"),
    "cube_matmul": (_cube_matmul, "f(x) = x**3 @ M"),
    "sin_times_x": (_sin_times_x, "f(x) = sin(x) * x"),
    "mix": (_mix, "f(x) = [sum(x**2), sum(sin(x)), x[0, 0] * x[1, 2], sum(x[0] * x[1])]"),
    "reshape_view": (_reshape_view, "f(x) = x.reshape(-1), a view of x"),
    "halving": (_halving, "halving(t) = 0.1 * 0.5**t"),
    "exp_decay": (_exp_decay, "exp_decay(t) = 0.1 * 0.9**t"),
    "constant": (_constant, "constant(t) = 0.3"),
    "ramp_down": (_ramp_down, "ramp_down(t) = max(0, 0.5 - 0.01 t)"),
    "cos_100": (_cos_100, "cos_100(t) = 0.05 (1 + cos(pi min(t, 100) / 100))"),
}


class TestFunction:
    """A function of the registry with its parameters bound, e.g. ``fn.tanh_matmul(M=M)``."""

    __test__ = False  # not a pytest test class

    def __init__(self, key: str, **params):
        if key not in REGISTRY:
            raise KeyError(f"no test function {key!r}; known: {', '.join(sorted(REGISTRY))}")
        self.key, self.params = key, params
        self._fn, self.description = REGISTRY[key]
        self.__name__ = key

    def __call__(self, x):
        return self._fn(x, **self.params)

    def __repr__(self) -> str:
        return self.description


class _Namespace:
    """``fn.sum_cube`` is a ``TestFunction``; a function with parameters is bound by
    calling it: ``fn.tanh_matmul(M=M)``."""

    def __getattr__(self, key: str):
        if key.startswith("_") or key not in REGISTRY:
            raise AttributeError(key)
        if len(inspect.signature(REGISTRY[key][0]).parameters) == 1:
            return TestFunction(key)
        return partial(TestFunction, key)

    def __dir__(self):
        return sorted(REGISTRY)


fn = _Namespace()
