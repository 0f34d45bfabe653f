"""Test cells state cases: what to call, on which inputs, and what to compare.

A test cell builds its inputs with numpy from plain literals (seeds, shapes,
hyperparameters), states each case, and hands them to ``check``::

    rng = np.random.default_rng(6101)
    W, X, y = rng.standard_normal((5, 3)), rng.standard_normal((8, 5)), rng.integers(3, size=8)
    check(
        Case(svm_loss_naive, W, X, y, 0.1, returns=("loss", "dW"))
        .like_reference("loss", "dW", rtol=1e-6)
        .unchanged("W", "X", "y")
    )

A case is data: a few steps (calls of a graded function, of something an earlier call
returned, or an attribute set), each step's outputs named by ``returns``, and checks on
those outputs: equal to nnkit's reference run on the same inputs (``like_reference``), to
a value the cell computed (``expect``), of a shape, inputs left unchanged, an expected
exception, or a function of the outputs (``satisfies``). Outputs of an earlier step are
used through ``case["name"]`` (a ``Ref``), e.g. the config an update rule returned, fed to
its next step, or a model built by the first step.

The same cell runs in two modes:

- **local** (the student's Jupyter, Validate): ``check`` runs each case on the student's
  functions and on nnkit's references, in this kernel, and raises ``AssertionError`` with
  the first failing check's message;
- **collect** (the grader's own process, ``nncourse.judge``): graded names are bound to
  ``Graded`` stand-ins and ``check`` only records the cases. The grader sends each case's
  inputs, as data, into the student's kernel, gets the outputs back as data, and judges
  them outside it (``nnkit.checks.judging``), so no verdict is decided where student code
  runs.

Both modes run the same interpreter (``nnkit.checks.run``) and the same judging code, so a
student reads the same message in Validate and in their feedback.
"""

import contextlib
import inspect
import sys
from dataclasses import dataclass, field

from . import wire
from .functions import TestFunction

REFERENCE = object()  # "compare with nnkit's reference run at the same place"


class Graded:
    """A graded name in collect mode: it names the student's function in a case and can
    be passed around, but nothing in the grader's process can call it."""

    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, attr: str) -> "Graded":
        if attr.startswith("_"):
            raise AttributeError(attr)
        return Graded(f"{self.name}.{attr}")

    def __call__(self, *args, **kwargs):
        raise TypeError(
            f"test cells state cases instead of calling graded code: write "
            f"Case({self.name}, ...) rather than {self.name}(...)"
        )

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Batches:
    """``returns=Batches("X_batch", "y_batch")``: the call returns an iterable (a
    generator) of ``(X_batch, y_batch)`` pairs; the interpreter collects them in a list."""

    names: tuple = ("X_batch", "y_batch")

    def __init__(self, *names: str):
        object.__setattr__(self, "names", names or ("X_batch", "y_batch"))


@dataclass(frozen=True)
class Rng:
    """``case.rng(seed)``: ``np.random.default_rng(seed)``, made afresh in each run of the
    case and shared by every step that receives it (so three calls are three epochs)."""

    id: int
    seed: int

    def __repr__(self) -> str:
        return f"np.random.default_rng({self.seed})"


class Ref:
    """An output of an earlier step of the same case, or a part of one: ``case["config"]``,
    ``case["config"]["velocity"]``, ``model.params["W1"]``. Resolved in each run: in the
    student's run it is the student's own value, in the reference run the reference's."""

    __slots__ = ("step", "path", "labels")

    def __init__(self, step: int, path: tuple, labels: tuple):
        self.step, self.path, self.labels = step, path, labels  # labels[i]: after i parts

    @property
    def label(self) -> str:
        return self.labels[-1]

    def __getitem__(self, key) -> "Ref":
        if type(key) not in (str, int):
            raise TypeError("a Ref is indexed by a str or an int")
        return Ref(self.step, (*self.path, ("item", key)), (*self.labels, f"{self.label}[{key!r}]"))

    def __getattr__(self, name: str) -> "Ref":
        if name.startswith("_"):
            raise AttributeError(name)
        return Ref(self.step, (*self.path, ("attr", name)), (*self.labels, f"{self.label}.{name}"))

    def __repr__(self) -> str:
        return self.label


@dataclass
class Callee:
    """What a step calls: a graded name (with the student's object in local mode) or an
    output of an earlier step (a returned function, a method of a returned object)."""

    name: str = ""
    obj: object = None  # local mode: the student's function or class
    ref: Ref | None = None


@dataclass
class Step:
    callee: Callee | None  # None: an attribute set
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    returns: object = None  # None | "name" | ("a", "b") | Batches
    names: tuple | None = None  # argument names for messages (default: the signature)
    note: str = ""
    label: str = ""  # what the step calls, in messages (default: the callee's name)
    raises: type | None = None
    target: Ref | None = None  # attribute set: the object
    attr: str = ""
    value: object = None


@dataclass
class Check:
    """One comparison, made after step ``after`` (0-based) has run."""

    kind: str  # value | shape | unchanged | satisfies
    after: int
    ref: Ref | None = None
    expected: object = None  # REFERENCE, a value, or a shape
    rtol: float = 1e-6
    atol: float = 1e-8
    name: str = ""
    arg: object = None  # unchanged: position (int) or keyword (str) of the argument
    fn: object = None  # satisfies: fn(*values) raises AssertionError
    refs: tuple = ()
    hint: str = ""  # added to the message when this check fails


class Case:
    """One case of a test cell: steps and the checks on their outputs.

    ``Case(callee, *args, returns=None, note="", **kwargs)`` starts with a call of
    ``callee``; ``Case()`` starts empty. Methods return the case, so they chain.
    """

    def __init__(self, callee=None, *args, returns=None, note="", names=None, label="", **kwargs):
        self.steps: list[Step] = []
        self.checks: list[Check] = []
        self.rngs: list[Rng] = []
        # step index -> inputs_text: steps are only ever appended, and the grader judges
        # every student on the same cases, so each text is made once for the class
        self.inputs_texts: dict[int, str] = {}
        if callee is not None:
            self.call(callee, *args, returns=returns, note=note, names=names, label=label, **kwargs)

    # -- steps -------------------------------------------------------------------------
    def call(
        self, callee, *args, returns=None, note: str = "", names=None, label: str = "", **kwargs
    ) -> "Case":
        """Add a call ``callee(*args, **kwargs)``. ``returns`` names its outputs: a name,
        a tuple of names (it must return a tuple of that length), or ``Batches(...)``.
        ``note`` is added to the input description in messages (e.g. "step 2");
        ``names`` names the arguments when the callee is a ``Ref``; ``label`` says what
        is called, in messages (e.g. "g(-1)"; default: the callee's name)."""
        if isinstance(returns, list):
            returns = tuple(returns)
        names = names and tuple(names)
        self.steps.append(Step(_callee(callee), args, kwargs, returns, names, note, label=label))
        return self

    def set(self, target: Ref, attr: str, value) -> "Case":
        """Add an attribute set ``target.attr = value`` (e.g. a model's params)."""
        if not isinstance(target, Ref):
            raise TypeError("set() changes an object that an earlier step returned (a Ref)")
        self.steps.append(Step(None, target=target, attr=attr, value=value))
        return self

    def rng(self, seed: int) -> Rng:
        """A generator argument: ``np.random.default_rng(seed)``, fresh in each run."""
        made = Rng(len(self.rngs), int(seed))
        self.rngs.append(made)
        return made

    def __getitem__(self, name) -> Ref:
        """The output ``name`` of the latest call that has one (``None``: the whole return
        value of the last call)."""
        return self._ref(name)

    def _ref(self, name) -> Ref:
        if isinstance(name, Ref):
            return name
        calls = [i for i, step in enumerate(self.steps) if step.callee is not None]
        if not calls:
            raise ValueError("refer to outputs after a call")
        if name is None:
            return Ref(calls[-1], (), (_output_names(self.steps[calls[-1]])[0],))
        for index in reversed(calls):
            step = self.steps[index]
            if isinstance(step.returns, str | Batches) and name == _output_names(step)[0]:
                return Ref(index, (), (name,))
            if isinstance(step.returns, tuple) and name in step.returns:
                whole = f"what {step_label(self, index)} returned"
                return Ref(index, (("item", step.returns.index(name)),), (whole, name))
        known = sorted({n for i in calls for n in _output_names(self.steps[i])})
        raise KeyError(f"no call of this case has an output {name!r} (outputs: {known})")

    # -- checks ------------------------------------------------------------------------
    def like_reference(self, *what, rtol=1e-6, atol=1e-8, exact=False, name="", hint="") -> "Case":
        """Each output in ``what`` (names of the last call's outputs, or Refs; default:
        all of them) must equal nnkit's reference run at the same place. ``hint`` is
        added to the message when it does not."""
        for ref in self._refs(what):
            self._value(ref, REFERENCE, rtol, atol, exact, name, hint)
        return self

    def expect(self, what, value, rtol=1e-6, atol=1e-8, exact=False, name="", hint="") -> "Case":
        """Output ``what`` (a name of the last call's outputs, or a Ref) must equal
        ``value``, computed by the test cell from the inputs."""
        self._value(self._ref(what), value, rtol, atol, exact, name, hint)
        return self

    def shape(self, what, shape, name="") -> "Case":
        """Output ``what`` must be a numpy array of this shape."""
        ref = self._ref(what)
        self.checks.append(Check("shape", self._last(), ref, tuple(shape), name=name or ref.label))
        return self

    def callable(self, what=None) -> "Case":
        """Output ``what`` must be a function (something to call), e.g. the schedule that
        ``with_warmup`` returns."""
        ref = self._ref(what)
        self.checks.append(Check("callable", self._last(), ref, name=ref.label))
        return self

    def unchanged(self, *args: str, rtol: float = 0.0) -> "Case":
        """The last call left these arguments (by parameter name) as they were."""
        for arg in args:
            self.checks.append(Check("unchanged", self._last(), arg=arg, rtol=rtol, name=arg))
        return self

    def raises(self, exception: type = ValueError) -> "Case":
        """The last call must raise ``exception`` (or a subclass)."""
        self.steps[self._last()].raises = exception
        return self

    def satisfies(self, fn, *what, name: str = "") -> "Case":
        """``fn(*values)`` of the outputs ``what`` must not raise: it raises
        ``AssertionError`` with a message when they are wrong. It receives the student's
        outputs as plain data (arrays, numbers, lists, dicts)."""
        refs = tuple(self._ref(w) for w in what)
        label = name or getattr(fn, "__name__", "a check")
        self.checks.append(Check("satisfies", self._last(), fn=fn, refs=refs, name=label))
        return self

    def _refs(self, what) -> list[Ref]:
        if what:
            return [self._ref(w) for w in what]
        step = self.steps[self._last()]
        if isinstance(step.returns, tuple):
            return [self._ref(n) for n in step.returns]
        return [self._ref(None)]

    def _value(self, ref: Ref, expected, rtol, atol, exact, name, hint) -> None:
        if exact:
            rtol = atol = 0.0
        label = name or ref.label
        self.checks.append(
            Check("value", self._last(), ref, expected, rtol, atol, name=label, hint=hint)
        )

    def _last(self) -> int:
        if not self.steps:
            raise ValueError("add a call before its checks")
        return len(self.steps) - 1

    def __repr__(self) -> str:
        calls = [s.callee.name or s.callee.ref.label for s in self.steps if s.callee]
        return f"Case({' -> '.join(calls)}, {len(self.checks)} checks)"


def _callee(callee) -> Callee:
    if isinstance(callee, Ref):
        return Callee(ref=callee)
    if isinstance(callee, Graded):
        return Callee(name=callee.name)
    if isinstance(callee, TestFunction) or not callable(callee):
        raise TypeError(f"a case calls a graded function or a Ref, not {callee!r}"[:200])
    return Callee(name=graded_name(callee), obj=callee)


def graded_name(obj) -> str:
    """The graded name of a student's function or class in local mode: its own name if
    nnkit grades that name, else a name of the notebook that holds it."""
    from ..answers import graded_names

    known = graded_names()
    for name in (getattr(obj, "__qualname__", ""), getattr(obj, "__name__", "")):
        if name.partition(".")[0] in known:
            return name
    main = getattr(sys.modules.get("__main__"), "__dict__", {})
    for name, value in main.items():
        if value is obj and name in known:
            return name
    return getattr(obj, "__qualname__", "") or type(obj).__name__


def _output_names(step: Step) -> tuple:
    if isinstance(step.returns, tuple):
        return step.returns
    if isinstance(step.returns, str):
        return (step.returns,)
    if isinstance(step.returns, Batches):
        return ("the batches",)
    label = step.callee.name or step.callee.ref.label
    return (f"{label}(...)",)


# ----------------------------------------------------------------------------- modes

_collected: list | None = None  # collect mode: the cases of the cell being read


@contextlib.contextmanager
def collecting():
    """Collect mode: ``check`` records cases into the yielded list instead of running."""
    global _collected
    outer, _collected = _collected, []
    try:
        yield _collected
    finally:
        _collected = outer


def check(*cases: Case) -> None:
    """Run each case (local mode) and raise ``AssertionError`` with the first failure's
    message; in collect mode, record them for the grader."""
    __tracebackhide__ = True  # IPython: show the message, not these frames
    for case in cases:
        if not isinstance(case, Case):
            raise TypeError(f"check() takes Case objects, got {type(case).__name__}")
    if _collected is not None:
        _collected.extend(cases)
        return
    from .judging import judge_locally

    for case in cases:
        failure = judge_locally(case)
        if failure is not None:
            raise failed(failure.message)


def failed(message: str) -> AssertionError:
    """The ``AssertionError`` a failed check raises. IPython shows an exception with a
    ``_render_traceback_`` as the lines it returns: here the message alone, without the
    frames of this package, which say nothing about the student's code (guarded by
    tests/test_checks.py, ``test_a_failed_check_shows_no_frame_of_nnkit``)."""
    error = AssertionError(message)
    error._render_traceback_ = lambda: [f"AssertionError: {message}"]
    error.__suppress_context__ = True
    return error


# ------------------------------------------------------------------- the wire program


def program(case: Case) -> dict:
    """The case as wire data for the interpreter (``nnkit.checks.run``): its steps, the
    outputs to send back (``want``) and the arguments to send back after their call
    (``after``). Raises ``TypeError`` for an input that cannot travel as data."""
    steps = []
    for step in case.steps:
        if step.callee is None:
            steps.append(
                {"set": ref_data(step.target), "attr": step.attr, "value": _arg(step.value)}
            )
            continue
        callee = (
            {"graded": step.callee.name} if step.callee.ref is None
            else {"ref": ref_data(step.callee.ref)}
        )  # fmt: skip
        steps.append(
            {
                "call": callee,
                "args": [_arg(a) for a in step.args],
                "kwargs": [[k, _arg(v)] for k, v in step.kwargs.items()],
                "returns": _returns_data(step.returns),
                "raises": step.raises is not None,
            }
        )
    want, after = [], []
    for chk in case.checks:
        for ref in (chk.ref, *chk.refs):
            if ref is not None and [chk.after, ref_data(ref)] not in want:
                want.append([chk.after, ref_data(ref)])
        if chk.kind == "unchanged":
            key = [chk.after, argument_key(case, chk.after, chk.arg)]
            if key not in after:
                after.append(key)
    return {"steps": steps, "want": want, "after": after}


def ref_data(ref: Ref) -> list:
    """A Ref as wire data: ``[step, [[kind, key], ...]]``."""
    return [ref.step, [list(p) for p in ref.path]]


def _returns_data(returns):
    if isinstance(returns, Batches):
        return {"batches": list(returns.names)}
    if isinstance(returns, tuple):
        return list(returns)
    return returns


def _arg(value):
    if isinstance(value, Ref):
        return {"ref": ref_data(value)}
    if isinstance(value, TestFunction):
        return {"fn": [value.key, _arg(value.params)]}
    if isinstance(value, Rng):
        return {"rng": [value.id, value.seed]}
    if callable(value):
        raise TypeError(
            f"{value!r} cannot be sent into the kernel: pass a function of "
            "nnkit.checks.fn, or a Ref to an earlier output"[:300]
        )
    data = wire.encode(value)
    _plain(data)
    return data


def _plain(data) -> None:
    """Refuse values that wire.encode could only name by type (an object, a Ref)."""
    if type(data) is dict:
        if "type" in data:
            raise TypeError(f"an input of type {data['type']} cannot be sent as data")
        for body in data.values():
            _plain(body)
    elif type(data) is list:
        for item in data:
            _plain(item)


def argument_key(case: Case, index: int, name):
    """Where argument ``name`` (a parameter name) of step ``index`` was passed: its
    position in ``args``, or the keyword itself."""
    step = case.steps[index]
    if isinstance(name, int) or name in step.kwargs:
        return name
    names = argument_names(case, index)
    if name in names[: len(step.args)]:
        return names.index(name)
    raise KeyError(f"the call of {step_label(case, index)} has no argument {name!r}")


def argument_names(case: Case, index: int) -> list[str]:
    """Parameter names of a call's positional arguments: ``names=`` if given, else the
    signature of nnkit's reference of the callee (for a method of an object that an
    earlier step built from a graded class, that method's, without ``self``)."""
    step = case.steps[index]
    if step.names:
        return list(step.names)
    params = []
    signature = _signature(case, step.callee)
    if signature is not None:
        params = [
            p.name for p in signature.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]  # fmt: skip
    return params + [f"argument {i + 1}" for i in range(len(params), len(step.args))]


def _signature(case: Case, callee: Callee) -> inspect.Signature | None:
    from ..answers import reference

    name = callee.name
    if callee.ref is not None:  # a method of an object built by a graded class
        root = case.steps[callee.ref.step].callee
        path = callee.ref.path
        if root is None or root.ref is not None or len(path) != 1 or path[0][0] != "attr":
            return None
        name = f"{root.name}.{path[0][1]}"
    try:
        signature = inspect.signature(reference(name))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if callee.ref is not None:  # an unbound method: drop self
        params = list(signature.parameters.values())[1:]
        signature = signature.replace(parameters=params)
    return signature


def step_label(case: Case, index: int) -> str:
    """What step ``index`` calls, in words: ``svm_loss_naive``, ``model.loss``."""
    step = case.steps[index]
    if step.label:
        return step.label
    return step.callee.name if step.callee.ref is None else step.callee.ref.label


def inputs_text(case: Case, index: int) -> str:
    """The inputs of step ``index`` in words, for messages: numbers by value, arrays by
    shape, functions by what they compute, earlier outputs by name."""
    if index not in case.inputs_texts:
        case.inputs_texts[index] = _inputs_text(case, index)
    return case.inputs_texts[index]


def _inputs_text(case: Case, index: int) -> str:
    from .compare import describe

    step = case.steps[index]
    values = dict(zip(argument_names(case, index), step.args, strict=False))
    values.update(step.kwargs)
    parts = []
    for name, value in values.items():
        if isinstance(value, Ref):
            parts.append(f"{name}={value.label} (returned by your earlier call)")
        elif isinstance(value, TestFunction | Rng):
            parts.append(f"{name}={value!r}")
        else:
            parts.append(describe(**{name: value}))
    return ", ".join(filter(None, [*parts, step.note]))
