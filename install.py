#!/usr/bin/env python3
"""One-command setup for Talking Heads.

    python install.py            # .venv with the library and its pinned dependencies
    python install.py --dev      # ... plus what the test suite needs
    python install.py --weights  # ... plus the weight files listed in weights/manifest.toml

Safe to run again: when nothing changed since the last run it returns in a second.
Uses only the standard library, so it runs on a fresh machine.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
SUPPORTED_PYTHON = (3, 11)
MIN_FREE_DISK_GB = 3.0


class InstallError(RuntimeError):
    """A setup step failed; the message says what to do."""


def say(message: str) -> None:
    print(f"[install] {message}", flush=True)


def check_python() -> None:
    if sys.version_info[:2] < SUPPORTED_PYTHON:
        found = ".".join(map(str, sys.version_info[:3]))
        raise InstallError(
            f"Python {found} is too old: Talking Heads needs Python 3.11 or newer "
            "(3.11 is the Python that Blender 4.2 to 5.0 embed). Run this script with "
            "python3.11, e.g. `python3.11 install.py`."
        )


def check_disk(path: Path) -> None:
    free_gb = shutil.disk_usage(path).free / 1e9
    if free_gb < MIN_FREE_DISK_GB:
        raise InstallError(
            f"Only {free_gb:.1f} GB free on the disk of {path}; the environment needs about "
            f"{MIN_FREE_DISK_GB:.0f} GB (PyTorch alone is large). Free some space and run again."
        )


def venv_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(env: Path) -> Path:
    python = venv_python(env)
    if not python.exists():
        say(f"creating {env.name}")
        venv.EnvBuilder(with_pip=True, clear=env.exists()).create(env)
    return python


def run_pip(python: Path, args: list[str], what: str) -> None:
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", *args]
    say(f"installing {what}")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise InstallError(
            f"pip could not install {what}. Its last lines:\n{tail}\n"
            "Check the network connection to your package index and the free disk space, "
            "then run install.py again (finished steps are not repeated)."
        )


def fingerprint(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class Step:
    """An install step that is skipped when its fingerprint matches the last successful run."""

    def __init__(self, env: Path, name: str, key: str):
        self.stamp = env / f".install-stamp-{name}"
        self.key = key

    def done(self) -> bool:
        return self.stamp.exists() and self.stamp.read_text() == self.key

    def mark_done(self) -> None:
        self.stamp.write_text(self.key)


def install_library(dev: bool) -> Path:
    python = ensure_venv(VENV)
    target = ".[dev]" if dev else "."
    step = Step(VENV, "library", fingerprint((ROOT / "pyproject.toml").read_text(), target))
    if step.done():
        say("library and dependencies already up to date")
        return python
    run_pip(python, ["--upgrade", "pip"], "pip")
    run_pip(python, ["-e", target], "the talking-heads library and its pinned dependencies")
    step.mark_done()
    return python


def install_weights(manifest: Path = ROOT / "weights" / "manifest.toml", folder: Path = ROOT / "weights") -> None:
    """Download the files of the weights manifest into `folder` and verify their size and SHA-256."""
    sys.path.insert(0, str(ROOT / "core"))
    from talking_heads.errors import WeightsError
    from talking_heads.manifest import download, read_manifest

    try:
        for entry in read_manifest(manifest).values():
            download(entry, folder, report=say)
    except WeightsError as error:
        raise InstallError(str(error)) from error


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", action="store_true", help="also install what the tests need")
    parser.add_argument("--weights", action="store_true",
                        help="also download and verify the weight files listed in weights/manifest.toml")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_python()
        check_disk(ROOT)
        install_library(args.dev)
        if args.weights:
            install_weights()
    except InstallError as error:
        print(f"[install] error: {error}", file=sys.stderr)
        return 1
    bin_dir = venv_python(VENV).parent.relative_to(ROOT)
    say("done. Next:")
    print(f"    {bin_dir / 'talking-heads'} demo        # animate the built-in portrait")
    if args.dev:
        print(f"    {bin_dir / 'python'} -m pytest          # run the test suite")
    return 0


if __name__ == "__main__":
    sys.exit(main())
