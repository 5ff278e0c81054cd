"""The suite's own rules: missing footage fails the run; the add-on's tests show as skipped,
with the reason, in the library's environment."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


def test_missing_footage_fails_instead_of_skipping(tmp_path, module_at):
    with pytest.raises(pytest.fail.Exception, match="test footage not found"):
        module_at(PROJECT / "tests" / "conftest.py", "suite_conftest")._require(tmp_path / "shared" / "data")


def test_a_plain_run_shows_the_addon_tests_skipped_with_the_reason():
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-rs", "-p", "no:cacheprovider",
                             "tests", "--ignore=tests/core", "--ignore=tests/test_suite_policy.py"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert "SKIPPED" in result.stdout and "the add-on's tests need headless Blender" in result.stdout, result.stdout
