"""Comparisons with messages written for students.

Each helper raises ``AssertionError`` whose message says what was checked, on which
input, where the first wrong entry is, what was expected and what the function gave,
and any shape or type mismatch in plain words, e.g.::

    check_array(dW, ref_dW, name="dW", inputs=describe(W=W, X=X, y=y, reg=0.1))

Tolerances follow ``np.isclose``: ``|got - expected| <= atol + rtol * |expected|``.
They work on plain data (numbers, arrays, lists, dicts), which is what a sealed run
hands back (``nnkit.checks.wire``): the judge calls them in the grader's process on
values decoded from bytes, so nothing a student's object does can steer them.
``check_like`` compares whole outputs (a dict of gradients, a list of batches) by their
parts.
"""

from collections.abc import Callable

import numpy as np

from .wire import Opaque

__all__ = [
    "describe",
    "check_scalar",
    "check_array",
    "check_shape",
    "check_unchanged",
    "check_raises",
    "check_pair",
]


SMALL_ARRAY = 12  # an input with at most this many numbers is shown by value


def describe(**inputs) -> str:
    """One line naming each input: small arrays (up to ``SMALL_ARRAY`` numbers) by
    value, larger ones by shape and dtype, other small values by repr."""
    parts = []
    for key, value in inputs.items():
        if isinstance(value, np.ndarray) and 0 < value.size <= SMALL_ARRAY and value.ndim:
            parts.append(f"{key}={array_text(value)}")
        elif isinstance(value, np.ndarray):
            parts.append(f"{key} of shape {value.shape} ({value.dtype})")
        elif callable(value):
            parts.append(f"{key}={getattr(value, '__name__', 'a function')}")
        else:
            text = repr(value)
            parts.append(f"{key}={text if len(text) <= 40 else text[:37] + '...'}")
    return ", ".join(parts)


def array_text(value: np.ndarray) -> str:
    """A small array on one line, e.g. ``[[0.1, -2.5], [3, 4]]`` (4 significant digits)."""
    if value.ndim == 0:
        item = value.item()
        return f"{item:.4g}" if isinstance(item, float) else repr(item)
    return "[" + ", ".join(array_text(row) for row in value) + "]"


def versus(expected: float, got: float) -> str:
    """``expected X, got Y (difference D)`` with as many digits as it takes to see that
    X and Y differ (at least 8), and the relative difference when it is small."""
    for digits in range(8, 18):
        shown = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if shown[0] != shown[1]:
            break
    difference = got - expected
    text = f"expected {shown[0]}, got {shown[1]} (difference {difference:.3g}"
    if expected != 0 and abs(difference / expected) < 1e-3:
        text += f", relative {abs(difference / expected):.2g}"
    return text + ")"


def kind_of(value) -> str:
    """A value's type in words: ``float``, ``list``, or for a value the kernel could only
    name (a function, an object), that name."""
    return value.type_name if isinstance(value, Opaque) else type(value).__name__


def _where(inputs: str) -> str:
    return f" for input {inputs}" if inputs else ""


def check_pair(result, name: str = "the function", names=("first", "second")):
    """Check that a function returned a 2-tuple, e.g. ``(loss, dW)``; return it."""
    if not isinstance(result, tuple) or len(result) != 2:
        kind = kind_of(result)
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
            f"{name}{_where(inputs)} should be a number, but it is a {kind_of(got)}."
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
        raise AssertionError(f"{name}{_where(inputs)} is wrong: {versus(expected, value)}.")


def check_shape(got, shape, name: str = "value", inputs: str = ""):
    """Check that ``got`` is an array of the given shape."""
    if not isinstance(got, np.ndarray):
        raise AssertionError(
            f"{name}{_where(inputs)} should be a numpy array of shape {tuple(shape)}, "
            f"but it is a {kind_of(got)}."
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
            f"First wrong entry {name}{_index(ix)}: {versus(expected[ix], values[ix])}."
        )


def check_unchanged(
    before: np.ndarray, after: np.ndarray, name: str = "x", inputs: str = "", rtol=0.0
):
    """Check that an input array was left as it was (no in-place changes).

    ``rtol`` forgives round-off, e.g. ``x += h; x -= 2 * h; x += h`` (pass 1e-12); the
    default demands bit-for-bit equality."""
    before = np.asarray(before)
    if not isinstance(after, np.ndarray) or after.dtype != before.dtype:
        raise AssertionError(
            f"Your function modified its input {name}{_where(inputs)}: it is no longer a "
            f"{before.dtype} array. Work on a copy of {name}."
        )
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


def check_like(got, expected, name: str, inputs: str = "", rtol=1e-6, atol=1e-8, items=None):
    """Compare ``got`` with ``expected`` by its kind: an array entry by entry, a number as
    a number, a dict key by key, a list or tuple item by item (``items``: the names of
    each item's parts, e.g. ``("X_batch", "y_batch")`` for a list of batches), None and
    strings exactly, and a function only as being callable."""
    if isinstance(expected, np.ndarray):
        check_array(got, expected, name, inputs, rtol, atol)
    elif expected is None or isinstance(expected, str | bool | np.bool_):
        if type(got) is not type(expected) or got != expected:
            raise AssertionError(
                f"{name}{_where(inputs)} should be {expected!r}, but it is {_brief(got)}."
            )
    elif isinstance(expected, int | float | np.number):
        check_scalar(got, float(expected), name, inputs, rtol, atol)
    elif isinstance(expected, dict):
        _check_dict(got, expected, name, inputs, rtol, atol)
    elif isinstance(expected, list | tuple):
        _check_sequence(got, expected, name, inputs, rtol, atol, items)
    elif isinstance(expected, Opaque) and expected.is_callable:
        if not (isinstance(got, Opaque) and got.is_callable):
            raise AssertionError(
                f"{name}{_where(inputs)} should be a function, but it is {_brief(got)}."
            )
    else:
        raise TypeError(f"cannot compare with {expected!r}")


def _brief(value) -> str:
    if value is None or isinstance(value, str | bool | int | float):
        return repr(value)[:60]
    return f"a {kind_of(value)}"


def _check_dict(got, expected, name, inputs, rtol, atol) -> None:
    keys = sorted(expected, key=str)
    if not isinstance(got, dict) or set(got) != set(expected):
        found = sorted(got, key=str) if isinstance(got, dict) else f"a {kind_of(got)}"
        raise AssertionError(
            f"{name}{_where(inputs)} should be a dict with exactly the keys {keys}, "
            f"but it is {found}."
        )
    for key in keys:
        check_like(got[key], expected[key], f"{name}[{key!r}]", inputs, rtol, atol)


def _check_sequence(got, expected, name, inputs, rtol, atol, items) -> None:
    if not isinstance(got, list | tuple):
        raise AssertionError(
            f"{name}{_where(inputs)} should be a list, but it is a {kind_of(got)}."
        )
    what = "the number of batches" if items else f"the length of {name}"
    check_scalar(len(got), len(expected), what, inputs)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if items is None:
            check_like(g, e, f"{name}[{i}]", inputs, rtol, atol)
            continue
        if not isinstance(g, tuple) or len(g) != len(items):
            raise AssertionError(
                f"batch {i}{_where(inputs)} should be a tuple ({', '.join(items)}), but it "
                f"is {_brief(g)}" + (f" of length {len(g)}" if isinstance(g, tuple) else "") + "."
            )
        for part, g_part, e_part in zip(items, g, e, strict=True):
            check_like(g_part, e_part, f"{part} of batch {i}", inputs, rtol, atol)
