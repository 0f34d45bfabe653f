"""Plain data on the wire between the grader and a student's kernel, both ways.

Everything that crosses the trust boundary is JSON made of these forms, and nothing else:

    null, true/false, an int, a finite float, a string    themselves
    [v, ...]                                              a list
    {"tuple": [v, ...]}                                   a tuple
    {"dict": [[k, v], ...]}                               a dict (keys encoded too)
    {"nd": {"dtype": "<f8", "shape": [3, 4], "b64": ...}} a numpy array (raw bytes)
    {"np": {"dtype": "<f8", "b64": ...}}                  a numpy scalar
    {"float": "nan" | "inf" | "-inf"}, {"int": "123..."}  non-finite floats, big ints
    {"type": "generator", "callable": false}              anything else: its type's name
                                                          (decoded as an ``Opaque``)

``encode`` runs on either side (in the kernel it runs among the student's objects, so
what it produces is only ever taken as the student's claim); it stops at ``MAX_DEPTH``
and ``MAX_BYTES``. ``decode`` is what the grader trusts: it accepts only the forms above,
only real numeric and boolean dtypes (never object arrays, never pickles), checks every
shape against its bytes, and raises ``WireError`` for anything else, however deep or
large. A value that a student's code returned is therefore only ever data to the grader.
"""

import base64
import json
import math

import numpy as np

MAX_DEPTH = 24  # containers within containers
MAX_BYTES = 64 * 2**20  # array bytes in one encoded value
MAX_ITEMS = 100_000  # entries of all lists, tuples and dicts in one value
MAX_TEXT = 2_000  # characters of a string
DTYPES = frozenset(
    np.dtype(t).str
    for t in (
        np.bool_,
        np.int8,
        np.int16,
        np.int32,
        np.int64,
        np.uint8,
        np.uint16,
        np.uint32,
        np.uint64,
        np.float16,
        np.float32,
        np.float64,
        np.complex64,
        np.complex128,
    )
)
INT_LIMIT = 2**63


class WireError(ValueError):
    """Data that is not one of the wire forms, or over a limit."""


class _Budget:
    def __init__(self):
        self.bytes = 0
        self.items = 0

    def spend(self, nbytes: int = 0, items: int = 0) -> None:
        self.bytes += nbytes
        self.items += items
        if self.bytes > MAX_BYTES:
            raise WireError(f"more than {MAX_BYTES // 2**20} MB of array data")
        if self.items > MAX_ITEMS:
            raise WireError(f"more than {MAX_ITEMS} entries in lists, tuples and dicts")


def _type_name(value) -> str:
    return str(type(value).__name__)[:80]


def encode(value, _depth: int = 0, _budget: _Budget | None = None):
    """``value`` as wire data (see the module docstring). Never raises for an odd value:
    what cannot be encoded becomes ``{"type": name}``; over a limit, ``WireError``.

    A subclass of a plain type travels as that type (a ``defaultdict`` as a dict, a
    named tuple as a tuple): whatever its methods do, the result is only data, and a
    student could have returned that data directly."""
    budget = _budget or _Budget()
    if _depth > MAX_DEPTH:
        raise WireError(f"nested more than {MAX_DEPTH} levels deep")
    if value is None or type(value) is bool:
        return value
    if isinstance(value, np.ndarray | np.generic):  # before float: np.float64 is a float
        return _encode_numpy(value, budget)
    if isinstance(value, str):
        return str(value)[:MAX_TEXT]
    if isinstance(value, int):
        value = int(value)
        return value if -INT_LIMIT < value < INT_LIMIT else {"int": str(value)[:MAX_TEXT]}
    if isinstance(value, float):
        value = float(value)
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, list | tuple):
        budget.spend(items=len(value))
        items = [encode(v, _depth + 1, budget) for v in value]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        budget.spend(items=len(value))
        return {
            "dict": [[encode(k, _depth + 1, budget), encode(v, _depth + 1, budget)]
                     for k, v in value.items()]
        }  # fmt: skip
    return {"type": _type_name(value), "callable": callable(value)}


def _encode_numpy(value, budget: _Budget):
    array = np.asarray(value)
    if array.dtype.str not in DTYPES:
        return {"type": f"{_type_name(value)} of dtype {array.dtype}"[:80], "callable": False}
    array = np.ascontiguousarray(array)
    budget.spend(nbytes=array.nbytes)
    data = base64.b64encode(array.tobytes()).decode("ascii")
    if isinstance(value, np.generic):
        return {"np": {"dtype": array.dtype.str, "b64": data}}
    return {"nd": {"dtype": array.dtype.str, "shape": list(array.shape), "b64": data}}


def dumps(value) -> str:
    return json.dumps(encode(value), separators=(",", ":"))


# ------------------------------------------------------------------------- decoding


class Opaque:
    """A value the kernel could not send as data (a function, a model object...): only
    its type's name survived. Compares equal to nothing."""

    def __init__(self, type_name: str, is_callable: bool):
        self.type_name, self.is_callable = type_name, is_callable

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def decode(data, _depth: int = 0, _budget: _Budget | None = None):
    """The value that wire ``data`` stands for; ``WireError`` unless it is well formed."""
    budget = _budget or _Budget()
    if _depth > MAX_DEPTH:
        raise WireError(f"nested more than {MAX_DEPTH} levels deep")
    kind = type(data)
    if data is None or kind is bool:
        return data
    if kind is int:
        if not -INT_LIMIT < data < INT_LIMIT:
            raise WireError("integer out of range")
        return data
    if kind is float:
        if not math.isfinite(data):
            raise WireError("non-finite float outside a {'float': ...} form")
        return data
    if kind is str:
        if len(data) > MAX_TEXT:
            raise WireError(f"string longer than {MAX_TEXT} characters")
        return data
    if kind is list:
        budget.spend(items=len(data))
        return [decode(v, _depth + 1, budget) for v in data]
    if kind is dict and set(data) == {"type", "callable"}:
        name, is_callable = data["type"], data["callable"]
        if type(name) is not str or type(is_callable) is not bool:
            raise WireError("malformed type form")
        return Opaque(name[:80], is_callable)
    if kind is not dict or len(data) != 1:
        raise WireError(f"not a wire form: {kind.__name__}")
    (tag, body), = data.items()  # fmt: skip
    if tag == "tuple":
        return tuple(decode(_list(body), _depth, budget))
    if tag == "dict":
        pairs = _list(body)
        budget.spend(items=len(pairs))
        out = {}
        for pair in pairs:
            if type(pair) is not list or len(pair) != 2:
                raise WireError("a dict entry is not a [key, value] pair")
            key = decode(pair[0], _depth + 1, budget)
            try:
                out[key] = decode(pair[1], _depth + 1, budget)
            except TypeError:  # an unhashable key (a list)
                raise WireError("a dict key is not hashable") from None
        return out
    if tag == "nd":
        return _decode_array(body, budget)
    if tag == "np":
        return _decode_array({**_dict(body, ("dtype", "b64")), "shape": []}, budget)[()]
    if tag == "float":
        if body not in ("nan", "inf", "-inf"):
            raise WireError(f"not a float: {body!r}"[:80])
        return float(body)
    if tag == "int":
        if type(body) is not str or not body.lstrip("-").isdigit() or len(body) > MAX_TEXT:
            raise WireError("not an integer")
        return int(body)
    raise WireError(f"unknown wire form {tag!r}"[:80])


def _list(body) -> list:
    if type(body) is not list:
        raise WireError("expected a list")
    return body


def _dict(body, keys) -> dict:
    if type(body) is not dict or set(body) != set(keys):
        raise WireError(f"expected the fields {', '.join(keys)}")
    return body


def _decode_array(body, budget: _Budget) -> np.ndarray:
    body = _dict(body, ("dtype", "shape", "b64"))
    dtype, shape, text = body["dtype"], body["shape"], body["b64"]
    if type(dtype) is not str or dtype not in DTYPES:
        raise WireError(f"dtype {dtype!r} is not allowed"[:80])
    if type(shape) is not list or len(shape) > 32:
        raise WireError("bad shape")
    if not all(type(n) is int and 0 <= n < INT_LIMIT for n in shape):
        raise WireError("bad shape")
    if type(text) is not str:
        raise WireError("array data is not text")
    size = math.prod(shape)
    nbytes = size * np.dtype(dtype).itemsize
    budget.spend(nbytes=nbytes)
    if len(text) > 4 * (nbytes + 2) // 3 + 4:
        raise WireError("array data longer than its shape")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise WireError("array data is not base64") from None
    if len(raw) != nbytes:
        raise WireError(f"array data has {len(raw)} bytes, its shape needs {nbytes}")
    return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()


def loads(text: str):
    """``decode(json.loads(text))``, with every failure a ``WireError``."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise WireError(f"not JSON: {type(err).__name__}") from None
    try:
        return decode(data)
    except RecursionError:
        raise WireError("nested too deeply") from None
