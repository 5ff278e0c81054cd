"""Finding the generator's Python environment, the variables it runs with, and describing what
its `ping` found."""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UserError

ORIGIN_FILE = "origin.json"  # written into the package by install.py: {"project": "<folder>"}
PYTHON_VARIABLE = "TALKING_HEADS_PYTHON"  # overrides the search, e.g. on a render farm
CHECKPOINT_VARIABLE = "TALKING_HEADS_CHECKPOINT"  # the library's configured meta-learned checkpoint
# the studio's certificate and key that sign content credentials (the library's provenance.signing)
SIGNING_VARIABLES = {"certificate": "TALKING_HEADS_SIGNING_CERT", "key": "TALKING_HEADS_SIGNING_KEY"}


def venv_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _as_python(path: Path) -> Path:
    """A virtual environment folder or a python executable -> the executable."""
    return venv_python(path) if path.is_dir() else path


def project_folder(package_dir: Path) -> Path | None:
    """The Talking Heads folder the add-on came from: named in its origin file, or its parent
    folder when Blender loads the add-on straight from the project."""
    origin = package_dir / ORIGIN_FILE
    if origin.is_file():
        try:
            return Path(json.loads(origin.read_text(encoding="utf-8"))["project"])
        except (ValueError, KeyError, TypeError):
            return None
    parent = package_dir.parent
    return parent if (parent / "install.py").is_file() and (parent / "core").is_dir() else None


@dataclass(frozen=True)
class WorkerPython:
    """The python that runs the worker and where that choice came from."""

    path: Path
    origin: str  # "the add-on's preferences", "$TALKING_HEADS_PYTHON" or "the project folder ..."

    def describe(self) -> str:
        return f"{self.path} (from {self.origin})"


PREFERENCE_ORIGIN = "the add-on's preferences"
PREFERENCE_FIX = ("choose the .venv folder that `python install.py` made in the Talking Heads folder in "
                  "Preferences > Add-ons > Talking Heads > Python environment")
VARIABLE_FIX = (f"set ${PYTHON_VARIABLE} to the .venv folder (or its python) that `python install.py` made in the "
                "Talking Heads folder, or unset it to use that folder's .venv")


def choose_worker_python(preference: str, package_dir: Path, environ: Mapping[str, str] = os.environ) -> WorkerPython:
    """The python that runs `talking_heads.worker`: the preference, else ${PYTHON_VARIABLE}, else the
    project's .venv. A choice that names no python is an error, never replaced by the next one."""
    if preference.strip():
        python = _as_python(Path(preference.strip()).expanduser())
        if not python.is_file():
            raise UserError(f"no Python found at {python} (set in {PREFERENCE_ORIGIN}): {PREFERENCE_FIX}")
        return WorkerPython(python, PREFERENCE_ORIGIN)
    if environ.get(PYTHON_VARIABLE, "").strip():
        python = _as_python(Path(environ[PYTHON_VARIABLE].strip()).expanduser())
        if not python.is_file():
            raise UserError(f"${PYTHON_VARIABLE} is {environ[PYTHON_VARIABLE]!r}, where there is no Python: "
                            f"{VARIABLE_FIX}")
        return WorkerPython(python, f"${PYTHON_VARIABLE}")
    project = project_folder(package_dir)
    if project is not None and venv_python(project / ".venv").is_file():
        return WorkerPython(venv_python(project / ".venv"), f"the project folder {project}")
    looked = f"{venv_python(project / '.venv')} (the project folder)" if project is not None else \
        "nowhere (no project folder known)"
    raise UserError("the generator's Python environment was not found (looked at: " + looked + "). "
                    "In the Talking Heads folder run `python install.py`, then " + PREFERENCE_FIX
                    + f", or set ${PYTHON_VARIABLE} to it")


def find_worker_python(preference: str, package_dir: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """The python that runs `talking_heads.worker`; UserError with the fix when there is none."""
    return choose_worker_python(preference, package_dir, environ).path


LIBRARY_CHECK = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('talking_heads') else 3)"
LIBRARY_CHECK_TIMEOUT_S = 60


def check_library(worker: WorkerPython, env: Mapping[str, str]) -> None:
    """UserError naming the choice and its fix when `worker` cannot import the library (checked in
    the worker's own environment, without importing torch: a fraction of a second)."""
    try:
        result = subprocess.run([str(worker.path), "-c", LIBRARY_CHECK], env=dict(env), capture_output=True,
                                text=True, timeout=LIBRARY_CHECK_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UserError(f"the Python {worker.describe()} could not be run ({error}): " + _fix(worker)) from None
    if result.returncode != 0:
        raise UserError(f"the Python {worker.describe()} has no Talking Heads library (`import talking_heads` "
                        "fails): " + _fix(worker))


def _fix(worker: WorkerPython) -> str:
    if worker.origin == PREFERENCE_ORIGIN:
        return PREFERENCE_FIX
    if worker.origin == f"${PYTHON_VARIABLE}":
        return VARIABLE_FIX
    return "run `python install.py` in the Talking Heads folder"


def worker_environment(environ: Mapping[str, str], checkpoint: str = "",
                       signing: Mapping[str, str] | None = None) -> dict[str, str]:
    """The worker's environment variables: Blender's, without its PYTHONHOME, and with the
    meta-learned checkpoint and the signing certificate and key chosen in the preferences (empty:
    the library's configured ones)."""
    env = {key: value for key, value in environ.items() if key != "PYTHONHOME"}
    if checkpoint.strip():
        path = Path(checkpoint.strip()).expanduser()
        if not path.is_file():
            raise UserError(f"the meta-learned checkpoint {path} (set in the add-on's preferences) was not found: "
                            "choose the meta.safetensors that `talking-heads train` wrote, or clear the field")
        env[CHECKPOINT_VARIABLE] = str(path.resolve())
    for what, value in (signing or {}).items():
        if value.strip():
            path = Path(value.strip()).expanduser()
            if not path.is_file():
                raise UserError(f"the signing {what} {path} (set in the add-on's preferences) was not found: "
                                "choose the studio's PEM file, or clear both signing fields")
            env[SIGNING_VARIABLES[what]] = str(path.resolve())
    return env


def describe_ping(result: Mapping[str, Any]) -> list[str]:
    """The lines a user reads after 'Check environment': device, renderers, weights, fixes."""
    lines = [f"Device: {describe_device(result.get('device', {}))}",
             f"Library {result.get('version', '?')}, torch {result.get('torch', '?')}, Python {result.get('python', '?')}"]
    renderers = result.get("renderers", {})
    if renderers:
        usable = [name for name, ok in renderers.items() if ok]
        lines.append("Renderers: " + (", ".join(usable) if usable else "none"))
    for name, path in (result.get("weights") or {}).items():
        lines.append(f"Weights {name}: {path if path else 'missing'}")
    for item in result.get("missing", []):
        lines.append(f"Missing: {item.get('what', '?')}; fix: {item.get('fix', '?')}")
    return lines


def describe_device(device: Mapping[str, Any]) -> str:
    kind = device.get("type", "cpu")
    if kind == "cuda":
        memory = device.get("memory_gb")
        return f"CUDA GPU {device.get('name', '?')}" + (f", {memory:.1f} GB" if memory else "")
    if kind == "mps":
        return "Apple GPU (MPS)"
    return f"CPU{' ' + device['name'] if device.get('name') else ''} (no CUDA GPU found)"
