"""The suite's own rules: missing footage fails the run; the add-on's tests show as skipped,
with the reason, in the library's environment."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import importlib.util

import pytest

PROJECT = Path(__file__).resolve().parents[1]


def _suite_conftest():
    """tests/conftest.py itself (several conftest modules exist, so not by its module name)."""
    spec = importlib.util.spec_from_file_location("suite_conftest", PROJECT / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_footage_fails_instead_of_skipping(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="test footage not found"):
        _suite_conftest()._require(tmp_path / "shared" / "data")


def test_a_plain_run_shows_the_addon_tests_skipped_with_the_reason():
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-rs", "-p", "no:cacheprovider",
                             "tests", "--ignore=tests/core", "--ignore=tests/test_suite_policy.py"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert "SKIPPED" in result.stdout and "the add-on's tests need headless Blender" in result.stdout, result.stdout
