"""`talking-heads eval CLIP...`: the paper's self-reenactment protocol on your clips."""
from __future__ import annotations

import argparse
from pathlib import Path

from talking_heads import media
from talking_heads.evaluate import EvalConfig, evaluate, format_table, save_json
from talking_heads.progress import cancel_on_interrupt, progress_bar
from talking_heads.synthesis import RendererOptions


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    defaults = EvalConfig()
    parser = commands.add_parser(name, help="measure renderers by self-reenactment on video clips",
                                 description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("clips", type=Path, nargs="+", help="video clips of one person each")
    parser.add_argument("--renderer", nargs="+", default=["warp"], choices=["warp", "neural"],
                        help="renderers to measure (default: warp)")
    parser.add_argument("--shots", type=int, nargs="+", default=list(defaults.shots),
                        help="numbers of source frames T (default: 1 8 32)")
    parser.add_argument("--frames", type=int, default=defaults.heldout_frames,
                        help=f"held-out frames evaluated per clip (default: {defaults.heldout_frames})")
    parser.add_argument("--checkpoint", type=Path, help="meta-learned checkpoint for the neural renderer")
    parser.add_argument("--person", type=Path,
                        help="person model for the neural renderer (made by `talking-heads person --train` on the "
                             "first half of the clip; evaluated on the held-out second half)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.json is not None:
        media.check_output_path(args.json)
    for clip in args.clips:
        media.probe_video(clip)
    config = EvalConfig(shots=tuple(args.shots), heldout_frames=args.frames)
    options = RendererOptions(person_file=args.person, checkpoint=args.checkpoint, device=args.device)
    with progress_bar(enabled=not args.quiet) as progress, cancel_on_interrupt() as cancelled:
        rows = evaluate(args.clips, args.renderer, config, options, progress, cancelled)
    print(format_table(rows))
    if args.json is not None:
        save_json(rows, args.json, config)
    return 0
