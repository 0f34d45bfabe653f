"""Skip-or-install rules for tests that need a system component (README, "Tests and
environments"), in one place so every such test behaves the same:

- a missing Debian package is installed with apt when we are root and apt exists
  (``apt-get update`` once, then ``apt-get install -y PACKAGE``; serialised with a file
  lock so parallel xdist workers do not fight over the dpkg lock);
- a missing Python package is not installed (pip belongs to the Makefile): the test is
  skipped with the reason;
- otherwise the test is skipped with the reason shown in the summary (``-ra``);
- with ``NNCOURSE_REQUIRE_ALL=1`` (CI) every such skip is a failure instead.

Use::

    from tests.browser.require import require_binary, require_module

    chromium = require_binary("chromium", apt="chromium")    # -> "/usr/bin/chromium"
    playwright = require_module("playwright.sync_api", pip="playwright")
"""

import fcntl
import importlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REQUIRE_ALL_ENV = "NNCOURSE_REQUIRE_ALL"
APT_TIMEOUT = 900  # seconds for apt-get update + install


def require_all() -> bool:
    """True when missing components must fail the run (CI)."""
    return os.environ.get(REQUIRE_ALL_ENV, "").strip() not in ("", "0", "false", "no")


def unavailable(reason: str):
    """Skip with ``reason``, or fail under NNCOURSE_REQUIRE_ALL=1. Never returns."""
    if require_all():
        pytest.fail(f"{reason} ({REQUIRE_ALL_ENV}=1 turns this skip into a failure)")
    pytest.skip(reason)


def _can_apt() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install(*packages: str) -> tuple[bool, str]:
    """``apt-get update && apt-get install -y PACKAGES`` as root; (ok, log tail)."""
    if not _can_apt():
        return False, "not root or no apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock_path = Path(tempfile.gettempdir()) / "nncourse-apt.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time across xdist workers
        log = []
        for cmd in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", *packages],
        ):
            try:
                out = subprocess.run(
                    cmd, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT
                )
            except (OSError, subprocess.TimeoutExpired) as e:
                return False, f"{' '.join(cmd)}: {e}"
            log.append(out.stdout[-500:] + out.stderr[-500:])
            if out.returncode != 0:
                return False, f"{' '.join(cmd)} exited {out.returncode}: {log[-1].strip()}"
    return True, "\n".join(log)


def require_binary(name: str, apt: str | None = None) -> str:
    """Path of executable ``name``; installs Debian package ``apt`` if it is missing and
    we can, else skips (or fails under NNCOURSE_REQUIRE_ALL=1)."""
    path = shutil.which(name)
    if path:
        return path
    if apt is None:
        unavailable(f"{name} is not installed")
    if not _can_apt():
        unavailable(
            f"{name} is not installed and cannot be installed here "
            f"(needs root and apt-get): apt-get install {apt}"
        )
    ok, log = apt_install(apt)
    path = shutil.which(name)
    if not path:
        unavailable(f"{name} is missing and `apt-get install {apt}` did not provide it: {log}")
    return path


def require_module(module: str, pip: str | None = None):
    """Import ``module`` or skip (fail under NNCOURSE_REQUIRE_ALL=1) naming the pip
    package that provides it. Python packages are never installed by tests."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        unavailable(
            f"Python module {module} is not importable ({e}); "
            f"install it with: .venv/bin/pip install {pip or module.split('.')[0]}"
        )
