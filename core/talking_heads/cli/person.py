"""`talking-heads person IMAGES_OR_VIDEO... -o PERSON.safetensors`: a person model from a few shots.

Without --finetune-steps the person is feed-forward (psi = P e from the embedder); with it, the
generator and discriminator are fine-tuned on the shots (the paper's FT).
"""
from __future__ import annotations

import argparse

from talking_heads.options import add_arguments, from_args
from talking_heads.progress import progress_bar
from talking_heads.training.person import PersonJob, make_person


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="make a person model from a few images or a video",
                                 description=__doc__.split(":", 1)[1].strip())
    add_arguments(parser, PersonJob)  # every option of PersonJob, declared there
    return parser


def run(args: argparse.Namespace) -> int:
    job = from_args(PersonJob, args)
    with progress_bar(enabled=not args.quiet) as progress:
        make_person(job, progress=progress)
    return 0
