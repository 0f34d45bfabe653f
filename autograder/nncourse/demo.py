"""``nncourse demo``: build the course, grade the bundled sample class, print the table."""

import time
from pathlib import Path

from .build import build
from .course import Course
from .grade import GradeOptions, grade
from .report import summary_table


def sample_assignments(course: Course) -> list[str]:
    """Assignments for which the sample class holds at least one submission."""
    return [a for a in course.assignment_ids() if any(course.sample_class.glob(f"*/{a}/*.ipynb"))]


def demo(course: Course, out: Path) -> int:
    start = time.perf_counter()
    build(course)
    print(f"built assignments/ from solutions/ in {time.perf_counter() - start:.1f} s\n")
    for assignment in sample_assignments(course):
        t0 = time.perf_counter()
        result = grade(course, course.sample_class, GradeOptions(assignment, out / assignment))
        print(f"== {assignment} ==")
        print(summary_table(result.grade_rows))
        print(f"graded in {time.perf_counter() - t0:.1f} s; reports in {out / assignment}\n")
    return 0
