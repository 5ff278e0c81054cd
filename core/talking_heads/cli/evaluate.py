"""`talking-heads eval`: measure renderers, always beside the frozen floor (the source unchanged).

    talking-heads eval CLIP...                                 self-reenactment on your clips
    talking-heads eval --cross PORTRAIT... --driver CLIP...    portraits driven by other people
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from talking_heads import media
from talking_heads.errors import InputError
from talking_heads.evaluate import CrossConfig, EvalConfig, evaluate, evaluate_cross_identity, format_table, save_json
from talking_heads.evaluate import cross_identity as cross
from talking_heads.evaluate.sheets import contact_sheet
from talking_heads.media.files import require_file
from talking_heads.options import Options, add_arguments, from_args, option
from talking_heads.progress import cancel_on_interrupt, progress_bar
from talking_heads.synthesis import RendererOptions


MEASURED = ("warp", "neural")  # the renderers measured beside the frozen row


def _each(value: object) -> list:
    """A list option's checks see one item (a flag's word) or the whole list (from_dict)."""
    return value if isinstance(value, list) else [value]


def _check_renderers(names: str | list[str]) -> str | None:
    unknown = [name for name in _each(names) if name not in MEASURED]
    return f"unknown renderer {', '.join(unknown)}: use {' or '.join(MEASURED)}" if unknown else None


def _check_shots(shots: int | list[int]) -> str | None:
    return None if min(_each(shots)) >= 1 else "a number of source frames must be at least 1"


def _check_sheet(path: Path) -> str | None:
    return None if path.suffix.lower() == ".png" else f"writes a PNG image; give a name ending in .png, not {path.name}"


@dataclass
class EvalCommand(Options):
    """The options of `eval` (clips, the positional self-reenactment inputs, are read apart)."""

    cross: list[Path] | None = option(None, metavar="PORTRAIT",
                                      help="cross-identity: portraits to drive with the --driver clips")
    driver: list[Path] | None = option(None, metavar="CLIP", help="cross-identity: driver clips")
    renderer: list[str] = option(default_factory=lambda: ["warp"], check=_check_renderers,
                                 help="renderers to measure beside the frozen row: warp, neural")
    shots: list[int] = option(default_factory=lambda: list(EvalConfig().shots),
                              check=_check_shots,
                              help="self-reenactment: numbers of source frames T")
    frames: str | None = option(None, metavar="N | START:STOP",
                                help="self-reenactment: held-out frames per clip "
                                     f"(default: {EvalConfig().heldout_frames}); "
                                     "cross-identity: the frames START:STOP of every driver (default: all)")
    checkpoint: Path | None = option(None, help="meta-learned checkpoint for the neural renderer")
    person: Path | None = option(None, help="self-reenactment: a person model for the neural renderer (made by "
                                            "`talking-heads person --train` on the first half of the clip; measured "
                                            "on the held-out second half)")
    device: str = option("auto", help="device for the neural renderer")
    json: Path | None = option(None, help="also write the results as JSON")
    sheet: Path | None = option(None, metavar="OUT.png", check=_check_sheet,
                                help="cross-identity: also write a contact sheet")


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="measure renderers: self-reenactment or cross-identity",
                                 description=__doc__.split(":", 1)[1].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", type=Path, nargs="*", help="self-reenactment: video clips of one person each")
    add_arguments(parser, EvalCommand)
    return parser


def _held_out_count(text: str | None) -> int:
    if text is None:
        return EvalConfig().heldout_frames
    if not text.isdigit() or int(text) < 1:
        raise InputError(f"--frames for self-reenactment is a number of held-out frames, got {text!r}")
    return int(text)


def _frame_range(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    start, colon, stop = text.partition(":")
    if not colon or not (start or "0").isdigit() or not stop.isdigit() or int(start or 0) >= int(stop):
        raise InputError(f"--frames for cross-identity is a frame range START:STOP with START < STOP, got {text!r}")
    return int(start or 0), int(stop)


def run(args: argparse.Namespace) -> int:
    command = from_args(EvalCommand, args)
    for path in (command.json, command.sheet):
        if path is not None:
            media.check_output_path(path)
    if command.cross or command.driver:
        return _run_cross(command, args.clips, args.quiet)
    return _run_self_reenactment(command, args.clips, args.quiet)


def _run_self_reenactment(args: EvalCommand, clips: list[Path], quiet: bool) -> int:
    if not clips:
        raise InputError("give clips for self-reenactment, or --cross PORTRAIT... --driver CLIP...")
    if args.sheet is not None:
        raise InputError("--sheet belongs to cross-identity (--cross PORTRAIT... --driver CLIP...)")
    for clip in clips:
        media.probe_video(clip)
    config = EvalConfig(shots=tuple(args.shots), heldout_frames=_held_out_count(args.frames))
    options = RendererOptions(person_file=args.person, checkpoint=args.checkpoint, device=args.device)
    with progress_bar(enabled=not quiet) as progress, cancel_on_interrupt() as cancelled:
        rows = evaluate(clips, args.renderer, config, options, progress, cancelled)
    print(format_table(rows))
    if args.json is not None:
        save_json(rows, args.json, config)
    return 0


def _run_cross(args: EvalCommand, clips: list[Path], quiet: bool) -> int:
    if not args.cross or not args.driver:
        raise InputError("cross-identity needs both --cross PORTRAIT... and --driver CLIP...")
    if clips:
        raise InputError("give either clips (self-reenactment) or --cross/--driver (cross-identity), not both")
    if "neural" in args.renderer:
        raise InputError("cross-identity measures the warp renderer for now; the neural one needs a person model")
    for portrait in args.cross:
        require_file(portrait)
    for clip in args.driver:
        media.probe_video(clip)
    config = CrossConfig(frames=_frame_range(args.frames))
    with progress_bar(enabled=not quiet) as progress, cancel_on_interrupt() as cancelled:
        report = evaluate_cross_identity(args.cross, args.driver, args.renderer, config, progress, cancelled)
    print(cross.format_table(report.rows))
    print()
    print(cross.format_summary(report.rows))
    if args.json is not None:
        cross.save_json(report, args.json, config)
    if args.sheet is not None:
        media.write_image(args.sheet, contact_sheet(report))
    return 0
