"""SGDR at large steps: ``nnkit.schedules.cosine_with_restarts`` against a per-cycle loop.

The reference finds the cycle of step t in closed form (``t mod T0`` for T_mult = 1, an
integer logarithm corrected with exact powers for T_mult >= 2). The peer, measured in the
same run, is the loop the reference used before (subtract one cycle length after the
other), which costs one iteration per cycle: 1e8 / T0 iterations at T_mult = 1. Both are
checked to agree at every step timed. Figures, not a test.

    .venv/bin/python benchmarks/bench_schedules.py [--repeats 5]
"""

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from nnkit.schedules import cosine_with_restarts  # noqa: E402


def per_cycle_loop(t, lr0, T0, T_mult=1, lr_min=0.0):
    """The peer: walk the cycles one by one."""
    T_i, t_cur = T0, t
    while t_cur >= T_i:
        t_cur -= T_i
        T_i *= T_mult
    return float(lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / T_i)) / 2)


def seconds(fn, args, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'t':>8s} {'T0':>4s} {'T_mult':>6s} {'nnkit':>10s} {'loop':>10s} {'ratio':>8s}")
    for t, T0, T_mult in ((10**6, 10, 1), (10**8, 10, 1), (10**8, 10, 2), (10**12, 10, 2)):
        call = (t, 0.1, T0, T_mult)
        assert cosine_with_restarts(*call) == per_cycle_loop(*call)
        ours = seconds(cosine_with_restarts, call, args.repeats)
        slow = T_mult == 1 and t // T0 > 10**6  # seconds per call: time it once
        peer = seconds(per_cycle_loop, call, 1 if slow else args.repeats)
        print(
            f"{t:8.0e} {T0:4d} {T_mult:6d} {ours * 1e6:8.1f} us {peer * 1e6:8.1f} us "
            f"{peer / ours:7.0f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
