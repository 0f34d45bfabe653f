"""Tamper detection: read a student's notebook with ``ast`` before any of it runs.

Points must come only from the student's own graded functions passing the instructor's
tests. Everything a notebook could do to the tests themselves is a *finding*:

- **imports** of the course library (the reference implementations live in ``nnkit``)
  or of modules that reach into the interpreter (``importlib``, ``ctypes``, ``gc``,
  ``inspect``, ``builtins``, ``unittest.mock``...), and ``__import__``;
- **writes to shared objects**: assigning or deleting an attribute or item of a module
  (``np.allclose = ...``, ``np.testing.__dict__[...] = ...``), also through an alias
  or ``setattr``/``delattr``; rebinding a builtin (``AssertionError``, ``abs``...), a
  name of the read-only cells (``check_array``, ``np``) or of the tests (``ref``), or
  declaring one of those ``global``;
- **interpreter hooks and introspection**: ``sys.settrace``/``setprofile``/
  ``excepthook``/``modules``/``_getframe``, ``threading.settrace``, ``exec``, ``eval``,
  ``compile``, ``globals``, ``vars``, ``__builtins__`` and frame or code attributes
  (``f_back``, ``f_locals``, ``__globals__``, ``__code__``, ``__subclasses__``...);
- **reading the tests' variables**: a graded function that uses a name only the test
  cells define (``ref``, ``expected``), instead of computing its answer;
- **edited or deleted test cells** (compared with the released notebook).

A notebook with findings is not executed at all; it is reported ``tampered`` with the
findings as its detail and earns nothing (README, "Grading rules"). The scan runs on the
solution cells, where graded code lives; other cells are not executed by the grader.
"""

import ast
import builtins
import symtable
from dataclasses import dataclass

FORBIDDEN_MODULES = {
    "nnkit",
    "importlib",
    "ctypes",
    "gc",
    "inspect",
    "builtins",
    "__builtin__",
    "unittest",
    "pytest",
    "_pytest",
    "dis",
    "types",
    "traceback",
    "atexit",
    "threading",
    "multiprocessing",
    "subprocess",
    "socket",
    "nbgrader",
    "IPython",
    "ipykernel",
}
FORBIDDEN_CALLS = {"__import__", "exec", "eval", "compile", "globals", "vars", "setattr", "delattr"}
SYS_HOOKS = {
    "settrace",
    "setprofile",
    "excepthook",
    "displayhook",
    "modules",
    "_getframe",
    "meta_path",
    "path_hooks",
    "addaudithook",
    "monitoring",
    "breakpointhook",
}
DUNDER_ESCAPES = {
    "__builtins__",
    "__globals__",
    "__code__",
    "__closure__",
    "__subclasses__",
    "__dict__",
    "__class__",
    "__bases__",
    "__mro__",
    "__import__",
    "__loader__",
    "__spec__",
    "f_back",
    "f_locals",
    "f_globals",
    "f_builtins",
    "tb_frame",
    "gi_frame",
    "cr_frame",
}
BUILTIN_NAMES = set(dir(builtins))


@dataclass(frozen=True)
class Finding:
    cell: str  # grade_id of the cell, or "" when unknown
    line: int
    what: str

    def __str__(self) -> str:
        where = [self.cell] if self.cell else []
        where += [f"line {self.line}"] if self.line else []
        return f"{', '.join(where)}: {self.what}" if where else self.what


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


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


def python_source(source: str) -> str:
    """Cell source with IPython magics and shell escapes (``%...``, ``!...``) blanked,
    so that ``ast`` reads the rest with the same line numbers."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(python_source(source))
    except SyntaxError:
        return None


def _code_sources(nb, *, read_only: bool = False, tests: bool = False) -> list[str]:
    sources = []
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code":
            continue
        if (read_only and meta.get("locked") and not meta.get("grade")) or (
            tests and meta.get("grade") and not meta.get("solution")
        ):
            sources.append(cell.source)
    return sources


@dataclass(frozen=True)
class Context:
    """What the instructor's notebook defines, and so what student code must not touch."""

    provided: frozenset  # names bound by the read-only cells (np, check_array, ...)
    test_only: frozenset  # names bound only by the test cells (ref, run_case, ...)
    modules: frozenset  # names that hold modules in the read-only cells (np, plt, ...)
    released_tests: dict  # grade_id -> source of the test cell as released

    @classmethod
    def from_notebooks(cls, source_nb, release_nb) -> "Context":
        provided, modules = set(), set()
        for src in _code_sources(source_nb, read_only=True):
            tree = _parse(src)
            if tree is None:
                continue
            provided |= _bound_names(tree)
            for node in tree.body:
                if isinstance(node, ast.Import):
                    modules |= {(a.asname or a.name).split(".")[0] for a in node.names}
        test_bound = set()
        for src in _code_sources(source_nb, tests=True):
            tree = _parse(src)
            if tree is not None:
                test_bound |= _bound_names(tree)
        released = {
            _nbgrader(c)["grade_id"]: c.source
            for c in release_nb.cells
            if c.cell_type == "code"
            and _nbgrader(c).get("grade")
            and not _nbgrader(c).get("solution")
        }
        return cls(
            frozenset(provided),
            frozenset(test_bound - provided),
            frozenset(modules),
            released,
        )


def scan(student_nb, context: Context) -> list[Finding]:
    """Every finding in a student's notebook (an empty list means: grade it)."""
    findings = []
    solution_trees = []
    for cell in student_nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            tree = _parse(cell.source)
            if tree is not None:  # a syntax error is the student's own failure
                solution_trees.append((meta.get("grade_id", ""), tree, cell.source))
    own = set().union(*(_bound_names(t) for _, t, _ in solution_trees))
    for grade_id, tree, source in solution_trees:
        findings += _scan_tree(grade_id, tree, source, context, own)
    findings += _scan_test_cells(student_nb, context)
    return findings


def _scan_test_cells(student_nb, context: Context) -> list[Finding]:
    seen = {}
    for cell in student_nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            seen[meta.get("grade_id", "")] = cell.source
    findings = []
    for grade_id, source in context.released_tests.items():
        if grade_id not in seen:
            findings.append(Finding(grade_id, 0, "this test cell was deleted"))
        elif seen[grade_id].strip() != source.strip():
            findings.append(Finding(grade_id, 0, "this test cell was edited"))
    return findings


class _Scanner(ast.NodeVisitor):
    def __init__(self, grade_id: str, context: Context, own: set[str]):
        self.grade_id = grade_id
        self.context = context
        self.own = own
        self.modules = set(context.modules)
        self.findings: list[Finding] = []
        self.depth = 0  # > 0 inside a function

    def flag(self, node, what: str) -> None:
        self.findings.append(Finding(self.grade_id, getattr(node, "lineno", 0), what))

    # imports -------------------------------------------------------------------------
    def visit_Import(self, node):
        for alias in node.names:
            self._check_module(node, alias.name)
            self.modules.add((alias.asname or alias.name).split(".")[0])

    def visit_ImportFrom(self, node):
        self._check_module(node, node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.flag(node, f"`from {node.module} import *` hides what is imported")
            else:  # may be a submodule (`from numpy import testing`): guard it like one
                self.modules.add(alias.asname or alias.name)

    def _check_module(self, node, name: str) -> None:
        top = name.split(".")[0]
        if top in FORBIDDEN_MODULES:
            self.flag(node, f"imports {name}, which graded code may not use")

    # writes --------------------------------------------------------------------------
    def _root(self, node) -> ast.AST:
        while isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        return node

    def _check_target(self, target, node, verb: str) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self._check_target(elt, node, verb)
            return
        if isinstance(target, ast.Starred):
            self._check_target(target.value, node, verb)
            return
        if isinstance(target, ast.Name):
            self._check_rebinding(target.id, node)
            return
        root = self._root(target)
        if isinstance(root, ast.Name) and self._shared(root.id):
            self.flag(node, f"{verb} {ast.unparse(target)}, which belongs to {root.id}")
        elif isinstance(target, ast.Attribute) and not isinstance(root, ast.Name):
            self.flag(node, f"{verb} {ast.unparse(target)}")

    def _shared(self, name: str) -> bool:
        """A name whose attributes the student must not change: a module, a builtin or a
        name of the read-only cells. (The tests' own variables are reachable only as
        globals, which ``_free_test_names`` reports.)"""
        return name in self.modules or name in BUILTIN_NAMES or name in self.context.provided

    def _check_rebinding(self, name: str, node) -> None:
        """Top-level rebinding of a name the tests use but do not bind themselves (inside
        a function an assignment only makes a local)."""
        if self.depth > 0:
            return
        if name in self.context.provided:
            self.flag(node, f"rebinds {name}, which the tests rely on")
        elif name in BUILTIN_NAMES:
            self.flag(node, f"rebinds the builtin {name}")
        elif name in self.modules:
            self.flag(node, f"rebinds the module name {name}")

    def visit_Assign(self, node):
        for target in node.targets:
            self._check_target(target, node, "assigns")
        self._alias(node)
        self.generic_visit(node)

    def _alias(self, node) -> None:
        """``a = np`` makes ``a`` a module alias: writes through it are writes to numpy."""
        value = node.value
        if isinstance(value, ast.Name | ast.Attribute):
            root = self._root(value)
            if isinstance(root, ast.Name) and root.id in self.modules:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.modules.add(target.id)

    def visit_AugAssign(self, node):
        self._check_target(node.target, node, "changes")
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._check_target(node.target, node, "assigns")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._check_target(target, node, "deletes")

    def visit_Global(self, node):
        for name in node.names:
            if name in self.context.provided or name in self.context.test_only:
                self.flag(node, f"declares `global {name}`, a name the tests rely on")
            elif name in BUILTIN_NAMES or name in self.modules:
                self.flag(node, f"declares `global {name}`")

    def visit_FunctionDef(self, node):
        self._check_definition(node)
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._check_definition(node)
        self.generic_visit(node)

    def visit_Lambda(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def _check_definition(self, node) -> None:
        if self.depth == 0:
            self._check_rebinding(node.name, node)

    # hooks and introspection ----------------------------------------------------------
    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
            self.flag(node, f"calls {func.id}()")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        root = self._root(node)
        if node.attr in DUNDER_ESCAPES:
            self.flag(node, f"uses .{node.attr}")
        elif isinstance(root, ast.Name) and root.id == "sys" and node.attr in SYS_HOOKS:
            self.flag(node, f"uses sys.{node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node):
        bare = node.id in DUNDER_ESCAPES or node.id in FORBIDDEN_CALLS
        if bare and not isinstance(getattr(node, "parent_call", None), ast.Call):
            self.flag(node, f"uses {node.id}")


def _free_test_names(grade_id: str, source: str, context: Context, own: set[str]):
    """Findings for functions that read a variable only the test cells define (a global
    of the function, by Python's own scoping rules)."""
    findings = []
    try:
        table = symtable.symtable(python_source(source), grade_id or "<cell>", "exec")
    except SyntaxError:
        return findings
    todo = list(table.get_children())
    while todo:
        scope = todo.pop()
        todo += scope.get_children()
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            if (
                symbol.is_referenced()
                and symbol.is_global()
                and name in context.test_only
                and name not in own
                and name not in context.provided
            ):
                line = getattr(scope, "get_lineno", lambda: 0)()
                findings.append(
                    Finding(
                        grade_id,
                        line,
                        f"{scope.get_name()} uses {name}, a variable of the instructor's tests",
                    )
                )
    return findings


def _scan_tree(grade_id: str, tree: ast.Module, source: str, context: Context, own: set[str]):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            node.func.parent_call = node
    scanner = _Scanner(grade_id, context, own)
    scanner.visit(tree)
    return scanner.findings + _free_test_names(grade_id, source, context, own)
