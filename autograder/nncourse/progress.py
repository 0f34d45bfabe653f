"""Progress of a grading batch: a tqdm bar with ETA on a terminal, plain lines otherwise
(CI logs, files), one per finished student."""

import sys
import time
from collections import Counter

from tqdm import tqdm


class Progress:
    def __init__(self, total: int, bar: bool | None = None, stream=None):
        self.total, self.count = total, 0
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        use_bar = self.stream.isatty() if bar is None else bar
        self.bar = (
            tqdm(total=total, unit="student", file=self.stream, dynamic_ncols=True)
            if use_bar and total
            else None
        )

    def done(self, student: str, entries, seconds: float) -> None:
        self.count += 1
        statuses = Counter(e.status for e in entries)
        status = ", ".join(f"{k}" if v == 1 else f"{k} x{v}" for k, v in sorted(statuses.items()))
        if self.bar is not None:
            self.bar.set_postfix_str(f"{student}: {status}", refresh=False)
            self.bar.update(1)
            return
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.count * (self.total - self.count)
        print(
            f"[{self.count}/{self.total}] {student}: {status} ({seconds:.1f} s; "
            f"elapsed {elapsed:.0f} s, ETA {eta:.0f} s)",
            file=self.stream,
            flush=True,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
