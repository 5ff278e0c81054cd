"""Finding the generator's environment, and what the add-on shows after 'Check environment'."""
import json
import os
import sys
from pathlib import Path

import pytest

from blender_addon.logic.environment import (CHECKPOINT_VARIABLE, PYTHON_VARIABLE, SIGNING_VARIABLES, WorkerPython,
                                             check_library, choose_worker_python, describe_ping, find_worker_python,
                                             venv_python, worker_environment)
from blender_addon.logic.errors import UserError


def make_env(folder):
    python = venv_python(folder)
    python.parent.mkdir(parents=True)
    python.write_text("")
    return python


def test_the_preference_wins_and_may_name_the_venv_folder(tmp_path):
    python = make_env(tmp_path / "chosen")
    assert find_worker_python(str(tmp_path / "chosen"), tmp_path / "addon", {}) == python
    assert find_worker_python(str(python), tmp_path / "addon", {}) == python
    with pytest.raises(UserError, match="no Python found at"):
        find_worker_python(str(tmp_path / "missing"), tmp_path / "addon", {})


def test_an_installed_addon_finds_the_project_it_came_from(tmp_path):
    project_python = make_env(tmp_path / "project" / ".venv")
    package = tmp_path / "extensions" / "talking_heads_blender"
    package.mkdir(parents=True)
    (package / "origin.json").write_text(json.dumps({"project": str(tmp_path / "project")}))
    assert find_worker_python("", package, {}) == project_python
    other = make_env(tmp_path / "farm")
    assert find_worker_python("", package, {PYTHON_VARIABLE: str(other)}) == other
    chosen = choose_worker_python("", package, {PYTHON_VARIABLE: str(tmp_path / "farm")})
    assert chosen.describe() == f"{other} (from ${PYTHON_VARIABLE})"
    assert choose_worker_python("", package, {}).origin == f"the project folder {tmp_path / 'project'}"


def test_a_variable_naming_no_python_is_an_error_not_replaced(tmp_path):
    project_python = make_env(tmp_path / "project" / ".venv")
    (tmp_path / "project" / "install.py").write_text("")
    (tmp_path / "project" / "core").mkdir()
    assert find_worker_python("", tmp_path / "project" / "blender_addon", {}) == project_python
    expected = rf"\${PYTHON_VARIABLE} is .*typo.*where there is no Python: set \${PYTHON_VARIABLE}"
    with pytest.raises(UserError, match=expected):
        find_worker_python("", tmp_path / "project" / "blender_addon", {PYTHON_VARIABLE: str(tmp_path / "typo")})


def test_a_python_without_the_library_is_refused_by_its_origin(tmp_path):
    bare = WorkerPython(Path(sys.executable), f"${PYTHON_VARIABLE}")
    with pytest.raises(UserError, match=rf"\(from \${PYTHON_VARIABLE}\) has no Talking Heads library.*unset it"):
        check_library(bare, {"PATH": os.environ.get("PATH", "")})
    library = tmp_path / "lib" / "talking_heads"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("")
    check_library(bare, {"PYTHONPATH": str(library.parent)})  # found: no error


def test_an_addon_inside_the_project_finds_its_venv(tmp_path):
    (tmp_path / "install.py").write_text("")
    (tmp_path / "core").mkdir()
    python = make_env(tmp_path / ".venv")
    assert find_worker_python("", tmp_path / "blender_addon", {}) == python


def test_no_environment_says_how_to_make_one(tmp_path):
    with pytest.raises(UserError, match="python install.py"):
        find_worker_python("", tmp_path / "addon", {})


def test_the_ping_report_names_the_device_and_the_fixes():
    lines = describe_ping({"device": {"type": "cuda", "name": "NVIDIA H200", "memory_gb": 139.8},
                           "version": "0.1.0", "torch": "2.13.0", "python": "3.11.7",
                           "renderers": {"warp": True, "neural": False},
                           "weights": {"neural checkpoint": None},
                           "missing": [{"what": "neural renderer weights", "fix": "put a checkpoint at w/meta"}]})
    assert lines[0] == "Device: CUDA GPU NVIDIA H200, 139.8 GB"
    assert "Renderers: warp" in lines and "Weights neural checkpoint: missing" in lines
    assert "Missing: neural renderer weights; fix: put a checkpoint at w/meta" in lines
    assert describe_ping({"device": {"type": "cpu", "name": "x86_64"}})[0] == "Device: CPU x86_64 (no CUDA GPU found)"


def test_the_workers_environment_carries_the_chosen_checkpoint(tmp_path):
    blender = {"PYTHONHOME": "/blender/python", "PATH": "/bin", CHECKPOINT_VARIABLE: "/farm/meta.safetensors"}
    assert worker_environment(blender) == {"PATH": "/bin", CHECKPOINT_VARIABLE: "/farm/meta.safetensors"}
    chosen = tmp_path / "meta.safetensors"
    chosen.write_bytes(b"")
    assert worker_environment(blender, str(chosen))[CHECKPOINT_VARIABLE] == str(chosen)
    with pytest.raises(UserError, match="meta-learned checkpoint .*gone.safetensors .*was not found"):
        worker_environment(blender, str(tmp_path / "gone.safetensors"))


def test_the_workers_environment_carries_the_studio_signing_files(tmp_path):
    certificate, key = tmp_path / "studio.pem", tmp_path / "studio.key"
    certificate.write_text("x")
    key.write_text("x")
    env = worker_environment({}, "", {"certificate": str(certificate), "key": str(key)})
    assert env == {SIGNING_VARIABLES["certificate"]: str(certificate), SIGNING_VARIABLES["key"]: str(key)}
    assert worker_environment({}, "", {"certificate": "", "key": ""}) == {}
    with pytest.raises(UserError, match="signing key .*gone.key .*was not found"):
        worker_environment({}, "", {"certificate": str(certificate), "key": str(tmp_path / "gone.key")})
