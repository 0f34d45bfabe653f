"""A guard on the test run itself.

``make test`` runs ``pytest -n 2 --dist loadgroup``: tests that share an expensive module
fixture (a graded class) or that time kernels carry ``xdist_group`` so that one worker
runs them in a row. pytest 9.2 stores node ids differently, and pytest-xdist 3.8 then
stops grouping without a word: each such fixture is built on both workers and timing
tests overlap. pyproject.toml pins pytest below 9.2; if grouping breaks again, every
grouped test errors here, before its fixtures run, instead of the suite silently slowing.
"""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    loadgroup = getattr(item.config.option, "loadgroup", False)  # set on xdist workers
    if loadgroup and item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
        pytest.fail(
            f"pytest-xdist --dist loadgroup is not grouping {item.nodeid} (pytest "
            f"{pytest.__version__} with this pytest-xdist): pin pytest as pyproject.toml says",
            pytrace=False,
        )


@pytest.fixture
def figure(record_property):
    """``figure(line)``: a figure the test measured (a diagnosis rate, a notebook's run
    time), printed at the end of the run under "figures measured by the tests", also
    when the test passed and its output was captured (with pytest-xdist too: the line
    travels in the test's report)."""
    return lambda line: record_property("figure", line)


def pytest_terminal_summary(terminalreporter):
    lines = [
        value
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call"
        for name, value in report.user_properties
        if name == "figure"
    ]
    if lines:
        terminalreporter.section("figures measured by the tests")
        for line in sorted(lines):
            terminalreporter.write_line(line)
