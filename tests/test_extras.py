"""Extras per role: the grader's optional parts are extras of the package, and a missing
one is refused in one line that names the pip install, before anything is written."""

import re
import subprocess
import sys
import tomllib

import pytest

from nncourse.extras import EXTRAS
from tests import harness

A = "03_lr_schedules"
# the CLI, with the extra's module made unimportable (as on a plain install)
WITHOUT = """
import sys
sys.modules[{module!r}] = None  # import raises ImportError
from nncourse.cli import main
sys.exit(main(sys.argv[1:]))
"""


def project() -> dict:
    return tomllib.loads((harness.ROOT / "pyproject.toml").read_text())["project"]


def test_a_plain_install_holds_no_grading_machine_dependency():
    base = {re.split(r"[<>=\[ ]", r)[0] for r in project()["dependencies"]}
    extras = project()["optional-dependencies"]
    assert {"distributed", "psycopg"}.isdisjoint(base)
    assert extras["dask"][0].startswith("distributed")
    assert extras["postgres"][0].startswith("psycopg")
    assert set(EXTRAS) == {"dask", "postgres"}
    assert "nncourse[dask,postgres]" in extras["dev"]  # the suite tests both


@pytest.mark.parametrize(
    "extra, args",
    [
        ("dask", ["--executor", "dask"]),
        ("postgres", ["--db", "postgresql://grader@127.0.0.1:1/nncourse"]),
    ],
)
def test_a_missing_extra_names_the_pip_install(tmp_path, extra, args):
    module = EXTRAS[extra][0]
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", WITHOUT.format(module=module), "grade", "."]
    cmd += ["--assignment", A, "--out", str(out), *args]
    proc = subprocess.run(cmd, cwd=harness.ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"pip install 'nncourse[{extra}]'" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()  # refused before anything was written
