"""`talking-heads prepare-data VIDEO_OR_FOLDER... -o DATASET`: face crops and landmarks for training."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from talking_heads.landmarks import make_detector
from talking_heads.landmarks.detect import BACKENDS
from talking_heads.progress import cancel_on_interrupt, progress_bar
from talking_heads.training.prepare import PrepareConfig, prepare_dataset

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="prepare a training dataset from videos",
                                 description=__doc__.split(":", 1)[1].strip() + " Rerunning it skips finished videos.")
    parser.add_argument("inputs", type=Path, nargs="+", metavar="VIDEO_OR_FOLDER",
                        help="videos, or folders searched for videos (one person per video)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the dataset folder (created if needed)")
    defaults = PrepareConfig()
    parser.add_argument("--frames", type=int, default=defaults.frames,
                        help=f"frames sampled evenly from each video (default: {defaults.frames})")
    parser.add_argument("--resolution", type=int, default=defaults.resolution,
                        help=f"crop side in pixels, the model's resolution (default: {defaults.resolution}; "
                             "64 for --config tiny)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help="landmark detector (default: auto)")
    parser.add_argument("--device", default="cpu", help="device for the fan backend (default: cpu)")
    return parser


def run(args: argparse.Namespace) -> int:
    config = PrepareConfig(frames=args.frames, resolution=args.resolution)
    detector = make_detector(args.backend, device=args.device)
    with cancel_on_interrupt() as cancelled, progress_bar(enabled=not args.quiet) as progress:
        report = prepare_dataset(args.inputs, args.output, detector, config, progress=progress, cancelled=cancelled)
    log.info("%s: %d videos prepared, %d already done, %d skipped; %d usable videos in the dataset",
             args.output, len(report.prepared), len(report.skipped), len(report.failed), report.total_videos)
    return 0
