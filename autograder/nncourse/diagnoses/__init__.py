"""Diagnoses: the likely cause of a failed case, named when a known mistake fits.

A ``Cause`` is a mistake students make (from the mutation catalogs in tests/mutants),
with a small function that computes what that mistake outputs: the graded function
written with exactly that bug. When a case fails, the judge (in the grader's process,
never in the student's kernel) runs the case again with each cause of the functions it
calls in place of the reference, and if the student's outputs match one cause's outputs
within the case's own tolerances (and raise where it raises), the message names it::

    cosine_decay for input t=150, lr0=0.1, T=100 should be 0, but it is 0.05. Likely
    cause: the rate climbs back up after t = T: clamp t with min(t, T).

Only a cause that fits is named; otherwise the message stays as it was. A case that
compares nothing a cause could reproduce (a shape, "unchanged", a property) is never
diagnosed, and neither is a cause that the case cannot tell from the reference (an
``__init__`` mistake in a ``loss`` case that sets the params itself explains none of its
failures). Correct alternatives pass, so they never reach a diagnosis.

A method of a graded class has causes too, registered under ``"TwoLayerNet.loss"``: each
is the buggy method, and the cause's ``fn`` is nnkit's reference class with that one
method replaced. A case calls the class (``TwoLayerNet(...)``), then methods of what it
returned (``model.loss``), so a case that calls class C tries the causes of every
method of C, with C resolved to the cause's class.

Causes live in one module per notebook (``nb03`` ...), registered with ``@cause``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from nnkit.answers import reference
from nnkit.checks.case import Case
from nnkit.checks.compare import check_like
from nnkit.checks.judging import Outcome, after_key, read_outcome, want_key
from nnkit.checks.run import run_case

MODULES = ("nb01", "nb02", "nb03", "nb04", "nb04_models")  # the causes, by notebook
VALUE_CHECKS = ("value",)  # the check kinds a cause's outputs are compared on
LIKELY = "Likely cause: "  # how a message names its cause


@dataclass(frozen=True)
class Cause:
    """A known mistake in graded function ``graded`` (or method, ``"TwoLayerNet.loss"``):
    ``name`` (the catalog mutant's slug), what to check (``message``), and ``fn``, what a
    case calls in its place: the function with that mistake, or the class with it."""

    graded: str
    name: str
    message: str
    fn: Callable

    @property
    def called(self) -> str:
        """The graded name a case calls to reach the mistake: the function, or the class
        of a method."""
        return self.graded.partition(".")[0]


CAUSES: dict[str, list[Cause]] = {}


def cause(graded: str, name: str, message: str):
    """Register the decorated function as the outputs of mistake ``name`` in ``graded``
    (for a method ``"C.m"``: the buggy method, ``fn(self, ...)``)."""

    def register(fn):
        CAUSES.setdefault(graded, []).append(Cause(graded, name, message, _called(graded, fn)))
        return fn

    return register


def _called(graded: str, fn: Callable) -> Callable:
    """What a case calls for mistake ``fn`` of ``graded``: ``fn`` itself, or for a method
    ``"C.m"`` a subclass of nnkit's C whose ``m`` calls ``fn`` (so that a ``partial``,
    which does not bind ``self``, works too)."""
    owner, _, method = graded.partition(".")
    if not method:
        return fn

    def buggy(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    return type(owner, (reference(owner),), {method: buggy, "__module__": __name__})


def causes(graded: str, mistakes: dict[str, tuple[Callable, str]]) -> None:
    """Register ``{name: (fn, message)}`` as the mistakes of ``graded``."""
    for name, (fn, message) in mistakes.items():
        cause(graded, name, message)(fn)


def switched(graded: str, fn: Callable, mistakes: dict[str, tuple[dict, str]]) -> None:
    """Register ``{name: (switches, message)}``: each mistake is ``fn``, a version of the
    graded function with a keyword switch per mistake, with its switches on."""
    causes(graded, {n: (partial(fn, **s), m) for n, (s, m) in mistakes.items()})


def _load() -> None:
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")


def causes_for(graded: str) -> list[Cause]:
    """The causes registered for a graded function or method (``"TwoLayerNet.loss"``)."""
    _load()
    return CAUSES.get(graded, [])


def causes_of_call(name: str) -> list[Cause]:
    """The causes a case that calls graded ``name`` can show: those of the function, or of
    every method of the class."""
    _load()
    return [known for found in CAUSES.values() for known in found if known.called == name]


def graded_calls(prog: dict) -> list[str]:
    """The graded names a case's program calls, in order, each once."""
    names = []
    for step in prog["steps"]:
        name = step.get("call", {}).get("graded")
        if name and name not in names:
            names.append(name)
    return names


def diagnose(case: Case, prog: dict, student: Outcome) -> Cause | None:
    """The first known mistake whose outputs on this case are the student's, and not
    the reference's too, or None."""
    answer = None  # the reference's outcome, run once a cause fits
    for graded in graded_calls(prog):
        for known in causes_of_call(graded):
            try:
                outcome = read_outcome(run_case(prog, _resolver(known)), prog)
                if not fits(case, student, outcome):
                    continue
                if answer is None:
                    answer = read_outcome(run_case(prog, reference), prog)
                shown = not fits(case, answer, outcome)  # the case tells it from the answer
            except Exception:  # noqa: BLE001 - a cause that cannot run on this case
                continue
            if shown:
                return known
    return None


def _resolver(known: Cause):
    def resolve(name: str):
        return known.fn if name == known.called else reference(name)

    return resolve


def fits(case: Case, student: Outcome, mistaken: Outcome) -> bool:
    """Whether ``student`` is ``mistaken``: every step raised the same exception type
    or returned, and every value check that both can be read for agrees within the
    check's tolerances; at least one value (or unexpected error) compared."""
    if len(student.steps) != len(mistaken.steps):
        return False
    compared = 0
    for index, (ours, theirs) in enumerate(zip(student.steps, mistaken.steps, strict=True)):
        if ("raised" in ours) != ("raised" in theirs):
            return False
        if "raised" in ours:
            if ours["raised"][:1] != theirs["raised"][:1]:
                return False
            compared += case.steps[index].raises is None  # the same unexpected error
    for chk in case.checks:
        if chk.kind == "unchanged":  # what the call left in its argument: the same?
            key = after_key(case, chk)
            if not _same(student.after.get(key), mistaken.after.get(key), chk):
                return False
            continue
        if chk.kind not in VALUE_CHECKS or chk.ref is None:
            continue
        key = want_key(chk)
        if key not in student.want or key not in mistaken.want:
            continue
        (status, got), (their_status, expected) = student.want[key], mistaken.want[key]
        if status != their_status:
            return False
        if status != "value":
            continue
        if not _close(got, expected, chk):
            return False
        compared += 1
    return compared > 0


def _close(got, expected, chk) -> bool:
    """``got`` is ``expected`` within the check's tolerances; NaN matches NaN (a mistake
    that divides by zero is recognised by where its NaNs are)."""
    if isinstance(expected, np.ndarray) and isinstance(got, np.ndarray):
        if got.shape != expected.shape or got.dtype.kind not in "fiub":
            return False
        return bool(np.allclose(got, expected, rtol=chk.rtol, atol=chk.atol, equal_nan=True))
    if isinstance(got, float) and isinstance(expected, float) and got == expected:
        return True  # also inf == inf, which check_like reports as not finite
    try:
        check_like(got, expected, chk.name, "", chk.rtol, chk.atol)
    except AssertionError:
        both_nan = isinstance(got, float) and isinstance(expected, float)
        return both_nan and np.isnan(got) and np.isnan(expected)
    except Exception:  # noqa: BLE001 - values that cannot be compared do not fit
        return False
    return True


def _same(ours, theirs, chk) -> bool:
    if ours is None or theirs is None or ours[0] != theirs[0]:
        return ours == theirs
    if ours[0] != "value":
        return True
    try:
        check_like(ours[1], theirs[1], chk.name, "", 0.0, 0.0)
    except Exception:  # noqa: BLE001 - an AssertionError, or values that cannot be compared
        return False
    return True


def likely(message: str, known: Cause | None) -> str:
    """``message`` with the cause named, if there is one."""
    return f"{message} {LIKELY}{known.message}" if known else message
