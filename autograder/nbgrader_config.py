"""nbgrader configuration for the course repository.

Instructors edit only solutions/; `nncourse build` (or `nbgrader generate_assignment ID`
run from this folder) writes the student release into assignments/. The instructor
gradebook for building lives in a git-ignored folder next to this file. Grading runs
(`nncourse grade`) use their own self-contained course folder and gradebook instead.
"""

from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

ROOT = Path(__file__).resolve().parent.parent

c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.course_id = "nncourse"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'autograder' / '.gradebook' / 'gradebook.db'}"

# What a student sees in place of a solution block.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A hidden-test cell of the release keeps one line saying what it is for
# ("# Hidden tests: run when your notebook is graded") instead of going blank.
from nncourse.labels import generate_preprocessors  # noqa: E402

c.GenerateAssignment.preprocessors = generate_preprocessors()

# Deleted test cells come back from the gradebook instead of silently scoring zero.
c.OverwriteCells.add_missing_cells = True
