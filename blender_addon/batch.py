"""Render the Talking Heads shots of a blend file headless, e.g. on a render farm.

    blender -b FILE.blend --python-exit-code 1 -P <addon folder>/batch.py -- [--shot NAME]... [--save]
    python <addon folder>/batch.py -- FILE.blend [--shot NAME]... [--save]      (the bpy module)

Every shot of every scene is rendered in turn (or only those named with --shot); a shot that
fails is reported and the others still render. Exit status 0 when all rendered, 1 otherwise.
With --save the blend file is saved afterwards, with its plates and textures updated.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

import bpy

FOLDER = Path(__file__).resolve().parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="batch.py", description="Render the Talking Heads shots of a blend file.")
    parser.add_argument("blend", nargs="?", type=Path, help="the blend file (only with the bpy module)")
    parser.add_argument("--shot", action="append", default=[], help="render only this shot (repeatable)")
    parser.add_argument("--save", action="store_true", help="save the blend file afterwards")
    return parser.parse_args(argv[argv.index("--") + 1:] if "--" in argv else [])


def addon() -> ModuleType:
    """The add-on this script belongs to: the enabled one, else imported from this folder and registered."""
    for name in bpy.context.preferences.addons.keys():
        module = sys.modules.get(name)
        if module is not None and Path(getattr(module, "__file__", "") or "").resolve().parent == FOLDER:
            return module
    sys.path.insert(0, str(FOLDER.parent))
    module = importlib.import_module(FOLDER.name)
    module.register()
    return module


def shots_to_render(names: list[str]) -> list[tuple[bpy.types.Scene, str]]:
    found = [(scene, shot.name) for scene in bpy.data.scenes for shot in scene.theads.shots
             if not names or shot.name in names]
    missing = set(names) - {name for _, name in found}
    if missing:
        print(f"[Talking Heads] no shot named {', '.join(sorted(missing))} in {bpy.data.filepath}", file=sys.stderr)
    return found


def render(scene: bpy.types.Scene, shot: str) -> str | None:
    """Render one shot; the error message when it failed."""
    window = bpy.context.window
    if window is not None:
        window.scene = scene
    try:
        with bpy.context.temp_override(scene=scene):
            bpy.ops.theads.animate(shot=shot)
    except RuntimeError as error:
        return str(error).strip().removeprefix("Error: ")
    return None


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.blend is not None and not bpy.data.filepath:
        bpy.ops.wm.open_mainfile(filepath=str(args.blend))
    addon()
    shots = shots_to_render(args.shot)
    failures = {}
    for scene, shot in shots:
        print(f"[Talking Heads] rendering shot '{shot}' of scene '{scene.name}'", flush=True)
        if (message := render(scene, shot)) is not None:
            failures[shot] = message
            print(f"[Talking Heads] shot '{shot}' FAILED: {message}", file=sys.stderr, flush=True)
    if args.save:
        bpy.ops.wm.save_mainfile()
    rendered = len(shots) - len(failures)
    print(f"[Talking Heads] {rendered} of {len(shots)} shots rendered"
          + (f"; failed: {', '.join(failures)}" if failures else ""), flush=True)
    return 0 if shots and not failures and len(args.shot) <= len(shots) else 1


def exit_module_process(status: int) -> None:
    """End a bpy-module process. The bpy modules of Blender 4.2 and 4.5 crash or hang while the
    interpreter shuts down once an add-on registered Python classes, so there the process ends
    at once, its output flushed; the Blender binary and 5.0 exit normally."""
    if not bpy.app.binary_path and bpy.app.version < (5, 0, 0):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    if status:
        sys.exit(status)


if __name__ == "__main__":
    exit_module_process(main(sys.argv))
