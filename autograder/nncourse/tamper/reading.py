"""Reading a cell exactly as IPython would run it: its own input transformation, then
Python's parser, with the cell's own line numbers."""

import ast
import functools
import keyword
import warnings
from dataclasses import dataclass

from IPython.core.inputtransformer2 import TransformerManager
from IPython.core.splitinput import LineInfo

from .rules import BUILTIN_NAMES, LINE_MAGICS


@dataclass(frozen=True)
class Finding:
    cell: str  # grade_id of the cell, or "" when unknown
    line: int
    what: str

    def __str__(self) -> str:
        where = [self.cell] if self.cell else []
        where += [f"line {self.line}"] if self.line else []
        return f"{', '.join(where)}: {self.what}" if where else self.what


class Unreadable(Exception):
    """A cell that cannot be parsed after IPython's transformation."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line, self.reason = line, reason


@functools.lru_cache(maxsize=256)  # each cell is read three times (magic, ast, symtable)
def ipython_source(source: str) -> str:
    """The Python source IPython runs for a cell (magics become ``get_ipython()`` calls).
    Raises ``Unreadable`` when IPython cannot transform it (it then runs nothing)."""
    with warnings.catch_warnings():  # IPython warns about exotic line ends, then copes
        warnings.simplefilter("ignore", UserWarning)
        try:
            return TransformerManager().transform_cell(source)
        except SyntaxError as err:
            line = (err.lineno or 0) + dropped_lines(source)
            raise Unreadable(line, f"{type(err).__name__} at line {line}: {err.msg}") from None


def dropped_lines(source: str) -> int:
    """How many blank lines IPython drops from the top of a cell (so line numbers of the
    transformed source are this much smaller than the cell's)."""
    lines = source.splitlines()
    return next((i for i, line in enumerate(lines) if line.strip()), 0)


def parse_cell(source: str) -> ast.Module:
    """The cell as IPython compiles it, with the cell's own line numbers. Raises
    ``Unreadable``."""
    offset = dropped_lines(source)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        text = ipython_source(source)
        with warnings.catch_warnings():  # the student's SyntaxWarnings are not the grader's
            warnings.simplefilter("ignore")
            tree = compile(
                text, "<cell>", "exec", flags=flags | ast.PyCF_ONLY_AST, dont_inherit=True
            )
            # errors the compiler finds after parsing (``return`` outside a function,
            # a duplicate argument) stop IPython from running the cell too
            compile(tree, "<cell>", "exec", flags=flags, dont_inherit=True)
    except SyntaxError as err:
        line = (err.lineno or 0) + offset
        raise Unreadable(line, f"{type(err).__name__} at line {line}: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise Unreadable(0, "nested too deeply to parse") from None
    except ValueError as err:  # null bytes
        raise Unreadable(0, str(err)) from None
    return ast.increment_lineno(tree, offset)


def automagic(source: str, shadowing: set) -> str | None:
    """The magic IPython runs for a one-line cell such as ``time(f())`` or ``run -m x``
    (automagic: the first word names a line magic), or None. A name bound by the
    read-only cells, a builtin or a keyword shadows the magic, as in IPython. Raises
    ``Unreadable``."""
    transformed = ipython_source(source)
    if len(transformed.splitlines()) != 1:
        return None
    info = LineInfo(transformed.rstrip("\n"))
    if info.ifun not in LINE_MAGICS or info.the_rest[:1] in ("=", ","):
        return None
    if info.ifun in shadowing or info.ifun in BUILTIN_NAMES or keyword.iskeyword(info.ifun):
        return None
    return f"%{info.ifun} {info.the_rest}".strip()
