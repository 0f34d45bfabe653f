"""Adversarial grading: one batch of attacking and misbehaving students, graded by the real
CLI in parallel inside the sandbox. Every attack earns no undeserved point, is flagged
with a status and a detail, and does not disturb the honest students or the gradebook.

The attacks replace solution cells of notebook 02 (``sgd`` is tested first, ``adam``
last). Points a misbehaving notebook keeps are only those of tests that ran to the end
before it misbehaved (README, "Grading rules").
"""

import sqlite3
import time
from pathlib import Path

import nbformat
import pytest

from nncourse.mutate import solved_submission
from nncourse.sandbox import cgroup_problem
from tests import harness
from tests.browser.require import require_binary
from tests.harness import CORRECT_SGD as SGD

A = "02_minibatch_sgd"
pytestmark = pytest.mark.xdist_group("adversarial")
MARKER = "nncourse-adversarial-sleeper-4242"
SOLUTIONS_FILE = harness.notebook_path("solutions", A)


def with_prefix(prefix: str) -> str:
    """A correct sgd whose cell first runs ``prefix`` at the top level."""
    return prefix.strip() + "\n\n" + SGD


# student -> (replacements of graded functions, status, what else must hold)
TAMPER = {
    "patch_numpy": {"sgd": SGD + "\nnp.allclose = lambda *a, **k: True\n"},
    "patch_checks": {"sgd": SGD + "\ncheck_array = lambda *a, **k: None\n"},
    "patch_builtin": {"sgd": SGD + "\nAssertionError = KeyboardInterrupt\n"},
    "reference_import": {"sgd": "from nnkit.optim import sgd\n"},
    "reads_test_vars": {"sgd": "def sgd(w, dw, config=None):\n    return expected, config\n"},
    "settrace": {"sgd": with_prefix("import sys\nsys.settrace(lambda *a: None)")},
    "frame_walk": {
        "sgd": "def sgd(w, dw, config=None):\n"
        "    import sys\n"
        "    f = sys._getframe(1).f_globals\n"
        "    return f['ref_w'], config\n"
    },
}
RUNAWAY = {
    # adam's cell is the last solution cell: every earlier test has run when it hangs
    "hang_ignoring_sigint": {
        "adam": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "while True:\n    pass\n"
    },
    "memory_bomb": {"adam": "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))\n"},
    "os_exit": {"adam": "import os\nos._exit(3)\n"},
    "output_flood": {"adam": "while True:\n    print('x' * 10**6)\n"},
}
if cgroup_problem() is None:
    # Only where the pids cgroup bounds it: RLIMIT_NPROC does not bind root, so without
    # the cgroup a fork bomb would run, unbounded, until the timeout.
    RUNAWAY["fork_bomb"] = {"adam": "import os\nwhile True:\n    os.fork()\n"}
SNEAKY = {
    # A correct sgd only if the sandbox lets the student read the instructor's solutions.
    "reads_solutions": {
        "sgd": f"try:\n    open({str(SOLUTIONS_FILE)!r}).read()\n    CAN_READ = True\n"
        "except OSError:\n    CAN_READ = False\n\n\n"
        "def sgd(w, dw, config=None):\n"
        "    if not CAN_READ:\n"
        "        raise RuntimeError('could not read the solutions')\n"
        "    config = {} if config is None else config\n"
        "    config.setdefault('learning_rate', 1e-2)\n"
        "    return w - config['learning_rate'] * dw, config\n"
    },
    # Tries to corrupt the run's gradebook (its path is the run folder's, given below).
    "writes_gradebook": {"sgd": "GRADEBOOK_ATTACK\n" + SGD},
    # Leaves a detached process behind.
    "daemon": {
        "sgd": with_prefix(
            f"import os\nif os.fork() == 0:\n    os.setsid()\n"
            f"    os.execvp('sleep', ['sleep', '1000', '{MARKER}'])"
        )
    },
}


def gradebook_attack(db: Path) -> str:
    return (
        "import sqlite3\n"
        "try:\n"
        f"    con = sqlite3.connect({str(db)!r}, timeout=1)\n"
        "    con.execute('BEGIN EXCLUSIVE')\n"
        "    con.execute('DROP TABLE grade')\n"
        "except Exception:\n"
        "    pass\n"
    )


def notebook_with(replacements: dict):
    release, solution = harness.read("assignments", A), harness.read("solutions", A)
    nb = solved_submission(release, solution)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        target = grade_id.removesuffix("_solution")
        if cell.metadata.get("nbgrader", {}).get("solution") and target in replacements:
            cell.source = replacements[target]
    return nb


def edited_test_cell():
    nb = notebook_with({})
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    cell.source = "print('all tests passed')"
    return nb


def deleted_test_cell():
    nb = notebook_with({})
    nb.cells = [
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "sgd_hidden"
    ]
    return nb


def sleeper_pids() -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if MARKER.encode() in (proc / "cmdline").read_bytes():
                    pids.append(int(proc.name))
            except OSError:
                pass
    return pids


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    require_binary("bwrap", apt="bubblewrap")
    root = tmp_path_factory.mktemp("adversarial")
    subs, out = root / "submissions", root / "run"
    students = {"honest": {}, "honest_2": {}, **TAMPER, **RUNAWAY, **SNEAKY}
    for student, replacements in students.items():
        if student == "writes_gradebook":
            attack = gradebook_attack(out / "gradebook.db")
            replacements = {"sgd": replacements["sgd"].replace("GRADEBOOK_ATTACK", attack)}
        path = subs / student / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook_with(replacements), path)
    for student, nb in {
        "edits_test": edited_test_cell(),
        "deletes_test": deleted_test_cell(),
    }.items():
        path = subs / student / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    start = time.perf_counter()
    proc = harness.grade(subs, A, out, "--timeout", "25", "--memory", "1024", "--workers", "2")
    seconds = time.perf_counter() - start
    grades = {r["student_id"]: r for r in harness.read_csv(out / "grades.csv")}
    tests = {}
    for r in harness.read_csv(out / "tests.csv"):
        tests.setdefault(r["student_id"], {})[r["grade_id"]] = (
            float(r["score"]),
            float(r["max_score"]),
        )
    return proc, out, grades, tests, seconds


def score(grades, student) -> float:
    return float(grades[student]["score"])


def full_auto(tests) -> float:
    return sum(m for _, m in tests["honest"].values())


def test_the_batch_completes_and_honest_students_get_full_marks(batch):
    proc, _, grades, tests, _ = batch
    assert proc.returncode == 0
    for student in ("honest", "honest_2"):
        assert grades[student]["status"] == "ok", grades[student]["detail"]
        assert score(grades, student) == full_auto(tests)


@pytest.mark.parametrize("student", [*TAMPER, "edits_test", "deletes_test"])
def test_tampering_earns_nothing_and_is_flagged(batch, student):
    _, _, grades, tests, _ = batch
    row = grades[student]
    assert row["status"] == "tampered", row
    assert "tampering found" in row["detail"]
    assert score(grades, student) == 0
    assert all(s == 0 for s, _ in tests[student].values())


def ran_before_adam(tests, student):
    """Points of the tests that precede adam's solution cell: all of them but adam's."""
    return sum(s for g, (s, _) in tests[student].items() if not g.startswith("adam"))


@pytest.mark.parametrize(
    "student, status",
    [
        ("hang_ignoring_sigint", "timeout"),
        ("memory_bomb", "memory"),
        ("os_exit", "error"),
        pytest.param(
            "fork_bomb",
            None,
            marks=pytest.mark.skipif(
                "fork_bomb" not in RUNAWAY, reason=f"no pids cgroup: {cgroup_problem()}"
            ),
        ),
        ("output_flood", None),
    ],
)
def test_runaway_notebooks_keep_only_tests_that_ran(batch, student, status):
    _, _, grades, tests, _ = batch
    row = grades[student]
    if status is None:  # whichever limit stops it first: processes, output or memory
        assert row["status"] in ("ok", "error", "timeout", "memory"), row
    else:
        assert row["status"] == status, row
    assert row["detail"], "a runaway notebook needs a detail"
    adam = {g: s for g, (s, _) in tests[student].items() if g.startswith("adam")}
    assert adam and all(s == 0 for s in adam.values()), adam
    honest_before = sum(s for g, (s, _) in tests["honest"].items() if not g.startswith("adam"))
    assert ran_before_adam(tests, student) == honest_before


def test_the_sandbox_hides_the_solutions(batch):
    _, _, grades, tests, _ = batch
    sgd = {g: s for g, (s, _) in tests["reads_solutions"].items() if harness.target_of(g) == "sgd"}
    assert sgd and all(s == 0 for s in sgd.values()), "the student could read solutions/"
    assert grades["reads_solutions"]["status"] == "ok"


def test_the_gradebook_survives_and_is_consistent(batch):
    _, out, grades, _, _ = batch
    con = sqlite3.connect(out / "gradebook.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM grade").fetchone()[0] > 0
        students = {r[0] for r in con.execute("SELECT id FROM student")}
    finally:
        con.close()
    assert set(grades) <= students
    assert grades["writes_gradebook"]["status"] == "ok"


def test_no_student_process_survives(batch):
    assert sleeper_pids() == []


def test_report_names_every_status(batch):
    _, out, grades, _, _ = batch
    report = (out / "report.html").read_text()
    for status in {r["status"] for r in grades.values()}:
        assert f"<td>{status}</td>" in report
    assert "data:image/png;base64," in report


def test_no_cgroup_keeps_a_process(batch):
    for path in Path("/sys/fs/cgroup/pids").rglob("nncourse*"):
        procs = path / "cgroup.procs"
        if procs.is_file():
            assert procs.read_text().split() == [], f"processes left in {path}"
