"""Which parts of nnkit are answers, and where the reference of a graded function lives.

nnkit holds a reference implementation of every function the notebooks grade (the judge
compares students with it, later notebooks and self-study readers use it). Each one is
marked where it is defined::

    @answer("02_minibatch_sgd", "adam")
    def adam(w, dw, config=None): ...

    @answer("01_gradient_checking", "svm_loss_naive", "svm_loss_vectorized")
    def svm_loss(W, X, y, reg): ...

The mark does nothing at run time but record the reference under its graded names
(``reference("svm_loss_naive")`` returns ``nnkit.linear.svm_loss``), and, for a graded
class, which graded functions a student's methods are expected to call::

    @answer("04_neural_networks", uses={"loss": ("affine_forward", "relu_forward", ...)})
    class TwoLayerNet: ...

(``builds_on("TwoLayerNet.loss")``): the grader judges such a method a second time with
correct versions of those functions, so that one wrong layer costs its own points only.

The mark is also what the *student edition* of nnkit is built from
(``nncourse.edition``): there every marked definition of an assignment that is not
unlocked keeps its signature and docstring and raises ``Locked`` ("adam is what you
write in 02_minibatch_sgd"), so no answer reaches a student, or the grading sandbox,
before the instructor unlocks it. A private helper that does an answer's work is marked
too, with the graded name it would give away.
"""

import importlib

# Modules that hold marked definitions; ``reference`` imports them on first use.
ANSWER_MODULES = ("gradcheck", "linear", "solver", "optim", "schedules", "layers", "models")

_REFERENCES: dict[str, object] = {}  # graded name -> reference (filled by @answer)
_ASSIGNMENT: dict[str, str] = {}  # graded name -> assignment id
_USES: dict[str, tuple[str, ...]] = {}  # "Class.method" -> graded functions it calls


class Locked(NotImplementedError):
    """Raised by the student edition's stand-in for a reference that is not unlocked."""

    def __init__(self, graded: str, assignment: str):
        self.graded, self.assignment = graded, assignment
        super().__init__(
            f"{graded} is what you write in {assignment}: its nnkit version is not "
            "available until your instructor unlocks that assignment"
        )


def answer(assignment: str, *graded: str, helper: bool = False, uses: dict | None = None):
    """Mark the decorated function or class as the reference answer to ``graded`` (the
    names the notebook grades; default: its own name) of ``assignment``.

    ``helper=True`` marks a definition that does (part of) that answer's work without
    being its reference, e.g. the centred difference inside ``grad_check_sparse``: the
    student edition locks it too, but ``reference`` never returns it. ``uses`` (a class):
    method name -> the graded functions of the same notebook a student's method calls."""

    def mark(obj):
        for name in graded or (obj.__name__,):
            _ASSIGNMENT[name] = assignment
            if not helper:
                _REFERENCES[name] = obj
            for method, functions in (uses or {}).items():
                _USES[f"{name}.{method}"] = tuple(functions)
        return obj

    return mark


def _load() -> None:
    for module in ANSWER_MODULES:
        importlib.import_module(f"{__package__}.{module}")


def reference(graded: str):
    """The nnkit reference of a graded name: ``"adam"``, ``"TwoLayerNet"``, or a method
    ``"TwoLayerNet.loss"`` (the class's attribute). KeyError if nnkit has none."""
    _load()
    owner, _, method = graded.partition(".")
    if owner not in _REFERENCES:
        raise KeyError(f"nnkit has no reference for {graded!r}")
    found = _REFERENCES[owner]
    return getattr(found, method) if method else found


def builds_on(graded: str) -> tuple[str, ...]:
    """The graded functions that a student's ``graded`` ("TwoLayerNet.loss") is expected
    to call (``answer(..., uses=...)``); () for most."""
    _load()
    return _USES.get(graded, ())


def assignment_of(graded: str) -> str:
    """The assignment whose notebook grades ``graded`` (KeyError if none)."""
    _load()
    return _ASSIGNMENT[graded.partition(".")[0]]


def graded_names() -> dict[str, str]:
    """Every graded name nnkit holds a reference for -> its assignment."""
    _load()
    return dict(_ASSIGNMENT)
