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
