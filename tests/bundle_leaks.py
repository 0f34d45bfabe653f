"""Finding answers in a student bundle: normalised ASTs (``ast.dump``, so formatting,
comments and line numbers do not matter) of every solution body and nnkit reference of a
locked assignment, and of every hidden test statement, looked up among the function
bodies and statements of every .py file, notebook code cell and .py wheel member."""

import ast
import textwrap
import zipfile
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from nncourse.edition import nnkit_source
from nncourse.structure import nbgrader_meta
from tests.harness import COURSE, SECRET_BLOCK

IDS = COURSE.assignment_ids()
MIN_NODES = 8  # smaller bodies or statements (``return out, cache``) are not an answer


def _body(fn) -> list:
    return fn.body[1:] if ast.get_docstring(fn) is not None else fn.body


def _dump(statements: list) -> str:
    return ast.dump(ast.Module(statements, []))


def size(statements: list) -> int:
    return sum(1 for s in statements for _ in ast.walk(s))


def parse(source: str) -> ast.Module:
    return ast.parse(TransformerManager().transform_cell(source))


def function_bodies(tree) -> dict[str, str]:
    """name -> normalised body of every substantial function or method in ``tree``."""
    return {
        node.name: _dump(_body(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and size(_body(node)) >= MIN_NODES
    }


def public_statements() -> dict[str, set[str]]:
    """assignment -> every statement its notebook shows outside solution and hidden-test
    blocks (a hidden test may repeat a visible one's setup: that is not a secret)."""
    public = {}
    for assignment in IDS:
        nb = nbformat.read(COURSE.solutions / assignment / f"{assignment}.ipynb", as_version=4)
        public[assignment] = {
            _dump([stmt])
            for cell in nb.cells
            if cell.cell_type == "code" and not nbgrader_meta(cell).get("solution")
            for stmt in ast.walk(parse(SECRET_BLOCK.sub("", cell.source)))
            if isinstance(stmt, ast.stmt)
        }
    return public


def secrets(locked: set[str]) -> dict[str, tuple[str, str]]:
    """label -> (kind, normalised AST) of what must not be in a bundle that locks
    ``locked``: solution bodies and nnkit references of those assignments, and every
    statement of every hidden test block."""
    found, public = {}, public_statements()
    for assignment in IDS:
        nb = nbformat.read(COURSE.solutions / assignment / f"{assignment}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            if nbgrader_meta(cell).get("solution") and assignment in locked:
                for name, body in function_bodies(parse(cell.source)).items():
                    found[f"solution {assignment}:{name}"] = ("body", body)
            for kind, block in SECRET_BLOCK.findall(cell.source):
                if kind == "HIDDEN TESTS":
                    grade_id = nbgrader_meta(cell)["grade_id"]
                    for k, stmt in enumerate(parse(textwrap.dedent(block)).body):
                        dump = _dump([stmt])
                        if size([stmt]) >= MIN_NODES and dump not in public[assignment]:
                            found[f"hidden {grade_id}:{k}"] = ("statement", dump)
    for path in sorted(nnkit_source().rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            marks = [
                d for d in getattr(node, "decorator_list", [])
                if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "answer"
            ]  # fmt: skip
            if marks and marks[0].args[0].value in locked:
                for name, body in function_bodies(node).items():
                    found[f"reference {path.stem}.{name}"] = ("body", body)
    return found


def bundle_trees(out: Path):
    """(where, AST) of every .py file, notebook code cell and .py wheel member in ``out``;
    ``AssertionError`` for any other kind of file, which this check could not read."""
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        where = str(path.relative_to(out))
        if path.suffix == ".py":
            yield where, ast.parse(path.read_text())
        elif path.suffix == ".ipynb":
            for k, cell in enumerate(nbformat.read(path, as_version=4).cells):
                if cell.cell_type == "code":
                    yield f"{where} cell {k}", parse(cell.source)
        elif path.suffix == ".whl":
            with zipfile.ZipFile(path) as zf:
                for member in zf.namelist():
                    if member.endswith(".py"):
                        yield f"{where}:{member}", ast.parse(zf.read(member).decode())
                    else:
                        assert member.endswith(".json") or ".dist-info/" in member, member
        else:
            assert path.name == "README.md", f"unexpected file {where}"


def leaks(out: Path, locked: set[str]) -> list[str]:
    """``label in where`` for every secret found in the bundle ``out``."""
    secret = secrets(locked)
    bodies, statements = {}, {}
    for where, tree in bundle_trees(out):
        for fn in (
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ):
            bodies.setdefault(_dump(_body(fn)), where)
        for stmt in (n for n in ast.walk(tree) if isinstance(n, ast.stmt)):
            statements.setdefault(_dump([stmt]), where)
    found = []
    for label, (kind, dump) in secret.items():
        where = (bodies if kind == "body" else statements).get(dump)
        if where is not None:
            found.append(f"{label} in {where}")
    return found
