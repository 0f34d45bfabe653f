"""Validate tells the truth: check a notebook the way grading will see it.

Grading runs only the notebook's read-only cells, its test cells and the student's
solution cells (``### BEGIN SOLUTION`` cells). A cell the student adds, and every lesson
cell (plots, widgets), is not run. So a helper written in such a *scratch* cell and
called from a solution cell works in the student's own kernel and is a ``NameError`` at
grading. Two things here make that visible before submitting:

- ``ungraded_names(nb)``, a static check: every global name a solution cell uses (at its
  top level or inside its functions and methods) that grading would not define, but a
  cell that grading does not run does. ``Finding.message`` says so by name::

      `check_t_lr0` is defined in a cell that is not a solution cell (...); grading runs
      only solution cells: move it into one.

  Cells are read as IPython runs them (magics transformed); a cell that does not parse
  is skipped. A name counts as defined for a solution cell when the cell defines it
  itself, when it is a builtin or provided by IPython, or when a read-only or solution
  cell defines or imports it earlier in the notebook (or anywhere, for a name used only
  inside a function body, which runs later). Not a test cell: at grading, test cells
  run apart from the student's code (their cases are run by the grader), so a name a
  test cell imports is reported too, with its own message.
- ``grading_view``, an nbclient ``on_notebook_start`` hook for nbgrader's Validate:
  it removes the code cells that grading does not run before nbgrader executes the
  notebook, and adds one failing (0-point) check after the first solution cell that uses
  each name found above, whose error is ``Finding.message``. ``nbgrader_config_text()``
  is the ``nbgrader_config.py`` of the student bundle that installs it, for
  ``nbgrader validate NOTEBOOK`` run in the bundle's folder and for the Validate button
  of JupyterLab started there.

This module ships to students with nnkit: it holds no answer and knows nothing of the
grader.
"""

import ast
import builtins
import re
import symtable
import textwrap
from dataclasses import dataclass

import nbformat

# Names IPython puts in every kernel's namespace, on top of the builtins.
IPYTHON_NAMES = frozenset(
    {"get_ipython", "display", "In", "Out", "exit", "quit", "_", "__", "___"}
    | {"_i", "_ii", "_iii", "_ih", "_oh", "_dh", "__builtins__", "__name__", "__doc__"}
)
IPYTHON_NUMBERED = re.compile(r"_i?\d+$")  # _5 (output 5), _i5 (input 5)
BUILTIN_NAMES = frozenset(dir(builtins))
# A tag nbclient skips (its default ``skip_cells_with_tag``): the added checks keep the
# error we give them instead of being run.
SKIP_TAG = "skip-execution"
CHECK_ID = "nnkit_validation_{}"
MESSAGE_WIDTH = 78  # nbgrader validate cuts lines longer than 87 characters


def nbgrader_role(cell) -> str:
    """``"solution"``, ``"test"``, ``"read-only"`` or ``""`` (a cell grading does not run)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("solution"):
        return "solution"
    if meta.get("grade"):
        return "test"
    if meta.get("locked"):
        return "read-only"
    return ""


def runs_in_grading(cell) -> bool:
    """True for a code cell that grading executes (read-only, solution or test)."""
    return cell.get("cell_type") == "code" and bool(nbgrader_role(cell))


@dataclass(frozen=True)
class CellNames:
    """The global names one cell binds and uses.

    ``defines``: names bound at the cell's top level (assignments, ``def``, ``class``,
    imports) or through ``global`` in its functions; ``imports``: those bound by an
    import. ``uses``: global name -> the qualified names of the functions and methods
    whose bodies use it (``TwoLayerNet.loss``), ``""`` for a use that runs with the cell
    (its top level, a class body, a comprehension). ``star``: the cell has a
    ``from ... import *``, so it may define any name.
    """

    defines: frozenset[str]
    imports: frozenset[str]
    uses: dict[str, frozenset[str]]
    star: bool


def ipython_source(source: str) -> str:
    """``source`` as IPython runs it: magics and prompts turned into Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def cell_names(source: str) -> CellNames | None:
    """The names ``source`` (one cell, IPython syntax) binds and uses; None if it does
    not parse."""
    try:
        python = ipython_source(source)
        tree = ast.parse(python)
        table = symtable.symtable(python, "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return None
    defines, imports, uses = set(), set(), {}
    for symbol in table.get_symbols():
        name = symbol.get_name()
        if symbol.is_assigned() or symbol.is_imported():
            defines.add(name)
        if symbol.is_imported():
            imports.add(name)
        if symbol.is_referenced():
            uses.setdefault(name, set()).add("")
    for child in table.get_children():
        _scope_names(child, "", False, defines, uses)
    star = any(
        isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
        for node in tree.body
    )
    return CellNames(
        frozenset(defines),
        frozenset(imports),
        {name: frozenset(users) for name, users in uses.items()},
        star,
    )


COMPREHENSIONS = ("listcomp", "setcomp", "dictcomp", "genexpr")


def _scope_names(table, outer: str, deferred: bool, defines: set, uses: dict) -> None:
    """Collect the global uses and ``global`` bindings of the nested scope ``table``.

    A ``def`` or ``lambda`` body runs later (``deferred``), a class body or comprehension
    when the code around it runs. Deferred uses are recorded under the scope's qualified
    name (``TwoLayerNet.loss``), immediate ones under ``""``."""
    name = table.get_name()
    comprehension = name in COMPREHENSIONS
    qualname = outer if comprehension else f"{outer}.{name}" if outer else name
    deferred = deferred or (table.get_type() == "function" and not comprehension)
    for symbol in table.get_symbols():
        if not symbol.is_global():
            continue
        if symbol.is_declared_global() and symbol.is_assigned():
            defines.add(symbol.get_name())
        if symbol.is_referenced():
            uses.setdefault(symbol.get_name(), set()).add(qualname if deferred else "")
    for child in table.get_children():
        _scope_names(child, qualname, deferred, defines, uses)


@dataclass(frozen=True)
class Finding:
    """A name that cells grading runs use and that only cells which do not define it for
    them at grading define.

    ``defined_in`` and ``used_in`` are cell indices into the notebook; ``used_by`` the
    functions and classes using it (``""``: a cell's top level); ``where`` a description
    of the first defining cell, whose ``nbgrader_role`` is ``definer_role`` (``""`` for a
    cell grading does not run, ``"test"`` for a test cell); ``imported``: that cell
    imports it."""

    name: str
    imported: bool
    defined_in: tuple[int, ...]
    used_in: tuple[int, ...]
    used_by: tuple[str, ...]
    where: str
    definer_role: str = ""

    @property
    def message(self) -> str:
        verb = "imported" if self.imported else "defined"
        users = [f"`{u}`" for u in self.used_by if u]
        if "" in self.used_by:
            users.append("the top level of a solution cell")
        more = len(self.defined_in) - 1
        where = self.where + (f", and {more} other cell{'s' * (more > 1)}" if more else "")
        if self.definer_role == "test":
            rule = (
                "grading runs test cells apart from your code, so a solution cell cannot "
                f"use what they define: {'import' if self.imported else 'define'} it in a "
                "solution cell"
            )
            kind = "a test cell"
        else:
            rule = "grading runs only solution cells: move it into one"
            kind = "a cell that is not a solution cell"
        return f"`{self.name}` is {verb} in {kind} ({where}); {rule}. Used by {', '.join(users)}."


def provides(provider_role: str, user_role: str) -> bool:
    """Whether, at grading, a cell of ``provider_role`` defines names for code in a cell
    of ``user_role`` (roles of ``nbgrader_role``). Grading runs read-only and solution
    cells as they are; a test cell's cases run apart from the student's code (a solution
    cell cannot use an import of a test cell), though in the student's kernel, before
    grading, test cells still run in order and see each other's names."""
    return bool(provider_role) and (provider_role != "test" or user_role == "test")


def ungraded_names(nb, roles=("solution",)) -> list[Finding]:
    """Names that the cells of ``roles`` (``nbgrader_role``; by default the solution
    cells) of ``nb`` (a notebook node or dict) use and that grading will not define for
    them, though a cell grading does not run (or a test cell) defines them; in the order
    of their first use."""
    cells = nb["cells"]
    names = [cell_names(_source(c)) if c["cell_type"] == "code" else None for c in cells]
    role = [nbgrader_role(c) if n is not None else None for c, n in zip(cells, names, strict=True)]
    found: dict[str, dict] = {}
    for index, own in enumerate(names):
        if own is None or role[index] not in roles:
            continue
        given = [j for j, n in enumerate(names) if n is not None and provides(role[j], role[index])]
        earlier = set().union(*(names[j].defines for j in given if j < index))
        everywhere = set().union(*(names[j].defines for j in given))
        star_earlier = any(names[j].star for j in given if j < index)
        star_anywhere = any(names[j].star for j in given)
        for name, users in own.uses.items():
            if _available(name, users, own, earlier, everywhere):
                continue
            if star_earlier or (star_anywhere and "" not in users):
                continue  # a star import grading runs may define it
            definers = sorted(
                (j for j, n in enumerate(names) if j not in given and n and name in n.defines),
                key=lambda j: (role[j] == "test", j),  # cells grading skips first
            )
            if not definers:
                continue  # defined nowhere: a NameError says so when it runs
            entry = found.setdefault(name, {"definers": definers, "used_in": [], "by": []})
            entry["used_in"].append(index)
            entry["by"].extend(sorted(users - set(entry["by"])))
    return [
        Finding(
            name,
            name in names[entry["definers"][0]].imports,
            tuple(entry["definers"]),
            tuple(entry["used_in"]),
            tuple(entry["by"]),
            describe_cell(cells, entry["definers"][0]),
            role[entry["definers"][0]],
        )
        for name, entry in found.items()
    ]


def _available(name: str, users, own: CellNames, earlier: set, everywhere: set) -> bool:
    """Whether grading defines ``name`` by the time the cell ``own`` uses it."""
    if name in own.defines or name in BUILTIN_NAMES or name in IPYTHON_NAMES:
        return True
    if IPYTHON_NUMBERED.match(name) or name in earlier:
        return True
    return "" not in users and name in everywhere  # used only inside bodies, run later


def describe_cell(cells, index: int) -> str:
    """Where cell ``index`` is, as a reader finds it: the code cells counted from the
    heading above it, e.g. 'the 2nd code cell under "2. Step decay", cell 16 of 68'."""
    heading, count = "", 0
    for cell in reversed(cells[: index + 1]):
        if cell["cell_type"] == "code":
            count += 1
            continue
        lines = [ln for ln in _source(cell).splitlines() if ln.startswith("#")]
        if cell["cell_type"] == "markdown" and lines:
            heading = lines[-1].lstrip("#").strip()
            break
    position = f"cell {index + 1} of {len(cells)}"
    if not heading:
        return position
    return f'the {_ordinal(count)} code cell under "{heading}", {position}'


def _source(cell) -> str:
    """A cell's source (a list of lines in a notebook read as plain JSON)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def failing_check(finding: Finding):
    """A 0-point nbgrader test cell holding ``finding.message`` as its error; Validate
    reports it as a failed cell, and nbclient does not run it (``SKIP_TAG``)."""
    source = f"# `{finding.name}`, used by a solution cell (checked by nnkit.validation)"
    lines = textwrap.wrap(finding.message, MESSAGE_WIDTH)
    error = nbformat.v4.new_output(
        "error", ename="NameError", evalue=finding.message, traceback=lines
    )
    meta = {
        "tags": [SKIP_TAG],
        "nbgrader": {
            "grade": True,
            "solution": False,
            "locked": False,
            "points": 0,
            "grade_id": CHECK_ID.format(finding.name),
            "schema_version": 3,
        },
    }
    return nbformat.v4.new_code_cell(source, metadata=meta, outputs=[error])


def grading_view(notebook, **_hook_kwargs) -> None:
    """nbclient ``on_notebook_start`` hook: turn ``notebook`` (in place) into what
    grading runs, plus a failing check for each name of ``ungraded_names``."""
    findings = ungraded_names(notebook)
    checks: dict[int, list] = {}
    for finding in findings:
        checks.setdefault(finding.used_in[0], []).append(failing_check(finding))
    kept = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or runs_in_grading(cell):
            kept.append(cell)
        kept.extend(checks.get(index, ()))
    notebook.cells[:] = kept


CONFIG_TEXT = '''\
"""nbgrader configuration of this bundle: Validate checks a notebook as grading sees it.

Grading runs only the read-only, solution and test cells of a notebook. So Validate
(`nbgrader validate ID/ID.ipynb` run in this folder, or the Validate button of
JupyterLab started in this folder) runs only those cells too, and fails, naming it, when
a solution cell uses something that only another cell defines (nnkit.validation).
"""

from nnkit.validation import grading_view

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

# nbclient calls this before the first cell runs, with the notebook to execute.
c.Validator.Execute.on_notebook_start = grading_view
'''


def nbgrader_config_text() -> str:
    """The text of the student bundle's ``nbgrader_config.py`` (see ``grading_view``)."""
    return CONFIG_TEXT
