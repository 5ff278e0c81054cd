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
from dataclasses import dataclass
from pathlib import Path

from talking_heads.errors import InputError
from talking_heads.models import ModelConfig
from talking_heads.options import Options, add_arguments, flags, from_args, option
from talking_heads.pipeline import check_device
from talking_heads.progress import CancelFn, progress_bar
from talking_heads.training import distributed
from talking_heads.training.config import MODEL_PRESETS, RESUMABLE_CHANGES, TrainConfig, model_preset
from talking_heads.training.trainer import read_run_config, train

log = logging.getLogger(__name__)

REPEAT_SECONDS = 1.0  # a second stop signal later than this after the first one quits at once


@dataclass(frozen=True)
class TrainCommand(Options):
    """The options of `train` besides the run's settings (TrainConfig's flags)."""

    dataset: Path = option(positional=True, help="a dataset folder made by `talking-heads prepare-data`")
    output: Path = option(short="-o", metavar="RUN_DIR", help="the run folder (checkpoints, log, samples)")
    config: str | None = option(None, choices=tuple(MODEL_PRESETS),
                                help="network size: paper (256x256, the default), small (128x128, for CPUs) or "
                                     "tiny (tests); a resumed run keeps its own")
    resume: bool = option(False, help="continue the run in RUN_DIR from its last checkpoint")
    device: str = option("auto", check=check_device, help="auto, cuda, mps or cpu")
    precision: str = option("auto", choices=("auto", "float32"),
                            help="auto: float16 mixed precision on CUDA, float32 elsewhere")


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="meta-learn the networks on a prepared dataset",
                                 description=__doc__.split(":", 1)[1].strip())
    add_arguments(parser, TrainCommand)
    resumable = ", ".join(f"--{flag.name}" for flag in flags(TrainConfig) if flag.path[0] in RESUMABLE_CHANGES)
    settings_group = parser.add_argument_group(
        "run settings", f"saved in RUN_DIR/config.json; a resumed run keeps them except {resumable}")
    add_arguments(settings_group, TrainConfig, only_given=True)
    return parser


def settings(command: TrainCommand, args: argparse.Namespace) -> tuple[ModelConfig, TrainConfig]:
    """The settings of a new run, or of the run being resumed with the changes it allows."""
    if not command.resume:
        return model_preset(command.config or "paper"), from_args(TrainConfig, args)
    model_config, saved, _ = read_run_config(command.output)
    if command.config is not None and model_preset(command.config) != model_config:
        raise InputError(f"{command.output} was started with other network settings than --config "
                         f"{command.config}; resume without --config")
    return model_config, saved.resumed_as(from_args(TrainConfig, args, base=saved))


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
    command = from_args(TrainCommand, args)
    model_config, config = settings(command, args)
    processes = distributed.start(command.device)
    try:
        with stop_requests() as cancelled, progress_bar(enabled=processes.is_main and not args.quiet) as progress:
            result = train(command.dataset, command.output, model_config, config, processes, resume=command.resume,
                           mixed_precision=command.precision == "auto", progress=progress, cancelled=cancelled)
    finally:
        distributed.stop(processes)
    if processes.is_main:
        log.info("%d steps done; networks in %s (copy it and its .json into weights/ to render with it)",
                 result.step, result.final)
    return 0
