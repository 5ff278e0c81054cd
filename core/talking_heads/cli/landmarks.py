"""`talking-heads landmarks INPUT -o TRACK.npz`: track 68-point landmarks of an image, folder or video."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from talking_heads import media
from talking_heads.landmarks import (LandmarkSmoothing, LandmarkTrack, OneEuroConfig, TrackerConfig, draw_sketch,
                                     make_detector, track_input)
from talking_heads.landmarks.detect import BACKENDS
from talking_heads.progress import progress_bar

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="detect and track facial landmarks",
                                 description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("input", type=Path, help="an image, a folder of images (a frame sequence) or a video")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the track file to write (.npz)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help="landmark detector (default: auto)")
    parser.add_argument("--device", default="cpu", help="device for the fan backend (default: cpu)")
    parser.add_argument("--preview", type=Path, help="also write a video of each frame beside its sketch (.mp4)")
    parser.add_argument("--fps", type=float, default=25.0, help="frame rate of an image folder (default: 25)")
    defaults = OneEuroConfig()
    parser.add_argument("--min-cutoff", type=float, default=defaults.min_cutoff,
                        help=f"One-Euro minimum cutoff in Hz of the head and face outline (the lips and eyelids "
                             f"follow speech and blinks more closely); lower is smoother (default: {defaults.min_cutoff})")
    parser.add_argument("--beta", type=float, default=defaults.beta,
                        help=f"One-Euro speed coefficient; higher lags less (default: {defaults.beta})")
    parser.add_argument("--no-smooth", action="store_true", help="keep the raw per-frame landmarks")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.output.suffix.lower() != ".npz":
        raise media.OutputError(f"the track file must end in .npz, got {args.output}")
    media.check_output_path(args.output)
    if args.preview is not None:
        media.check_output_path(args.preview)
    source = media.open_frame_source(args.input)
    detector = make_detector(args.backend, device=args.device)
    head = OneEuroConfig(args.min_cutoff, args.beta)
    config = TrackerConfig(smoothing=LandmarkSmoothing(head=head, shape=head), smooth=not args.no_smooth)
    with progress_bar(enabled=not args.quiet) as progress:
        track, report = track_input(source, detector, fps=args.fps, config=config, progress=progress)
    track.save(args.output)
    log.info("%s -> %s (%s)", args.input, args.output, report.summary())
    if args.preview is not None:
        write_preview(source, track, args.preview, quiet=args.quiet)
        log.info("preview -> %s", args.preview)
    return 0


def write_preview(source: media.FrameSource, track: LandmarkTrack, path: Path, quiet: bool = False) -> None:
    """Each frame beside its landmark sketch."""
    with media.Mp4Writer(path, fps=track.fps) as writer, progress_bar(enabled=not quiet) as progress:
        for index, (frame, points, valid) in enumerate(zip(source.frames(), track.points, track.valid)):
            sketch = draw_sketch(points, track.size) if valid else np.zeros_like(frame)
            writer.write(np.concatenate([frame, sketch], axis=1))
            progress(index + 1, len(track), "preview")
