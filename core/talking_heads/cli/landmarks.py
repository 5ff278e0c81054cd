"""`talking-heads landmarks INPUT -o TRACK.npz`: track 68-point landmarks of an image, folder or video."""
from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talking_heads import media
from talking_heads.landmarks import (LandmarkSmoothing, LandmarkTrack, OneEuroConfig, TrackerConfig, draw_sketch,
                                     make_detector, track_input)
from talking_heads.landmarks.detect import BACKENDS
from talking_heads.options import Options, add_arguments, from_args, option
from talking_heads.pipeline import MAX_FPS, check_device
from talking_heads.progress import progress_bar

log = logging.getLogger(__name__)


def _check_track_path(path: Path) -> str | None:
    return None if path.suffix.lower() == ".npz" else f"a track file ends in .npz, got {path.name}"


@dataclass(frozen=True)
class LandmarksCommand(Options):
    """The options of `landmarks`."""

    input: Path = option(positional=True, help="an image, a folder of images (a frame sequence) or a video")
    output: Path = option(short="-o", check=_check_track_path, help="the track file to write (.npz)")
    backend: str = option("auto", choices=BACKENDS, help="landmark detector")
    device: str = option("cpu", check=check_device, help="device for the fan backend")
    preview: Path | None = option(None, help="also write a video of each frame beside its sketch (.mp4)")
    fps: float = option(25.0, above=0, at_most=MAX_FPS, help="frame rate of an image folder")
    min_cutoff: float = option(OneEuroConfig.min_cutoff, above=0, at_most=1000,
                               help="One-Euro minimum cutoff in Hz of the head and face outline (the lips and "
                                    "eyelids follow speech and blinks more closely); lower is smoother")
    beta: float = option(OneEuroConfig.beta, at_least=0, at_most=1000,
                         help="One-Euro speed coefficient; higher lags less")
    smooth: bool = option(True, help="smooth the landmarks over time; --no-smooth keeps the raw per-frame ones")


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="detect and track facial landmarks",
                                 description=__doc__.split("`: ", 1)[1].strip())
    add_arguments(parser, LandmarksCommand)
    return parser


def run(args: argparse.Namespace) -> int:
    options = from_args(LandmarksCommand, args)
    media.check_output_path(options.output)
    if options.preview is not None:
        media.check_output_path(options.preview)
        if options.preview.resolve() == options.input.resolve():
            raise media.OutputError(f"--preview {options.preview} would overwrite the input; choose another name")
    source = media.open_frame_source(options.input)
    detector = make_detector(options.backend, device=options.device)
    head = OneEuroConfig(options.min_cutoff, options.beta)
    config = TrackerConfig(smoothing=LandmarkSmoothing(head=head, shape=head), smooth=options.smooth)
    with progress_bar(enabled=not args.quiet) as progress:
        track, report = track_input(source, detector, fps=options.fps, config=config, progress=progress)
    track.save(options.output)
    log.info("%s -> %s (%s)", options.input, options.output, report.summary())
    if options.preview is not None:
        write_preview(source, track, options.preview, quiet=args.quiet)
        log.info("preview -> %s", options.preview)
    return 0


def write_preview(source: media.FrameSource, track: LandmarkTrack, path: Path, quiet: bool = False) -> None:
    """Each frame beside its landmark sketch."""
    with media.Mp4Writer(path, fps=track.fps) as writer, progress_bar(enabled=not quiet) as progress:
        for index, (frame, points, valid) in enumerate(zip(source.frames(), track.points, track.valid)):
            sketch = draw_sketch(points, track.size) if valid else np.zeros_like(frame)
            writer.write(np.concatenate([frame, sketch], axis=1))
            progress(index + 1, len(track), "preview")
