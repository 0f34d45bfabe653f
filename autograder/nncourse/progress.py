"""Progress of a grading batch: a tqdm bar with ETA on a terminal, plain lines otherwise
(CI logs, files), one per finished student (or part of the feedback pages)."""

import sys
import time
from collections import Counter

from tqdm import tqdm


class Progress:
    def __init__(self, total: int, bar: bool | None = None, stream=None, what: str = ""):
        self.total, self.count, self.what = total, 0, what
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        use_bar = self.stream.isatty() if bar is None else bar
        self.bar = (
            tqdm(
                total=total, unit="student", desc=what or None, file=self.stream, dynamic_ncols=True
            )
            if use_bar and total
            else None
        )

    def done(self, student: str, entries, seconds: float) -> None:
        """One student graded: their statuses and execution seconds."""
        statuses = Counter(e.status for e in entries)
        status = ", ".join(f"{k}" if v == 1 else f"{k} x{v}" for k, v in sorted(statuses.items()))
        self.advance(1, f"{student}: {status}", seconds)

    def advance(self, count: int, note: str = "", seconds: float | None = None) -> None:
        """``count`` more done; ``seconds``: what the last one took, if it is known."""
        self.count += count
        if self.bar is not None:
            if note:
                self.bar.set_postfix_str(note, refresh=False)
            self.bar.update(count)
            return
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.count * (self.total - self.count)
        label = " ".join(filter(None, [self.what, note]))
        took = f"{seconds:.1f} s; " if seconds is not None else ""
        print(
            f"[{self.count}/{self.total}] {label} ({took}elapsed {elapsed:.0f} s, ETA {eta:.0f} s)",
            file=self.stream,
            flush=True,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
