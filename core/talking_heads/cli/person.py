"""`talking-heads person IMAGES_OR_VIDEO... -o PERSON.safetensors`: a person model from a few shots.

Without --finetune-steps the person is feed-forward (psi = P e from the embedder); with it, the
generator and discriminator are fine-tuned on the shots (the paper's FT).
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from talking_heads import media
from talking_heads.errors import InputError, OutputError
from talking_heads.landmarks import make_detector
from talking_heads.landmarks.detect import BACKENDS, LandmarkDetector
from talking_heads.models.losses import CONTENT_LOSSES
from talking_heads.pipeline import load_portrait
from talking_heads.progress import progress_bar
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.neural import NeuralPerson, NeuralRenderer
from talking_heads.training.finetune import FinetuneConfig, Finetuner
from talking_heads.training.prepare import PrepareConfig, crop_video

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="make a person model from a few images or a video",
                                 description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("inputs", type=Path, nargs="+", metavar="IMAGES_OR_VIDEO",
                        help="portrait images of one person, or a video of them")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="the person file (.safetensors; its .json is written beside it)")
    parser.add_argument("--checkpoint", type=Path,
                        help="meta-learned checkpoint (default: weights/meta.safetensors or $TALKING_HEADS_CHECKPOINT)")
    defaults = FinetuneConfig()
    parser.add_argument("--finetune-steps", type=int, default=0,
                        help="fine-tuning steps on the shots; 0 is the feed-forward person (default: 0)")
    parser.add_argument("--content-loss", choices=CONTENT_LOSSES, default=defaults.content_loss,
                        help=f"content loss of fine-tuning (default: {defaults.content_loss})")
    parser.add_argument("--frames", type=int, default=8, help="shots taken evenly from a video (default: 8)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help="landmark detector (default: auto)")
    parser.add_argument("--device", default="auto", help="auto, cuda, mps or cpu (default: auto)")
    return parser


def make_shots(inputs: list[Path], detector: LandmarkDetector, resolution: int, video_frames: int) -> list[Shot]:
    """Face crops of the inputs: every image, or evenly sampled frames of each video."""
    shots: list[Shot] = []
    images = [path for path in inputs if not media.is_video_path(path)]
    if images:
        shots += load_portrait(images, resolution, detector).shots
    for video in (path for path in inputs if media.is_video_path(path)):
        crops, points, _ = crop_video(video, detector, PrepareConfig(frames=video_frames, resolution=resolution))
        shots += [Shot(image, landmarks) for image, landmarks in zip(crops, points)]
    return shots


def output_path(path: Path) -> Path:
    if path.suffix not in ("", ".safetensors"):
        raise OutputError(f"a person file ends in .safetensors, got {path.name}")
    path = path.with_suffix(".safetensors")
    media.check_output_path(path)
    return path


def run(args: argparse.Namespace) -> int:
    output = output_path(args.output)
    if args.finetune_steps < 0:
        raise InputError(f"--finetune-steps must be 0 or more, got {args.finetune_steps}")
    renderer = NeuralRenderer(checkpoint=args.checkpoint, device=args.device)
    shots = make_shots(args.inputs, make_detector(args.backend), renderer.resolution, args.frames)
    if args.finetune_steps == 0:
        person: NeuralPerson = renderer.prepare(shots)
    else:
        config = FinetuneConfig(steps=args.finetune_steps, content_loss=args.content_loss)
        finetuner = Finetuner(renderer, shots, config, device=args.device)
        with progress_bar(enabled=not args.quiet) as progress:
            finetuner.run(progress=progress)
        person = finetuner.person(device="cpu")
    person.save(output)
    log.info("%d shots -> %s (%s)", len(shots), output, person.details["stage"])
    return 0
