"""The grader's optional parts, each installed by an extra of the package.

A student's environment (the bundle's wheel, or ``pip install nncourse``) holds what
the lessons and ``nncourse check`` need, and nothing that only a grading machine does:

    pip install 'nncourse[dask]'      --executor dask (dask.distributed)
    pip install 'nncourse[postgres]'  --db postgresql://... (psycopg 3)

``require`` turns a missing extra into one line that names the command to run, before
any work starts, instead of an ImportError part-way through a batch.
"""

import importlib

from .course import CourseError

# extra -> (the module it installs, what needs it)
EXTRAS = {
    "dask": ("distributed", "--executor dask"),
    "postgres": ("psycopg", "--db postgresql://..."),
}


def require(extra: str) -> None:
    """``CourseError`` naming ``pip install 'nncourse[EXTRA]'`` unless the extra's module
    imports."""
    module, needed_by = EXTRAS[extra]
    try:
        importlib.import_module(module)
    except ImportError as err:
        raise CourseError(
            f"{needed_by} needs the {extra} extra, which is not installed ({err}): "
            f"pip install 'nncourse[{extra}]'"
        ) from None
