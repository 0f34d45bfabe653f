"""nbgrader config of the instructor's course folder on a JupyterHub.

Copy it as ``nbgrader_config.py`` into the folder where the instructor runs nbgrader's
exchange commands; the hub-wide ``nbgrader_config.py`` (beside this file) names the
course and the exchange. The folder holds:

    bundle/      ``nncourse release ID --out bundle``: what ``nbgrader release_assignment``
                 puts on the exchange (the released notebook, never a solution or a
                 hidden test); its wheel is installed in the hub's image
    submitted/   what ``nbgrader collect`` writes, which ``nncourse grade submitted
                 --assignment ID --out DIR`` grades (sealed, sandboxed)
"""

c = get_config()  # noqa: F821

c.CourseDirectory.release_directory = "bundle"
c.CourseDirectory.submitted_directory = "submitted"
