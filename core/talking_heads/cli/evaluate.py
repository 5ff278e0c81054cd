"""`talking-heads eval`: measure renderers, always beside the frozen floor (the source unchanged).

    talking-heads eval CLIP...                                 self-reenactment on your clips
    talking-heads eval --cross PORTRAIT... --driver CLIP...    portraits driven by other people
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from talking_heads import media
from talking_heads.errors import InputError
from talking_heads.evaluate import CrossConfig, EvalConfig, evaluate, evaluate_cross_identity, format_table, save_json
from talking_heads.evaluate import cross_identity as cross
from talking_heads.evaluate.sheets import contact_sheet
from talking_heads.media.files import require_file
from talking_heads.progress import cancel_on_interrupt, progress_bar
from talking_heads.synthesis import RendererOptions


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    defaults = EvalConfig()
    parser = commands.add_parser(name, help="measure renderers: self-reenactment or cross-identity",
                                 description=__doc__.split(":", 1)[1].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", type=Path, nargs="*", help="self-reenactment: video clips of one person each")
    parser.add_argument("--cross", type=Path, nargs="+", metavar="PORTRAIT",
                        help="cross-identity: portraits to drive with the --driver clips")
    parser.add_argument("--driver", type=Path, nargs="+", metavar="CLIP", help="cross-identity: driver clips")
    parser.add_argument("--renderer", nargs="+", default=["warp"], choices=["warp", "neural"],
                        help="renderers to measure beside the frozen row (default: warp)")
    parser.add_argument("--shots", type=int, nargs="+", default=list(defaults.shots),
                        help="self-reenactment: numbers of source frames T (default: 1 8 32)")
    parser.add_argument("--frames", metavar="N | START:STOP",
                        help=f"self-reenactment: held-out frames per clip (default: {defaults.heldout_frames}); "
                             "cross-identity: the frames START:STOP of every driver (default: all)")
    parser.add_argument("--checkpoint", type=Path, help="meta-learned checkpoint for the neural renderer")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--sheet", type=Path, metavar="OUT.png", help="cross-identity: also write a contact sheet")
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


def _check_outputs(args: argparse.Namespace) -> None:
    for path in (args.json, args.sheet):
        if path is not None:
            media.check_output_path(path)
    if args.sheet is not None and args.sheet.suffix.lower() != ".png":
        raise InputError(f"--sheet writes a PNG image; give a name ending in .png, not {args.sheet.name}")


def run(args: argparse.Namespace) -> int:
    _check_outputs(args)
    if args.cross or args.driver:
        return _run_cross(args)
    if not args.clips:
        raise InputError("give clips for self-reenactment, or --cross PORTRAIT... --driver CLIP...")
    if args.sheet is not None:
        raise InputError("--sheet belongs to cross-identity (--cross PORTRAIT... --driver CLIP...)")
    for clip in args.clips:
        media.probe_video(clip)
    config = EvalConfig(shots=tuple(args.shots), heldout_frames=_held_out_count(args.frames))
    options = RendererOptions(checkpoint=args.checkpoint, device=args.device)
    with progress_bar(enabled=not args.quiet) as progress, cancel_on_interrupt() as cancelled:
        rows = evaluate(args.clips, args.renderer, config, options, progress, cancelled)
    print(format_table(rows))
    if args.json is not None:
        save_json(rows, args.json, config)
    return 0


def _run_cross(args: argparse.Namespace) -> int:
    if not args.cross or not args.driver:
        raise InputError("cross-identity needs both --cross PORTRAIT... and --driver CLIP...")
    if args.clips:
        raise InputError("give either clips (self-reenactment) or --cross/--driver (cross-identity), not both")
    if "neural" in args.renderer:
        raise InputError("cross-identity measures the warp renderer for now; the neural one needs a person model")
    for portrait in args.cross:
        require_file(portrait)
    for clip in args.driver:
        media.probe_video(clip)
    config = CrossConfig(frames=_frame_range(args.frames))
    with progress_bar(enabled=not args.quiet) as progress, cancel_on_interrupt() as cancelled:
        report = evaluate_cross_identity(args.cross, args.driver, args.renderer, config, progress, cancelled)
    print(cross.format_table(report.rows))
    print("\nmedians over portraits and drivers:")
    print(json.dumps(cross.summary(report.rows), indent=1))
    if args.json is not None:
        cross.save_json(report, args.json, config)
    if args.sheet is not None:
        media.write_image(args.sheet, contact_sheet(report))
    return 0
