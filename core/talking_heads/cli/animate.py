"""`talking-heads animate --source IMG --driver CLIP|TRACK.npz|motion:NAME -o OUT`: animate a portrait."""
from __future__ import annotations

import argparse
import logging

from talking_heads.options import add_arguments, from_args
from talking_heads.pipeline import AnimateJob, animate
from talking_heads.progress import cancel_on_interrupt, progress_bar

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="animate a portrait with a driver clip, track or built-in motion",
                                 description=__doc__.split("`: ", 1)[1].strip())
    add_arguments(parser, AnimateJob)  # every option of AnimateJob, declared there
    return parser


def run_job(job: AnimateJob, quiet: bool) -> None:
    with progress_bar(enabled=not quiet) as progress, cancel_on_interrupt() as cancelled:
        result = animate(job, progress=progress, cancelled=cancelled)
    log.info("%s: %d frames at %g fps, %dx%d, renderer %s", result.output, result.frames, result.fps,
             *result.size, result.renderer)


def run(args: argparse.Namespace) -> int:
    run_job(from_args(AnimateJob, args), args.quiet)
    return 0
