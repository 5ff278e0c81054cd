"""Fixtures for the add-on's tests: real headless Blender (the `bpy` module), the add-on enabled
from this checkout, and the library's environment for the tests that run the worker.

Run with the Blender-like environment: `.venv-blender/bin/python -m pytest tests/blender_addon`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
ADDON = "blender_addon"
PYTHON_VARIABLE = "TALKING_HEADS_PYTHON"

try:
    import bpy
except ImportError:
    bpy = None
else:
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Asking for these tests by name in the library's environment says which one they need."""
    if bpy is None and any("blender_addon" in str(arg) for arg in config.args):
        raise pytest.UsageError("tests/blender_addon need headless Blender: run them with "
                                ".venv-blender/bin/python -m pytest tests/blender_addon (made by "
                                "`python install.py --dev`)")
    return None


if bpy is None:  # a plain `pytest` in the library's environment: shown as skipped, with the reason
    _BLENDER_ENV = PROJECT / ".venv-blender"
    pytest.skip("the add-on's tests need headless Blender: " + (
        "run .venv-blender/bin/python -m pytest tests/blender_addon" if _BLENDER_ENV.is_dir() else
        f"{_BLENDER_ENV.name} is absent; make it with `python install.py --dev`, then run "
        ".venv-blender/bin/python -m pytest tests/blender_addon"), allow_module_level=True)


def library_python() -> Path | None:
    """The library's python: $TALKING_HEADS_PYTHON, else the project's .venv."""
    if os.environ.get(PYTHON_VARIABLE):
        return Path(os.environ[PYTHON_VARIABLE])
    candidate = PROJECT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return candidate if candidate.is_file() else None


@pytest.fixture(scope="session")
def worker_python() -> Path:
    """The environment the add-on starts the worker with; this checkout's library comes first."""
    python = library_python()
    if python is None or not python.is_file():
        pytest.fail(f"the library environment was not found ({PROJECT / '.venv'}): run `python install.py --dev` "
                    f"in the project folder, or set {PYTHON_VARIABLE} to the python of an environment with the "
                    "library installed", pytrace=False)
    os.environ[PYTHON_VARIABLE] = str(python)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT / "core"), os.environ.get("PYTHONPATH")]))
    return python


@pytest.fixture(scope="session")
def addon():
    """The add-on, enabled in this Blender session from the project's blender_addon folder."""
    import addon_utils

    module = addon_utils.enable(ADDON, default_set=True, handle_error=None)
    assert module is not None, "the add-on could not be enabled"
    yield module
    addon_utils.disable(ADDON, default_set=True, handle_error=None)


@pytest.fixture
def blank(addon):
    """An empty scene with the add-on enabled; the worker (if started) stays between tests."""
    bpy.ops.wm.read_homefile(use_empty=True)
    return bpy.context.scene


@pytest.fixture
def prefs(addon):
    return bpy.context.preferences.addons[ADDON].preferences


@pytest.fixture(scope="session")
def runtime(addon):
    from blender_addon.blender.runtime import RUNTIME

    yield RUNTIME
    RUNTIME.shutdown()


@pytest.fixture(scope="module")
def one_thread_worker(runtime):
    """Workers of a module that trains tiny models run on one thread: threads gain them nothing,
    and on a busy CPU they make each training step many times slower."""
    previous = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    runtime.stop_worker()  # the next job starts one with it
    yield
    if previous is None:
        del os.environ["OMP_NUM_THREADS"]
    else:
        os.environ["OMP_NUM_THREADS"] = previous
    runtime.stop_worker()


@pytest.fixture
def make_shot(blank, worker_python, runtime, portraits_dir, tmp_path):
    """A shot of the blank scene with a shared portrait, the warp renderer and a temporary output."""

    def make(name: str = "Shot", driver: str = "MOTION", output: str = "PLATE", portrait: str = "s42.jpg"):
        bpy.ops.theads.shot_add()
        shot = blank.theads.active()
        shot.name = name
        shot.portraits.add().filepath = str(portraits_dir / portrait)
        shot.driver, shot.output, shot.renderer = driver, output, "warp"
        shot.output_folder = str(tmp_path / name)
        return shot

    blank.render.fps, blank.render.fps_base = 25, 1.0
    return make
