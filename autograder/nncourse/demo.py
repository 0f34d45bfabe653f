"""``nncourse demo``: build the course, grade the bundled sample class, print the table."""

import time
from pathlib import Path

from .build import build
from .course import Course
from .grade import GradeOptions, grade
from .report import summary_table, write_html_report

DEMO_TIMEOUT = 45.0  # seconds per notebook


def sample_assignments(course: Course) -> list[str]:
    """Assignments for which the sample class holds at least one submission."""
    return [a for a in course.assignment_ids() if any(course.sample_class.glob(f"*/{a}/*.ipynb"))]


def demo(course: Course, out: Path) -> int:
    start = time.perf_counter()
    build(course)
    print(f"built assignments/ from solutions/ in {time.perf_counter() - start:.1f} s\n")
    for assignment in sample_assignments(course):
        t0 = time.perf_counter()
        # The sample class has a student whose notebook hangs: a short whole-notebook
        # timeout keeps the demo quick (real classes keep the 300 s default).
        opts = GradeOptions(assignment, out / assignment, timeout=DEMO_TIMEOUT)
        result = grade(course, course.sample_class, opts)
        report = write_html_report(out / assignment / "report.html", result, assignment)
        print(f"== {assignment} ==")
        print(summary_table(result.grade_rows, result.seconds, result.warnings))
        print(f"graded in {time.perf_counter() - t0:.1f} s; report: {report}\n")
    return 0
