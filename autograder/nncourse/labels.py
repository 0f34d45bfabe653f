"""What a hidden-test cell says in the release: one comment line, in place of its tests.

Stock nbgrader's ``ClearHiddenTests`` empties a hidden-test cell, and the student sees a
blank locked cell with no hint of what it is. ``LabelHiddenTests`` removes the same
``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region and leaves
``HIDDEN_TESTS_LABEL`` where it was. The course config (``autograder/nbgrader_config.py``)
puts it in nbgrader's ``GenerateAssignment`` pipeline, so every generation of a release
(``nncourse build``, the run folder of ``nncourse grade``, a plain ``nbgrader
generate_assignment``) labels every hidden-test cell of every notebook.

The label is a comment: the cell still runs nothing, ``nbgrader``'s checksum of the
released cell includes it (so Validate does not call a labelled cell "changed"), and the
tamper scan, which compares what a test cell *does* (its code without comments), sees a
labelled cell and a blank one as the same cell.

nbgrader is imported only when the config asks for the pipeline: it costs seconds, and
``nncourse`` commands that never generate a release should not pay for it.
"""

import re

HIDDEN_TESTS_LABEL = "# Hidden tests: run when your notebook is graded"


def generate_preprocessors() -> list:
    """nbgrader's ``GenerateAssignment`` pipeline with ``ClearHiddenTests`` replaced by
    ``LabelHiddenTests`` (same place: after the checksums and cells are saved for grading,
    before the release's own checksums are computed)."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import ClearHiddenTests

    pipeline = list(GenerateAssignment.class_traits()["preprocessors"].default())
    if pipeline.count(ClearHiddenTests) != 1:
        raise RuntimeError(
            "this nbgrader's GenerateAssignment pipeline does not clear hidden tests in one "
            f"step ({[p.__name__ for p in pipeline]}): update nncourse.labels"
        )
    pipeline[pipeline.index(ClearHiddenTests)] = label_hidden_tests_class()
    return pipeline


_LABEL_CLASS = None


def label_hidden_tests_class() -> type:
    """The ``LabelHiddenTests`` preprocessor class (made once, on first use)."""
    global _LABEL_CLASS
    if _LABEL_CLASS is None:
        from nbgrader.preprocessors import ClearHiddenTests

        class LabelHiddenTests(ClearHiddenTests):
            """``ClearHiddenTests`` that leaves ``HIDDEN_TESTS_LABEL`` in place of each
            hidden-test region, indented like the region's first line."""

            def _remove_hidden_test_region(self, cell) -> bool:
                cell.source = label_regions(cell.source, self.begin_test_delimeter)
                return super()._remove_hidden_test_region(cell)

        LabelHiddenTests.__module__ = __name__
        LabelHiddenTests.__qualname__ = "LabelHiddenTests"
        _LABEL_CLASS = LabelHiddenTests
    return _LABEL_CLASS


def label_regions(source: str, begin: str = "BEGIN HIDDEN TESTS") -> str:
    """``source`` with ``HIDDEN_TESTS_LABEL`` put before every line that opens a hidden
    region (the region itself is left for nbgrader to remove). A label already there is
    not repeated."""
    lines, out = source.split("\n"), []
    for line in lines:
        if begin in line and not (out and out[-1].strip() == HIDDEN_TESTS_LABEL):
            out.append(re.match(r"\s*", line).group(0) + HIDDEN_TESTS_LABEL)
        out.append(line)
    return "\n".join(out)
