"""The skip-or-install rules of tests/browser/require.py (no browser needed)."""

import os

import pytest

from . import require as R


def outcome(fn, *args, **kwargs):
    """("ok", value), ("skip", reason) or ("fail", reason)."""
    try:
        return "ok", fn(*args, **kwargs)
    except pytest.skip.Exception as e:
        return "skip", str(e)
    except pytest.fail.Exception as e:
        return "fail", str(e)


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.delenv(R.REQUIRE_ALL_ENV, raising=False)


@pytest.fixture
def strict(monkeypatch):
    monkeypatch.setenv(R.REQUIRE_ALL_ENV, "1")


def test_present_components_are_returned(lenient):
    kind, path = outcome(R.require_binary, "sh")
    assert kind == "ok" and os.path.isabs(path)
    assert R.require_module("json").dumps([1]) == "[1]"


def test_a_missing_module_is_skipped_with_the_pip_command(lenient):
    kind, reason = outcome(R.require_module, "no_such_module_nncourse", pip="no-such-dist")
    assert kind == "skip"
    assert "no_such_module_nncourse" in reason and "pip install no-such-dist" in reason


def test_a_missing_binary_without_apt_rights_is_skipped(lenient, monkeypatch):
    monkeypatch.setattr(R.os, "geteuid", lambda: 1000)  # not root: apt is not tried
    kind, reason = outcome(R.require_binary, "no-such-binary-nncourse", apt="no-such-pkg")
    assert kind == "skip"
    assert "apt-get install no-such-pkg" in reason and "root" in reason


def test_require_all_turns_skips_into_failures(strict, monkeypatch):
    monkeypatch.setattr(R.os, "geteuid", lambda: 1000)
    assert outcome(R.require_module, "no_such_module_nncourse")[0] == "fail"
    kind, reason = outcome(R.require_binary, "no-such-binary-nncourse", apt="no-such-pkg")
    assert kind == "fail" and R.REQUIRE_ALL_ENV in reason


@pytest.mark.parametrize("value, strict", [("", False), ("0", False), ("1", True), ("yes", True)])
def test_require_all_values(monkeypatch, value, strict):
    monkeypatch.setenv(R.REQUIRE_ALL_ENV, value)
    assert R.require_all() is strict


def test_a_failed_apt_install_is_reported(lenient, monkeypatch):
    monkeypatch.setattr(R, "_can_apt", lambda: True)
    monkeypatch.setattr(R, "apt_install", lambda *pkgs: (False, "E: Unable to locate package"))
    kind, reason = outcome(R.require_binary, "no-such-binary-nncourse", apt="no-such-pkg")
    assert kind == "skip" and "Unable to locate package" in reason
