"""`talking-heads animate --source IMG --driver CLIP|TRACK.npz|motion:NAME -o OUT`: animate a portrait."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from talking_heads.errors import InputError
from talking_heads.landmarks.detect import BACKENDS
from talking_heads.landmarks.motions import MOTIONS
from talking_heads.landmarks.retarget import RetargetConfig
from talking_heads.pipeline import AnimateJob, animate
from talking_heads.progress import cancel_on_interrupt, progress_bar
from talking_heads.synthesis import RENDERERS

log = logging.getLogger(__name__)


def frame_range(text: str) -> tuple[int, int]:
    start, sep, stop = text.partition(":")
    try:
        return int(start or 0), int(stop)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected START:STOP frame numbers, got {text!r}") from None


def add_job_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `animate` and `demo`."""
    parser.add_argument("--renderer", choices=RENDERERS, default="auto",
                        help="neural needs a person file or checkpoint; warp needs nothing (default: auto)")
    parser.add_argument("--person", type=Path, help="person model (.safetensors) for the neural renderer")
    parser.add_argument("--checkpoint", type=Path, help="meta-learned checkpoint for the neural renderer")
    framing = parser.add_mutually_exclusive_group()
    framing.add_argument("--crop", dest="full_frame", action="store_false",
                         help="write the square face crops instead of the full picture")
    framing.add_argument("--full-frame", dest="full_frame", action="store_true", default=True,
                         help="paste the face back into the portrait (default)")
    parser.add_argument("--fps", type=float, help="output frame rate (default: the driver's)")
    defaults = RetargetConfig()
    parser.add_argument("--expression", type=float, default=defaults.expression, help="expression strength (default: 1)")
    parser.add_argument("--head-motion", type=float, default=defaults.head_motion, help="head-motion strength (default: 1)")
    parser.add_argument("--no-follow-position", dest="follow_position", action="store_false",
                        help="keep the head where it is in the portrait")
    parser.add_argument("--no-follow-scale", dest="follow_scale", action="store_false",
                        help="keep the head's size in the portrait")
    parser.add_argument("--smoothing", type=float, default=defaults.smoothing,
                        help="extra smoothing of the retargeted landmarks (default: 0)")
    parser.add_argument("--neutral-frame", type=int, help="driver frame with a neutral face (default: automatic)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per built-in motion (default: 4)")
    parser.add_argument("--intensity", type=float, default=1.0, help="built-in motion intensity (default: 1)")
    parser.add_argument("--device", default="auto", help="auto, cuda, mps or cpu (default: auto)")
    parser.add_argument("--precision", default="auto", help="auto, float32, float16 or bfloat16 (default: auto)")
    parser.add_argument("--batch", type=int, default=8, help="frames rendered at once (default: 8)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto",
                        help="landmark detector for the portrait and a driver clip: auto (FAN when its weights "
                             "are present, else dlib), fan or dlib (default: auto)")


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="animate a portrait with a driver clip, track or built-in motion",
                                 description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("--source", type=Path, nargs="+", required=True, metavar="IMG",
                        help="one or more photos of the person; the first is the picture that moves")
    parser.add_argument("--driver", required=True, metavar="DRIVER",
                        help=f"a video clip, a track file (.npz) or motion:NAME ({', '.join(MOTIONS)}; join with +)")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="an .mp4 file, or a folder for a PNG sequence (frame_000001.png, ...)")
    parser.add_argument("--frames", type=frame_range, help="START:STOP frames of the driver to use")
    parser.add_argument("--mp4", dest="also_mp4", action="store_true",
                        help="with a folder output, also write FOLDER.mp4")
    parser.add_argument("--side-by-side", type=Path, help="also write the driver sketch beside the result (.mp4)")
    parser.add_argument("--track-cache", type=Path, help="cache the driver clip's landmarks in this .npz")
    parser.add_argument("--resume", action="store_true", help="continue a PNG sequence where it stopped")
    add_job_options(parser)
    return parser


def job_from_args(args: argparse.Namespace, sources: list[Path], driver: str, output: Path, **extra) -> AnimateJob:
    if args.batch < 1:
        raise InputError("--batch must be at least 1")
    retarget = RetargetConfig(expression=args.expression, head_motion=args.head_motion,
                              follow_position=args.follow_position, follow_scale=args.follow_scale,
                              smoothing=args.smoothing, neutral_frame=args.neutral_frame)
    return AnimateJob(sources=sources, driver=driver, output=output, renderer=args.renderer, person=args.person,
                      checkpoint=args.checkpoint, full_frame=args.full_frame, fps=args.fps, retarget=retarget,
                      motion_duration=args.duration, motion_intensity=args.intensity, device=args.device,
                      precision=args.precision, backend=args.backend, batch_size=args.batch, **extra)


def run_job(job: AnimateJob, quiet: bool) -> None:
    with progress_bar(enabled=not quiet) as progress, cancel_on_interrupt() as cancelled:
        result = animate(job, progress=progress, cancelled=cancelled)
    log.info("%s: %d frames at %g fps, %dx%d, renderer %s", result.output, result.frames, result.fps,
             *result.size, result.renderer)


def run(args: argparse.Namespace) -> int:
    job = job_from_args(args, args.source, args.driver, args.output, frames=args.frames, also_mp4=args.also_mp4,
                        side_by_side=args.side_by_side, track_cache=args.track_cache, resume=args.resume)
    run_job(job, args.quiet)
    return 0
