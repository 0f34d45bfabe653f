"""``nncourse build``: solutions/ -> assignments/ through nbgrader generate_assignment.

Generation always happens in a scratch course folder, so a failed build never leaves
assignments/ half-written, and ``--check`` shares every step with the real build.
The release is nbgrader's, with one change set in the course config: a hidden-test cell
keeps the line ``# Hidden tests: run when your notebook is graded`` (``nncourse.labels``).
"""

import contextlib
import fcntl
import filecmp
import shutil
import tempfile
from pathlib import Path

from .course import Course
from .nbgrader_api import course_config, make_api, run


def generate_release(course: Course, work: Path, db_url: str | None = None) -> Path:
    """Generate the student release of every assignment into ``work/release``.

    ``work/source`` receives a copy of solutions/. Returns the release folder.
    """
    source = work / "source"
    shutil.copytree(
        course.solutions, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    api = make_api(course_config(course, work, db_url))
    for assignment_id in course.assignment_ids():
        run(api.generate_assignment(assignment_id, force=True, create=True), "generate_assignment")
    return work / "release"


def stale_files(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two release trees (missing, extra or changed)."""
    problems = []
    want = _files(expected)
    have = _files(actual) if actual.is_dir() else set()
    for rel in sorted(want - have):
        problems.append(f"missing: {rel}")
    for rel in sorted(have - want):
        problems.append(f"not generated from solutions/: {rel}")
    for rel in sorted(want & have):
        if not filecmp.cmp(expected / rel, actual / rel, shallow=False):
            problems.append(f"out of date: {rel}")
    return problems


@contextlib.contextmanager
def _build_lock(course: Course):
    """One build at a time per course: a build swaps assignments/ and writes the build
    gradebook, and two at once could interleave."""
    course.build_dir.mkdir(parents=True, exist_ok=True)
    with open(course.build_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build(course: Course, check: bool = False) -> list[str]:
    """Regenerate assignments/ (or, with ``check``, only compare). Returns the problems
    found by ``check`` (always empty after a real build)."""
    with _build_lock(course), tempfile.TemporaryDirectory(prefix="nncourse-build-") as tmp:
        work = Path(tmp)
        db_url = None if check else f"sqlite:///{course.build_dir / 'gradebook.db'}"
        release = generate_release(course, work, db_url)
        if check:
            return stale_files(release, course.assignments)
        # Swap the new release in with renames, so assignments/ is never half-written.
        staging = Path(tempfile.mkdtemp(prefix=".assignments-new-", dir=course.root))
        old = Path(tempfile.mkdtemp(prefix=".assignments-old-", dir=course.root))
        shutil.copytree(release, staging, dirs_exist_ok=True)
        if course.assignments.exists():
            course.assignments.rename(old / "assignments")
        staging.rename(course.assignments)
        shutil.rmtree(old)
        return []


def _files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    }
