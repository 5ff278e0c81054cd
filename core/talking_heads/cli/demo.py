"""`talking-heads demo`: animate a real portrait that ships with scikit-image, offline, no weights."""
from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from talking_heads import media
from talking_heads.cli.animate import run_job
from talking_heads.options import add_arguments, from_args
from talking_heads.pipeline import AnimateJob

log = logging.getLogger(__name__)

DEMO_MOTIONS = "motion:idle+talk+nod+smile+blink+shake"


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="animate the built-in portrait with built-in motions (offline)",
                                 description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("-o", "--output", type=Path, default=Path("demo.mp4"), help="the video (default: demo.mp4)")
    parser.add_argument("--driver", default=DEMO_MOTIONS, help=f"what moves the portrait (default: {DEMO_MOTIONS})")
    # the options of animate that make sense for the built-in portrait
    add_arguments(parser, AnimateJob, exclude=("source", "driver", "output", "frames", "track_cache", "side_by_side",
                                               "mp4", "resume"))
    parser.set_defaults(duration=2.5)
    return parser


def run(args: argparse.Namespace) -> int:
    from skimage import data

    side_by_side = args.output.with_name(f"{args.output.stem}_side_by_side.mp4")
    with tempfile.TemporaryDirectory() as folder:
        portrait = Path(folder) / "astronaut.png"
        media.write_image(portrait, data.astronaut())
        job = from_args(AnimateJob, args, sources=[portrait], side_by_side=side_by_side)
        run_job(job, args.quiet)
    log.info("side by side: %s", side_by_side)
    return 0
