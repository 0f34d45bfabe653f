"""Comparison helpers for notebook test cells, with messages written for students.

Each helper raises ``AssertionError`` whose message says what was checked, on which
input, where the first wrong entry is, what was expected and what the function gave,
and any shape or type mismatch in plain words. Test cells read like::

    loss, dW = svm_loss_naive(W, X, y, 0.1)
    check_scalar(loss, ref_loss, name="loss", inputs=describe(W=W, X=X, y=y, reg=0.1))
    check_array(dW, ref_dW, name="dW", inputs=describe(W=W, X=X, y=y, reg=0.1))

Tolerances follow ``np.isclose``: ``|got - expected| <= atol + rtol * |expected|``.
"""

from collections.abc import Callable

import numpy as np

__all__ = [
    "describe",
    "check_scalar",
    "check_array",
    "check_shape",
    "check_unchanged",
    "check_raises",
    "check_pair",
]


def describe(**inputs) -> str:
    """One line naming each input: arrays by shape and dtype, small values by repr."""
    parts = []
    for key, value in inputs.items():
        if isinstance(value, np.ndarray):
            parts.append(f"{key} of shape {value.shape} ({value.dtype})")
        elif callable(value):
            parts.append(f"{key}={getattr(value, '__name__', 'a function')}")
        else:
            text = repr(value)
            parts.append(f"{key}={text if len(text) <= 40 else text[:37] + '...'}")
    return ", ".join(parts)


def _where(inputs: str) -> str:
    return f" for input {inputs}" if inputs else ""


def check_pair(result, name: str = "the function", names=("first", "second")):
    """Check that a function returned a 2-tuple, e.g. ``(loss, dW)``; return it."""
    if not isinstance(result, tuple) or len(result) != 2:
        kind = type(result).__name__
        length = f" of length {len(result)}" if isinstance(result, tuple) else ""
        raise AssertionError(
            f"{name} should return a tuple ({names[0]}, {names[1]}), but it returned "
            f"a {kind}{length}."
        )
    return result


def check_scalar(got, expected, name: str = "value", inputs: str = "", rtol=1e-6, atol=1e-8):
    """Check a scalar result: a real number (not an array with several entries), close to
    the expected one."""
    try:
        value = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{name}{_where(inputs)} should be a number, but it is a {type(got).__name__}."
        ) from None
    if value.size != 1:
        raise AssertionError(
            f"{name}{_where(inputs)} should be a single number, but it has shape {value.shape}."
            " Did you forget to sum or average?"
        )
    value = float(value.reshape(()))
    if not np.isfinite(value):
        raise AssertionError(
            f"{name}{_where(inputs)} is {value}; expected {expected:.8g}. Look for an overflow "
            "(exp of a large number) or a division by zero."
        )
    if not abs(value - expected) <= atol + rtol * abs(expected):
        raise AssertionError(
            f"{name}{_where(inputs)} is wrong: expected {expected:.8g}, got {value:.8g} "
            f"(difference {value - expected:.3g})."
        )


def check_shape(got, shape, name: str = "value", inputs: str = ""):
    """Check that ``got`` is an array of the given shape."""
    if not isinstance(got, np.ndarray):
        raise AssertionError(
            f"{name}{_where(inputs)} should be a numpy array of shape {tuple(shape)}, "
            f"but it is a {type(got).__name__}."
        )
    if got.shape != tuple(shape):
        raise AssertionError(
            f"{name}{_where(inputs)} has shape {got.shape}, but it should have shape "
            f"{tuple(shape)}."
        )


def check_array(got, expected, name: str = "value", inputs: str = "", rtol=1e-6, atol=1e-8):
    """Check an array result entry by entry; the message names the first wrong entry."""
    expected = np.asarray(expected, dtype=np.float64)
    check_shape(got, expected.shape, name, inputs)
    try:
        values = got.astype(np.float64)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{name}{_where(inputs)} should hold numbers, but its dtype is {got.dtype}."
        ) from None
    finite = np.isfinite(values)
    if not finite.all():
        ix = _first(~finite)
        raise AssertionError(
            f"{name}{_where(inputs)} contains {values[ix]} at {name}{_index(ix)}. Look for an "
            "overflow (exp of a large number) or a division by zero."
        )
    wrong = ~(np.abs(values - expected) <= atol + rtol * np.abs(expected))
    if wrong.any():
        ix = _first(wrong)
        raise AssertionError(
            f"{name}{_where(inputs)} is wrong at {int(wrong.sum())} of {wrong.size} entries. "
            f"First wrong entry {name}{_index(ix)}: expected {expected[ix]:.8g}, "
            f"got {values[ix]:.8g}."
        )


def check_unchanged(
    before: np.ndarray, after: np.ndarray, name: str = "x", inputs: str = "", rtol=0.0
):
    """Check that an input array was left as it was (no in-place changes).

    ``rtol`` forgives round-off, e.g. ``x += h; x -= 2 * h; x += h`` (pass 1e-12); the
    default demands bit-for-bit equality."""
    if before.shape != after.shape:
        moved = np.ones(1, dtype=bool)
    else:
        moved = ~(np.abs(after - before) <= rtol * np.abs(before))
        moved &= ~((before == after) | (np.isnan(before) & np.isnan(after)))
    if moved.any():
        changed = (
            "its shape changed"
            if before.shape != after.shape
            else f"entry {name}{_index(_first(moved))} changed"
        )
        raise AssertionError(
            f"Your function modified its input {name}{_where(inputs)}: {changed}. "
            f"Restore {name} (or work on a copy) before returning."
        )


def check_raises(fn: Callable, exception=ValueError, *args, name: str = "", **kwargs):
    """Check that ``fn(*args, **kwargs)`` raises ``exception``."""
    label = name or getattr(fn, "__name__", "the function")
    try:
        fn(*args, **kwargs)
    except exception:
        return
    except Exception as err:  # noqa: BLE001 - we report what was raised instead
        raise AssertionError(
            f"{label} should raise {exception.__name__} here, but raised "
            f"{type(err).__name__}: {err}"
        ) from None
    raise AssertionError(f"{label} should raise {exception.__name__} here, but returned normally.")


def _first(mask: np.ndarray):
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _index(ix) -> str:
    return "[" + ", ".join(str(i) for i in ix) + "]" if ix else ""
