"""Tamper scan: read a student's solution cells, exactly as IPython would run them, before
any of them runs.

This is a second line of defence. Points never depend on it: verdicts are computed outside
the student's kernel. The scan exists so that an attempt to tamper is put in front of the
instructor instead of being graded as if nothing happened: a notebook with findings is not
executed, is reported ``tampered`` with the findings as its detail, and earns nothing until
an instructor reviews it (README, "Grading rules").

**What it reads.** Every code cell marked as a solution, transformed with IPython's own
input transformation (``TransformerManager.transform_cell``: indentation, ``>>>`` and
``In [1]:`` prompts, ``%magic``, ``%%cell magic``, ``!shell``, ``x = %magic``, ``x?``),
then parsed as Python with top-level ``await`` allowed, as IPython compiles it. A one-line
cell whose first word names a line magic (``time(...)``, ``run -m x``) is what IPython's
automagic runs as that magic, and is read so. Line numbers are the cell's own (the blank
lines IPython drops at the top are counted back in); a magic continued over several lines
is one line after the transformation, so later lines of that cell may be numbered a little
early. Only solution cells are read: the grader runs the instructor's own read-only and
test cells, and no free cell of the student.

**What it flags** (each is a ``Finding``):

- a solution cell that cannot be read (a syntax error, including those the compiler finds
  after parsing, or nesting too deep to parse): such a notebook is not run at all, so
  the student is told to fix it;
- IPython itself: magics, cell magics, shell escapes, ``get_ipython`` and IPython's
  history names (``In``, ``Out``, ``_ih``...); the shell's hooks (``set_custom_exc``);
- imports outside ``ALLOWED_MODULES`` (an allow-list), relative imports and
  ``from X import *``; and names that reach the interpreter, the system or raw memory
  from allowed modules too (``ESCAPES``: ``np.testing.extbuild.sys``,
  ``np.ctypeslib``, ``typing.get_type_hints``...);
- special attributes: any ``__dunder__`` attribute or name but the harmless
  ``ALLOWED_DUNDERS``, the attributes of frames, tracebacks, code objects and generators
  (``tb_frame``, ``f_back``, ``gi_frame``, ``co_code``...), private attributes of modules
  (``np._core``), and a string that names one of the dangerous ones (``getattr`` and
  ``str.format`` read attributes by name);
- ``getattr``/``setattr``/``delattr``/``hasattr`` with a name that is not a plain string
  literal (with a literal, the name is judged like ``obj.name``), or used other than by a
  direct call;
- writes to shared objects: assigning or deleting an attribute or item of a module
  (``np.allclose = ...``), also through an alias or ``setattr``, or an attribute that
  numpy or the builtins define on anything but ``self``; rebinding a builtin, a module
  name, a name of the read-only cells (``check_array``) or declaring one ``global``
  (importing again what the read-only cells import, ``import numpy as np``, is fine);
- running code that the scan cannot read: ``exec``, ``eval``, ``compile``, ``globals``,
  ``locals``, ``vars``, ``__import__``, ``breakpoint``, three-argument ``type``,
  ``allow_pickle`` (``np.load`` unpickles, which runs code);
- results that lie: a class derived from anything but a plain name (``np.ndarray``,
  ``type(x)``) or that defines ``__class__``, ``__eq__``, ``__array_function__``... (a
  value that only looks like the right array can fool a check);
- reading the tests' variables: a graded function that uses a name only the test cells
  define (``ref``, ``expected``);
- edited or deleted test cells (compared with the released notebook).

``open`` is allowed: reading a file is not tampering by itself, and the sandbox hides what
matters (solutions, the gradebook, other students).
"""

import ast
import builtins
import functools
import keyword
import re
import symtable
import types
import warnings
from dataclasses import dataclass

import numpy
from ipykernel.zmqshell import KernelMagics
from IPython.core import magics as ipython_magics
from IPython.core.alias import default_aliases
from IPython.core.inputtransformer2 import TransformerManager
from IPython.core.magic import Magics
from IPython.core.splitinput import LineInfo

ALLOWED_MODULES = frozenset(
    {
        "numpy",  # and its submodules (numpy.linalg...); see ESCAPES for its back doors
        "math",
        "itertools",
        "functools",
        "collections",
        "typing",
        "dataclasses",
        # Searching a sorted list: the multistep_decay alternatives of tests/mutants/nb03.py
        # use bisect.bisect_right. Pure functions on sequences, nothing else.
        "bisect",
    }
)
ESCAPES = {
    # Reached as an attribute, an imported name or a module path, even from an allowed
    # module: numpy's public attributes lead to builtins, sys, inspect and subprocess
    # (np.ma.extras.ma.builtins, np.testing.extbuild.sys...).
    "builtins": "the builtins module",
    "sys": "the interpreter's sys module",
    "os": "the operating system",
    "subprocess": "other programs",
    "inspect": "the interpreter's frames and sources",
    "gc": "every object of the interpreter",
    "ctypes": "raw memory",
    "ctypeslib": "raw memory (numpy.ctypeslib)",
    "as_strided": "memory outside an array",
    "importlib": "the import system",
    "runpy": "running other modules",
    "pickle": "unpickling, which runs code",
    "marshal": "loading code objects",
    "threading": "other threads",
    "multiprocessing": "other processes",
    "signal": "signal handlers (the grader's interrupt)",
    "socket": "the network",
    "f2py": "compiling native code (numpy.f2py)",
    "extbuild": "compiling native code (numpy.testing.extbuild)",
    "distutils": "compiling native code",
    "get_type_hints": "evaluating annotation strings as code",
    "ForwardRef": "evaluating a string as code",
}
FORBIDDEN_NAMES = {
    "__import__",
    "exec",
    "eval",
    "compile",
    "globals",
    "locals",  # at the top level of a cell, locals() is the notebook's globals
    "vars",
    "breakpoint",
    "get_ipython",
}
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "delattr", "hasattr"}
ALLOWED_DUNDERS = {
    "__init__": "super().__init__(...) in a subclass constructor",
    "__name__": "names a function or class in a message (type(x).__name__)",
}
ALLOWED_DUNDER_STRINGS = {"__main__"}  # if __name__ == "__main__": a harmless habit
DUNDER = re.compile(r"^__\w+__$")
WHY_DUNDER = {
    "__self__": "it reaches the object behind a builtin function (abs.__self__ is builtins)",
    "__traceback__": "it reaches the frames of the code that raised",
    "__globals__": "it reaches the notebook's globals, the tests' variables included",
    "__builtins__": "it reaches the builtins",
    "__dict__": "it reaches an object's or module's namespace",
    "__code__": "it reaches a function's code",
    "__subclasses__": "it reaches every class of the interpreter",
    "__setattr__": "it writes attributes by name",
}
INTROSPECTION_ATTRIBUTES = frozenset(
    name
    for kind in (
        types.FrameType,
        types.TracebackType,
        types.CodeType,
        types.GeneratorType,
        types.CoroutineType,
        types.AsyncGeneratorType,
    )
    for name in dir(kind)
    if name.startswith(("f_", "tb_", "co_", "gi_", "cr_", "ag_"))
)
DANGEROUS_DUNDERS = {
    *WHY_DUNDER,
    "__closure__",
    "__class__",
    "__bases__",
    "__base__",
    "__mro__",
    "__import__",
    "__loader__",
    "__spec__",
    "__func__",
    "__wrapped__",
    "__getattribute__",
    "__delattr__",
    "__reduce__",
    "__reduce_ex__",
    "__defaults__",
    "__kwdefaults__",
}
LYING_DEFINITIONS = {
    "__class__",
    "__instancecheck__",
    "__subclasscheck__",
    "__getattribute__",
    "__eq__",
    "__ne__",
    "__bool__",
}
NAMED_IN_STRINGS = re.compile(
    r"\b("
    + "|".join(sorted({*DANGEROUS_DUNDERS, *LYING_DEFINITIONS, *INTROSPECTION_ATTRIBUTES}))
    + r"|__array\w*__|allow_pickle)\b"
)
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
IPYTHON_HOOKS = {
    "set_custom_exc",
    "set_hook",
    "ast_transformers",
    "input_transformers_post",
    "input_transformers_cleanup",
    "user_ns",
    "user_global_ns",
    "run_cell",
    "run_line_magic",
    "run_cell_magic",
    "register_magic_function",
    "magics_manager",
}
IPYTHON_NAMES = re.compile(r"^(In|Out|_ih|_oh|_dh|_i{1,3}|_i\d+|_\d+|__|___)$")
BUILTIN_NAMES = set(dir(builtins))
# Attribute names a write may not use on anything but ``self``/``cls``: numpy's and the
# builtins' own names (``x.allclose = ...`` through an alias the scan cannot follow),
# except the attributes an array really has (``a.shape = ...`` is honest numpy).
SHARED_ATTRIBUTES = (set(dir(numpy)) | set(dir(numpy.testing)) | BUILTIN_NAMES) - set(
    dir(numpy.ndarray)
)
UNREADABLE = "nothing in this notebook was run; fix it and resubmit, or re-grade after review"


def _line_magic_names() -> frozenset:
    """Names IPython's automagic runs as line magics in a kernel: IPython's own magics,
    ipykernel's and the default shell aliases (``ls``, ``cat``...)."""
    names = {alias for alias, _ in default_aliases()}
    names |= set(KernelMagics.magics["line"])
    for attribute in dir(ipython_magics):
        magics = getattr(ipython_magics, attribute)
        if isinstance(magics, type) and issubclass(magics, Magics):
            names |= set(magics.magics.get("line", {}))
    return frozenset(names)


LINE_MAGICS = _line_magic_names()


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
            line = (err.lineno or 0) + _dropped_lines(source)
            raise Unreadable(line, f"{type(err).__name__} at line {line}: {err.msg}") from None


def _dropped_lines(source: str) -> int:
    """How many blank lines IPython drops from the top of a cell (so line numbers of the
    transformed source are this much smaller than the cell's)."""
    lines = source.splitlines()
    return next((i for i, line in enumerate(lines) if line.strip()), 0)


def parse_cell(source: str) -> ast.Module:
    """The cell as IPython compiles it, with the cell's own line numbers. Raises
    ``Unreadable``."""
    offset = _dropped_lines(source)
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


def _instructor_trees(nb, *, read_only: bool = False, tests: bool = False) -> list[ast.Module]:
    """Parsed read-only or test cells of the instructor's notebook (unreadable ones are
    left out: they are the instructor's, and the grader runs them as they are)."""
    trees = []
    for cell in nb.cells:
        meta = _nbgrader(cell)
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
    released_tests: dict  # grade_id -> source of the test cell as released
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
                    imported |= _imports(node)
        test_bound = set()
        for tree in _instructor_trees(source_nb, tests=True):
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
            imported,
        )


def _imports(node: ast.Import | ast.ImportFrom) -> dict:
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


def scan(student_nb, context: Context) -> list[Finding]:
    """Every finding in a student's notebook (an empty list means: grade it)."""
    findings, readable = [], []
    for cell in student_nb.cells:
        meta = _nbgrader(cell)
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
            line = _dropped_lines(cell.source) + 1
            findings.append(Finding(grade_id, line, f"IPython runs this one-line cell as {magic}"))
    own = set().union(*(_bound_names(tree) for _, tree, _ in readable))
    for grade_id, tree, source in readable:
        findings += _scan_cell(grade_id, tree, source, context, own)
    findings += _scan_test_cells(student_nb, context)
    return list(dict.fromkeys(findings))


def _scan_cell(grade_id: str, tree: ast.Module, source: str, context: Context, own: set):
    """The findings of one readable solution cell."""
    try:
        scanner = _Scanner(grade_id, context)
        scanner.visit(tree)
        return scanner.findings + _free_test_names(grade_id, source, context, own)
    except RecursionError:
        what = f"this cell is nested too deeply to be read: {UNREADABLE}"
        return [Finding(grade_id, 0, what)]


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


class _Scanner(ast.NodeVisitor):
    def __init__(self, grade_id: str, context: Context):
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
        self.modules |= set(_imports(node))

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
        for name, what in _imports(node).items():
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
        globals, which ``_free_test_names`` reports.)"""
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


def _free_test_names(grade_id: str, source: str, context: Context, own: set[str]):
    """Findings for functions that read a variable only the test cells define (a global
    of the function, by Python's own scoping rules)."""
    findings = []
    offset = _dropped_lines(source)
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
