"""Test cells for the nncourse notebooks: cases and the checks that judge them.

A test cell states cases (``Case``, ``check``: see ``nnkit.checks.case``), with inputs
built by numpy from plain literals and test functions from ``fn``. In the student's
Jupyter ``check`` runs them there and raises the first failure's message; when grading,
the grader runs the cell in its own process to collect the cases, runs them in the
student's kernel on its own inputs, and judges the outputs outside it. The pieces:

- ``case``: the case API, the two modes, the wire program of a case;
- ``run``: the interpreter that executes a case and hands back data;
- ``wire``: the only data forms that cross between grader and kernel;
- ``judging``: outcomes in, the first failure's message out;
- ``compare``: the comparisons and their messages (``check_array``, ``describe``...);
- ``functions``: the test functions (``fn.sum_cube``) a case may pass as an argument;
- ``sealed``: the side of a sealed run that lives in the student's kernel.
- ``stored``: the expected outcomes of visible cases that the student bundle carries,
  for local mode where nnkit's reference is locked.
"""

from .case import Batches, Case, Graded, Ref, check, collecting
from .compare import (
    check_array,
    check_like,
    check_pair,
    check_raises,
    check_scalar,
    check_shape,
    check_unchanged,
    describe,
    kind_of,
)
from .functions import fn

__all__ = [
    "Batches",
    "Case",
    "Graded",
    "Ref",
    "check",
    "collecting",
    "fn",
    "check_array",
    "check_like",
    "check_pair",
    "check_raises",
    "check_scalar",
    "check_shape",
    "check_unchanged",
    "describe",
    "kind_of",
]
