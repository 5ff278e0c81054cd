"""install.py: idempotent steps and clear failures (without touching the real environment)."""
from __future__ import annotations

import importlib.util
import sys
from collections import namedtuple
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def install(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("install_script", ROOT / "install.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "VENV", tmp_path / ".venv")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("")
    return module


def test_second_run_installs_nothing(install, monkeypatch):
    calls = []
    monkeypatch.setattr(install, "run_pip", lambda python, args, what: calls.append(what))
    install.install_library(dev=True)
    first = len(calls)
    install.install_library(dev=True)
    assert first > 0 and len(calls) == first
    install.install_library(dev=False)  # another target: installs again
    assert len(calls) > first


def test_old_python_is_refused(install, monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 9, 1, "final", 0))
    with pytest.raises(install.InstallError, match="Python 3.9.1 is too old"):
        install.check_python()


def test_full_disk_is_refused(install, monkeypatch, tmp_path):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(install.shutil, "disk_usage", lambda path: usage(10**12, 10**12, 10**8))
    with pytest.raises(install.InstallError, match="Only 0.1 GB free"):
        install.check_disk(tmp_path)


def test_a_package_that_will_not_install_is_named(install, tmp_path):
    with pytest.raises(install.InstallError, match="pip could not install a-package-that-does-not-exist"):
        install.run_pip(Path(sys.executable), ["--no-index", "a-package-that-does-not-exist-xyz"],
                        "a-package-that-does-not-exist")
