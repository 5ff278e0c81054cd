"""`talking-heads person IMAGES_OR_VIDEO... -o PERSON.safetensors`: a person model from a few shots.

Without --finetune-steps the person is feed-forward (psi = P e from the embedder); with it, the
generator and discriminator are fine-tuned on the shots (the paper's FT).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from talking_heads.landmarks.detect import BACKENDS
from talking_heads.models.losses import CONTENT_LOSSES
from talking_heads.progress import progress_bar
from talking_heads.training.finetune import FinetuneConfig
from talking_heads.training.person import PersonJob, make_person


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


def run(args: argparse.Namespace) -> int:
    job = PersonJob(inputs=args.inputs, output=args.output, checkpoint=args.checkpoint,
                    finetune_steps=args.finetune_steps, content_loss=args.content_loss, frames=args.frames,
                    backend=args.backend, device=args.device)
    with progress_bar(enabled=not args.quiet) as progress:
        make_person(job, progress=progress)
    return 0
