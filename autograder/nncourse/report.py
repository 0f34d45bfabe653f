"""Step 6 of grading: grades.csv, tests.csv and the summary table.

Column layouts are fixed by DESIGN.md. When only some students were graded
(``--student``), their rows replace the old ones and every other row is kept.
"""

import csv
import statistics
from collections import Counter
from pathlib import Path

GRADES_COLUMNS = ["student_id", "assignment", "notebook", "score", "max_score", "status", "detail"]
TESTS_COLUMNS = ["student_id", "assignment", "notebook", "grade_id", "score", "max_score"]


def fmt(x: float) -> str:
    """Scores as short decimals: 3.0 -> '3', 2.5 -> '2.5'."""
    return f"{x:g}"


def write_rows(path: Path, columns: list[str], rows: list[dict], replace_students=None) -> None:
    """Write rows, keeping existing rows of students not in ``replace_students``."""
    kept = []
    if replace_students is not None and path.is_file():
        with path.open(newline="") as fh:
            kept = [r for r in csv.DictReader(fh) if r["student_id"] not in replace_students]
    merged = sorted(kept + rows, key=lambda r: (r["student_id"], r["notebook"]))
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(merged)
    tmp.replace(path)


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def summary_table(grade_rows: list[dict]) -> str:
    """A plain-text table: one line per student row, then status counts and score stats."""
    width = max([len("student"), *(len(r["student_id"]) for r in grade_rows)])
    lines = [f"{'student':<{width}}  {'notebook':<24} {'score':>12}  {'status':<8} detail"]
    for r in grade_rows:
        score = f"{r['score']}/{r['max_score']}"
        lines.append(
            f"{r['student_id']:<{width}}  {r['notebook']:<24} {score:>12}  {r['status']:<8} "
            f"{_short(r['detail'])}"
        )
    counts = Counter(r["status"] for r in grade_rows)
    lines.append("(max_score counts written answers too; grade them in `nbgrader formgrader`)")
    lines.append("")
    lines.append("status: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    graded = [float(r["score"]) for r in grade_rows if float(r["max_score"]) > 0]
    if graded:
        lines.append(
            f"score: mean {statistics.mean(graded):.2f}, median {statistics.median(graded):g}, "
            f"n {len(graded)}"
        )
    return "\n".join(lines)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
