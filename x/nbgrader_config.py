"""nbgrader config of an `nncourse grade` run folder: `nbgrader formgrader` works here."""
c = get_config()  # noqa: F821
c.CourseDirectory.root = '/work/main/x'
c.CourseDirectory.course_id = "nncourse"
c.CourseDirectory.db_url = 'sqlite:////work/main/x/gradebook.db'
c.OverwriteCells.add_missing_cells = True
from nncourse.feedback import feedback_preprocessors  # noqa: E402
c.GenerateFeedback.preprocessors = feedback_preprocessors()
