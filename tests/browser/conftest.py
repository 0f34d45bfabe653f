"""Fixtures for the real-browser tests: Debian's chromium driven by Playwright.

- ``chromium_executable``: /usr/bin/chromium, apt-installed when missing and possible.
- ``browser``: one headless chromium for the session (``helpers.CHROMIUM_ARGS``).
- ``browser_notebook``: the notebook under test: the course's notebook 03 unless
  ``NNCOURSE_BROWSER_NOTEBOOK`` names another one (a path relative to the repo root,
  e.g. ``tests/browser/schedule_explorer.ipynb``, the quick fixture). It must display a
  ``nnkit.widgets.ScheduleExplorer`` and run without a course-specific working folder.

Missing components follow tests/browser/require.py: install with apt where possible,
else skip with the reason, and fail instead under NNCOURSE_REQUIRE_ALL=1.
"""

import os
from pathlib import Path

import pytest

from . import helpers as H
from .require import require_binary, require_module


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real chromium through Playwright")
    # pytest-xdist registers it too; registering here keeps --strict-markers happy without it
    config.addinivalue_line("markers", "xdist_group(name): run in one xdist worker per name")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return require_binary("chromium", apt="chromium")


@pytest.fixture(scope="session")
def browser(chromium_executable):
    api = require_module("playwright.sync_api", pip="playwright")
    with api.sync_playwright() as playwright:
        chromium = H.launch_chromium(playwright, chromium_executable)
        try:
            yield chromium
        finally:
            chromium.close()


# The course's own notebook 03 (explorer and training comparison); the small fixture
# notebook tests/browser/schedule_explorer.ipynb is quicker for work on the widget.
COURSE_NOTEBOOK = "solutions/03_lr_schedules/03_lr_schedules.ipynb"


@pytest.fixture(scope="session")
def browser_notebook() -> Path:
    name = os.environ.get(H.NOTEBOOK_ENV)
    path = (H.ROOT / name) if name else H.ROOT / COURSE_NOTEBOOK
    if not path.is_file():
        pytest.fail(f"{H.NOTEBOOK_ENV}={name}: no such notebook {path}")
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    H.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return H.ARTIFACTS
