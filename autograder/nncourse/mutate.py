"""Make student submissions from the instructor's notebook, with chosen functions replaced.

This is how an instructor tests the tests: a correct submission must get full marks, a
submission with a realistic bug in one function must lose points on that function's
tests, and a correct alternative must not. The test suite's mutation catalogs and the
bundled sample class are built with it.
"""

import ast
import re
import textwrap

import nbformat

SOLUTION_BLOCK = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def strip_solution_markers(source: str) -> str:
    """Source of a solution cell as a student who solved it would submit it."""
    return SOLUTION_BLOCK.sub("", source)


def replace_definition(source: str, target: str, new_source: str) -> str:
    """Replace a top-level ``def``/``class`` named ``target``, or a method ``Class.method``,
    in ``source`` by ``new_source`` (a dedented definition, re-indented for methods).

    Raises ``KeyError`` when ``target`` is not defined in ``source``.
    """
    tree = ast.parse(source)
    owner, _, name = target.rpartition(".")
    body, indent = tree.body, ""
    if owner:
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner]
        if not classes:
            raise KeyError(target)
        body = classes[0].body
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            lines = source.splitlines(keepends=True)
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            indent = " " * node.col_offset
            replacement = textwrap.indent(textwrap.dedent(new_source).strip("\n") + "\n", indent)
            return "".join(lines[:start]) + replacement + "".join(lines[node.end_lineno :])
    raise KeyError(target)


def defined_names(source: str) -> set[str]:
    """Top-level functions and classes, and ``Class.method`` names, defined in ``source``."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}.{m.name}" for m in node.body if isinstance(m, ast.FunctionDef)
            )
    return names


def solved_submission(release_nb, solution_nb, replacements: dict[str, str] | None = None):
    """The release notebook with every solution cell filled in from the solution notebook,
    and each ``target -> source`` in ``replacements`` swapped in.

    Cells are matched by nbgrader grade_id. Returns a new notebook; raises ``KeyError`` if a
    replacement target is defined in no solution cell.
    """
    replacements = dict(replacements or {})
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in solution_nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution") or meta.get("grade_id") not in solutions:
            continue
        source = strip_solution_markers(solutions[meta["grade_id"]].source)
        if cell.cell_type == "code":
            for target in sorted(defined_names(source) & set(replacements)):
                source = replace_definition(source, target, replacements.pop(target))
        cell.source = source
    if replacements:
        raise KeyError(f"not defined in any solution cell: {', '.join(sorted(replacements))}")
    return nb
