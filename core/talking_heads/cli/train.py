"""`talking-heads train DATASET -o RUN_DIR`: meta-learn the embedder, generator and discriminator.

Runs on one process, or on many with `torchrun --nproc_per_node N -m talking_heads.training ...`
(the same options). Ctrl-C saves a checkpoint and stops; `--resume` continues from it.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from talking_heads.errors import InputError
from talking_heads.models import ModelConfig, OptimConfig
from talking_heads.models.losses import CONTENT_LOSSES
from talking_heads.progress import CancelFn, progress_bar
from talking_heads.training import distributed
from talking_heads.training.config import MODEL_PRESETS, VARIANTS, TrainConfig, model_preset
from talking_heads.training.trainer import read_run_config, train

log = logging.getLogger(__name__)

# option -> TrainConfig field, for the options that map one to one
FIELD_OPTIONS = ("variant", "steps", "batch", "k", "content_loss", "checkpoint_every", "log_every", "seed", "workers")
REPEAT_SECONDS = 1.0  # a second stop signal later than this after the first one quits at once


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="meta-learn the networks on a prepared dataset",
                                 description=__doc__.split(":", 1)[1].strip())
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TrainConfig()
    parser.add_argument("dataset", type=Path, help="a dataset folder made by `talking-heads prepare-data`")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the run folder (checkpoints, log, samples)")
    parser.add_argument("--config", choices=MODEL_PRESETS, help="network size: paper (256x256, default), small (128x128, for CPUs) or tiny (tests)")
    parser.add_argument("--variant", choices=VARIANTS, help=f"ff: no embedding-match loss; ft: with it, for "
                                                            f"fine-tuning (default: {defaults.variant})")
    parser.add_argument("--steps", type=int, help=f"total optimisation steps (default: {defaults.steps})")
    parser.add_argument("--batch", type=int, help=f"episodes per step over all processes (default: {defaults.batch})")
    parser.add_argument("--k", type=int, help=f"frames per episode for the embedder (default: {defaults.k})")
    parser.add_argument("--content-loss", choices=CONTENT_LOSSES,
                        help="vgg (VGG19 + VGG-Face, paper, needs their weight files: python install.py --weights), "
                             "vgg19, vggface, l1 (pixels, no weights) or none (default: vgg)")
    parser.add_argument("--checkpoint-every", type=int,
                        help=f"steps between checkpoints and sample grids (default: {defaults.checkpoint_every})")
    parser.add_argument("--log-every", type=int, help=f"steps between log lines (default: {defaults.log_every})")
    parser.add_argument("--seed", type=int, help=f"initialisation and episode order (default: {defaults.seed})")
    parser.add_argument("--workers", type=int, help=f"data-loading processes (default: {defaults.workers})")
    optim = OptimConfig()
    parser.add_argument("--lr-generator", type=float, help=f"Adam lr of E and G (default: {optim.lr_generator})")
    parser.add_argument("--lr-discriminator", type=float, help=f"Adam lr of D (default: {optim.lr_discriminator})")
    parser.add_argument("--adam-eps", type=float, help=f"Adam epsilon (default: {optim.eps})")
    parser.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its last checkpoint")
    parser.add_argument("--device", default="auto", help="auto, cuda, mps or cpu (default: auto)")
    parser.add_argument("--precision", choices=("auto", "float32"), default="auto",
                        help="auto: float16 mixed precision on CUDA, float32 elsewhere (default: auto)")


def given_options(args: argparse.Namespace) -> dict:
    """The TrainConfig fields the user set on the command line."""
    given = {name: getattr(args, name) for name in FIELD_OPTIONS if getattr(args, name) is not None}
    optim = {"lr_generator": args.lr_generator, "lr_discriminator": args.lr_discriminator, "eps": args.adam_eps}
    if any(value is not None for value in optim.values()):
        given["optim"] = OptimConfig(**{name: value for name, value in optim.items() if value is not None})
    return given


def settings(args: argparse.Namespace) -> tuple[ModelConfig, TrainConfig]:
    """The settings of a new run, or of the run being resumed with the changes it allows."""
    given = given_options(args)
    if not args.resume:
        return model_preset(args.config or "paper"), TrainConfig(**given)
    model_config, config, _ = read_run_config(args.output)
    if args.config is not None and model_preset(args.config) != model_config:
        raise InputError(f"{args.output} was started with other network settings than --config {args.config}; "
                         "resume without --config")
    return model_config, config.resumed_with(given)


@contextlib.contextmanager
def stop_requests() -> Iterator[CancelFn]:
    """Ctrl-C (or SIGTERM) asks the run to save and stop after the current step; a second
    Ctrl-C a moment later quits at once. Unlike `progress.cancel_on_interrupt` this also takes
    SIGTERM and ignores a repeat within a second: under torchrun every process gets the
    terminal's Ctrl-C and then the one torchrun forwards."""
    first: list[float] = []

    def handler(signum: int, frame: object) -> None:
        if first and time.monotonic() - first[0] > REPEAT_SECONDS:
            raise KeyboardInterrupt
        if not first:
            first.append(time.monotonic())
            log.warning("stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: bool(first)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run(args: argparse.Namespace) -> int:
    model_config, config = settings(args)
    processes = distributed.start(args.device)
    try:
        with stop_requests() as cancelled, progress_bar(enabled=processes.is_main and not args.quiet) as progress:
            result = train(args.dataset, args.output, model_config, config, processes, resume=args.resume,
                           mixed_precision=args.precision == "auto", progress=progress, cancelled=cancelled)
    finally:
        distributed.stop(processes)
    if processes.is_main:
        log.info("%d steps done; networks in %s (copy it and its .json into weights/ to render with it)",
                 result.step, result.final)
    return 0
