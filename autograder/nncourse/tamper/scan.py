"""The scan of one student notebook against the instructor's (``scan``, ``Context``)."""

import ast
from dataclasses import dataclass

from ..structure import nbgrader_meta
from .reading import Finding, Unreadable, automagic, dropped_lines, parse_cell
from .rules import UNREADABLE
from .scanner import Scanner, free_test_names, import_bindings


def _bound_names(tree: ast.AST) -> set[str]:
    """Names bound at the top level of a module: assignments, imports, defs, classes."""
    names = set()
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names.add(sub.id)
    return names


def _instructor_trees(nb, *, read_only: bool = False, tests: bool = False) -> list[ast.Module]:
    """Parsed read-only or test cells of the instructor's notebook (unreadable ones are
    left out: they are the instructor's, and the grader runs them as they are)."""
    trees = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code":
            continue
        if (read_only and meta.get("locked") and not meta.get("grade")) or (
            tests and meta.get("grade") and not meta.get("solution")
        ):
            try:
                trees.append(parse_cell(cell.source))
            except Unreadable:
                continue
    return trees


@dataclass(frozen=True)
class Context:
    """What the instructor's notebook defines, and so what student code must not touch."""

    provided: frozenset  # names bound by the read-only cells (np, check_array, ...)
    test_only: frozenset  # names bound only by the test cells (ref, run_case, ...)
    modules: frozenset  # names that hold modules in the read-only cells (np, plt, ...)
    released_tests: dict  # grade_id -> what the test cell does as released (``_code_of``)
    imported: dict  # name -> what the read-only cells import as it ("numpy", "math.sqrt")

    @classmethod
    def from_notebooks(cls, source_nb, release_nb) -> "Context":
        provided, modules, imported = set(), set(), {}
        for tree in _instructor_trees(source_nb, read_only=True):
            provided |= _bound_names(tree)
            for node in tree.body:
                if isinstance(node, ast.Import):
                    modules |= {(a.asname or a.name).split(".")[0] for a in node.names}
                if isinstance(node, ast.Import | ast.ImportFrom):
                    imported |= import_bindings(node)
        test_bound = set()
        for tree in _instructor_trees(source_nb, tests=True):
            test_bound |= _bound_names(tree)
        released = {
            nbgrader_meta(c)["grade_id"]: _code_of(c.source)
            for c in release_nb.cells
            if c.cell_type == "code"
            and nbgrader_meta(c).get("grade")
            and not nbgrader_meta(c).get("solution")
        }
        return cls(
            frozenset(provided),
            frozenset(test_bound - provided),
            frozenset(modules),
            released,
            imported,
        )


def scan(student_nb, context: Context) -> list[Finding]:
    """Every finding in a student's notebook (an empty list means: grade it)."""
    findings, readable = [], []
    for cell in student_nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        grade_id = meta.get("grade_id", "")
        try:
            magic = automagic(cell.source, set(context.provided))
            if magic is None:
                readable.append((grade_id, parse_cell(cell.source), cell.source))
        except Unreadable as err:
            what = f"this cell cannot be read ({err.reason}): {UNREADABLE}"
            findings.append(Finding(grade_id, err.line, what))
            continue
        if magic:
            line = dropped_lines(cell.source) + 1
            findings.append(Finding(grade_id, line, f"IPython runs this one-line cell as {magic}"))
    own = set().union(*(_bound_names(tree) for _, tree, _ in readable))
    for grade_id, tree, source in readable:
        findings += _scan_cell(grade_id, tree, source, context, own)
    findings += _scan_test_cells(student_nb, context)
    return list(dict.fromkeys(findings))


def _scan_cell(grade_id: str, tree: ast.Module, source: str, context: Context, own: set):
    """The findings of one readable solution cell."""
    try:
        scanner = Scanner(grade_id, context)
        scanner.visit(tree)
        return scanner.findings + free_test_names(grade_id, source, context, own)
    except RecursionError:
        what = f"this cell is nested too deeply to be read: {UNREADABLE}"
        return [Finding(grade_id, 0, what)]


def _scan_test_cells(student_nb, context: Context) -> list[Finding]:
    seen = {}
    for cell in student_nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            seen[meta.get("grade_id", "")] = cell.source
    findings = []
    for grade_id, code in context.released_tests.items():
        if grade_id not in seen:
            findings.append(Finding(grade_id, 0, "this test cell was deleted"))
        elif _code_of(seen[grade_id]) != code:
            findings.append(Finding(grade_id, 0, "this test cell was edited"))
    return findings


def _code_of(source: str) -> str:
    """What a test cell does, apart from layout and comments: a cell reformatted (by the
    instructor between releases, or by the student's editor) or commented is not edited."""
    try:
        return ast.dump(parse_cell(source))
    except (Unreadable, RecursionError, ValueError):
        return source.strip()
