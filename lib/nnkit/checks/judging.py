"""Judging a case: a run's outputs, as data, in; the first failure's message out.

``judge(case, student, reference)`` takes two ``Outcome``s (what ``run_case`` handed
back, read with ``read_outcome``: for the student's run and for nnkit's reference run on
the same inputs) and returns ``None`` when every check holds, else a ``Failure`` whose
message says which input, which output, which entry, what was expected and what came
back. Steps and checks are judged in the order the test cell stated them, so the first
failure reported is the first a student would hit.

The grader (``nncourse.judge``) calls this in its own process on data read from the
student's kernel; local mode (``check``) calls it in the student's kernel. The data of a
sealed run is hostile: ``read_outcome`` accepts only the documented shapes and decodes
values with ``wire.decode``; anything else is a failure of that case, never a pass.
"""

from dataclasses import dataclass

from . import wire
from .case import (
    REFERENCE,
    Batches,
    Case,
    argument_key,
    inputs_text,
    program,
    ref_data,
    step_label,
)
from .compare import check_like, check_shape, check_unchanged, kind_of
from .run import run_case
from .stored import stored_outcome

MAX_INFO = 200  # characters kept of any text in a step's info


@dataclass(frozen=True)
class Failure:
    message: str
    ename: str = "AssertionError"  # shown as the error's type in feedback


@dataclass
class Outcome:
    """One run of a case, read: per step its info, and the wanted values."""

    steps: list  # dicts: {"ok", "type", "len"} | {"raised", "message"} | {"missing"}
    want: dict  # (after, step, path) -> ("value", v) | ("error", info)
    after: dict  # (step, key) -> ("value", v) | ("error", info)


class BadCase(RuntimeError):
    """nnkit's reference run of a case failed: the test cell is wrong, not the student."""


def _key(when: int, ref_data) -> tuple:
    step, path = ref_data
    return when, step, tuple((kind, key) for kind, key in path)


def read_outcome(data, prog: dict) -> Outcome:
    """Validate and decode what ``run_case`` returned for ``prog``; ``wire.WireError``
    if it is not in the documented shape."""
    if type(data) is not dict or set(data) != {"steps", "want", "after"}:
        raise wire.WireError("not a case result")
    steps, want, after = data["steps"], data["want"], data["after"]
    if type(steps) is not list or len(steps) > len(prog["steps"]):
        raise wire.WireError("bad step list")
    if type(want) is not list or len(want) != len(prog["want"]):
        raise wire.WireError("bad output list")
    if type(after) is not list or len(after) != len(prog["after"]):
        raise wire.WireError("bad argument list")
    return Outcome(
        [_info(i) for i in steps],
        {_key(w, r): _entry(v) for (w, r), v in zip(prog["want"], want, strict=True)},
        {(s, k): _entry(v) for (s, k), v in zip(prog["after"], after, strict=True)},
    )


def _text(value) -> str:
    return value[:MAX_INFO] if type(value) is str else ""


def _info(info) -> dict:
    if type(info) is not dict:
        raise wire.WireError("bad step info")
    if "raised" in info:
        names = info["raised"]
        if type(names) is not list or not names or any(type(n) is not str for n in names):
            raise wire.WireError("bad exception info")
        return {"raised": [n[:80] for n in names[:12]], "message": _text(info.get("message"))}
    if "missing" in info:
        return {"missing": _error(info["missing"])}
    if info.get("ok") is not True:
        raise wire.WireError("bad step info")
    out = {"ok": True, "type": _text(info.get("type"))}
    if "len" in info:
        if type(info["len"]) is not int:
            raise wire.WireError("bad length")
        out["len"] = info["len"]
    return out


def _error(error) -> dict:
    if type(error) is not dict:
        raise wire.WireError("bad error info")
    return {k: (_text(v) if type(v) is not int else v) for k, v in list(error.items())[:8]}


def _entry(entry) -> tuple:
    if type(entry) is dict and set(entry) == {"value"}:
        return "value", wire.decode(entry["value"])
    if type(entry) is dict and "error" in entry:
        return "error", _error(entry)
    raise wire.WireError("bad output entry")


# ---------------------------------------------------------------------------- judging


def judge(case: Case, student: Outcome, reference: Outcome | None) -> Failure | None:
    """The first failing step or check of ``case``, or None when all hold."""
    __tracebackhide__ = True
    for index in range(len(case.steps)):
        failure = _judge_step(case, index, student)
        if failure is not None:
            return failure
        for chk in (c for c in case.checks if c.after == index):
            try:
                _judge_check(case, chk, student, reference)
            except AssertionError as err:
                return Failure(" ".join(filter(None, [str(err), chk.hint])))
            except BadCase:
                raise
            except Exception as err:  # noqa: BLE001 - odd data is a failure, never a pass
                return Failure(f"{chk.name} could not be checked: {type(err).__name__}: {err}")
    return None


def _judge_step(case: Case, index: int, outcome: Outcome) -> Failure | None:
    step = case.steps[index]
    label = step_label(case, index) if step.callee is not None else f"setting .{step.attr}"
    where = inputs_text(case, index) if step.callee is not None else ""
    for_input = f" for input {where}" if where else ""
    if index >= len(outcome.steps):
        return Failure(f"{label}{for_input} did not run.", "NotRun")
    info = outcome.steps[index]
    if "missing" in info:
        missing = info["missing"]
        if missing.get("error") == "not callable":
            return Failure(
                f"{label} should be a function (something to call), but it is a "
                f"{missing.get('type')}."
            )
        return Failure(
            f"{label}{for_input} could not be called: it needs an output of your earlier "
            f"call that is not there ({_missing(missing)})."
        )
    if step.callee is None:
        if "raised" in info:
            return Failure(f"{label} raised {_raised(info)}.", _ename(info))
        return None
    expected = step.raises
    if "raised" in info:
        if expected is not None and expected.__name__ in info["raised"]:
            return None
        if expected is not None:
            return Failure(
                f"{label}{for_input} should raise {expected.__name__}, but raised {_raised(info)}."
            )
        return Failure(f"{label}{for_input} raised {_raised(info)}.", _ename(info))
    if expected is not None:
        return Failure(
            f"{label}{for_input} should raise {expected.__name__}, but returned normally."
        )
    if isinstance(step.returns, tuple):
        n = len(step.returns)
        if info.get("type") != "tuple" or info.get("len") != n:
            length = f" of length {info['len']}" if info.get("type") == "tuple" else ""
            return Failure(
                f"{label}{for_input} should return a tuple ({', '.join(step.returns)}), but "
                f"it returned a {info.get('type') or 'value'}{length}."
            )
    return None


def _raised(info: dict) -> str:
    message, name = info.get("message", ""), info["raised"][0]
    if not message and name == "NotImplementedError":
        return "NotImplementedError (it is not written yet: replace the `raise` in its cell)"
    return f"{name}: {message}" if message else name


def _ename(info: dict) -> str:
    name = info["raised"][0]
    return name if name.isidentifier() else "Exception"


def _missing(error: dict) -> str:
    kind = error.get("error")
    if kind == "item":
        return f"no item {error.get('key')!r} in a {error.get('type')}"
    if kind == "attr":
        return f"no attribute {error.get('key')!r} on a {error.get('type')}"
    return "it did not return"


def _judge_check(case: Case, chk, student: Outcome, reference: Outcome | None) -> None:
    __tracebackhide__ = True
    source = chk.ref.step if chk.ref is not None else chk.after
    inputs = inputs_text(case, source)
    if chk.kind == "unchanged":
        key = after_key(case, chk)
        status, after = student.after[key]
        if status != "value":
            raise AssertionError(f"{chk.name}{_for(inputs)} could not be read back after the call.")
        step = case.steps[chk.after]
        before = step.kwargs[key[1]] if isinstance(key[1], str) else step.args[key[1]]
        check_unchanged(before, after, chk.name, inputs, chk.rtol)
        return
    if chk.kind == "satisfies":
        values = [_got(student, chk.after, ref, inputs) for ref in chk.refs]
        chk.fn(*values)
        return
    got = _got(student, chk.after, chk.ref, inputs)
    if chk.kind == "callable":
        if not (isinstance(got, wire.Opaque) and got.is_callable):
            raise AssertionError(
                f"{step_label(case, chk.ref.step)}{_for(inputs)} should return a function "
                f"({chk.name}), but it returned a {kind_of(got)}."
            )
        return
    if chk.kind == "shape":
        check_shape(got, chk.expected, chk.name, inputs)
        return
    expected = chk.expected
    if expected is REFERENCE:
        if reference is None:
            raise BadCase("this check needs the reference run")
        status, expected = reference.want[want_key(chk)]
        if status != "value":
            raise BadCase(f"the reference run has no {chk.ref.label}: {expected}")
    step = case.steps[chk.ref.step]
    items = step.returns.names if isinstance(step.returns, Batches) and not chk.ref.path else None
    check_like(got, expected, chk.name, inputs, chk.rtol, chk.atol, items)


def _for(inputs: str) -> str:
    return f" for input {inputs}" if inputs else ""


def after_key(case: Case, chk) -> tuple:
    """The key in ``Outcome.after`` of what an "unchanged" check reads back."""
    return chk.after, argument_key(case, chk.after, chk.arg)


def want_key(chk) -> tuple:
    """The key in ``Outcome.want`` of the value a check compares."""
    return _key(chk.after, ref_data(chk.ref))


def _got(outcome: Outcome, when: int, ref, inputs: str):
    status, value = outcome.want[_key(when, ref_data(ref))]
    if status == "value":
        return value
    kind = value.get("error")
    if kind in ("item", "attr"):
        at = len(ref.path) - 1
        for i, (k, key) in enumerate(ref.path):
            if k == kind and key == value.get("key"):
                at = i
                break
        owner = ref.labels[at]
        what = "key" if kind == "item" and isinstance(value.get("key"), str) else kind
        what = {"attr": "attribute", "item": "item"}.get(what, what)
        raise AssertionError(
            f"{owner}{_for(inputs)} has no {what} {value.get('key')!r} (it is a "
            f"{value.get('type')}), so {ref.label} cannot be checked."
        )
    if kind == "too big":
        raise AssertionError(f"{ref.label}{_for(inputs)} is too big to check: {value.get('why')}.")
    raise AssertionError(f"{ref.label}{_for(inputs)} was not returned.")


# --------------------------------------------------------------------------- local mode


def judge_locally(case: Case) -> Failure | None:
    """Local mode: run ``case`` on the student's functions and on nnkit's references in
    this process, and judge the outcomes exactly as the grader would. Where the student
    edition's reference is locked, the outcome stored with a visible case
    (``nnkit.checks.stored``) stands in for it."""
    __tracebackhide__ = True
    prog = program(case)
    objects = {s.callee.name: s.callee.obj for s in case.steps if s.callee and s.callee.obj}

    def student_callable(name):
        return objects[name]

    student = read_outcome(run_case(prog, student_callable), prog)
    needed = any(c.kind == "value" and c.expected is REFERENCE for c in case.checks)
    ref = _local_reference(case, prog) if needed else None
    return judge(case, student, ref)


def _local_reference(case: Case, prog: dict) -> Outcome:
    from ..answers import reference

    outcome = read_outcome(run_case(prog, reference), prog)
    if _locked_step(outcome) is not None:
        stored = stored_outcome(prog)
        if stored is not None:
            outcome = read_outcome(stored, prog)
    return check_reference(case, outcome)


def _locked_step(outcome: Outcome) -> int | None:
    for index, info in enumerate(outcome.steps):
        if "Locked" in info.get("raised", ()):
            return index
    return None


def reference_outcome(case: Case, prog: dict, resolve) -> Outcome:
    """nnkit's reference run of ``case``; ``BadCase`` if a reference step fails
    where the case does not expect it (the test cell would be wrong)."""
    return check_reference(case, read_outcome(run_case(prog, resolve), prog))


def check_reference(case: Case, outcome: Outcome) -> Outcome:
    """``outcome``, a reference run of ``case``, if it is one the case can be judged
    with; else ``BadCase`` saying why."""
    locked = _locked_step(outcome)
    if locked is not None:
        raise BadCase(
            f"this check compares {step_label(case, locked)} with nnkit's version, which "
            "your edition of nnkit does not have yet: it is checked when you submit"
        )
    for index, info in enumerate(outcome.steps):
        expected = case.steps[index].raises
        if ("raised" in info) != (expected is not None) or "missing" in info:
            detail = _raised(info) if "raised" in info else "no exception"
            raise BadCase(
                f"nnkit's reference run of {step_label(case, index)} gave {detail}: "
                "the test cell states a case the reference does not pass"
            )
    if len(outcome.steps) != len(case.steps):
        raise BadCase("nnkit's reference run stopped early")
    return outcome


__all__ = ["Failure", "Outcome", "judge", "judge_locally", "read_outcome", "kind_of"]
