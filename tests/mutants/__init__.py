"""Mutation catalogs: realistic student versions of each graded function.

A ``Mutant`` replaces one graded top-level function (or one method of a graded class)
in a student's submission. ``kind="bug"`` must lose points on that function's tests;
``kind="alt"`` is a correct alternative implementation and must keep full marks.
"""

from dataclasses import dataclass
from textwrap import dedent


@dataclass(frozen=True)
class Mutant:
    target: str  # graded function name, or "Class.method"
    name: str  # short slug, unique per target
    kind: str  # "bug" or "alt"
    source: str  # full `def ...` source replacing the target (dedented)
    why: str = ""  # the student misconception it models


def mutant(target: str, name: str, kind: str, source: str, why: str) -> Mutant:
    """A Mutant whose source is dedented (catalogs write it indented in triple quotes)."""
    return Mutant(target=target, name=name, kind=kind, source=dedent(source).lstrip(), why=why)


def edit(base: str, *edits: tuple[str, str]) -> str:
    """``base`` (dedented) with each ``old`` text replaced by ``new``; ``old`` must occur
    exactly once, so each bug carries exactly the one mistake it names."""
    source = dedent(base).lstrip()
    for old, new in edits:
        if source.count(old) != 1:
            raise ValueError(f"{old!r} occurs {source.count(old)} times in the base source")
        source = source.replace(old, new)
    return source
