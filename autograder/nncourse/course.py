"""Where the course lives: the repository root, its assignments and their notebooks."""

from dataclasses import dataclass
from pathlib import Path

CONFIG_RELPATH = Path("autograder") / "nbgrader_config.py"


class CourseError(Exception):
    """A problem with the course layout or the command line, shown without a traceback."""


@dataclass(frozen=True)
class Course:
    """The course repository (README, "Layout")."""

    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_RELPATH

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def assignments(self) -> Path:
        return self.root / "assignments"

    @property
    def build_dir(self) -> Path:
        """Git-ignored folder holding the instructor's build gradebook."""
        return self.root / "autograder" / ".gradebook"

    @property
    def sample_class(self) -> Path:
        return self.root / "autograder" / "sample_class"

    def assignment_ids(self) -> list[str]:
        """Assignment ids in order: the folders of solutions/ that hold a notebook."""
        if not self.solutions.is_dir():
            raise CourseError(f"no solutions/ folder in {self.root}")
        return sorted(
            p.name
            for p in self.solutions.iterdir()
            if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb"))
        )

    def notebooks(self, assignment_id: str) -> list[str]:
        """Stems of the notebooks a submission of this assignment must contain."""
        folder = self.solutions / assignment_id
        if not folder.is_dir():
            known = ", ".join(self.assignment_ids()) or "none"
            raise CourseError(f"unknown assignment {assignment_id!r} (known: {known})")
        return sorted(p.stem for p in folder.glob("*.ipynb"))


def find_course(start: Path | None = None) -> Course:
    """Walk up from ``start`` (default: the current folder) to the course root."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_RELPATH).is_file():
            return Course(folder)
    raise CourseError(
        f"no course found: neither {here} nor any parent holds {CONFIG_RELPATH}; "
        "run inside the course repository or pass --course DIR"
    )


def course_from_arg(course_dir: str | None) -> Course:
    if course_dir is None:
        return find_course()
    root = Path(course_dir).resolve()
    if not (root / CONFIG_RELPATH).is_file():
        raise CourseError(f"--course {course_dir}: {root / CONFIG_RELPATH} does not exist")
    return Course(root)
