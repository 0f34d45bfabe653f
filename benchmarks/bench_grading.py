"""Grading throughput: `nncourse grade` against stock serial `nbgrader autograde`.

Both grade the same N submissions (the solution, filled into the release) of one
assignment on this machine, in one run, and the ratio is printed. Stock nbgrader runs
the whole notebook, lesson included; nncourse runs only the cells a grade depends on.

    .venv/bin/python benchmarks/bench_grading.py [--n 8] [--assignment 01_gradient_checking]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nncourse.mutate import solved_submission  # noqa: E402

BIN = Path(sys.executable).parent


def write_submissions(assignment: str, n: int, folder: Path) -> None:
    def read(part):
        return nbformat.read(ROOT / part / assignment / f"{assignment}.ipynb", as_version=4)

    nb = solved_submission(read("assignments"), read("solutions"))
    for i in range(n):
        path = folder / f"s{i:03d}" / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)


def stock_nbgrader(assignment: str, submissions: Path, work: Path) -> float:
    """Seconds for `nbgrader generate_assignment` + `nbgrader autograde` (serial)."""
    shutil.copytree(ROOT / "solutions" / assignment, work / "source" / assignment)
    shutil.copytree(submissions, work / "submitted")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    common = [f"--CourseDirectory.root={work}", f"--CourseDirectory.db_url=sqlite:///{work}/gb.db"]
    start = time.perf_counter()
    for step in (["generate_assignment", assignment], ["autograde", assignment, "--create"]):
        subprocess.run(
            [str(BIN / "nbgrader"), *step, "--force", *common],
            cwd=work,
            env=env,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def nncourse_grade(assignment: str, submissions: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "nncourse"),
            "grade",
            str(submissions),
            "--assignment",
            assignment,
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--assignment", default="01_gradient_checking")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        write_submissions(args.assignment, args.n, tmp / "subs")
        stock = stock_nbgrader(args.assignment, tmp / "subs", tmp / "stock")
        ours = nncourse_grade(args.assignment, tmp / "subs", tmp / "ours")
    print(f"{args.n} submissions of {args.assignment}, one run, {os.cpu_count()} cores")
    print(
        f"  stock nbgrader (generate + autograde, serial): {stock:7.1f} s  "
        f"{stock / args.n:5.2f} s/submission"
    )
    print(
        f"  nncourse grade (serial):                       {ours:7.1f} s  "
        f"{ours / args.n:5.2f} s/submission"
    )
    print(f"  throughput ratio nncourse / stock:             {stock / ours:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
