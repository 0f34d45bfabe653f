"""Running the reader's own functions in lessons and widgets.

The schedule explorer, the training comparison, the playground and the experiments of
notebooks 01 to 04 call the functions the reader wrote in the notebook, not nnkit's
(which, in the student edition, are locked until the instructor unlocks them). Until a
function is written its body is ``raise NotImplementedError()`` (or, for nnkit's locked
stand-in, ``nnkit.answers.Locked``); ``call`` turns that into ``NotWritten``, a
ValueError whose message names the function, so a widget shows one clear line instead
of a traceback and goes on with the functions that work::

    from nnkit.own_code import call
    call(cosine_decay, 0, lr0=0.1, T=100)
    # NotWritten: cosine_decay is not written yet: write it in its solution cell, run
    # that cell, then run this one again
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable

from .answers import Locked


class NotWritten(ValueError):
    """A function a lesson needs raised NotImplementedError: it is not written yet."""

    def __init__(self, name: str, detail: str = ""):
        self.name = name
        message = (
            f"{name} is not written yet: write it in its solution cell, run that cell, "
            "then run this one again"
        )
        super().__init__(f"{message} ({detail})" if detail else message)


def name_of(fn) -> str:
    """The name a message gives ``fn``: its ``__name__``, looking through ``partial``."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return getattr(fn, "__name__", None) or type(fn).__name__


def call(fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)``; a NotImplementedError (a blank solution cell, or a locked
    nnkit function) is raised as ``NotWritten`` naming ``fn``. Other errors pass through
    unchanged: they are the reader's bugs, and their own message says more."""
    try:
        return fn(*args, **kwargs)
    except Locked as e:
        raise NotWritten(e.graded, str(e)) from e
    except NotImplementedError as e:
        raise NotWritten(name_of(fn), str(e)) from e


def not_written(error: NotImplementedError) -> NotWritten:
    """``NotWritten`` for a NotImplementedError raised somewhere inside a call: named
    after the locked function (``Locked``) or the innermost function that raised it."""
    if isinstance(error, Locked):
        return NotWritten(error.graded, str(error))
    frames = traceback.extract_tb(error.__traceback__)
    return NotWritten(frames[-1].name if frames else type(error).__name__, str(error))


def explain(fn, error: BaseException) -> str:
    """One line about ``error`` raised by ``fn``: NotWritten's own message, a ValueError's
    message (a bad parameter), else ``"fn raised TypeError: ..."`` with the first line."""
    if isinstance(error, NotImplementedError):
        error = NotWritten(name_of(fn), str(error))
    if isinstance(error, ValueError):
        return str(error)
    first = (str(error).strip().splitlines() or [""])[0][:200]
    return f"{name_of(fn)} raised {type(error).__name__}" + (f": {first}" if first else "")
