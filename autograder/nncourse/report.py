"""Step 6 of grading: grades.csv, tests.csv, the summary table and report.html.

Column layouts are fixed (README, "Grading a class"). The CSVs are always rewritten whole, from the
records of every graded student (``grade.recorded_entries``), so a ``--student`` run
replaces that student's rows and keeps every other one.
"""

import base64
import csv
import html
import io
import json
import statistics
from collections import Counter
from pathlib import Path

from .files import atomic_write

GRADES_COLUMNS = ["student_id", "assignment", "notebook", "score", "max_score", "status", "detail"]
TESTS_COLUMNS = ["student_id", "assignment", "notebook", "grade_id", "score", "max_score"]


def fmt(x: float) -> str:
    """Scores as short decimals: 3.0 -> '3', 2.5 -> '2.5'."""
    return f"{x:g}"


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Write rows sorted by student and notebook. The grader passes every recorded
    student's rows, so a ``--student`` run replaces only that student's rows."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["student_id"], r["notebook"])))
    atomic_write(path, text.getvalue())


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def summary_table(grade_rows: list[dict], seconds=None, warnings=()) -> str:
    """A plain-text table: one line per student row, then status counts, score stats,
    the slowest submissions and any warning."""
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
    slowest = sorted(((t, s) for s, t in (seconds or {}).items()), reverse=True)[:3]
    if slowest:
        lines.append("slowest: " + ", ".join(f"{s} {t:.1f} s" for t, s in slowest))
    lines += [f"WARNING: {w}" for w in warnings]
    return "\n".join(lines)


def pass_rates(test_rows: list[dict]) -> list[tuple[str, float, int]]:
    """(grade_id, share of students with full points, n) per test, worst first."""
    by_test: dict[str, list[bool]] = {}
    for r in test_rows:
        by_test.setdefault(r["grade_id"], []).append(float(r["score"]) >= float(r["max_score"]))
    rates = [(g, sum(v) / len(v), len(v)) for g, v in by_test.items()]
    return sorted(rates, key=lambda x: (x[1], x[0]))


def common_mistakes(out: Path, assignment: str) -> list[tuple[str, str, list[str]]]:
    """(function, likely cause, students) for every cause the judge named in this run's
    verdicts (``executed/STUDENT/ASSIGNMENT/NB.verdicts.json``, their ``cause`` field:
    never read out of a message, which may quote a student's own text), most students
    first."""
    from .grade_ids import graded_target

    found: dict[tuple[str, str], set[str]] = {}
    for path in sorted((out / "executed").glob(f"*/{assignment}/*.verdicts.json")):
        student = path.parent.parent.name
        try:
            verdicts = json.loads(path.read_text()).get("verdicts", {})
        except (OSError, ValueError):
            continue
        for grade_id, verdict in verdicts.items():
            cause = verdict.get("cause") if isinstance(verdict, dict) else None
            if cause and isinstance(cause, str) and not verdict.get("passed"):
                found.setdefault((graded_target(grade_id), cause), set()).add(student)
    rows = [(f, c, sorted(s)) for (f, c), s in found.items()]
    return sorted(rows, key=lambda r: (-len(r[2]), r[0], r[1]))


def concerns(out: Path, assignment: str) -> dict[str, str]:
    """grade_id -> the concern its test cell names ("edge cases", ...; ``grade_ids.
    concern``), from the instructor's notebooks of the run folder."""
    import nbformat

    from .grade_ids import concern

    found = {}
    for path in sorted((out / "source" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id and cell.cell_type == "code":
                found[grade_id] = concern(cell.source) or (
                    "visible" if "_visible" in grade_id else ""
                )
    return found


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _plots(grade_rows: list[dict], rates) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    scored = [r for r in grade_rows if float(r["max_score"]) > 0]
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    if scored:
        full = max(float(r["max_score"]) for r in scored)
        ax.hist([float(r["score"]) for r in scored], bins=20, range=(0, full), color="#4c72b0")
    ax.set(xlabel="score", ylabel="notebooks", title="score histogram")
    histogram = _png(fig)
    fig = Figure(figsize=(6, max(2.0, 0.22 * len(rates) + 0.8)))
    ax = fig.subplots()
    names = [g for g, _, _ in rates][::-1]
    ax.barh(names, [100 * r for _, r, _ in rates][::-1], color="#dd8452")
    ax.set(xlabel="% of students with full points", xlim=(0, 100), title="per-test pass rate")
    ax.tick_params(axis="y", labelsize=7)
    return histogram, _png(fig)


def write_html_report(path: Path, result, assignment: str) -> Path:
    """report.html: warnings, status counts, score statistics, the score histogram, the
    per-test pass rates (worst first, each with the concern its cell tests), the common
    mistakes (each likely cause with the
    students who made it) and the slowest submissions. PNGs are embedded."""
    rows, tests = result.grade_rows, result.test_rows
    rates = pass_rates(tests)
    histogram, rate_plot = _plots(rows, rates)
    counts = Counter(r["status"] for r in rows)
    scored = [float(r["score"]) for r in rows if float(r["max_score"]) > 0]
    stats = (
        f"mean {statistics.mean(scored):.2f}, median {statistics.median(scored):g} "
        f"over {len(scored)} notebooks"
        if scored
        else "no graded notebooks"
    )
    esc = html.escape
    warnings = "".join(f'<p class="warning">WARNING: {esc(w)}</p>' for w in result.warnings)
    status_rows = "".join(
        f"<tr><td>{esc(k)}</td><td>{v}</td></tr>" for k, v in sorted(counts.items())
    )
    concern = concerns(path.parent, assignment)
    rate_rows = "".join(
        f"<tr><td>{esc(g)}</td><td>{esc(concern.get(g, ''))}</td><td>{100 * r:.0f}%</td>"
        f"<td>{n}</td></tr>"
        for g, r, n in rates
    )
    slow = sorted(((t, s) for s, t in result.seconds.items()), reverse=True)
    slow_rows = "".join(f"<tr><td>{esc(s)}</td><td>{t:.1f} s</td></tr>" for t, s in slow[:10])
    mistake_rows = "".join(
        f"<tr><td><code>{esc(f)}</code></td><td>{esc(c)}</td><td>{len(s)}</td>"
        f"<td>{esc(', '.join(s))}</td></tr>"
        for f, c, s in common_mistakes(path.parent, assignment)
    )
    problem_rows = "".join(
        f"<tr><td>{esc(r['student_id'])}</td><td>{esc(r['notebook'])}</td>"
        f"<td>{esc(r['status'])}</td><td>{esc(r['detail'])}</td></tr>"
        for r in rows
        if r["status"] != "ok"
    )
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>nncourse report: {esc(assignment)}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; }}
.warning {{ background: #fdd; border: 2px solid #c00; padding: .5em; font-weight: bold; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .2em .5em; }}
</style></head><body>
<h1>Grading report: {esc(assignment)}</h1>
{warnings}
<h2>Statuses</h2><table><tr><th>status</th><th>notebooks</th></tr>{status_rows}</table>
<p>Score: {stats}.</p>
<h2>Score histogram</h2><img alt="score histogram" src="data:image/png;base64,{histogram}">
<h2>Per-test pass rate (most failed first)</h2>
<img alt="per-test pass rate" src="data:image/png;base64,{rate_plot}">
<table><tr><th>test</th><th>concern</th><th>full points</th><th>students</th></tr>{rate_rows}
</table>
<h2>Common mistakes (the likely causes the judge named)</h2>
<table><tr><th>function</th><th>likely cause</th><th>students</th><th>who</th></tr>{mistake_rows}
</table>
<h2>Notebooks that are not ok</h2>
<table><tr><th>student</th><th>notebook</th><th>status</th><th>detail</th></tr>{problem_rows}</table>
<h2>Slowest submissions (execution time in this run)</h2>
<table><tr><th>student</th><th>seconds</th></tr>{slow_rows}</table>
</body></html>
"""
    path.write_text(page)
    return path


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
