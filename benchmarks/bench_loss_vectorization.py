"""Loops against vectorized numpy: the SVM and softmax losses of notebook 01 at CIFAR size.

The four loss functions the students write in notebook 01 (``svm_loss_naive``,
``svm_loss_vectorized``, ``softmax_loss_naive``, ``softmax_loss_vectorized``) are taken
from the instructor's solution notebook: its solution cells that define them are read
with nbformat, the ``### BEGIN/END SOLUTION`` marker lines stripped (as a student who
solved them would submit them) and run in a namespace holding ``np``. The library's
``nnkit.linear.svm_loss`` and ``softmax_loss`` run alongside as the reference.

Inputs are CIFAR-10-sized, drawn from ``np.random.default_rng(seed)``: W (3073, 10) =
1e-3 * N(0, 1), X (500, 3073) = N(0, 1) with a last column of ones (the bias trick), y
(500,) uniform in [0, 10), and reg 1e-3. Each function is timed ``--repeats`` times
(after one untimed call) and the median is printed, with the speed-up of the loop
version over each vectorized one in the same run. Each result is checked against the
nnkit reference: the relative error (max over entries of |a - b| / max(1e-8, |a| + |b|),
notebook 01's ``relative_error``) of the loss and of dW is printed.

Notebook 01 (section 7) tells students "a speed-up of one to two orders of magnitude is
typical"; the speed-ups printed here measure that claim on this machine.
BLAS threads are the libraries' default unless ``--blas-threads`` pins them. Figures,
not a test.

    .venv/bin/python benchmarks/bench_loss_vectorization.py [--repeats 7] [--seed 0]
        [--blas-threads N]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from machine import blas_threads  # noqa: E402 (benchmarks/, the script's folder)

from nncourse.mutate import defined_names, strip_solution_markers  # noqa: E402
from nnkit import linear  # noqa: E402

NOTEBOOK = ROOT / "solutions" / "01_gradient_checking" / "01_gradient_checking.ipynb"
NAMES = ("svm_loss_naive", "svm_loss_vectorized", "softmax_loss_naive", "softmax_loss_vectorized")
N, D, C = 500, 3073, 10


def solution_functions(path: Path) -> dict:
    """The functions in NAMES, from the solution cells of the notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    namespace = {"np": np, "__name__": "notebook01"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        source = strip_solution_markers(cell.source)
        if defined_names(source) & set(NAMES):
            exec(compile(source, f"{path.name}:{meta.get('grade_id')}", "exec"), namespace)
    missing = [name for name in NAMES if name not in namespace]
    if missing:
        raise SystemExit(f"{path}: no solution cell defines {', '.join(missing)}")
    return {name: namespace[name] for name in NAMES}


def relative_error(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def median_time(fn, args, repeats: int) -> tuple[float, tuple]:
    """Median seconds of ``repeats`` calls of fn(*args), after one untimed call."""
    result = fn(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed calls per function")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reg", type=float, default=1e-3)
    parser.add_argument(
        "--blas-threads", type=int, default=0, help="pin BLAS threads (0: library default)"
    )
    args = parser.parse_args()
    if args.blas_threads > 0:
        threadpool_limits(args.blas_threads, user_api="blas")

    fns = solution_functions(NOTEBOOK)
    rng = np.random.default_rng(args.seed)
    W = 1e-3 * rng.standard_normal((D, C))
    X = np.hstack([rng.standard_normal((N, D - 1)), np.ones((N, 1))])
    y = rng.integers(C, size=N)
    inputs = (W, X, y, args.reg)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"W {W.shape}, X {X.shape}, y {y.shape}, reg {args.reg:g}, seed {args.seed}; median of "
        f"{args.repeats} calls"
    )
    print(f"solution cells of {NOTEBOOK.relative_to(ROOT)}")
    print(f"{os.cpu_count()} CPUs, load average {load}; BLAS: {blas_threads()}")
    for loss in ("svm", "softmax"):
        candidates = {
            f"{loss}_loss_naive": fns[f"{loss}_loss_naive"],
            f"{loss}_loss_vectorized": fns[f"{loss}_loss_vectorized"],
            f"nnkit.linear.{loss}_loss": getattr(linear, f"{loss}_loss"),
        }
        ref_loss, ref_dW = getattr(linear, f"{loss}_loss")(W.copy(), X.copy(), y.copy(), args.reg)
        print()
        print(f"{loss}: loss {ref_loss:.6f}")
        print(f"  {'function':28s} {'median':>11s}  {'rel err loss':>12s}  {'rel err dW':>10s}")
        seconds = {}
        for name, fn in candidates.items():
            seconds[name], (value, dW) = median_time(fn, inputs, args.repeats)
            err_loss, err_dW = relative_error(value, ref_loss), relative_error(dW, ref_dW)
            print(f"  {name:28s} {1e3 * seconds[name]:8.2f} ms  {err_loss:12.1e}  {err_dW:10.1e}")
        naive, *vectorized = seconds
        for name in vectorized:
            label = f"speed-up of the loops by {name}:"
            print(f"  {label:50s} {seconds[naive] / seconds[name]:5.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
