"""Render the Talking Heads shots of a blend file headless, e.g. on a render farm.

    blender -b FILE.blend --python-exit-code 1 -P <addon folder>/batch.py -- [--shot NAME]... [--save]
    python <addon folder>/batch.py FILE.blend [--] [--shot NAME]... [--save]  (the bpy module)

It uses the settings an interactive Blender would: the user preferences (the add-on's Python
environment, checkpoint, device, precision and batch size), printed on the first lines.
Every shot of every scene is rendered in turn (or only those named with --shot); a shot that
fails is reported and the others still render. --list prints the shots (name, tab, scene, one a
line) and renders nothing, e.g. to submit one farm task per shot. With --save the blend file is saved afterwards,
with its plates and textures updated.

Ctrl-C (SIGINT) or SIGTERM cancels: the running shot keeps the frames written so far (its plate
shows them), no further shot starts, and the blend file is not saved unless --save-partial. A
second one stops at once.

Exit status: 0 all shots rendered; 1 a shot failed; 2 a mistake in the arguments or the setup;
130 / 143 interrupted by SIGINT / SIGTERM.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import bpy

FOLDER = Path(__file__).resolve().parent
PREFIX = "[Talking Heads]"
EXIT_FAILED, EXIT_USAGE = 1, 2
BINARY_USAGE = "blender -b FILE.blend --python-exit-code 1 -P batch.py -- [--shot NAME]... [--save]"
MODULE_USAGE = "python batch.py FILE.blend [--shot NAME]... [--save]"


class Mistake(Exception):
    """An argument or setup mistake: printed without a traceback, exit status 2."""


def say(message: str, error: bool = False) -> None:
    print(f"{PREFIX} {message}", file=sys.stderr if error else sys.stdout, flush=True)


# -- arguments --------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The script's own arguments: after `--` (the Blender binary), or all of them (the bpy module,
    in Blender's order `batch.py FILE.blend -- --shot X` or with `--` anywhere or nowhere)."""
    binary = bool(bpy.app.binary_path)
    if binary:
        ours = argv[argv.index("--") + 1:] if "--" in argv else []
    else:
        ours = [arg for arg in argv[1:] if arg != "--"]
    parser = argparse.ArgumentParser(prog="batch.py", usage=BINARY_USAGE if binary else MODULE_USAGE,
                                     description="Render the Talking Heads shots of a blend file.")
    if not binary:
        parser.add_argument("blend", nargs="?", type=Path, help="the blend file")
    parser.add_argument("--shot", action="append", default=[], help="render only this shot (repeatable)")
    parser.add_argument("--save", action="store_true", help="save the blend file afterwards")
    parser.add_argument("--list", action="store_true",
                        help="print the shots (name TAB scene, one a line) and render nothing")
    parser.add_argument("--save-partial", action="store_true",
                        help="with --save: save even when the batch was interrupted")
    if binary:
        stray = [arg for arg in ours if arg.lower().endswith(".blend")]
        if stray:
            raise Mistake(f"{stray[0]} comes after `--`, where Blender does not open it: name the blend file "
                          f"before -P, in Blender's order: {BINARY_USAGE}")
    try:
        return parser.parse_args(ours)
    except SystemExit as stop:
        raise Mistake("see the usage above") if stop.code else stop from None


def open_blend(args: argparse.Namespace, argv: list[str]) -> None:
    """Open the blend file (the bpy module) or check that Blender opened one (the binary)."""
    if bpy.app.binary_path:
        if not bpy.data.filepath:
            script = next((i for i, arg in enumerate(argv) if arg.endswith("batch.py")), len(argv))
            late = [arg for arg in argv[script:argv.index("--") if "--" in argv else len(argv)]
                    if arg.lower().endswith(".blend")]
            where = f"{late[0]} comes after -P, so Blender opens it only after this script: " if late else \
                "no blend file was opened: "
            raise Mistake(where + f"name it before -P, in Blender's order: {BINARY_USAGE}")
        return
    if args.blend is None:
        raise Mistake(f"no blend file given: {MODULE_USAGE}")
    if not args.blend.is_file():
        raise Mistake(f"the blend file {args.blend} was not found: check the path")
    try:
        bpy.ops.wm.open_mainfile(filepath=str(args.blend.resolve()))
    except RuntimeError as error:
        raise Mistake(f"Blender could not open {args.blend}: {str(error).strip()}") from None


# -- the add-on and its settings ---------------------------------------------------------------


def load_user_preferences() -> str:
    """The bpy module starts with factory settings: load the user's preferences, as Blender does.
    What was loaded, for the first lines of the log."""
    folder = bpy.utils.user_resource("CONFIG")
    saved = Path(folder) / "userpref.blend"
    if bpy.app.binary_path:
        return f"user preferences of {folder}" + ("" if saved.is_file() else " (none saved: defaults)")
    if not saved.is_file():
        return f"no preferences saved in {folder}: defaults"
    bpy.ops.wm.read_userpref()
    return f"user preferences {saved}"


def addon_id(folder: Path) -> str | None:
    """Which add-on a folder holds: the extension id in its manifest, else the name in its bl_info
    (the legacy package has no manifest)."""
    manifest, init = folder / "blender_manifest.toml", folder / "__init__.py"
    if manifest.is_file():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "id":
                return value.strip().strip('"')
    if init.is_file() and '"name": "Talking Heads"' in init.read_text(encoding="utf-8"):
        return "Talking Heads"
    return None


def _folder_of(name: str) -> Path | None:
    """The folder of the enabled add-on `name`, without importing it; None when it cannot be found."""
    try:
        spec = sys.modules[name].__spec__ if name in sys.modules else importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin).resolve().parent if spec is not None and spec.origin else None


def addon() -> tuple[ModuleType, str]:
    """The add-on this script belongs to: the enabled Talking Heads add-on (this folder's, or an
    installed copy; its preferences are the user's), else imported from this folder and
    registered (default preferences); and which of the two."""
    import addon_utils

    ours = {addon_id(FOLDER), "Talking Heads"}
    for name in bpy.context.preferences.addons.keys():
        folder = _folder_of(name)
        if folder is not None and (folder == FOLDER or addon_id(folder) in ours):
            module = sys.modules.get(name) or addon_utils.enable(name, default_set=False, handle_error=None)
            return module, f"add-on {name} from {folder} (enabled in the preferences)"
    module = importlib.import_module(FOLDER.name)
    module.register()
    return module, f"add-on {FOLDER.name} from {FOLDER} (not enabled in the preferences: default settings)"


def describe_settings(module: ModuleType) -> list[str]:
    """The environment and the settings jobs will use; Mistake when the environment is unusable."""
    preferences = importlib.import_module(f"{module.__name__}.props.preferences").preferences(bpy.context)
    runtime = importlib.import_module(f"{module.__name__}.blender.runtime").RUNTIME
    errors = importlib.import_module(f"{module.__name__}.logic.errors")
    environment = importlib.import_module(f"{module.__name__}.logic.environment")
    try:
        python = runtime.worker_python(bpy.context)
        environment.check_library(python, environment.worker_environment(os.environ, preferences.checkpoint))
    except errors.UserError as error:
        raise Mistake(str(error)) from None
    return [f"Python {python.describe()}",
            f"device {preferences.device}, precision {preferences.precision}, batch size {preferences.batch_size}, "
            f"checkpoint {preferences.checkpoint or '(the library default)'}, "
            f"signing certificate {preferences.signing_cert or '(none)'}"]


# -- rendering ----------------------------------------------------------------------------------


@dataclass
class Interruption:
    """SIGINT / SIGTERM: the first asks the add-on to cancel the running shot and start no other;
    a second ends the process at once."""

    runtime: Any  # the add-on's Runtime (its module is imported at run time)
    signal: int | None = None

    def install(self) -> None:
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self)

    def __call__(self, number: int, frame: object) -> None:
        if self.signal is not None:  # a second one: stop now, the frames on disk stay
            say(f"{signal.Signals(number).name} again: stopping at once, without the summary", error=True)
            self.runtime.stop_worker()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(self.exit_status)
        self.signal = number
        say(f"{signal.Signals(number).name}: cancelling; the frames written so far are kept "
            "(again: stop at once)", error=True)
        self.runtime.stop_requested = True

    @property
    def exit_status(self) -> int:
        return 128 + int(self.signal or 0)


@dataclass
class Summary:
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)  # interrupted: what it kept
    not_started: list[str] = field(default_factory=list)

    def report(self, total: int) -> None:
        """What was rendered on stdout; what was not (failed, interrupted, not started) on stderr."""
        say(f"{len(self.done)} of {total} shots rendered" + (f": {', '.join(self.done)}" if self.done else ""))
        for line in self.problems():
            say(line, error=True)

    def problems(self) -> list[str]:
        lines = [f"failed: {name}: {message}" for name, message in self.failed.items()]
        lines += [f"interrupted: {name}: {status}" for name, status in self.stopped.items()]
        if self.not_started:
            lines.append(f"not started: {', '.join(self.not_started)}")
        return lines


def shots_to_render(names: list[str]) -> list[tuple[bpy.types.Scene, str]]:
    """The shots of every scene, or those named; Mistake listing the shots there are."""
    every = [(scene, shot.name) for scene in bpy.data.scenes for shot in scene.theads.shots]
    missing = sorted(set(names) - {name for _, name in every})
    if missing:
        there = ", ".join(f"'{name}' (scene '{scene.name}')" for scene, name in every) or "none"
        raise Mistake(f"no shot named {', '.join(repr(n) for n in missing)} in {bpy.data.filepath}; "
                      f"its shots: {there}")
    return [(scene, name) for scene, name in every if not names or name in names]


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


def plate_shown(shot: bpy.types.PropertyGroup) -> str:
    """How many frames the shot's plate shows, for the summary."""
    for scene in bpy.data.scenes:
        editor = scene.sequence_editor
        strips = getattr(editor, "strips_all", None) or getattr(editor, "sequences_all", None) or {}
        if shot.plate_strip and shot.plate_strip in strips:
            return f"; its plate '{shot.plate_strip}' shows {strips[shot.plate_strip].frame_final_duration} frames"
    return ""


def render_all(shots: list[tuple[bpy.types.Scene, str]], interruption: Interruption) -> Summary:
    summary = Summary()
    for number, (scene, shot) in enumerate(shots):
        if interruption.signal is not None:
            summary.not_started = [name for _, name in shots[number:]]
            break
        say(f"rendering shot '{shot}' of scene '{scene.name}'")
        message = render(scene, shot)
        if interruption.signal is not None:
            summary.stopped[shot] = (scene.theads.shots[shot].status if message is None else message) + \
                plate_shown(scene.theads.shots[shot])
        elif message is not None:
            summary.failed[shot] = message
            say(f"shot '{shot}' FAILED: {message}", error=True)
        else:
            summary.done.append(shot)
    return summary


def main(argv: list[str]) -> int:
    if str(FOLDER.parent) not in sys.path:  # the add-on as a package, for the preferences that enable it
        sys.path.insert(0, str(FOLDER.parent))
    try:
        args = parse_args(argv)
        loaded = load_user_preferences()
        module, which = addon()
        say(f"Blender {bpy.app.version_string} ({'binary' if bpy.app.binary_path else 'bpy module'}); {loaded}")
        say(which)
        if not args.list:  # listing needs no generator (e.g. on the machine that submits farm tasks)
            for line in describe_settings(module):
                say(line)
        open_blend(args, argv)
        shots = shots_to_render(args.shot)
        if args.list:
            for scene, name in shots:
                print(f"{name}\t{scene.name}", flush=True)
            return 0
    except Mistake as mistake:
        say(str(mistake), error=True)
        return EXIT_USAGE
    if not shots:
        say(f"no Talking Heads shots in {bpy.data.filepath}: add them in the Talking Heads panel", error=True)
        return EXIT_FAILED
    runtime = importlib.import_module(f"{module.__name__}.blender.runtime").RUNTIME
    interruption = Interruption(runtime)
    interruption.install()
    summary = render_all(shots, interruption)
    summary.report(len(shots))
    if args.save and (interruption.signal is None or args.save_partial):
        bpy.ops.wm.save_mainfile()
        say(f"saved {bpy.data.filepath}")
    elif args.save:
        say("the blend file was NOT saved: the batch was interrupted (add --save-partial to save anyway)", error=True)
    if interruption.signal is not None:
        return interruption.exit_status
    return EXIT_FAILED if summary.failed else 0


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
