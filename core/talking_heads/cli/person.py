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

from talking_heads.errors import InputError
from talking_heads.options import add_arguments, flags, from_args
from talking_heads.progress import cancel_on_interrupt, progress_bar
from talking_heads.training.footage import parse_span
from talking_heads.training.person import PersonJob, make_person
from talking_heads.training.person_model import FootageJob, ReportFn, TrainStatus, train_person_model

SHARED = tuple(flag.key for flag in flags(PersonJob))  # options of both modes, declared by PersonJob


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="make a person model from a few images or from footage",
                                 description=__doc__.split(":", 1)[1].strip())
    add_arguments(parser, PersonJob, exclude=("frames",))
    parser.add_argument("--frames", help="without --train: shots taken evenly from each video (default: 8); "
                                         "with --train: the frames FIRST:STOP of each video to train on (default: all)")
    training = parser.add_argument_group("training on footage (--train)")
    training.add_argument("--train", action="store_true", help="train on every usable frame of the footage")
    add_arguments(training, FootageJob, exclude=SHARED)
    return parser


def footage_job(args: argparse.Namespace) -> FootageJob:
    if args.finetune_steps:
        raise InputError("--finetune-steps is for a person from a few shots; with --train use --steps or --minutes")
    return from_args(FootageJob, args, span=parse_span(args.frames or "0:"))


def shots_job(args: argparse.Namespace) -> PersonJob:
    defaults = FootageJob(inputs=[], output=args.output)
    given = [f"--{flag.name}" for flag in flags(FootageJob)
             if flag.key not in SHARED and getattr(args, flag.key) != getattr(defaults, flag.key)]
    if given:
        raise InputError(f"{', '.join(given)} belong to training on footage: add --train")
    try:
        frames = PersonJob.frames if args.frames is None else int(args.frames)
    except ValueError:
        raise InputError(f"--frames without --train is a number of shots per video, got {args.frames!r}") from None
    return from_args(PersonJob, args, frames=frames)


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
