#!/usr/bin/env python3
"""One-command setup for Talking Heads.

    python install.py            # .venv with the library and its pinned dependencies
    python install.py --dev      # ... plus what the test suite needs (and .venv-blender: bpy, pytest)
    python install.py --addon    # ... plus the Blender add-on packages in dist/
    python install.py --blender PATH_TO_BLENDER   # ... and install and enable the add-on in that Blender

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
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
SUPPORTED_PYTHON = (3, 11)
MIN_FREE_DISK_GB = 3.0
VENV_BLENDER = ROOT / ".venv-blender"  # headless Blender (the bpy module) for the add-on's tests
BLENDER_TEST_PACKAGES = ["bpy==5.0.1", "pytest==9.2.0"]  # bpy 5.0.1 is Blender 5.0.1 itself
ADDON_SOURCE = ROOT / "blender_addon"
ADDON_ID = "talking_heads_blender"  # the id in blender_manifest.toml and the legacy add-on's folder name
DIST = ROOT / "dist"
BUILD = ROOT / "build"
EXTENSION_CLI = Path("scripts/addons_core/bl_pkg/cli/blender_ext.py")  # inside a Blender version folder


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


def install_blender_env() -> Path:
    """A second environment with headless Blender (bpy) for the add-on's tests: Blender's Python
    has numpy 1.x and no torch, and so does this one."""
    python = ensure_venv(VENV_BLENDER)
    step = Step(VENV_BLENDER, "blender", fingerprint(BLENDER_TEST_PACKAGES))
    if step.done():
        say("headless Blender for the add-on tests already up to date")
        return python
    run_pip(python, ["--upgrade", "pip"], "pip")
    run_pip(python, BLENDER_TEST_PACKAGES, "headless Blender (bpy) for the add-on tests")
    step.mark_done()
    return python


def find_extension_cli(blender: Path | None) -> Path:
    """Blender's extension tool (it runs on any Python 3.11): from the Blender given, else from
    the bpy module of .venv-blender."""
    roots = [blender.resolve().parent] if blender is not None else []
    roots += sorted((VENV_BLENDER / "lib").glob("python3*/site-packages/bpy"))
    roots += sorted((VENV_BLENDER / "Lib").glob("site-packages/bpy"))
    for root in roots:
        found = sorted(root.glob(f"*/{EXTENSION_CLI}")) + sorted(root.glob(f"Contents/Resources/*/{EXTENSION_CLI}"))
        if found:
            return found[-1]
    raise InstallError("building the Blender extension needs Blender's extension tool: pass "
                       "--blender PATH_TO_BLENDER, or run `python install.py --dev` first (it installs "
                       "headless Blender into .venv-blender)")


def stage_addon(build: Path) -> Path:
    """A copy of blender_addon/ named as the add-on, with origin.json naming this project folder
    so the installed add-on finds the generator's .venv by itself."""
    staged = build / ADDON_ID
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(ADDON_SOURCE, staged, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (staged / "origin.json").write_text(json.dumps({"project": str(ROOT)}))
    return staged


def build_extension(cli: Path, staged: Path, dist: Path) -> Path:
    dist.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([sys.executable, str(cli), "build", "--source-dir", str(staged), "--output-dir",
                             str(dist)], capture_output=True, text=True)
    built = sorted(dist.glob(f"{ADDON_ID}-*.zip"), key=lambda path: path.stat().st_mtime)
    built = [path for path in built if not path.name.endswith("-legacy.zip")]
    if result.returncode != 0 or not built:
        raise InstallError(f"Blender's extension tool could not build the add-on:\n{result.stdout}{result.stderr}")
    return built[-1]


def build_legacy_zip(staged: Path, dist: Path, version: str) -> Path:
    """The same add-on as a zip with one top folder, for Preferences > Add-ons > Install."""
    path = dist / f"{ADDON_ID}-{version}-legacy.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(staged.rglob("*")):
            if file.is_file() and file.name != "blender_manifest.toml":
                archive.write(file, file.relative_to(staged.parent).as_posix())
    return path


def addon_version() -> str:
    for line in (ADDON_SOURCE / "blender_manifest.toml").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "version":
            return value.strip().strip('"')
    raise InstallError("blender_addon/blender_manifest.toml has no version")


def build_addon(blender: Path | None, dist: Path = DIST, build: Path = BUILD) -> tuple[Path, Path]:
    """dist/: the Blender extension (Get Extensions > Install from Disk) and the legacy add-on zip."""
    sources = sorted(path for path in ADDON_SOURCE.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    dist.mkdir(parents=True, exist_ok=True)
    version = addon_version()
    extension, legacy = dist / f"{ADDON_ID}-{version}.zip", dist / f"{ADDON_ID}-{version}-legacy.zip"
    contents = [(str(path.relative_to(ADDON_SOURCE)), hashlib.sha256(path.read_bytes()).hexdigest()) for path in sources]
    step = Step(dist, "addon", fingerprint(str(ROOT), contents))
    if step.done() and extension.is_file() and legacy.is_file():
        say("add-on packages already up to date")
        return extension, legacy
    say("building the Blender add-on")
    staged = stage_addon(build)
    extension = build_extension(find_extension_cli(blender), staged, dist)
    legacy = build_legacy_zip(staged, dist, version)
    step.mark_done()
    return extension, legacy


# Run inside Blender: install the extension zip named after "--" into the user repository,
# enable it and save the preferences (Blender's own operators, as Install from Disk does).
BLENDER_INSTALL_SCRIPT = f"""
import sys, bpy
package = sys.argv[sys.argv.index("--") + 1]
bpy.ops.extensions.package_install_files(filepath=package, repo="user_default", enable_on_install=True)
module = "bl_ext.user_default.{ADDON_ID}"
if module not in bpy.context.preferences.addons:
    raise SystemExit("the add-on was installed but could not be enabled: " + module)
bpy.ops.wm.save_userpref()
print("enabled", module)
"""


def install_into_blender(blender: Path, package: Path) -> None:
    if not blender.is_file():
        raise InstallError(f"no Blender at {blender}: give the path of the blender executable "
                           "(on macOS: Blender.app/Contents/MacOS/Blender)")
    say(f"installing and enabling the add-on in {blender}")
    result = subprocess.run([str(blender), "-b", "--python-exit-code", "1", "--python-expr", BLENDER_INSTALL_SCRIPT,
                             "--", str(package)], capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise InstallError(f"Blender could not install the add-on. Its last lines:\n{tail}\n"
                           f"Install {package} by hand: Edit > Preferences > Get Extensions > Install from Disk.")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", action="store_true", help="also install what the tests need")
    parser.add_argument("--addon", action="store_true", help="also build the Blender add-on packages into dist/")
    parser.add_argument("--blender", type=Path, metavar="PATH",
                        help="also install and enable the add-on in this Blender (4.2 or newer)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_python()
        check_disk(ROOT)
        install_library(args.dev)
        if args.dev:
            install_blender_env()
        if args.addon or args.blender:
            extension, legacy = build_addon(args.blender)
            say(f"add-on: {extension.relative_to(ROOT)} (extension), {legacy.relative_to(ROOT)} (legacy zip)")
            if args.blender:
                install_into_blender(args.blender, extension)
    except InstallError as error:
        print(f"[install] error: {error}", file=sys.stderr)
        return 1
    bin_dir = venv_python(VENV).parent.relative_to(ROOT)
    say("done. Next:")
    print(f"    {bin_dir / 'talking-heads'} demo        # animate the built-in portrait")
    if args.dev:
        print(f"    {bin_dir / 'python'} -m pytest          # run the test suite")
        print(f"    {venv_python(VENV_BLENDER).relative_to(ROOT)} -m pytest tests/blender_addon   # the add-on's tests")
    if args.addon and not args.blender:
        print("    Blender: Edit > Preferences > Get Extensions > Install from Disk, choose the zip in dist/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
