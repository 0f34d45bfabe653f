"""The visitor that reads one cell's syntax tree and records what it finds."""

import ast
import symtable
from typing import TYPE_CHECKING

from .reading import Finding, dropped_lines, ipython_source
from .rules import (
    ALLOWED_DUNDER_STRINGS,
    ALLOWED_DUNDERS,
    ALLOWED_MODULES,
    ATTRIBUTE_FUNCTIONS,
    BUILTIN_NAMES,
    DUNDER,
    ESCAPES,
    FORBIDDEN_NAMES,
    INTROSPECTION_ATTRIBUTES,
    IPYTHON_HOOKS,
    IPYTHON_NAMES,
    LYING_DEFINITIONS,
    NAMED_IN_STRINGS,
    SHARED_ATTRIBUTES,
    SYS_HOOKS,
    WHY_DUNDER,
)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown(node: ast.AST) -> str:
    """Source of an expression as a finding shows it before ``.attribute``."""
    text = _short(ast.unparse(node))
    simple = ast.Name | ast.Attribute | ast.Call | ast.Subscript | ast.Constant | ast.Tuple
    return text if isinstance(node, simple) else f"({text})"


def _string_argument(call: ast.Call, index: int) -> str | None:
    if len(call.args) > index:
        arg = call.args[index]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return None


def ipython_call(node: ast.Call) -> str | None:
    """What a ``get_ipython().method(...)`` call does, in the student's terms (IPython's
    transformation writes magics and shell escapes as such calls), or None."""
    func = node.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
    ):
        return None
    name, argument = _string_argument(node, 0), _string_argument(node, 1) or ""
    if func.attr == "run_line_magic" and name is not None:
        return f"runs the IPython magic %{_short(f'{name} {argument}'.strip())}"
    if func.attr == "run_cell_magic" and name is not None:
        return f"runs the IPython cell magic %%{_short(f'{name} {argument}'.strip())}"
    if func.attr in ("system", "getoutput") and name is not None:
        return f"runs the shell command !{_short(name)}"
    return f"calls get_ipython().{func.attr}(), IPython's shell"


if TYPE_CHECKING:
    from .scan import Context


class Scanner(ast.NodeVisitor):
    def __init__(self, grade_id: str, context: "Context"):
        self.grade_id = grade_id
        self.context = context
        self.modules = set(context.modules)
        self.findings: list[Finding] = []
        self.depth = 0  # > 0 inside a function or class body
        self.calls: set[int] = set()  # ids of Name nodes called directly

    def flag(self, node, what: str) -> None:
        self.findings.append(Finding(self.grade_id, getattr(node, "lineno", 0), what))

    # imports -------------------------------------------------------------------------
    def visit_Import(self, node):
        for alias in node.names:
            self._check_module(node, alias.name)
        self._check_import_bindings(node)
        self.modules |= set(import_bindings(node))

    def visit_ImportFrom(self, node):
        if node.level:
            self.flag(node, "uses a relative import")
        self._check_module(node, node.module or "")
        self._check_import_bindings(node)
        for alias in node.names:
            if alias.name == "*":
                self.flag(node, f"`from {node.module} import *` hides what is imported")
                continue
            self._check_escape(node, alias.name)
            self._check_attribute_name(node, alias.name, node.module or "")
            if node.module == "sys" and alias.name in SYS_HOOKS:
                self.flag(node, f"uses sys.{alias.name}")
            # it may be a submodule (`from numpy import testing`): guard it like one
            self.modules.add(alias.asname or alias.name)

    def _check_import_bindings(self, node) -> None:
        """An import rebinds names too; importing again what the read-only cells import
        under that name (``import numpy as np``) changes nothing and is fine."""
        for name, what in import_bindings(node).items():
            if name != "*" and self.context.imported.get(name) != what:
                self._check_rebinding(name, node, "rebinds")

    def _check_module(self, node, name: str) -> None:
        parts = name.split(".")
        if parts[0] and parts[0] not in ALLOWED_MODULES:
            allowed = ", ".join(sorted(ALLOWED_MODULES))
            self.flag(node, f"imports {name}; graded code may import only {allowed}")
            return
        for part in parts[1:]:
            self._check_escape(node, part)
            if part.startswith("_"):
                self.flag(node, f"imports {name}, a private part of {parts[0]}")

    def _check_escape(self, node, name: str) -> None:
        if name in ESCAPES:
            self.flag(node, f"reaches {name}: {ESCAPES[name]}")

    # writes --------------------------------------------------------------------------
    def _root(self, node) -> ast.AST:
        while isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        return node

    def _check_target(self, target, node, verb: str) -> None:
        """An attribute or item written or deleted (names are judged by ``visit_Name``)."""
        if isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self._check_target(elt, node, verb)
            return
        if isinstance(target, ast.Starred):
            self._check_target(target.value, node, verb)
            return
        if not isinstance(target, ast.Attribute | ast.Subscript):
            return
        root = self._root(target)
        shown = _short(ast.unparse(target))
        if isinstance(root, ast.Name) and self._shared(root.id):
            self.flag(node, f"{verb} {shown}, which belongs to {root.id}")
        elif isinstance(target, ast.Attribute) and not isinstance(root, ast.Name):
            self.flag(node, f"{verb} {shown}")
        elif (
            isinstance(target, ast.Attribute)
            and target.attr in SHARED_ATTRIBUTES
            and not (isinstance(root, ast.Name) and root.id in ("self", "cls"))
        ):
            self.flag(node, f"{verb} {shown}: {target.attr} is a name of numpy or the builtins")

    def _shared(self, name: str) -> bool:
        """A name whose attributes the student must not change: a module, a builtin or a
        name of the read-only cells. (The tests' own variables are reachable only as
        globals, which ``free_test_names`` reports.)"""
        return name in self.modules or name in BUILTIN_NAMES or name in self.context.provided

    def _check_rebinding(self, name: str, node, verb: str) -> None:
        """Top-level rebinding of a name the tests use but do not bind themselves (inside
        a function or class an assignment only makes a local)."""
        if self.depth > 0:
            return
        if name in self.context.provided:
            self.flag(node, f"{verb} {name}, which the tests rely on")
        elif name in BUILTIN_NAMES:
            self.flag(node, f"{verb} the builtin {name}")
        elif name in self.modules:
            self.flag(node, f"{verb} the module name {name}")

    def visit_Assign(self, node):
        for target in node.targets:
            self._check_target(target, node, "assigns")
        self.generic_visit(node)
        self._alias(node.value, node.targets)  # after: a new alias is no rebinding

    def visit_NamedExpr(self, node):
        self.generic_visit(node)
        self._alias(node.value, [node.target])

    def _alias(self, value, targets) -> None:
        """``a = np`` or ``a = [np][0]`` makes ``a`` a module alias: writes through it are
        writes to numpy. (A module returned by a call is not followed; attribute writes
        of numpy's names are caught by ``SHARED_ATTRIBUTES`` instead.)"""
        if not self._holds_module(value):
            return
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    self.modules.add(sub.id)

    def _holds_module(self, value) -> bool:
        """``value`` is a module, or a container holding one, as far as the syntax shows:
        a module name or its attribute chain, a tuple, list or dict of them, an item of
        such a container, a conditional or ``or`` between them."""
        if isinstance(value, ast.Name):
            return value.id in self.modules
        if isinstance(value, ast.Attribute | ast.Starred | ast.NamedExpr):
            return self._holds_module(value.value)
        if isinstance(value, ast.Subscript):  # [np][0], but not np.r_[0, 1]
            container = ast.Name | ast.Subscript | ast.Tuple | ast.List | ast.Dict
            return isinstance(value.value, container) and self._holds_module(value.value)
        if isinstance(value, ast.Tuple | ast.List | ast.Set):
            return any(self._holds_module(elt) for elt in value.elts)
        if isinstance(value, ast.Dict):
            return any(self._holds_module(v) for v in value.values)
        if isinstance(value, ast.BoolOp):
            return any(self._holds_module(v) for v in value.values)
        if isinstance(value, ast.IfExp):
            return self._holds_module(value.body) or self._holds_module(value.orelse)
        return False

    def visit_AugAssign(self, node):
        self._check_target(node.target, node, "changes")
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._check_target(node.target, node, "assigns")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._check_target(target, node, "deletes")
        self.generic_visit(node)

    def visit_Global(self, node):
        for name in node.names:
            if name in self.context.provided or name in self.context.test_only:
                self.flag(node, f"declares `global {name}`, a name the tests rely on")
            elif name in BUILTIN_NAMES or name in self.modules:
                self.flag(node, f"declares `global {name}`")

    def visit_ExceptHandler(self, node):
        if node.name:
            self._check_rebinding(node.name, node, "rebinds")
        self.generic_visit(node)

    # definitions ---------------------------------------------------------------------
    def visit_FunctionDef(self, node):
        self._check_rebinding(node.name, node, "rebinds")
        self._nested(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._nested(node)

    def visit_ClassDef(self, node):
        self._check_rebinding(node.name, node, "rebinds")
        for base in node.bases:
            plain = isinstance(base, ast.Name) and base.id not in self.modules
            if not plain:
                self.flag(
                    node,
                    f"class {node.name} derives from {_short(ast.unparse(base))}: graded "
                    "classes derive only from plain names (object, an exception, your own)",
                )
        for name in _class_body_names(node):
            if name in LYING_DEFINITIONS or name.startswith("__array"):
                self.flag(
                    node,
                    f"class {node.name} defines {name}: a value that lies about its type "
                    "or equality could fool the checks",
                )
        self._nested(node)

    def _nested(self, node) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    # calls, attributes, names --------------------------------------------------------
    def visit_Call(self, node):
        shell = ipython_call(node)
        if shell:
            self.flag(node, shell)
            for child in [*node.args, *node.keywords]:
                self.visit(child)
            return
        func = node.func
        if isinstance(func, ast.Name):
            self.calls.add(id(func))
            if func.id in ATTRIBUTE_FUNCTIONS:
                self._attribute_function(node, func.id)
            elif func.id == "type" and len(node.args) == 3:
                self.flag(node, "builds a class with type(name, bases, namespace)")
        for kw in node.keywords:
            if kw.arg == "allow_pickle":
                self.flag(node, "uses allow_pickle: loading a pickle runs code")
        self.generic_visit(node)

    def _attribute_function(self, node: ast.Call, function: str) -> None:
        """``getattr(obj, "name")`` is judged as ``obj.name``; a name built at run time
        cannot be judged, and is a finding itself."""
        name = _string_argument(node, 1)
        if name is None:
            self.flag(node, f"calls {function}() with an attribute name that is not a plain string")
            return
        self._check_attribute_name(node, name, _shown(node.args[0]))
        target = ast.Attribute(node.args[0], name, ast.Store())
        if function == "setattr":
            self._check_target(target, node, "assigns")
        elif function == "delattr":
            self._check_target(target, node, "deletes")

    def visit_Attribute(self, node):
        root = self._root(node)
        owner = _shown(node.value)
        self._check_attribute_name(node, node.attr, owner)
        self._check_escape(node, node.attr)
        if node.attr in FORBIDDEN_NAMES:  # np.ma.extras.ma.builtins.exec(...)
            self.flag(node, f"uses {owner}.{node.attr}")
        if isinstance(root, ast.Name) and root.id in self.modules:
            if node.attr.startswith("_") and not DUNDER.match(node.attr):
                self.flag(node, f"uses {owner}.{node.attr}, a private part of a module")
            if node.attr in SYS_HOOKS and root.id == "sys":
                self.flag(node, f"uses sys.{node.attr}")
        self.generic_visit(node)

    def _check_attribute_name(self, node, name: str, owner: str) -> None:
        """Special, introspection and IPython attributes (read or written)."""
        if DUNDER.match(name) and name not in ALLOWED_DUNDERS:
            why = WHY_DUNDER.get(name, "graded code has no use for special attributes")
            self.flag(node, f"uses {owner}.{name}: {why}")
        elif name in INTROSPECTION_ATTRIBUTES:
            self.flag(node, f"uses {owner}.{name}, an attribute of the interpreter's frames")
        elif name in IPYTHON_HOOKS:
            self.flag(node, f"uses {owner}.{name}, a hook of IPython's shell")

    def visit_Name(self, node):
        name = node.id
        if isinstance(node.ctx, ast.Store | ast.Del):
            verb = "deletes" if isinstance(node.ctx, ast.Del) else "rebinds"
            self._check_rebinding(name, node, verb)
            return
        called = id(node) in self.calls
        if name in FORBIDDEN_NAMES:
            self.flag(node, f"calls {name}()" if called else f"uses {name}")
        elif name in ATTRIBUTE_FUNCTIONS and not called:
            self.flag(node, f"uses {name} without calling it with a plain attribute name")
        elif DUNDER.match(name) and name not in ALLOWED_DUNDERS:
            self.flag(node, f"uses {name}")
        elif IPYTHON_NAMES.match(name):
            self.flag(node, f"uses {name}, IPython's input and output history")

    def visit_Constant(self, node):
        if isinstance(node.value, str) and node.value not in ALLOWED_DUNDER_STRINGS:
            match = NAMED_IN_STRINGS.search(node.value)
            if match:
                self.flag(
                    node,
                    f"a string names {match[1]} (getattr() and str.format() read attributes "
                    "by name)",
                )


def _class_body_names(node: ast.ClassDef) -> set[str]:
    """Names a class body defines: its methods and its assigned attributes."""
    names = set()
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def free_test_names(grade_id: str, source: str, context: "Context", own: set[str]):
    """Findings for functions that read a variable only the test cells define (a global
    of the function, by Python's own scoping rules)."""
    findings = []
    offset = dropped_lines(source)
    table = symtable.symtable(ipython_source(source), grade_id or "<cell>", "exec")
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
                findings.append(
                    Finding(
                        grade_id,
                        scope.get_lineno() + offset,
                        f"{scope.get_name()} uses {name}, a variable of the instructor's tests",
                    )
                )
    return findings


def import_bindings(node: ast.Import | ast.ImportFrom) -> dict:
    """name -> what an import statement binds to it (``import numpy as np``: np -> numpy;
    ``from math import sqrt``: sqrt -> math.sqrt; ``import a.b``: a -> a)."""
    if isinstance(node, ast.Import):
        bound = {}
        for alias in node.names:
            top = alias.name.split(".")[0]
            bound[alias.asname or top] = alias.name if alias.asname else top
        return bound
    prefix = "." * node.level + (node.module or "")
    return {alias.asname or alias.name: f"{prefix}.{alias.name}" for alias in node.names}
