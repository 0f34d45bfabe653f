"""Grading on Dask: `nncourse grade --executor dask` (a LocalCluster) against the local
thread executor, on the same submissions, in one run; then an estimate of the hours to
grade 2,000 submissions on N Dask workers.

Both executors run ``--workers`` notebooks at once (default: one per core), sandbox on,
``--repeats`` times alternately (local/dask, dask/local, ...); medians are compared.
Submissions are those of bench_grading.py (the instructor's solutions, every
``--bug-every``-th with one catalog bug), and both executors must give the same scores.

The estimate uses a simple model, with its inputs measured here:

    hours(2000, N) = (S + 2000 * max(t_exec / N, t_main) + 2000 * t_feedback / P) / 3600

- ``t_exec``: the mean seconds one notebook takes on a Dask worker (kernel start in the
  sandbox + execution), measured here with ``--workers`` notebooks sharing this machine's
  cores. Assumes each cluster worker has one core of the same speed to itself.
- ``t_main``: the CPU seconds per submission of the grader's main thread (the tamper
  scan, the job, judging and the single gradebook writer's nbgrader autograde, recorded
  per student in ``results/*.json`` as ``main_cpu_seconds``), serial by design, so it
  bounds throughput whatever N is. On a cluster the main thread has the grading machine
  to itself; its CPU seconds are what it costs there, whatever shared the cores here
  (its wall clock here, sharing the cores with the kernels, is printed too).
- ``t_feedback``: seconds of one feedback page in one process (the feedback step's
  seconds times its processes, per submission). Pages are written after the batch, on
  the grading machine's P cores (P = this machine's cores, and 8 for a modest server).
- ``S``: fixed start-up (cluster connection, generate_assignment, reports), this run's
  seconds minus the per-submission parts.
One notebook per submission, as in the assignments; a submission with k notebooks costs
about k times t_exec and t_main.

    .venv/bin/python benchmarks/bench_dask.py [--assignment 02_minibatch_sgd] [--n 20]
        [--repeats 2] [--workers N] [--bug-every 5]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grading import (  # noqa: E402
    HEADER,
    load,
    median_run,
    nncourse_grade,
    row,
    say,
    write_submissions,
)

N_CLASS = 2000
WORKER_COUNTS = (2, 8, 32, 128)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="02_minibatch_sgd")
    parser.add_argument("--n", type=int, default=20, help="submissions (20)")
    parser.add_argument("--repeats", type=int, default=2, help="local/dask pairs (2)")
    parser.add_argument("--workers", type=int, help="workers for both (default: one per core)")
    parser.add_argument("--bug-every", type=int, default=5, help="every k-th has a bug (5)")
    args = parser.parse_args()
    if args.n < 1 or args.repeats < 1:
        parser.error("--n and --repeats must be positive")
    workers = args.workers or os.cpu_count() or 1
    load_before, started = load(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        subs = Path(tmp) / "subs"
        write_submissions(args.assignment, args.n, args.bug_every, subs)
        runs = {"local": [], "dask": []}
        for i in range(args.repeats):
            for kind in ("local", "dask") if i % 2 == 0 else ("dask", "local"):
                say(f"nncourse grade --executor {kind}, repeat {i + 1}")
                runs[kind].append(
                    nncourse_grade(
                        f"nncourse grade --executor {kind}",
                        args.assignment,
                        subs,
                        Path(tmp) / "out",
                        workers,
                        sandbox=True,
                        extra=("--executor", kind),
                    )
                )
    local, dask = median_run(runs["local"]), median_run(runs["dask"])
    n = args.n
    print(f"Dask executor vs local threads: {args.assignment}, {n} submissions, "
          f"{workers} workers, sandbox on; load before {load_before}, after {load()}")  # fmt: skip
    print(HEADER)
    for run in runs["local"] + runs["dask"]:
        print(row(run, n, "on", str(workers)))
    same = local.scores == dask.scores
    print(f"  same scores from both executors: {same}")
    ratio = local.seconds / dask.seconds
    print(f"  throughput, dask / local (medians): {ratio:.2f}x")

    t_exec = dask.phases.get("execution", float("nan"))
    t_main = dask.phases.get("main_cpu", float("nan"))
    t_writer = dask.phases.get("writer_cpu", float("nan"))
    t_main_shared = dask.phases.get("writer", float("nan"))
    processes = min(workers, os.cpu_count() or 1)
    t_feedback = dask.phases.get("feedback", 0.0) * processes / n
    per_sub = max(t_exec / workers, t_main)
    fixed = max(0.0, dask.seconds - n * per_sub - n * t_feedback / processes)
    print()
    print(f"Estimate for {N_CLASS} submissions on N Dask workers (model in the docstring):")
    print(f"  t_exec {t_exec:.2f} s per notebook per worker, t_main {t_main:.2f} CPU s per "
          f"submission (main thread; its writer {t_writer:.2f}), t_feedback {t_feedback:.2f} "
          f"s per page per process, S {fixed:.0f} s")  # fmt: skip
    print(f"  (the writer's wall clock sharing {workers} cores with {workers} kernels: "
          f"{t_main_shared:.2f} s)")  # fmt: skip
    for cores in sorted({processes, 8}):
        print(f"  feedback on P = {cores} cores:")
        for count in WORKER_COUNTS:
            seconds = fixed + N_CLASS * max(t_exec / count, t_main)
            seconds += N_CLASS * t_feedback / cores
            bound = "writer-bound" if t_main >= t_exec / count else "worker-bound"
            print(f"    N = {count:>3}: {seconds / 3600:5.2f} h ({bound} batch)")
    if t_main > 0:
        print(f"  beyond N = {t_exec / t_main:.0f} workers the single writer sets the pace")
    took = time.perf_counter() - started
    print(f"(bench took {took:.0f} s; medians of {args.repeats} runs each)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
