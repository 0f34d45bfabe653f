"""Grading throughput: `nncourse grade` against stock serial `nbgrader autograde`.

Everything below is measured in one run, on the same submissions of one assignment
(02_minibatch_sgd unless ``--assignment``), wall clock of the whole command:

1. **Against stock nbgrader**, ``--n`` submissions. Stock is a plain nbgrader course in a
   temporary folder: ``source/`` copied from solutions/, the submissions in
   ``submitted/``, then ``nbgrader generate_assignment ID`` and ``nbgrader autograde ID``
   (one process, students one after another: stock serial). ``nncourse grade`` does the
   same work and more (its own generate_assignment, a tamper scan, sandboxed execution on
   ``--workers`` workers, default one per core, autograde, CSVs, report, feedback).
   Stock executes the WHOLE notebook, lesson cells (experiments, plots, training runs)
   included; nncourse executes only the grading cells (``nncourse.collect.grading_cells``:
   nbgrader cells). So stock is also run on the same submissions cut down to their
   grading cells: that ratio does not come from skipping the lesson.
2. **Sandbox overhead**: ``nncourse grade`` against ``nncourse grade --no-sandbox``, same
   workers and submissions, run ``--repeats`` times alternately (on/off, off/on, ...);
   medians are compared.
3. **Growth**: ``nncourse grade`` (sandbox on) on each of ``--sizes`` submissions: seconds,
   seconds per submission, and the marginal seconds per submission between sizes.
4. **Cost of sealing**: the same notebooks executed in the same sandbox two ways, one
   after the other, alternately: *sealed* (the worker notebook of ``nncourse grade``:
   probes that send the outputs back, the student edition of nnkit, then the judge in
   this process) and *in-kernel* (the instructor's test cells themselves run in the
   kernel, in local mode, with the full nnkit, as grading did before verdicts moved out
   of the kernel). Seconds per notebook, execution (kernel start-up included) plus, for
   sealed, judging; the medians are compared.

Submissions are the release filled in with the instructor's solutions
(``nncourse.mutate.solved_submission``); every ``--bug-every``-th one instead carries one
realistic bug from the mutation catalog (tests/mutants/nbNN.py: the first bug of each
graded function, in turn). Each run's per-student scores are read back (stock: the
gradebook; nncourse: grades.csv) and compared, so a run that graded nothing would show.
Figures are printed, not asserted; the machine may be shared, so the load average is
printed before and after, and with every run (``load1``). When a ``--sizes`` entry equals
``--n``, part 3 reuses part 1's median sandbox-on run instead of grading again.

    .venv/bin/python benchmarks/bench_grading.py [--assignment 02_minibatch_sgd] [--n 10]
        [--sizes 10,50] [--repeats 3] [--workers N] [--bug-every 5] [--no-stock]

    # the 200-submission growth point (adds several minutes):
    .venv/bin/python benchmarks/bench_grading.py --sizes 10,50,200
"""

import argparse
import csv
import importlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nncourse.collect import grading_cells  # noqa: E402
from nncourse.mutate import solved_submission  # noqa: E402
from nncourse.sandbox import sandbox_problem  # noqa: E402
from tests.harness import read  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PYTHONUNBUFFERED": "1"}
TARGET_RATIO = 3.0  # nncourse (sandbox on) / stock serial, grading cells only
TARGET_WRITER = 0.25  # CPU seconds of the single writer per student: a cluster bound by workers
CLASS = 2000  # the class size of the estimate
TARGET_MARGINAL = 1.0  # seconds per submission between growth sizes, 2 cores
TARGET_OVERHEAD = 0.10  # sandbox on / off - 1
TARGET_SEALING = 0.10  # sealed (execution + judging) / in-kernel checks - 1
# nncourse's progress lines: one per student, then one per part of the feedback pages
ELAPSED = re.compile(r"^\[\d+/\d+\] (?!feedback ).*elapsed (\d+) s", re.MULTILINE)
FEEDBACK = re.compile(r"^\[\d+/\d+\] feedback .*elapsed (\d+) s", re.MULTILINE)


@dataclass
class Run:
    label: str
    seconds: float
    scores: dict[str, float]  # student -> score
    phases: dict[str, float] = field(default_factory=dict)
    load1: float = field(default_factory=lambda: os.getloadavg()[0])  # when it started


def say(message: str) -> None:
    """Progress on stderr, so stdout holds only the figures."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_command(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``cmd``; on failure show the end of its output, then raise."""
    done = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    if done.returncode:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        say(f"FAILED ({done.returncode}): {' '.join(cmd)}\n{tail}")
        done.check_returncode()
    return done


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


# --------------------------------------------------------------------------------------
# submissions


def catalog_bugs(assignment: str) -> list:
    """The first bug mutant of each graded function, in catalog order (none if the
    assignment has no catalog)."""
    try:
        module = importlib.import_module(f"tests.mutants.nb{assignment[:2]}")
    except ImportError:
        return []
    first = {}
    for mutant in module.MUTANTS:
        if mutant.kind == "bug":
            first.setdefault(mutant.target, mutant)
    return list(first.values())


def write_submissions(assignment: str, n: int, bug_every: int, folder: Path) -> dict:
    """``n`` submissions ``sNNN/ASSIGNMENT/ASSIGNMENT.ipynb`` in ``folder``, and the same
    cut down to their grading cells in ``folder.grading``. Returns student -> bug name."""
    release, solution = read("assignments", assignment), read("solutions", assignment)
    bugs = catalog_bugs(assignment) if bug_every > 0 else []
    correct = solved_submission(release, solution)
    placed = {}
    for i in range(n):
        student = f"s{i:03d}"
        nb = correct
        if bugs and i % bug_every == bug_every - 1:
            bug = bugs[(i // bug_every) % len(bugs)]
            nb = solved_submission(release, solution, {bug.target: bug.source})
            placed[student] = f"{bug.target}:{bug.name}"
        for where, notebook in (
            (folder, nb),
            (folder.with_name(f"{folder.name}.grading"), grading_cells(nbformat.from_dict(nb))),
        ):
            path = where / student / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, path)
    return placed


def lesson_cells(assignment: str) -> tuple[int, int]:
    """(code cells, of which lesson cells without nbgrader metadata) of the release."""
    nb = read("assignments", assignment)
    code = [c for c in nb.cells if c.cell_type == "code"]
    return len(code), sum("nbgrader" not in c.metadata for c in code)


# --------------------------------------------------------------------------------------
# the two graders


def stock_nbgrader(label: str, assignment: str, submissions: Path, work: Path) -> Run:
    """Stock serial nbgrader in a plain course folder: generate_assignment + autograde."""
    from nbgrader.api import Gradebook

    work.mkdir(parents=True)
    shutil.copytree(
        ROOT / "solutions" / assignment,
        work / "source" / assignment,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    shutil.copytree(submissions, work / "submitted")
    db_url = f"sqlite:///{work}/gradebook.db"
    common = [f"--CourseDirectory.root={work}", f"--CourseDirectory.db_url={db_url}"]
    phases, load1 = {}, os.getloadavg()[0]
    for step in (["generate_assignment", assignment], ["autograde", assignment, "--create"]):
        start = time.perf_counter()
        run_command([str(BIN / "nbgrader"), *step, "--force", *common], work)
        phases[step[0]] = time.perf_counter() - start
    scores = {}
    with Gradebook(db_url) as gb:
        for student in sorted(p.name for p in submissions.iterdir()):
            scores[student] = gb.find_submission(assignment, student).score
    return Run(label, sum(phases.values()), scores, phases, load1)


def nncourse_grade(
    label: str,
    assignment: str,
    submissions: Path,
    out: Path,
    workers,
    sandbox: bool,
    extra: tuple[str, ...] = (),
) -> Run:
    cmd = [str(BIN / "nncourse"), "grade", str(submissions), "--assignment", assignment]
    cmd += ["--out", str(out), *extra]
    if workers:
        cmd += ["--workers", str(workers)]
    if not sandbox:
        cmd.append("--no-sandbox")
    load1, start = os.getloadavg()[0], time.perf_counter()
    done = run_command(cmd, ROOT)
    seconds = time.perf_counter() - start
    with (out / "grades.csv").open(newline="") as fh:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}
    phases = {}
    elapsed = ELAPSED.findall(done.stderr)
    feedback = FEEDBACK.findall(done.stderr)
    if elapsed:  # the last student's: tamper scan + execution + autograde of all students
        phases["batch"] = float(elapsed[-1])
        phases["feedback"] = float(feedback[-1]) if feedback else 0.0
        phases["rest"] = seconds - phases["batch"] - phases["feedback"]
    results = [json.loads(p.read_text()) for p in (out / "results" / assignment).glob("*.json")]
    if results:  # one notebook's execution in its kernel, start-up included
        phases["execution"] = statistics.fmean(r["seconds"] for r in results)
        # the single gradebook writer's autograde of one student: wall clock (sharing the
        # cores with the kernels) and the CPU seconds of its thread; with the scan, job
        # and judging, the main thread's serial CPU seconds per student
        for phase, key in (
            ("writer", "writer_seconds"),
            ("writer_cpu", "writer_cpu_seconds"),
            ("main_cpu", "main_cpu_seconds"),
        ):
            phases[phase] = statistics.fmean(r.get(key, 0.0) for r in results)
    shutil.rmtree(out, ignore_errors=True)
    return Run(label, seconds, scores, phases, load1)


def sealing_cost(assignment: str, submissions: Path, work: Path, repeats: int) -> dict:
    """Part 4: seconds per notebook, sealed vs in-kernel checks, on the same submissions
    in the same sandbox (see the module docstring). Returns label -> list of seconds."""
    from nncourse.edition import build_edition
    from nncourse.execution import edition_options, worker_notebook
    from nncourse.judge import Plan
    from nncourse.sandbox import Limits, execute

    release, source = read("assignments", assignment), read("solutions", assignment)
    plan = Plan.from_notebook(source)
    edition = build_edition(work / "edition").parent
    cases = work / "cases.json"
    cases.write_text(plan.payload())
    times = {"sealed": [], "judge": [], "in-kernel": []}
    students = sorted(p.name for p in submissions.iterdir())
    for k in range(repeats):
        for i, student in enumerate(students):
            nb = nbformat.read(submissions / student / assignment / f"{assignment}.ipynb", 4)
            sealed = worker_notebook(nb, source, release)
            in_kernel = worker_notebook(nb, source, release)
            in_kernel.cells = in_kernel.cells[1:]  # no sealed runner
            tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                     if c.metadata.get("nbgrader", {}).get("grade")}  # fmt: skip
            for cell in in_kernel.cells:
                if cell.metadata["nbgrader"].get("grade"):
                    cell.source = tests[cell.metadata["nbgrader"]["grade_id"]]
            order = ["sealed", "in-kernel"] if (i + k) % 2 == 0 else ["in-kernel", "sealed"]
            for how in order:
                folder = work / f"{how}-{student}-{k}"
                folder.mkdir()
                options = {}
                if how == "sealed":
                    shutil.copy(cases, folder / "cases.json")
                    options = edition_options(edition)
                start = time.perf_counter()
                run = execute(sealed if how == "sealed" else in_kernel, folder,
                              Limits(timeout=120), **options)  # fmt: skip
                times[how].append(time.perf_counter() - start)
                if how == "sealed":
                    start = time.perf_counter()
                    plan.judge(json.loads(nbformat.writes(run.nb)))
                    times["judge"].append(time.perf_counter() - start)
                shutil.rmtree(folder, ignore_errors=True)
    return times


# --------------------------------------------------------------------------------------
# output


def row(run: Run, n: int, sandbox: str, workers: str, note: str = "") -> str:
    mean = statistics.fmean(run.scores.values()) if run.scores else float("nan")
    return (
        f"  {run.label:<44} {sandbox:>7} {workers:>7} {run.seconds:8.1f} "
        f"{run.seconds / n:7.2f} {60 * n / run.seconds:7.1f} {mean:6.2f} {run.load1:5.2f}  {note}"
    )


HEADER = (
    f"  {'run':<44} {'sandbox':>7} {'workers':>7} {'seconds':>8} {'s/sub':>7} "
    f"{'sub/min':>7} {'mean':>6} {'load1':>5}  notes"
)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def median_run(runs: list[Run]) -> Run:
    """The run with the median time (the lower median for an even count)."""
    ordered = sorted(runs, key=lambda r: r.seconds)
    return ordered[(len(ordered) - 1) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="02_minibatch_sgd")
    parser.add_argument("--n", type=int, default=10, help="submissions for parts 1 and 2 (10)")
    parser.add_argument(
        "--sizes",
        default="10,50",
        help="comma-separated submission counts for part 3 (10,50; e.g. 10,50,200)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="sandbox on/off pairs (3)")
    parser.add_argument("--workers", type=int, help="nncourse workers (default: one per core)")
    parser.add_argument(
        "--bug-every", type=int, default=5, help="every k-th submission has a bug (5; 0: none)"
    )
    parser.add_argument("--no-stock", action="store_true", help="skip the stock nbgrader runs")
    parser.add_argument(
        "--sealing-repeats", type=int, default=1, help="rounds of part 4 over --n notebooks (1)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.n < 1 or args.repeats < 1 or any(s < 1 for s in sizes):
        parser.error("--n, --repeats and --sizes must be positive")
    workers = str(args.workers or os.cpu_count())
    problem = sandbox_problem()
    code, lesson = lesson_cells(args.assignment)
    load_before = load()
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        subs = tmp / f"subs{args.n}"
        bugs = write_submissions(args.assignment, args.n, args.bug_every, subs)
        grading_subs = subs.with_name(f"{subs.name}.grading")
        stock = []
        if not args.no_stock:
            say(f"stock nbgrader, whole notebooks, {args.n} submissions")
            stock.append(
                stock_nbgrader(
                    "stock nbgrader, whole notebook (serial)",
                    args.assignment,
                    subs,
                    tmp / "stock-whole",
                )
            )
            say(f"stock nbgrader, grading cells only, {args.n} submissions")
            stock.append(
                stock_nbgrader(
                    "stock nbgrader, grading cells only (serial)",
                    args.assignment,
                    grading_subs,
                    tmp / "stock-grading",
                )
            )
        runs = {True: [], False: []}
        for i in range(args.repeats):
            for sandbox in (True, False) if i % 2 == 0 else (False, True):
                say(f"nncourse grade, sandbox {'on' if sandbox else 'off'}, repeat {i + 1}")
                runs[sandbox].append(
                    nncourse_grade(
                        f"nncourse grade{'' if sandbox else ' --no-sandbox'}",
                        args.assignment,
                        subs,
                        tmp / "ours",
                        args.workers,
                        sandbox,
                    )
                )
        say(f"sealed vs in-kernel checks, {args.n} notebooks x {args.sealing_repeats}")
        sealing = sealing_cost(args.assignment, subs, tmp / "sealing", args.sealing_repeats)
        growth = []
        for size in sizes:
            if size == args.n:  # the same submissions and command as part 1's sandbox runs
                growth.append(median_run(runs[True]))
                continue
            folder = tmp / f"subs{size}"
            if not folder.exists():
                write_submissions(args.assignment, size, args.bug_every, folder)
            say(f"nncourse grade, sandbox on, {size} submissions")
            growth.append(
                nncourse_grade(
                    f"{size} submissions",
                    args.assignment,
                    folder,
                    tmp / "ours",
                    args.workers,
                    True,
                )
            )

    # ---- report ----------------------------------------------------------------------
    load_after = load()
    on, off = median_run(runs[True]), median_run(runs[False])
    print(
        f"Grading benchmark: {args.assignment}, {os.cpu_count()} cores ({cpu_model()}), "
        f"{platform.python_implementation()} {platform.python_version()}, nbgrader "
        f"{importlib.import_module('nbgrader').__version__}"
    )
    print(f"load average (1, 5, 15 min): before {load_before}; after {load_after}")
    print(f"sandbox: {'bubblewrap' if problem is None else 'UNAVAILABLE: ' + problem}")
    print(
        f"submissions: solved release; 1 in {args.bug_every} has one catalog bug "
        f"({len(bugs)} of {args.n}: {', '.join(sorted(set(bugs.values()))) or 'none'})"
        if args.bug_every
        else "submissions: solved release, no bugs"
    )
    print(
        f"the notebook has {code} code cells, {lesson} of them lesson cells (no nbgrader "
        "metadata): stock executes all of them, nncourse only the grading cells"
    )
    print()
    print(
        f"1. Throughput and 2. sandbox overhead, {args.n} submissions "
        "(mean: mean score; load1: 1-minute load average when the run started, the "
        "previous run's included)"
    )
    print(HEADER)
    for run in stock:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in run.phases.items())
        print(row(run, args.n, "-", "1", parts))
    for sandbox, run in ((True, on), (False, off)):
        times = " ".join(f"{r.seconds:.1f}" for r in runs[sandbox])
        note = f"median of {len(runs[sandbox])}: {times} s"
        print(row(run, args.n, "on" if sandbox else "off", workers, note))
    reference = on.scores
    differ = {}  # run label -> {student: (its score, nncourse's)}, over shared students
    for r in [*stock, *runs[True], *runs[False], *growth]:
        diff = {s: (v, reference[s]) for s, v in r.scores.items() if reference.get(s, v) != v}
        if diff or len(r.scores) < len(reference):
            differ[r.label] = diff or "students missing"
    print(
        "  per-student scores identical in every run (part 3 too, students shared): "
        + ("yes" if not differ else "NO")
    )
    for label, diff in differ.items():
        print(f"    {label}: (score, nncourse score) {diff}")
    print()
    if stock:
        whole, cut = stock[0].seconds / on.seconds, stock[1].seconds / on.seconds
        print(
            f"  throughput nncourse (sealed, sandbox on, {workers} workers) / stock serial, "
            f"whole notebook:     {whole:5.2f}x"
        )
        print(
            f"  throughput nncourse (sealed, sandbox on, {workers} workers) / stock serial, "
            f"grading cells only: {cut:5.2f}x  (same cells executed by both; target >= "
            f"{TARGET_RATIO}x: {verdict(cut >= TARGET_RATIO)})"
        )
        autograde_only = stock[1].phases["autograde"] / on.seconds
        print(
            f"    stricter: stock's autograde step alone (no generate_assignment), grading "
            f"cells only: {autograde_only:5.2f}x"
        )
    overhead = on.seconds / off.seconds - 1
    print(
        f"  sandbox overhead (median on / median off - 1): {100 * overhead:+5.1f}%  "
        f"(target <= {100 * TARGET_OVERHEAD:.0f}%: {verdict(overhead <= TARGET_OVERHEAD)}); "
        f"range over pairs: "
        + ", ".join(
            f"{100 * (a.seconds / b.seconds - 1):+.0f}%"
            for a, b in zip(runs[True], runs[False], strict=True)
        )
    )
    print()
    print(f"3. Growth: nncourse grade, sandbox on, {workers} workers")
    print(
        f"  {'submissions':>11} {'seconds':>8} {'s/sub':>7} {'marginal s/sub':>15} "
        f"{'batch s':>8} {'feedback s':>10} {'rest s':>7} {'exec s/nb':>9} "
        f"{'writer cpu':>10} {'writer wall':>11} {'main cpu':>8} {'load1':>5}"
    )
    previous, nan = None, float("nan")
    for size, run in zip(sizes, growth, strict=True):
        marginal = ""
        if previous and size != previous[0]:
            marginal = f"{(run.seconds - previous[1]) / (size - previous[0]):.2f}"
        keys = ("batch", "feedback", "rest", "execution", "writer_cpu", "writer", "main_cpu")
        batch, feedback, rest, execution, writer_cpu, writer, main_cpu = (
            run.phases.get(k, nan) for k in keys
        )
        print(
            f"  {size:>11} {run.seconds:8.1f} {run.seconds / size:7.2f} {marginal:>15} "
            f"{batch:8.0f} {feedback:10.0f} {rest:7.0f} {execution:9.2f} {writer_cpu:10.2f} "
            f"{writer:11.2f} {main_cpu:8.2f} {run.load1:5.2f}"
            + ("  (part 1's median sandbox-on run)" if size == args.n else "")
        )
        previous = (size, run.seconds)
    print(
        "  batch: tamper scan, execution and autograde of every student (nncourse's "
        "progress clock, whole seconds)"
    )
    print("  feedback: the feedback pages, written after the batch in parallel processes")
    print("  rest: process start-up, collect, generate_assignment, CSVs, report")
    print(
        "  exec s/nb: mean seconds one notebook spent in its kernel (start-up included); "
        f"{workers} run at once"
    )
    print(
        "  writer cpu / writer wall: the single gradebook writer's nbgrader autograde of one "
        "student, CPU seconds of its thread / wall clock while it shares the cores with the "
        "kernels"
    )
    print(
        "  main cpu: the main thread's serial CPU seconds per student (tamper scan, job, "
        "judging, writer): what bounds a cluster whose workers execute elsewhere"
    )
    largest = growth[-1]
    writer_cpu = largest.phases.get("writer_cpu", nan)
    print(
        f"  writer at {sizes[-1]} submissions: {writer_cpu:.2f} CPU s a student (target <= "
        f"{TARGET_WRITER:g} s: {verdict(writer_cpu <= TARGET_WRITER)}); the single writer "
        f"alone would keep up with {60 / largest.phases.get('main_cpu', nan):.0f} students a "
        "minute"
    )
    if len(sizes) > 1:
        last = (growth[-1].seconds - growth[-2].seconds) / (sizes[-1] - sizes[-2])
        print(
            f"  marginal cost {sizes[-2]} -> {sizes[-1]}: {last:.2f} s per submission "
            f"(target <= {TARGET_MARGINAL:g} s: {verdict(last <= TARGET_MARGINAL)})"
        )
        if sizes[-1] < CLASS:
            estimate = growth[-1].seconds + (CLASS - sizes[-1]) * last
            print(
                f"  {CLASS:,} submissions on this machine, from that marginal cost: "
                f"{estimate / 60:.0f} min (on N Dask workers: benchmarks/bench_dask.py)"
            )
    med = {k: statistics.median(v) for k, v in sealing.items()}
    cost = (med["sealed"] + med["judge"]) / med["in-kernel"] - 1
    print(
        f"4. Cost of sealing, {len(sealing['sealed'])} notebooks each way, one at a time, "
        "sandbox on (median seconds per notebook)"
    )
    print(
        f"  in-kernel checks {med['in-kernel']:.3f} s; sealed {med['sealed']:.3f} s "
        f"+ judging {med['judge']:.3f} s; cost {100 * cost:+.1f}% "
        f"(target <= {100 * TARGET_SEALING:.0f}%: {verdict(cost <= TARGET_SEALING)})"
    )
    print()
    busiest = max(r.load1 for r in [*stock, *runs[True], *runs[False], *growth])
    if busiest > os.cpu_count() + 1:  # our own runs alone keep about cores + 1 busy
        print(
            f"\nNOTE: other work shared the machine (1-minute load up to {busiest:.1f} on "
            f"{os.cpu_count()} cores when a run started): times are inflated, ratios noisy"
        )
    print()
    print(f"total benchmark time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
