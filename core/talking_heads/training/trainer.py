"""The meta-learning run: data, steps, log, samples, checkpoints, exact resume, stopping.

    RUN_DIR/config.json       model and training settings, the dataset's video names
    RUN_DIR/log.jsonl         losses (see runlog.py), RUN_DIR/samples/*.png sample grids
    RUN_DIR/checkpoints/      see checkpoints.py
    RUN_DIR/meta.safetensors  the final networks (+ meta.json): what `talking-heads person` uses

Runs on one process or many (`torchrun`): each process takes an equal slice of every step's
batch, DDP averages the gradients, and only the first process writes files.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from talking_heads.errors import Cancelled, InputError, OutputError
from talking_heads.models import ModelConfig
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress
from talking_heads.training import checkpoints, distributed
from talking_heads.training.config import TrainConfig
from talking_heads.training.dataset import Dataset, load_dataset, write_json
from talking_heads.training.distributed import Processes
from talking_heads.training.episodes import EpisodeDataset, Episodes, StepBatches, collate_episodes
from talking_heads.training.meta import MetaLearner
from talking_heads.training.runlog import RunLog
from talking_heads.training.state import rng_from_flat, rng_to_flat
from talking_heads.training.step import StepResult

RUN_CONFIG = "config.json"
FINAL = "meta"


@dataclass(frozen=True)
class RunResult:
    step: int  # steps done in total
    final: Path  # RUN_DIR/meta.safetensors


def read_run_config(run_dir: Path) -> tuple[ModelConfig, TrainConfig, list[str]]:
    """The settings a run was started with (for --resume)."""
    path = run_dir / RUN_CONFIG
    if not path.is_file():
        raise InputError(f"{run_dir} is not a training run (no {RUN_CONFIG}); start one without --resume")
    data = json.loads(path.read_text())
    return ModelConfig.from_dict(data["model"]), TrainConfig.from_dict(data["train"]), data["videos"]


def _check_new_run(run_dir: Path) -> None:
    if checkpoints.saved_steps(run_dir) or (run_dir / RUN_CONFIG).exists():
        raise OutputError(f"{run_dir} already holds a run; continue it with --resume or choose another folder")


def _open_new_run(run_dir: Path, dataset: Dataset, model_config: ModelConfig, config: TrainConfig) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / RUN_CONFIG, {"model": model_config.to_dict(), "train": config.to_dict(),
                                      "losses": config.losses.to_dict(),
                                      "dataset": str(dataset.path), "videos": dataset.names})


def _check_dataset(dataset: Dataset, model_config: ModelConfig, config: TrainConfig, processes: Processes) -> None:
    if dataset.resolution != model_config.resolution:
        raise InputError(f"{dataset.path} holds {dataset.resolution}x{dataset.resolution} crops but the model works "
                         f"at {model_config.resolution}; prepare it with --resolution {model_config.resolution}")
    if config.batch % processes.world_size:
        raise InputError(f"--batch {config.batch} must split evenly over the {processes.world_size} processes")


class Run:
    """A meta-learning run in RUN_DIR (new or resumed)."""

    def __init__(self, dataset: Dataset, run_dir: Path, model_config: ModelConfig, config: TrainConfig,
                 processes: Processes, mixed_precision: bool = True):
        self.dataset, self.run_dir, self.model_config, self.config = dataset, run_dir, model_config, config
        self.processes = processes
        self.learner = MetaLearner(model_config, config, len(dataset.videos), processes, mixed_precision)
        self.log = RunLog(run_dir, enabled=processes.is_main)
        self.step = 0

    def resume(self) -> checkpoints.Checkpoint:
        """Load the latest checkpoint; the random states are applied by `batches`."""
        checkpoint = checkpoints.load(checkpoints.latest(self.run_dir), self.model_config.to_dict())
        self.learner.networks.load(checkpoint.model, str(checkpoint.folder))
        self.learner.step.load_state(checkpoint.state, checkpoint.state_config["optim"])
        self.step = int(checkpoint.state_config["step"])
        if self.processes.is_main:
            self.log.truncate_after(self.step)
        return checkpoint

    def batches(self, checkpoint: checkpoints.Checkpoint | None) -> Iterator[Episodes]:
        """Each step's episodes from the current step on."""
        loader = torch.utils.data.DataLoader(
            EpisodeDataset(self.dataset, self.config.k, self.config.seed),
            batch_sampler=StepBatches(self.config.batch, self.processes.rank, self.processes.world_size, self.step),
            num_workers=self.config.workers, collate_fn=collate_episodes,
            pin_memory=self.processes.device.type == "cuda")
        iterator = iter(loader)
        if checkpoint is not None:  # after the loader drew its seeds, as the uninterrupted run did
            rng_from_flat(checkpoint.state, checkpoint.state_config["rng"])
        return iterator

    def save(self) -> Path:
        """Checkpoint the current step (first process only)."""
        architecture = self.model_config.to_dict()
        model_config = {"architecture": architecture, "variant": self.config.variant, "step": self.step,
                        "videos": self.dataset.names, "train": self.config.to_dict()}
        optimiser_tensors, optimiser_meta = self.learner.step.state()
        rng_tensors, rng_meta = rng_to_flat()
        state_config = {"architecture": architecture, "step": self.step, "optim": optimiser_meta, "rng": rng_meta,
                        "episodes": self.step * self.config.batch}
        return checkpoints.save(self.run_dir, self.step, (self.learner.networks.tensors(), model_config),
                                ({**optimiser_tensors, **rng_tensors}, state_config), self.config.keep_checkpoints)

    def record(self, result: StepResult, batch: Episodes) -> None:
        """Log the losses and write samples and checkpoints when their step comes."""
        step, config = self.step, self.config
        if step % config.log_every == 0 or step == config.steps:
            losses = distributed.mean_over_processes({k: v.item() for k, v in result.losses.items()}, self.processes)
            self.log.losses(step, losses)
        if (step % config.checkpoint_every == 0 or step == config.steps) and self.processes.is_main:
            self.save()
            self.log.sample_grid(step, batch.target_sketch, batch.target, result.generated)

    def final(self) -> Path:
        """RUN_DIR/meta.safetensors + meta.json: the networks of the last step."""
        return self.learner.networks.save(self.run_dir / FINAL, step=self.step, variant=self.config.variant,
                                          videos=self.dataset.names)


def train(dataset_path: Path, run_dir: Path, model_config: ModelConfig, config: TrainConfig, processes: Processes,
          resume: bool = False, mixed_precision: bool = True, progress: ProgressFn = no_progress,
          cancelled: CancelFn = never_cancelled) -> RunResult:
    """Meta-learn (or continue meta-learning) E, G and D on a prepared dataset."""
    dataset = load_dataset(dataset_path)
    _check_dataset(dataset, model_config, config, processes)
    if resume:
        _, _, videos = read_run_config(run_dir)
        if videos != dataset.names:
            raise InputError(f"{dataset_path} is not the dataset {run_dir} was trained on (its videos differ)")
    else:
        _check_new_run(run_dir)
    run = Run(dataset, run_dir, model_config, config, processes, mixed_precision)  # fails before writing anything
    if not resume and processes.is_main:
        _open_new_run(run_dir, dataset, model_config, config)
    distributed.barrier(processes)
    checkpoint = run.resume() if resume else None
    batches = run.batches(checkpoint)
    while run.step < config.steps:
        if distributed.any_process(cancelled(), processes):
            if processes.is_main:
                run.save()
            raise Cancelled(f"training stopped at step {run.step}; checkpoint saved in {run_dir}, "
                            "continue with --resume")
        batch = next(batches)
        result = run.learner.train_step(batch)
        run.step += 1
        run.record(result, batch)
        progress(run.step, config.steps, "training")
    final = run.final() if processes.is_main else run_dir / f"{FINAL}.safetensors"
    distributed.barrier(processes)
    return RunResult(run.step, final)
