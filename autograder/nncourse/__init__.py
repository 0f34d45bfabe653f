"""nncourse: the instructor toolchain (build, grade, report) for the nnkit course."""

__version__ = "0.1.0"
