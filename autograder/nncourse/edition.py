"""The student edition of nnkit: the library with no answer to an assignment still open.

``build_edition(dest, unlocked)`` writes ``dest/nnkit``: a copy of the installed nnkit
package in which every definition marked ``@answer(ASSIGNMENT, ...)``
(``nnkit.answers``) of an assignment not in ``unlocked`` keeps its signature and
docstring and does nothing but raise ``nnkit.answers.Locked`` ("adam is what you write
in 02_minibatch_sgd"). A marked class keeps its methods' signatures the same way. The
stand-ins are written into the source text in place of the definitions, so the
answers' code, comments included, is not in the edition in any form; everything else is
copied as it is.

The grading sandbox imports this edition instead of nnkit (``nncourse grade`` builds one
per run folder, locking every assignment unless ``--unlock`` says otherwise), and the
student bundle ships the same one, so no answer reaches a student, or a student's
kernel, before the instructor unlocks it.
"""

import ast
import compileall
import shutil
from collections.abc import Iterable
from pathlib import Path

import nnkit

LOCKED_IMPORT = "from .answers import Locked  # student edition: locked answers raise this\n"


def nnkit_source() -> Path:
    """The folder of the nnkit package this grader imports."""
    return Path(nnkit.__file__).resolve().parent


def _marks(node) -> tuple[str, tuple[str, ...]] | None:
    """``(assignment, graded names)`` of an ``@answer(...)`` decorator on ``node``."""
    for decorator in getattr(node, "decorator_list", []):
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Name)
            and decorator.func.id == "answer"
        ):
            values = [a.value for a in decorator.args if isinstance(a, ast.Constant)]
            if values and all(isinstance(v, str) for v in values):
                return values[0], tuple(values[1:]) or (node.name,)
    return None


def _stub_function(node, graded: str, assignment: str, indent: str) -> str:
    """A function that keeps ``node``'s signature and docstring and raises Locked."""
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    lines = [f"{indent}{prefix} {node.name}({ast.unparse(node.args)}){returns}:"]
    doc = ast.get_docstring(node, clean=False)
    if doc is not None:
        lines.append(f"{indent}    {_docstring(doc)}")
    lines.append(f"{indent}    raise Locked({graded!r}, {assignment!r})")
    return "\n".join(lines) + "\n"


def _docstring(doc: str) -> str:
    text = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{text}"""'


def _stub(node, graded: tuple[str, ...], assignment: str) -> str:
    decorators = "".join(f"@{ast.unparse(d)}\n" for d in node.decorator_list)
    names = " and ".join(graded)
    if not isinstance(node, ast.ClassDef):
        return decorators + _stub_function(node, names, assignment, "")
    bases = ", ".join(ast.unparse(b) for b in [*node.bases, *node.keywords])
    out = [decorators + f"class {node.name}{f'({bases})' if bases else ''}:\n"]
    doc = ast.get_docstring(node, clean=False)
    if doc is not None:
        out.append(f"    {_docstring(doc)}\n")
    methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for method in methods:
        out.append("\n")
        out.append("".join(f"    @{ast.unparse(d)}\n" for d in method.decorator_list))
        out.append(_stub_function(method, names, assignment, "    "))
    if doc is None and not methods:
        out.append("    pass\n")
    return "".join(out)


def lock_source(text: str, unlocked: Iterable[str] = ()) -> tuple[str, list[str]]:
    """``text`` (a module's source) with every ``@answer`` definition of an assignment
    not in ``unlocked`` replaced by a stand-in; also returns the names it locked."""
    unlocked = set(unlocked)
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    replaced, locked = [], []
    for node in tree.body:
        marks = _marks(node)
        if marks is None or marks[0] in unlocked:
            continue
        start = min(d.lineno for d in node.decorator_list) - 1
        replaced.append((start, node.end_lineno, _stub(node, marks[1], marks[0])))
        locked.append(node.name)
    for start, end, stub in reversed(replaced):
        lines[start:end] = [stub]
    out = "".join(lines)
    if locked and "import Locked" not in out:
        out = _add_import(out, tree)
    return out, locked


def _add_import(text: str, tree: ast.Module) -> str:
    """Insert the Locked import after the module's last top-level import."""
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    lines = text.splitlines(keepends=True)
    at = imports[-1].end_lineno if imports else 0
    return "".join([*lines[:at], LOCKED_IMPORT, *lines[at:]])


def build_edition(dest: Path, unlocked: Iterable[str] = ()) -> Path:
    """Write the student edition of nnkit into ``dest/nnkit`` (replacing what is there)
    and return that folder. Every ``.py`` file is compiled, so kernels import it fast."""
    unlocked = set(unlocked)
    source, target = nnkit_source(), Path(dest) / "nnkit"
    staging = Path(dest) / ".nnkit-building"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path in sorted(staging.rglob("*.py")):
        text, locked = lock_source(path.read_text(encoding="utf-8"), unlocked)
        if locked:
            path.write_text(text, encoding="utf-8")
    # compiled as if in place of nnkit, which is where the sandbox shows the edition
    compileall.compile_dir(staging, ddir=str(source), quiet=1, workers=1)
    for path in [staging, *staging.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # readable by a sandbox's own uid
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target
