"""The wheel holds every package of the repository, not only the top-level ones.

setuptools' `packages` list names packages, not trees: a subpackage left out of it is
missing from the wheel, although an editable install (which maps whole directories) works.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"nnkit": ROOT / "lib" / "nnkit", "nncourse": ROOT / "autograder" / "nncourse"}


def source_packages() -> set[str]:
    """Dotted names of the directories with an __init__.py under lib/nnkit, autograder/nncourse."""
    names = set()
    for top, root in SOURCES.items():
        for init in root.rglob("__init__.py"):
            rel = init.parent.relative_to(root).parts
            names.add(".".join((top, *rel)))
    return names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Build from a copy: setuptools reuses a build/ directory left in the source tree, which
    # would hide a package dropped from the list since the last build.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for root in SOURCES.values():
        shutil.copytree(root, src / root.relative_to(ROOT), ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    (found,) = out.glob("nncourse-*.whl")
    return found


def test_the_wheel_holds_every_package_and_the_cli_entry_point(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = zf.read(entry_points).decode()
    in_wheel = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("/__init__.py")}
    missing = source_packages() - in_wheel
    assert not missing, f"packages missing from the wheel (add them to pyproject.toml): {missing}"
    assert {"nnkit.checks", "nncourse.sandbox", "nncourse.tamper"} <= in_wheel
    assert "nncourse = nncourse.cli:main" in scripts
    # every module of each package came along, not only __init__.py
    sources = {
        f"{top}/{p.relative_to(root).as_posix()}"
        for top, root in SOURCES.items()
        for p in root.rglob("*.py")
    }
    assert sources <= set(names), sorted(sources - set(names))[:5]


def test_the_grader_goes_without_rfc3987_syntax_and_nbformat_still_validates():
    """nncourse/__init__.py keeps jsonschema's optional "iri" checker out of the grader's
    processes (a 0.84 s import); it is safe only while no notebook schema uses "format"."""
    import json

    import nbformat

    def format_keywords(node) -> list:
        """Values of "format" used as the JSON-schema keyword (a string), not as the name of
        a property (whose value is a schema, a dict)."""
        if isinstance(node, dict):
            found = [node["format"]] if isinstance(node.get("format"), str) else []
            return found + [f for v in node.values() for f in format_keywords(v)]
        if isinstance(node, list):
            return [f for v in node for f in format_keywords(v)]
        return []

    schemas = sorted(Path(nbformat.__file__).parent.glob("v*/nbformat.v*.schema.json"))
    assert schemas
    assert {p.name: format_keywords(json.loads(p.read_text())) for p in schemas} == {
        p.name: [] for p in schemas
    }
    code = (
        "import sys, nncourse.cli, nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x')])\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['outputs'] = 'not a list'\n"
        "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('caught')\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["caught", "None"]
