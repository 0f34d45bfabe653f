"""``--db postgresql://...``: a full grade round on a real PostgreSQL server (Debian's
``postgresql``, started here on a loopback port) gives the grades of the SQLite round.

PostgreSQL follows README, "Tests and environments": installed with apt where we are
root, else skipped with the reason; a failure under NNCOURSE_REQUIRE_ALL=1.
"""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests import harness
from tests.browser.helpers import free_port
from tests.browser.require import apt_install, unavailable

A = "01_gradient_checking"
STUDENTS = ("ada", "ben", "cara", "kim", "gus")  # full marks, bugs, tampered, malformed
pytestmark = pytest.mark.xdist_group("postgres")


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        ok, log = apt_install("postgresql")
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            unavailable(f"PostgreSQL is not installed (apt-get install postgresql): {log}")
    return Path(found[-1]).parent


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL cluster on 127.0.0.1; yields its database URL."""
    bindir = pg_bin()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(tempfile.mkdtemp(prefix="nncourse-pg-"))
    if as_user:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()

    def pg(*cmd):
        return subprocess.run(
            [*as_user, *cmd], capture_output=True, text=True, timeout=120, check=True
        )

    pg(str(bindir / "initdb"), "-D", str(data / "db"), "-U", "postgres", "--auth=trust")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {data}"
    log = str(data / "server.log")  # the server must not hold our stdout pipe open
    pg(str(bindir / "pg_ctl"), "-D", str(data / "db"), "-o", options, "-l", log, "-w", "start")
    try:
        pg(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "gb")
        yield f"postgresql://postgres@127.0.0.1:{port}/gb"
    finally:
        pg(str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


def grade(out: Path, *extra: str) -> None:
    cmd = [harness.NNCOURSE, "grade", str(harness.COURSE.sample_class), "--assignment", A]
    cmd += ["--out", str(out), *(arg for s in STUDENTS for arg in ("--student", s)), *extra]
    done = subprocess.run(cmd, cwd=harness.ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def test_postgresql_round_equals_sqlite_round(postgres_url, tmp_path):
    grade(tmp_path / "sqlite")
    grade(tmp_path / "pg", "--db", postgres_url)
    assert not (tmp_path / "pg" / "gradebook.db").exists()
    for name in ("grades.csv", "tests.csv"):
        pg, lite = (harness.read_csv(tmp_path / r / name) for r in ("pg", "sqlite"))
        assert pg == lite, name
    statuses = {r["status"] for r in harness.read_csv(tmp_path / "pg" / "grades.csv")}
    assert statuses >= {"ok", "tampered", "invalid"}

    from nbgrader.api import Gradebook

    with Gradebook(postgres_url) as gb:  # the grades really live in PostgreSQL
        scores = {s: gb.find_submission(A, s).score for s in ("ada", "ben")}
    rows = harness.read_csv(tmp_path / "sqlite" / "grades.csv")
    expected = {r["student_id"]: float(r["score"]) for r in rows if r["notebook"] == A}
    assert scores == {s: expected[s] for s in scores}


def test_an_unreachable_database_is_a_clear_error(tmp_path):
    port = free_port()  # nothing listens there
    cmd = [harness.NNCOURSE, "grade", str(harness.COURSE.sample_class), "--assignment", A]
    cmd += ["--out", str(tmp_path / "run"), "--student", "ada"]
    cmd += ["--db", f"postgresql://postgres@127.0.0.1:{port}/gb"]
    done = subprocess.run(cmd, cwd=harness.ROOT, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "could not open the gradebook" in done.stderr
    assert "Traceback" not in done.stderr
