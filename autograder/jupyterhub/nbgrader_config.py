"""nbgrader config for every user of a JupyterHub that serves the course.

Install it as ``/etc/jupyter/nbgrader_config.py`` in the hub's single-user image (or
any folder of ``jupyter --paths``' config list): students and instructors then share one
course id and one exchange folder, and nbgrader's Assignments tab (fetch, submit) and the
instructor's ``nbgrader release_assignment`` / ``collect`` work as nbgrader documents.
``course_nbgrader_config.py`` goes in the instructor's course folder. README.md,
"On a JupyterHub", has the whole round trip; tests/test_jupyterhub.py runs it with
nbgrader's own exchange commands.
"""

import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "nncourse"
# A folder every user can write to: `mkdir -p /srv/nbgrader/exchange && chmod 777 ...`
c.Exchange.root = os.environ.get("NNCOURSE_EXCHANGE", "/srv/nbgrader/exchange")
