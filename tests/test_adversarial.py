"""Adversarial grading: attacking and misbehaving students, graded by the real CLI in
parallel inside the sandbox, in one batch per question asked.

- ``scanned``: the normal run. Every attack earns no undeserved point and is flagged
  (``tampered``) or stopped (``timeout``, ``memory``, ``error``) with a detail; honest
  students get full marks; the gradebook stays intact; no process survives.
- ``unscanned``: the same integrity attacks with the tamper scan off (``--no-tamper-scan``).
  This is the proof that points never depend on the scan: with nothing flagged, each
  attacker still earns only what their own functions compute, because the verdicts are
  decided outside their kernel and the kernel has no answers in it.
- ``no_cgroup`` (``NNCOURSE_CGROUPS=off``): a memory bomb in plain numpy ends as
  ``memory`` and a fork bomb stays bounded, with the honest students unaffected.

The attacks replace solution cells of notebook 02 (``sgd`` is tested first, ``adam``
last); "blank" means the release's stubs everywhere else. Points a misbehaving notebook
keeps are only those of tests that ran to the end before it misbehaved (README, "Grading
rules").
"""

import html
import json
import os
import re
import sqlite3
import time
from pathlib import Path

import nbformat
import pytest

from nncourse.mutate import solved_submission
from tests import harness
from tests.browser.require import require_binary
from tests.harness import CORRECT_SGD as SGD

A = "02_minibatch_sgd"
pytestmark = pytest.mark.xdist_group("adversarial")
MARKER = "nncourse-adversarial-sleeper-4242"
SOLUTIONS_FILE = harness.notebook_path("solutions", A)
NNKIT_OPTIM = harness.ROOT / "lib" / "nnkit" / "optim.py"
RULES = ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam")
GRADED = ("minibatches", *RULES)


def everywhere(template: str) -> dict:
    """The same attack in every solution cell: ``template`` formatted with each graded
    name, its nnkit module and that module's dotted path."""
    module = {name: "optim" for name in RULES} | {"minibatches": "solver"}
    return {name: template.format(name=name, module=module[name]) for name in GRADED}


def with_prefix(prefix: str) -> str:
    """A correct sgd whose cell first runs ``prefix`` at the top level."""
    return prefix.strip() + "\n\n" + SGD


# Attacks on the verdicts, blank notebooks: with the scan off they must still earn 0.
CHEATS = {
    # the one-liner that scored a blank notebook full marks: a reference through a magic
    "magic_reference_import": everywhere("%time from nnkit.{module} import {name}"),
    # IPython dedents a whole indented cell and strips prompts; ast cannot parse either
    "indented_reference_import": everywhere("    from nnkit.{module} import {name}"),
    "prompted_reference_import": everywhere(">>> from nnkit.{module} import {name}"),
    "cell_magic": everywhere("%%capture\nfrom nnkit.{module} import {name}"),
    "builtins_exec": everywhere("abs.__self__.exec('from nnkit.{module} import {name}')"),
    "sys_modules": everywhere(
        "import nnkit.{module}\nfrom sys import modules\n{name} = modules['nnkit.{module}'].{name}"
    ),
    "runpy": everywhere("import runpy\n{name} = runpy.run_module('nnkit.{module}')['{name}']"),
    "pickle_payload": everywhere(
        "import pickle\n{name} = pickle.loads(b'cnnkit.{module}\\n{name}\\n.')"
    ),
    "marshal_payload": everywhere(
        "import marshal\n"
        "exec(marshal.loads(marshal.dumps(compile("
        "'from nnkit.{module} import {name}', 'x', 'exec'))))"
    ),
    "reads_reference_file": everywhere(
        f"exec(compile(open({str(NNKIT_OPTIM)!r}).read(), 'optim', 'exec'), globals())\n"
        "import nnkit.{module} as _m\n"
        "{name} = globals().get('{name}', getattr(_m, '{name}'))"
    ),
    # a failing test that looks passed to nbgrader: no error output, or a result first
    "custom_exc": {
        "sgd": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"
        "def sgd(w, dw, config=None):\n    raise ValueError('no')\n"
    },
    "displayhook_then_raise": {
        "sgd": "import sys\n"
        "def sgd(w, dw, config=None):\n    sys.displayhook(42)\n    raise ValueError('no')\n"
    },
    "prints_passed": {
        "sgd": "def sgd(w, dw, config=None):\n"
        "    print('All visible tests for sgd passed.')\n    return w, config\n"
    },
    # a forged results message, from the runner replaced by the student's own
    "forged_results": {
        "sgd": "from IPython.display import publish_display_data\n"
        "def _nncourse_probe(cell):\n"
        "    publish_display_data({'application/vnd.nncourse.results+json':"
        " {'cell': cell, 'passed': True, 'cases': []}})\n"
        "def sgd(w, dw, config=None):\n    return w, config\n"
    },
    # results crafted to break the judge itself: every probe sends hostile structures
    # (NaN and huge numbers, unhashable keys, wrong types in every field), so one bug in
    # reading them would crash the batch for everyone. Sized to run in seconds: at 40
    # times as many cases, the kernel's own serialising could pass the 25 s timeout on
    # a loaded machine, and a timeout would never reach the judge
    "hostile_results": {
        "minibatches": "from IPython.display import publish_display_data\n"
        "def _nncourse_probe(cell):\n"
        "    bad = [{'steps': [{'ok': True, 'type': [1], 'len': 1e400}], 'want': [{'value':"
        " {'dict': [[{'tuple': [[1]]}, 1]]}}] * 9, 'after': 'x'},"
        " {'steps': [{'raised': [], 'message': {'a': 1}}], 'want': [], 'after': []},"
        " {'steps': None}, 7, None, {'want': [{'value': {'nd': {'dtype': '<f8',"
        " 'shape': [10**30], 'b64': ''}}}]}]\n"
        "    publish_display_data({'application/vnd.nncourse.results+json':"
        " {'cell': cell, 'cases': bad * 4}})\n"
    },
    # the kernel re-keyed, so that no later message (its failures included) can be read:
    # the grader stops there, and what it could not read never passes
    "rekeyed_session": {"minibatches": "get_ipython().kernel.session.key = b'forged'\n"},
    # reading what the test expects, from the caller's frames
    "frame_walk": {
        "sgd": "def sgd(w, dw, config=None):\n"
        "    import sys\n"
        "    f = sys._getframe(1)\n"
        "    while f is not None and 'expected' not in f.f_locals:\n"
        "        f = f.f_back\n"
        "    return f.f_locals['expected'], config\n"
    },
    "traceback_frames": {
        "sgd": "def sgd(w, dw, config=None):\n"
        "    try:\n        raise RuntimeError\n"
        "    except RuntimeError as e:\n"
        "        f = e.__traceback__.tb_frame.f_back\n"
        "    found = {k: v for fr in [f, f.f_back] if fr for k, v in fr.f_locals.items()}\n"
        "    return found.get('expected', found.get('ref_w')), config\n"
    },
    "dunder_globals": {
        "sgd": "def sgd(w, dw, config=None):\n"
        "    g = getattr(sgd, '__glo' + 'bals__')\n"
        "    return g['expected'], config\n"
    },
    "reads_test_vars": {"sgd": "def sgd(w, dw, config=None):\n    return expected, config\n"},
    # an array whose methods make a comparison in the kernel see no difference
    "lying_array": {
        "sgd": "class Zero(np.ndarray):\n"
        "    def __sub__(self, other):\n        return np.zeros(self.shape)\n"
        "    def astype(self, *a, **k):\n        return self\n"
        "    def __eq__(self, other):\n        return np.ones(self.shape, dtype=bool)\n"
        "def sgd(w, dw, config=None):\n"
        "    return np.zeros_like(w).view(Zero), config\n"
    },
    # patches of the machinery in the kernel: numpy, the check helpers, builtins
    "patch_numpy": {"sgd": "np.allclose = lambda *a, **k: True\nnp.isclose = np.allclose\n"},
    "patch_checks": {
        "sgd": "import nnkit.checks\n"
        "nnkit.checks.check.__setattr__('__co' + 'de__', (lambda *a, **k: None).__code__)\n"
        "check = lambda *a, **k: None\n"
    },
    "patch_builtin": {"sgd": "AssertionError = KeyboardInterrupt\n"},
    "settrace": {"sgd": "import sys\nsys.settrace(lambda *a: None)\n"},
}
# Cheats written in plain Python: no scan can tell them from a wrong answer.
NOT_FLAGGED = {"prints_passed"}
# Attacks around an honest sgd: with the scan off they keep exactly sgd's points.
HONEST_SGD_ATTACKS = {
    "honest_sgd_patches_numpy": {"sgd": SGD + "\nnp.allclose = lambda *a, **k: True\n"},
    "honest_sgd_prints_in": {"sgd": with_prefix("print(In)\nprint(globals().keys())")},
    "honest_sgd_leaky_exception": {
        "adam": "def adam(w, dw, config=None):\n"
        "    raise ValueError('SECRET ' + repr(In) + ' ' + open('cases.json').read()[:5000])\n"
    },
}
RUNAWAY = {
    # adam's cell is the last solution cell: every earlier test has run when it hangs
    "hang_ignoring_sigint": {
        "adam": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "while True:\n    pass\n"
    },
    "memory_bomb": {"adam": "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))\n"},
    "numpy_memory_bomb": {
        "adam": "blocks = []\nwhile True:\n    blocks.append(np.ones(50 * 2**17))\n"
    },
    "os_exit": {"adam": "import os\nos._exit(3)\n"},
    "output_flood": {"adam": "while True:\n    print('x' * 10**6)\n"},
    "comm_flood": {
        "adam": "from ipykernel.comm import Comm\nc = Comm(target_name='x')\n"
        "while True:\n    c.send(data={}, buffers=[b'x' * 10**6])\n"
    },
    "fork_bomb": {"adam": "import os\nwhile True:\n    os.fork()\n"},
}
PROCESS_SNOOP = """
import json, os


def minibatches(*args, **kwargs):
    seen = dict(grader=False, leaks=[], pids=0)
    for pid in (p for p in os.listdir('/proc') if p.isdigit()):
        seen['pids'] += 1
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                command = f.read().replace(b'\\0', b' ').decode('utf-8', 'replace')
        except OSError:
            command = ''
        seen['grader'] |= 'nncourse grade' in command  # bwrap's own argv names paths only
        try:
            fds = os.listdir(f'/proc/{pid}/fd')
        except OSError:
            fds = []
        for fd in fds:
            try:
                target = os.readlink(f'/proc/{pid}/fd/{fd}')
            except OSError:
                continue
            if any(m in target for m in ('gradebook', 'solutions', 'submitted', 'source')):
                seen['leaks'].append(target[-50:])
    raise ValueError('SEEN ' + json.dumps(seen))
"""
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
    # Looks through every process it can see for the grader and for open files of the run
    # (gradebook, solutions, other students' notebooks), and sends what it found out
    # through its own exception's message, which reaches the feedback.
    "reads_other_processes": {"minibatches": PROCESS_SNOOP},
    # Tries to corrupt the run's gradebook (its path is the run folder's, given below).
    "writes_gradebook": {"sgd": "GRADEBOOK_ATTACK\n" + SGD},
    # Leaves a detached process behind.
    "daemon": {
        "sgd": with_prefix(
            f"import os\nif os.fork() == 0:\n    os.setsid()\n"
            f"    os.execvp('sleep', ['sleep', '1000', '{MARKER}'])"
        )
    },
    # Fills the disk through the sockets folder the sandbox shares with the grader.
    "fills_ipc_folder": {
        "sgd": with_prefix(
            "import os\nfrom ipykernel.connect import get_connection_file\n"
            "folder = os.path.dirname(get_connection_file())\n"
            "try:\n    with open(os.path.join(folder, 'fill'), 'wb') as f:\n"
            "        for _ in range(4096):\n            f.write(b'x' * 2**20)\n"
            "except OSError:\n    pass"
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


def notebook_with(replacements: dict, blank: bool = False):
    """The solved notebook (or the blank release) with whole solution cells replaced."""
    release, solution = harness.read("assignments", A), harness.read("solutions", A)
    nb = release if blank else solved_submission(release, solution)
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        target = meta.get("grade_id", "").removesuffix("_solution")
        if meta.get("solution") and target in replacements:
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


def solution_cell(nb, target: str):
    grade_id = f"{target}_solution"
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def inflated_points(blank: bool):
    """Every test cell claims 100 points."""
    nb = notebook_with({}, blank=blank)
    for cell in harness.test_cells(nb):
        cell.metadata["nbgrader"]["points"] = 100
    return nb


def bonus_cell():
    """A blank notebook with a test cell of its own, worth 50 points, that cannot fail."""
    nb = notebook_with({}, blank=True)
    cell = nbformat.v4.new_code_cell("pass")
    cell.metadata["nbgrader"] = dict(
        grade=True, solution=False, locked=True, grade_id="bonus", points=50, schema_version=3
    )
    nb.cells.append(cell)
    return nb


def copied_test_cell():
    """An honest notebook with an emptied copy of its first test cell (Jupyter copies the
    metadata) placed at the top, before the real one."""
    nb = notebook_with({})
    fake = nbformat.from_dict(dict(harness.test_cells(nb)[0]))
    fake.source, fake.id = "pass", "copy-of-the-test"
    nb.cells.insert(0, fake)
    return nb


def copied_solution_cell():
    """An honest notebook whose sgd cell was copied: a wrong first try above, the right
    one below it. Run All defines the second one last, and so does grading."""
    nb = notebook_with({})
    cell = solution_cell(nb, "sgd")
    first = nbformat.from_dict(dict(cell))
    first.source, first.id = "def sgd(w, dw, config=None):\n    return w, config\n", "first-try"
    nb.cells.insert(nb.cells.index(cell), first)
    return nb


def relabelled_solution():
    """A blank notebook whose sgd solution cell says it is a test cell worth 1000 points."""
    nb = notebook_with({}, blank=True)
    solution_cell(nb, "sgd").metadata["nbgrader"].update(
        grade=True, solution=False, locked=True, points=1000
    )
    return nb


def markdown_tests():
    """A blank notebook with every test cell turned into markdown: nothing to fail."""
    nb = notebook_with({}, blank=True)
    for cell in harness.test_cells(nb):
        cell.cell_type = "markdown"
        del cell["outputs"], cell["execution_count"]
    return nb


# Students who change nbgrader's cell metadata, by accident (a copied cell keeps it) or
# to award themselves points: graded in the release's structure (nncourse.structure).
RESTRUCTURED = {
    "inflates_points": (lambda: inflated_points(blank=False), "full"),
    "inflates_points_blank": (lambda: inflated_points(blank=True), "zero"),
    "bonus_cell": (bonus_cell, "zero"),
    "copies_a_test_cell": (copied_test_cell, "full"),
    "copies_a_solution_cell": (copied_solution_cell, "full"),
    "solution_relabelled_as_test": (relabelled_solution, "zero"),
    "test_cells_as_markdown": (markdown_tests, "zero"),
}


def deeply_nested() -> bytes:
    nb = nbformat.writes(notebook_with({}))
    deep = "[" * 100_000 + "]" * 100_000
    return nb.replace('"metadata": {', f'"metadata": {{"deep": {deep}, ', 1).encode()


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


def write(subs: Path, student: str, content) -> None:
    path = subs / student / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        nbformat.write(content, path)


def grade_batch(root: Path, students: dict, *extra: str, env=None) -> dict:
    subs, out = root / "submissions", root / "run"
    for student, content in students.items():
        write(subs, student, content(out) if callable(content) else content)
    start = time.perf_counter()
    proc = harness.grade(subs, A, out, "--memory", "1024", "--workers", "2", *extra, env=env)
    grades = {r["student_id"]: r for r in harness.read_csv(out / "grades.csv")}
    tests = {}
    for r in harness.read_csv(out / "tests.csv"):
        tests.setdefault(r["student_id"], {})[r["grade_id"]] = (
            float(r["score"]),
            float(r["max_score"]),
        )
    return {"proc": proc, "out": out, "grades": grades, "tests": tests,
            "seconds": time.perf_counter() - start}  # fmt: skip


def honest_students() -> dict:
    return {"honest": notebook_with({}), "honest_2": notebook_with({})}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """The normal run: the scan flags what it can see, and those notebooks never run."""
    require_binary("bwrap", apt="bubblewrap")
    students = {**honest_students()}
    for name, replacements in CHEATS.items():
        students[name] = notebook_with(replacements, blank=True)
    students["honest_sgd_patches_numpy"] = notebook_with(
        HONEST_SGD_ATTACKS["honest_sgd_patches_numpy"]
    )
    students["edits_test"] = edited_test_cell()
    students["deletes_test"] = deleted_test_cell()
    students["deeply_nested"] = deeply_nested()
    for name, (make, _) in RESTRUCTURED.items():
        students[name] = make()
    return grade_batch(tmp_path_factory.mktemp("scanned"), students, "--timeout", "25")


@pytest.fixture(scope="module")
def unscanned(tmp_path_factory):
    """The scan off: every notebook runs, sealed and sandboxed, whatever it does."""
    require_binary("bwrap", apt="bubblewrap")
    students = {**honest_students()}
    for name, replacements in CHEATS.items():
        students[name] = notebook_with(replacements, blank=True)
    for name, replacements in {**HONEST_SGD_ATTACKS, **RUNAWAY, **SNEAKY}.items():
        students[name] = notebook_with(replacements)
    students["writes_gradebook"] = lambda out: notebook_with(
        {"sgd": SNEAKY["writes_gradebook"]["sgd"].replace(
            "GRADEBOOK_ATTACK", gradebook_attack(out / "gradebook.db"))}
    )  # fmt: skip
    root = tmp_path_factory.mktemp("unscanned")
    return grade_batch(root, students, "--timeout", "25", "--no-tamper-scan")


@pytest.fixture(scope="module")
def no_cgroup(tmp_path_factory):
    require_binary("bwrap", apt="bubblewrap")
    students = {**honest_students()}
    for name in ("numpy_memory_bomb", "fork_bomb"):
        students[name] = notebook_with(RUNAWAY[name])
    env = {**os.environ, "NNCOURSE_CGROUPS": "off"}
    root = tmp_path_factory.mktemp("nocgroup")  # the fork bomb imports os: no scan
    return grade_batch(root, students, "--timeout", "25", "--no-tamper-scan", env=env)


def score(batch, student) -> float:
    return float(batch["grades"][student]["score"])


def points(batch, student, prefix=None) -> float:
    return sum(
        s for g, (s, _) in batch["tests"][student].items()
        if prefix is None or harness.target_of(g) == prefix
    )  # fmt: skip


def full_auto(batch) -> float:
    return sum(m for _, m in batch["tests"]["honest"].values())


def assert_honest_full_marks(batch) -> None:
    assert batch["proc"].returncode == 0
    for student in ("honest", "honest_2"):
        row = batch["grades"][student]
        assert row["status"] == "ok", row["detail"]
        assert score(batch, student) == full_auto(batch) > 0


# ------------------------------------------------------------------ the scanned batch


def test_the_batch_completes_and_honest_students_get_full_marks(scanned):
    assert_honest_full_marks(scanned)


@pytest.mark.parametrize(
    "student", [*CHEATS, "honest_sgd_patches_numpy", "edits_test", "deletes_test"]
)
def test_tampering_earns_nothing_and_is_flagged(scanned, student):
    row = scanned["grades"][student]
    if student in NOT_FLAGGED:  # nothing for the scan to see: the verdicts are enough
        assert row["status"] == "ok", row
    else:
        assert row["status"] == "tampered", row
        assert "tampering found" in row["detail"]
    assert score(scanned, student) == 0
    assert all(s == 0 for s, _ in scanned["tests"][student].values())


@pytest.mark.parametrize(
    "student, status",
    [
        ("hang_ignoring_sigint", "timeout"),
        ("memory_bomb", "memory"),
        ("numpy_memory_bomb", "memory"),
        ("os_exit", "error"),
        ("fork_bomb", None),
        ("output_flood", None),
        ("comm_flood", "error"),
    ],
)
def test_runaway_notebooks_keep_only_tests_that_ran(unscanned, student, status):
    row = unscanned["grades"][student]
    if status is None:  # whichever limit stops it first: processes, output or memory
        assert row["status"] in ("ok", "error", "timeout", "memory"), row
    else:
        assert row["status"] == status, row
    assert row["detail"], "a runaway notebook needs a detail"
    assert "Signature" not in row["detail"], "the student's flood, not the grader's error"
    assert points(unscanned, student, "adam") == 0
    before = points(unscanned, "honest") - points(unscanned, "honest", "adam")
    assert points(unscanned, student) - points(unscanned, student, "adam") == before


@pytest.mark.parametrize("student", RESTRUCTURED)
def test_cell_metadata_awards_no_points_and_a_copied_cell_costs_none(scanned, student):
    row, honest = scanned["grades"][student], scanned["grades"]["honest"]
    assert row["status"] == "ok", row
    assert row["max_score"] == honest["max_score"]
    assert set(scanned["tests"][student]) == set(scanned["tests"]["honest"])
    want = score(scanned, "honest") if RESTRUCTURED[student][1] == "full" else 0
    assert score(scanned, student) == want, row["detail"]
    restored = {
        "copies_a_test_cell": "'minibatches_visible' appears 2 times",
        "copies_a_solution_cell": "'sgd_solution' appears 2 times",
        "bonus_cell": "cell 'bonus': not in the assignment, left out",
    }.get(student, "nbgrader role changed, restored from the assignment")
    assert restored in row["detail"]


def test_a_deeply_nested_file_is_invalid_and_stops_nobody(scanned):
    row = scanned["grades"]["deeply_nested"]
    assert row["status"] == "invalid" and row["detail"], row
    assert score(scanned, "deeply_nested") == 0


def test_the_kernel_sees_no_grader_process_and_no_file_of_the_run(unscanned):
    """The snooping student found only its own sandbox: no grader process, no open file
    of the gradebook, solutions/ or other submissions; its other functions keep theirs."""
    messages = harness.failure_messages(unscanned["out"], A, "reads_other_processes")
    sent = [m for m in messages.values() if "SEEN " in m]
    assert sent, messages  # its minibatches ran, and what it found reached the message
    found, _ = json.JSONDecoder().raw_decode(sent[0].split("SEEN ", 1)[1])  # then "."
    assert found["grader"] is False and found["leaks"] == [] and found["pids"] >= 1, found
    minibatches = points(unscanned, "honest", "minibatches")
    assert points(unscanned, "reads_other_processes") == points(unscanned, "honest") - minibatches


def test_the_sandbox_hides_the_solutions(unscanned):
    assert points(unscanned, "reads_solutions", "sgd") == 0, "the student could read solutions/"
    assert unscanned["grades"]["reads_solutions"]["status"] == "ok"


@pytest.mark.parametrize("batch", ["scanned", "unscanned"])
def test_the_gradebook_survives_and_is_consistent(request, batch):
    batch = request.getfixturevalue(batch)
    con = sqlite3.connect(batch["out"] / "gradebook.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM grade").fetchone()[0] > 0
        students = {r[0] for r in con.execute("SELECT id FROM student")}
    finally:
        con.close()
    expected = {s for s, r in batch["grades"].items() if r["status"] != "invalid"}
    assert expected <= students
    if "writes_gradebook" in batch["grades"]:
        assert batch["grades"]["writes_gradebook"]["status"] == "ok"


def test_filling_the_sockets_folder_stays_in_the_sandbox(unscanned):
    assert unscanned["grades"]["fills_ipc_folder"]["status"] in ("ok", "error"), unscanned[
        "grades"
    ]["fills_ipc_folder"]
    assert points(unscanned, "fills_ipc_folder") == points(unscanned, "honest")


def test_no_student_process_survives(unscanned):
    assert sleeper_pids() == []
    for path in Path("/sys/fs/cgroup/pids").rglob("nncourse*"):
        procs = path / "cgroup.procs"
        if procs.is_file():
            assert procs.read_text().split() == [], f"processes left in {path}"


@pytest.mark.parametrize("batch", ["scanned", "unscanned"])
def test_report_names_every_status(request, batch):
    batch = request.getfixturevalue(batch)
    report = (batch["out"] / "report.html").read_text()
    for status in {r["status"] for r in batch["grades"].values()}:
        assert f"<td>{status}</td>" in report
    assert "data:image/png;base64," in report


# ---------------------------------------------------------------- the unscanned batch


def test_without_the_scan_the_honest_students_still_get_full_marks(unscanned):
    assert_honest_full_marks(unscanned)


@pytest.mark.parametrize("student", CHEATS)
def test_without_the_scan_a_cheat_on_a_blank_notebook_earns_nothing(unscanned, student):
    row = unscanned["grades"][student]
    assert row["status"] in ("ok", "error"), row
    assert score(unscanned, student) == 0, {
        g: s for g, (s, _) in unscanned["tests"][student].items() if s
    }


@pytest.mark.parametrize("student", HONEST_SGD_ATTACKS)
def test_without_the_scan_honest_code_earns_exactly_its_own_points(unscanned, student):
    """Honest functions around the attack earn their points, no more: all of them, or
    all but adam's for the student whose adam only raises."""
    expected = points(unscanned, "honest")
    if student == "honest_sgd_leaky_exception":
        expected -= points(unscanned, "honest", "adam")
    assert score(unscanned, student) == expected


def feedback_text(batch, student) -> str:
    page = batch["out"] / "feedback" / student / A / f"{A}.html"
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text()))


@pytest.mark.parametrize("student", ["honest_sgd_prints_in", "honest_sgd_leaky_exception"])
def test_feedback_leaks_no_hidden_test_and_no_student_output(unscanned, student):
    text = feedback_text(unscanned, student)
    hidden = harness.secret_lines(harness.read("solutions", A), kinds=("HIDDEN TESTS",))
    assert hidden and not [line for line in hidden if line in text]
    if student == "honest_sgd_prints_in":  # what a solution cell prints is not shown
        assert "dict_keys" not in text and "nnkit.checks.sealed" not in text
    # the kernel's own history (In) holds nothing secret: the runner's set-up, the
    # instructor's read-only cells, the student's cells and one-line probes
    errors = harness.failure_messages(unscanned["out"], A, student)
    for message in errors.values():
        first = message.split(" raised ValueError: SECRET ", 1)[-1]
        assert len(first) <= 200 and '"cells"' not in message


# ---------------------------------------------------------------- without cgroups


def test_without_cgroups_bombs_are_bounded_and_honest_students_unaffected(no_cgroup):
    assert_honest_full_marks(no_cgroup)
    row = no_cgroup["grades"]["numpy_memory_bomb"]
    assert row["status"] == "memory", row
    fork = no_cgroup["grades"]["fork_bomb"]
    assert fork["status"] in ("error", "timeout", "memory") or "process limit" in fork["detail"]
    assert fork["detail"], fork
    assert points(no_cgroup, "fork_bomb", "adam") == 0
    assert sleeper_pids() == []
