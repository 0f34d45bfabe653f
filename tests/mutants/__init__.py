"""Mutation catalogs: realistic student versions of each graded function.

A ``Mutant`` replaces one graded top-level function (or one method of a graded class)
in a student's submission. ``kind="bug"`` must lose points on that function's tests;
``kind="alt"`` is a correct alternative implementation and must keep full marks.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    target: str  # graded function name, or "Class.method"
    name: str  # short slug, unique per target
    kind: str  # "bug" or "alt"
    source: str  # full `def ...` source replacing the target (dedented)
    why: str = ""  # the student misconception it models
