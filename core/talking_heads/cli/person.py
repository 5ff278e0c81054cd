"""`talking-heads person IMAGES_OR_VIDEO... -o PERSON.safetensors`: a person model of one person.

From a few shots and a meta-learned checkpoint: the feed-forward person (psi = P e), or with
--finetune-steps the paper's fine-tuning on the shots. With --train: a person model trained on
every usable frame of footage of the person, from a meta-learned checkpoint (--checkpoint) or
from scratch (needs about four seconds of video, more footage giving better results). Ctrl-C
saves what it has; --resume continues; sample grids are written to PERSON.training/samples/.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from talking_heads.errors import InputError
from talking_heads.landmarks.detect import BACKENDS
from talking_heads.models.config import PRESETS
from talking_heads.models.losses import CONTENT_LOSSES
from talking_heads.progress import cancel_on_interrupt, progress_bar
from talking_heads.training.person import PersonJob, make_person
from talking_heads.training.footage import parse_span
from talking_heads.training.person_model import DEFAULT_STEPS, FootageJob, ReportFn, TrainStatus, train_person_model

SHOTS_PER_VIDEO = 8


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="make a person model from a few images or from footage",
                                 description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("inputs", type=Path, nargs="+", metavar="IMAGES_OR_VIDEO",
                        help="portrait images of one person, or videos of them")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="the person file (.safetensors; its .json is written beside it)")
    parser.add_argument("--checkpoint", type=Path,
                        help="meta-learned checkpoint (default without --train: weights/meta.safetensors or "
                             "$TALKING_HEADS_CHECKPOINT; with --train: none, training from scratch)")
    parser.add_argument("--content-loss", choices=CONTENT_LOSSES, default="auto",
                        help="auto (default): the paper's vgg when its weights are installed, else l1_msssim "
                             "(no download); also vgg19, vggface, l1, l1_ssim, none")
    parser.add_argument("--frames",
                        help=f"without --train: shots taken evenly from each video (default: {SHOTS_PER_VIDEO}); "
                             "with --train: the frames FIRST:STOP of each video to train on (default: all)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help="landmark detector (default: auto)")
    parser.add_argument("--device", default="auto", help="auto, cuda, mps or cpu (default: auto)")
    parser.add_argument("--finetune-steps", type=int, default=0,
                        help="without --train: fine-tuning steps on the shots; 0 is the feed-forward person")
    training = parser.add_argument_group("training on footage (--train)")
    training.add_argument("--train", action="store_true", help="train on every usable frame of the footage")
    training.add_argument("--config", choices=PRESETS,
                          help="model size: small (128x128, default from scratch), paper (256x256, for GPUs) or "
                               "tiny (tests); with --checkpoint it must be the checkpoint's")
    budget = training.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help=f"total training steps (default: {DEFAULT_STEPS})")
    budget.add_argument("--minutes", type=float, help="train for this many minutes instead of a number of steps")
    defaults = FootageJob(inputs=[], output=Path())
    training.add_argument("--batch", type=int, default=defaults.batch, help=f"frames per step (default: {defaults.batch})")
    training.add_argument("--lr", type=float, default=defaults.lr,
                          help=f"Adam's learning rate from scratch (default: {defaults.lr})")
    training.add_argument("--sample-every", type=int, default=defaults.sample_every,
                          help=f"steps between sample grids and saved states (default: {defaults.sample_every})")
    training.add_argument("--no-augment", action="store_true", help="no random shifts and zooms of the frames")
    training.add_argument("--resume", action="store_true", help="continue the run saved beside the output")
    training.add_argument("--snapshots", action="store_true",
                          help="also keep the person file of every sample step (PERSON.training/snapshots/)")
    return parser


def footage_job(args: argparse.Namespace) -> FootageJob:
    if args.finetune_steps:
        raise InputError("--finetune-steps is for a person from a few shots; with --train use --steps or --minutes")
    return FootageJob(inputs=args.inputs, output=args.output, config=args.config, checkpoint=args.checkpoint,
                      steps=args.steps, minutes=args.minutes, span=parse_span(args.frames or "0:"),
                      content_loss=args.content_loss, batch=args.batch, lr=args.lr, augment=not args.no_augment,
                      sample_every=args.sample_every, resume=args.resume, snapshots=args.snapshots, backend=args.backend, device=args.device)


def shots_job(args: argparse.Namespace) -> PersonJob:
    given = [f"--{name.replace('_', '-')}" for name in ("config", "steps", "minutes", "resume")
             if getattr(args, name) not in (None, False)]
    if given:
        raise InputError(f"{', '.join(given)} belong to training on footage: add --train")
    try:
        frames = SHOTS_PER_VIDEO if args.frames is None else int(args.frames)
    except ValueError:
        raise InputError(f"--frames without --train is a number of shots per video, got {args.frames!r}") from None
    return PersonJob(inputs=args.inputs, output=args.output, checkpoint=args.checkpoint,
                     finetune_steps=args.finetune_steps, content_loss=args.content_loss, frames=frames,
                     backend=args.backend, device=args.device)


@contextlib.contextmanager
def training_bar(enabled: bool) -> Iterator[ReportFn]:
    """A tqdm bar over the steps (or the minutes) with the current losses; time left on the right."""
    from tqdm import tqdm

    bar: list[tqdm] = []

    def report(status: TrainStatus) -> None:
        if not enabled:
            return
        if not bar:
            by_time = status.total_steps is None
            bar.append(tqdm(total=round(status.budget_seconds) if by_time else status.total_steps,
                            initial=0 if by_time else status.step - 1, unit="s" if by_time else "step",
                            desc="training", file=sys.stderr, dynamic_ncols=True))
        done = round(status.seconds) if status.total_steps is None else status.step
        bar[0].set_postfix({"step": status.step, **{k: f"{v:.4f}" for k, v in status.losses.items()}}, refresh=False)
        bar[0].update(min(done, bar[0].total) - bar[0].n)

    try:
        yield report
    finally:
        for item in bar:
            item.close()


def run(args: argparse.Namespace) -> int:
    if not args.train:
        job = shots_job(args)
        with progress_bar(enabled=not args.quiet) as progress:
            make_person(job, progress=progress)
        return 0
    footage = footage_job(args)
    with progress_bar(enabled=not args.quiet) as progress, training_bar(not args.quiet) as report, \
            cancel_on_interrupt() as cancelled:
        train_person_model(footage, progress=progress, report=report, cancelled=cancelled)
    return 0
