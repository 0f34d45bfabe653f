"""The student's kernel's side of a sealed run: run the grader's cases, send back data.

The grader builds the notebook it executes (``nncourse.execution``): a first cell that
calls ``install`` before any student code runs, the instructor's read-only cells, the
student's solution cells, and in place of each test cell a one-line probe::

    _nncourse_probe("svm_loss_naive_hidden")

``install`` reads the cases the grader wrote into the working folder (inputs only: no
reference, no expected value, no test code) and keeps what it needs (the JSON module,
the display publisher, the user namespace) in a closure. Each probe runs that test cell's
cases on the student's functions (``nnkit.checks.run``) and publishes the outputs as one
display message of type ``MIME``. After every test cell, a model's cases run once more
with ``correct=``, the grader's code of the layers that model calls, in place of the
student's (``nncourse.rerun``). That is all: the grader decodes the message as plain
data and judges it in its own process. A student's code can change anything in this
kernel, this module included, and so change what the message says; it cannot change what
the grader compares it with, because that is not here.
"""

import json

from .run import run_case

MIME = "application/vnd.nncourse.results+json"
CASES_FILE = "cases.json"


def install(path: str = CASES_FILE):
    """Load the cases and return ``probe(grade_id)``."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    with open(path, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    user_ns = get_ipython().user_ns

    def resolve(name: str):
        return user_ns[name]

    def probe(grade_id: str, correct: str = "") -> None:
        if not correct:
            results = [run_case(program, resolve) for program in cells[grade_id]]
            publish_display_data({MIME: {"cell": grade_id, "cases": results}})
            return
        # the second run of a model's cases, with correct layers (nncourse.rerun)
        import numpy

        functions = {"np": numpy}
        exec(correct, functions)  # the grader's code: correct versions of graded functions
        replaced = [n for n in functions if not n.startswith("_") and n != "np"]
        saved = {name: user_ns[name] for name in replaced if name in user_ns}
        user_ns.update({name: functions[name] for name in replaced})
        try:
            results = [run_case(program, resolve) for program in cells[grade_id]]
        finally:
            for name in replaced:
                user_ns.pop(name, None)
            user_ns.update(saved)
        publish_display_data({MIME: {"cell": grade_id, "with": "correct", "cases": results}})

    return probe
