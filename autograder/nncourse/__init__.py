"""nncourse: the instructor toolchain (build, grade, report) for the nnkit course."""

import sys

__version__ = "0.1.0"

# jsonschema, which nbformat imports to validate notebooks, also imports the optional
# rfc3987_syntax when it is installed (jupyter-events pulls it in) to check the "iri"
# string format, and that import compiles a grammar: 0.84 s on this machine, a sixth of
# the fixed cost of `nncourse grade`. No notebook schema uses any "format" keyword
# (tests/test_packaging.py checks nbformat's schemas and that validation still works),
# so the grader's processes go without it: a None entry in sys.modules makes the import
# raise ImportError, which jsonschema expects for an optional checker. A process that
# imported it already (a Jupyter server loading a run folder's config) keeps it.
sys.modules.setdefault("rfc3987_syntax", None)
