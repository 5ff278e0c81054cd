"""`talking-heads prepare-data VIDEO_OR_FOLDER... -o DATASET`: face crops and landmarks for training."""
from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

from talking_heads.landmarks import make_detector
from talking_heads.landmarks.detect import BACKENDS
from talking_heads.options import Options, add_arguments, from_args, option
from talking_heads.pipeline import check_device
from talking_heads.progress import cancel_on_interrupt, progress_bar
from talking_heads.training.prepare import PrepareConfig, prepare_dataset

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrepareDataCommand(Options):
    """The options of `prepare-data`."""

    inputs: list[Path] = option(positional=True, metavar="VIDEO_OR_FOLDER",
                                help="videos, or folders searched for videos (one person per video)")
    output: Path = option(short="-o", help="the dataset folder (created if needed)")
    crops: PrepareConfig = option(default_factory=PrepareConfig, flatten=True, help="sampling and crop size")
    backend: str = option("auto", choices=BACKENDS, help="landmark detector")
    device: str = option("cpu", check=check_device, help="device for the fan backend")


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="prepare a training dataset from videos",
                                 description=__doc__.split("`: ", 1)[1].strip() + " Rerunning it skips finished videos.")
    add_arguments(parser, PrepareDataCommand)
    return parser


def run(args: argparse.Namespace) -> int:
    options = from_args(PrepareDataCommand, args)
    detector = make_detector(options.backend, device=options.device)
    with cancel_on_interrupt() as cancelled, progress_bar(enabled=not args.quiet) as progress:
        report = prepare_dataset(options.inputs, options.output, detector, options.crops, progress=progress,
                                 cancelled=cancelled)
    log.info("%s: %d videos prepared, %d already done, %d skipped; %d usable videos in the dataset",
             options.output, len(report.prepared), len(report.skipped), len(report.failed), report.total_videos)
    return 0
