"""nnkit.checks.wire: the only data that crosses between the grader and a student's
kernel. Round trips keep values exactly; anything that is not one of the forms, or is
over a limit, is a WireError, never a crash or an object the grader would trust."""

import base64
import json

import numpy as np
import pytest

from nnkit.checks import wire


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -2.5,
        "text",
        [1, 2.0, "x"],
        (1, (2, 3)),
        {"a": 1, 2: "b", (1, 2): [3]},
        np.arange(12, dtype=np.float64).reshape(3, 4),
        np.array([1, 2, 3], dtype=np.int32),
        np.array([True, False]),
        np.zeros((0, 5)),
        np.float64(1.5),
        np.int64(7),
        float("inf"),
        2**70,
    ],
)
def test_round_trip_keeps_values_and_types(value):
    back = wire.loads(wire.dumps(value))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back, value)
        assert back.flags.writeable
    else:
        assert back == value or (value != value and back != back)


def test_a_config_dict_keeps_its_state_arrays():
    back = wire.loads(wire.dumps({"velocity": np.ones(3), "t": 2}))
    assert set(back) == {"velocity", "t"} and back["t"] == 2
    assert np.array_equal(back["velocity"], np.ones(3))


def test_nan_survives():
    back = wire.loads(wire.dumps([float("nan"), np.array([np.nan])]))
    assert np.isnan(back[0]) and np.isnan(back[1][0])


def test_what_cannot_be_data_is_named_by_type():
    back = wire.loads(wire.dumps({"f": lambda x: x, "g": (i for i in range(3))}))
    assert isinstance(back["f"], wire.Opaque) and back["f"].is_callable
    assert back["g"].type_name == "generator" and not back["g"].is_callable
    assert back["f"] != back["f"].type_name


def test_a_subclass_travels_as_its_plain_base_type():
    from collections import OrderedDict, defaultdict, namedtuple

    class Sneaky(float):
        def __eq__(self, other):
            return True

    pair = namedtuple("pair", "loss dW")
    state = defaultdict(int, velocity=np.ones(2))
    back = wire.loads(wire.dumps([Sneaky(1.5), pair(1.0, 2.0), state, OrderedDict(a=1)]))
    assert [type(v) for v in back] == [float, tuple, dict, dict]
    assert back[0] == 1.5 and back[0] != 2.0  # a plain float: its __eq__ is gone
    assert back[1] == (1.0, 2.0) and np.array_equal(back[2]["velocity"], np.ones(2))


def test_an_ndarray_subclass_travels_as_plain_bytes():
    class Liar(np.ndarray):
        def __sub__(self, other):
            return np.zeros(self.shape)

        def astype(self, *a, **k):
            return np.zeros(self.shape)

    got = np.arange(4.0).view(Liar)
    back = wire.loads(wire.dumps(got))
    assert type(back) is np.ndarray and np.array_equal(back, np.arange(4.0))


def array_form(dtype="<f8", shape=(2,), data=b"\0" * 16):
    return {"nd": {"dtype": dtype, "shape": list(shape), "b64": base64.b64encode(data).decode()}}


@pytest.mark.parametrize(
    "data, why",
    [
        ({"nd": {"dtype": "|O", "shape": [1], "b64": "AA=="}}, "dtype"),
        (array_form(shape=(3,)), "bytes"),
        (array_form(dtype="<f8", shape=(2**40, 2**40), data=b""), "MB"),
        ({"nd": {"dtype": "<f8", "shape": [2], "b64": "not base64!!"}}, "base64"),
        ({"nd": {"dtype": "<f8", "shape": [-1], "b64": ""}}, "shape"),
        ({"pickle": "gASVAAAAAAAAAA=="}, "unknown"),
        ({"tuple": [1], "dict": []}, "wire form"),
        ({"dict": [[[1], 2]]}, "hashable"),
        ({"float": "1e308"}, "float"),
        ({"int": "12a"}, "integer"),
        ({"type": 3, "callable": True}, "type"),
        ("x" * (wire.MAX_TEXT + 1), "string"),
        (1e999, "non-finite"),
    ],
)
def test_malformed_data_is_refused(data, why):
    with pytest.raises(wire.WireError, match=why):
        wire.decode(data)


def test_deep_nesting_is_refused_on_both_sides():
    deep = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(wire.WireError, match="deep"):
        wire.encode(deep)
    text = "[" * 100_000 + "]" * 100_000  # json itself would recurse too deeply
    with pytest.raises(wire.WireError):
        wire.loads(text)


def test_too_many_items_and_too_many_bytes_are_refused():
    with pytest.raises(wire.WireError, match="entries"):
        wire.decode(list(range(wire.MAX_ITEMS + 1)))
    big = [array_form(shape=(2**20,), data=b"\0" * 8 * 2**20)] * 9  # 72 MB claimed
    with pytest.raises(wire.WireError, match="MB"):
        wire.decode(json.loads(json.dumps(big)))
