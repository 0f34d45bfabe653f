"""The interpreter of a case: run its steps, hand back the outputs it wants, as data.

``run_case(program, resolve)`` executes a case's wire program (``case.program``) with
``resolve(name)`` giving the callable for each graded name, and returns wire data:

    {"steps": [info, ...],  # per step: {"type": ..., "len": ...}, {"raised": [...], ...}
     "want":  [{"value": v} | {"error": ...}, ...],  # the outputs the checks compare
     "after": [{"value": v} | {"error": ...}, ...]}  # arguments after their call

Each wanted value is taken right after the step its check follows (``[after, ref]`` in
the program), because later steps may change the same objects.

It runs in three places with three ``resolve``s: in the student's kernel during sealed
grading (their functions), in the student's own kernel in local mode (their functions,
then nnkit's references), and in the grader's process (nnkit's references). It decides
nothing: which outputs are right is for ``nnkit.checks.judging``. It stops at the first
step that raises unless the case expects that step to raise.
"""

import itertools

import numpy as np

from . import wire
from .functions import TestFunction

MAX_BATCHES = 10_000  # items collected from a returned generator
MESSAGE_CHARS = 200  # of an exception's first line


class MissingInput(Exception):
    """A step needs an output of an earlier step that is not there."""


def run_case(program: dict, resolve) -> dict:
    results: list = []  # each step's value (None for a set, or a step that raised)
    infos: list[dict] = []
    rngs: dict = {}
    want = [{"error": "not run"}] * len(program["want"])
    after = [{"error": "not run"}] * len(program["after"])
    for index, step in enumerate(program["steps"]):
        value, info, passed = None, {"ok": True}, ((), {})
        try:
            if "set" in step:
                target = _navigate(step["set"], results, infos)
                setattr(target, step["attr"], _value(step["value"], results, infos, rngs))
            else:
                fn = _callee(step["call"], results, infos, resolve)
                args = [_value(a, results, infos, rngs) for a in step["args"]]
                kwargs = {k: _value(v, results, infos, rngs) for k, v in step["kwargs"]}
                passed = (args, kwargs)
                value = fn(*args, **kwargs)
                if isinstance(step["returns"], dict):  # Batches: collect the generator
                    value = list(itertools.islice(iter(value), MAX_BATCHES + 1))
                info = describe_value(value)
        except MissingInput as err:
            info = {"missing": err.args[0]}
        except Exception as err:  # the student's exception is data for the judge
            info = raised(err)
        infos.append(info)
        results.append(value)
        # snapshot now what the checks after this step compare: a later step may change
        # the same objects (an update rule that keeps its state in one config dict)
        for i, (when, ref) in enumerate(program["want"]):
            if when == index:
                want[i] = _wanted(ref, results, infos)
        args, kwargs = passed
        for i, (when, key) in enumerate(program["after"]):
            if when == index and (key in kwargs if isinstance(key, str) else key < len(args)):
                after[i] = _encoded(kwargs[key] if isinstance(key, str) else args[key])
        if "ok" not in info and not ("raised" in info and step.get("raises")):
            break
    return {"steps": infos, "want": want, "after": after}


def describe_value(value) -> dict:
    """What a step returned, in brief: its type, and its length if a tuple or list."""
    kind = "tuple" if isinstance(value, tuple) else "list" if isinstance(value, list) else None
    info = {"ok": True, "type": kind or type(value).__name__[:80]}
    if kind:
        info["len"] = len(value)
    return info


def raised(err: BaseException) -> dict:
    """An exception as data: its class's MRO names and the first line of its message."""
    try:
        names = [c.__name__[:80] for c in type(err).__mro__][:12]
    except Exception:  # noqa: BLE001 - a hostile class
        names = ["Exception"]
    try:
        text = str(err)
    except Exception:  # noqa: BLE001 - a hostile __str__
        text = ""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return {"raised": names, "message": first[:MESSAGE_CHARS]}


def _callee(data: dict, results, infos, resolve):
    if "graded" in data:
        try:
            return resolve(data["graded"])
        except KeyError:
            raise NameError(f"name {data['graded']!r} is not defined") from None
    fn = _navigate(data["ref"], results, infos)
    if not callable(fn):
        raise MissingInput({"error": "not callable", "type": type(fn).__name__[:80]})
    return fn


def _value(data, results, infos, rngs):
    if type(data) is dict and len(data) == 1:
        (tag, body), = data.items()  # fmt: skip
        if tag == "ref":
            return _navigate(body, results, infos)
        if tag == "rng":
            rng_id, seed = body
            if rng_id not in rngs:
                rngs[rng_id] = np.random.default_rng(seed)
            return rngs[rng_id]
        if tag == "fn":
            key, params = body
            return TestFunction(key, **wire.decode(params))
    return wire.decode(data)


def _follow(ref, results, infos) -> tuple:
    """``(value, None)`` at ``[step, path]`` of this run, or ``(None, error)`` with what
    is missing, as data."""
    index, path = ref
    if index >= len(results) or "ok" not in infos[index]:
        return None, {"error": "not run", "step": index}
    value = results[index]
    for kind, key in path:
        try:
            value = value[key] if kind == "item" else getattr(value, key)
        except Exception as err:  # noqa: BLE001 - reported as data
            return None, {"error": kind, "key": key, "type": type(value).__name__[:80],
                          "raised": type(err).__name__[:80]}  # fmt: skip
    return value, None


def _navigate(ref, results, infos):
    value, error = _follow(ref, results, infos)
    if error is not None:
        raise MissingInput(error)
    return value


def _wanted(ref, results, infos) -> dict:
    value, error = _follow(ref, results, infos)
    return error if error is not None else _encoded(value)


def _encoded(value) -> dict:
    try:
        return {"value": wire.encode(value)}
    except wire.WireError as err:
        return {"error": "too big", "why": str(err)}
    except RecursionError:
        return {"error": "too big", "why": "nested too deeply"}
