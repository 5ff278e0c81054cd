"""A person model trained on footage of the person (`talking-heads person CLIP... --train`).

    result = train_person_model(FootageJob(inputs=[Path("anna.mp4")], output=Path("anna.safetensors"),
                                           steps=2000))

With a meta-learned checkpoint the networks start from it (the paper's fine-tuning, on every
usable frame instead of a few shots); without one a generator and the person's AdaIN
parameters psi are trained from scratch with the content loss, which needs footage of some
length (MIN_SCRATCH_FRAMES frames). The folder PERSON.training/ beside the person file holds
the training state (for --resume and after Ctrl-C) and sample grids (real | sketch | generated).
"""
from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from talking_heads import media
from talking_heads.devices import resolve_device
from talking_heads.errors import Cancelled, InputError
from talking_heads.landmarks import make_detector
from talking_heads.landmarks.detect import BACKENDS, LandmarkDetector
from talking_heads.models.config import PRESETS, ModelConfig, default_preset, preset_name
from talking_heads.models.losses import CONTENT_LOSSES, LossConfig, choose_content_loss, content_loss_by_name
from talking_heads.options import Options, option
from talking_heads.pipeline import check_device
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.neural import NeuralPerson, NeuralRenderer, images_to_tensor, tensor_to_images
from talking_heads.training.footage import FootageFrames, load_footage
from talking_heads.training.learners import Learner, MetaLearner, ScratchLearner, training_autocast
from talking_heads.training.person import checked_person_output
from talking_heads.weights import load_checkpoint, save_checkpoint

log = logging.getLogger(__name__)

MIN_SCRATCH_FRAMES = 100  # about four seconds of footage
DEFAULT_STEPS = 2000
STATE_KIND = "person-training"
SAMPLE_ROWS = 4


@dataclass(frozen=True)
class FootageJob(Options):
    """What `train_person_model` does (the `person --train` command's options)."""

    inputs: list[Path] = option(positional=True, metavar="VIDEOS_OR_IMAGES",
                                help="videos (and/or image folders, images) of one person")
    output: Path = option(short="-o", help="the person file PATH.safetensors (its PATH.json is written beside it)")
    config: str | None = option(None, choices=tuple(PRESETS),
                                help="model size: small (128x128, the default from scratch on a CPU), paper "
                                     "(256x256, the default on a CUDA GPU) or tiny (tests); with --checkpoint it "
                                     "must be the checkpoint's")
    checkpoint: Path | None = option(None, help="a meta-learned checkpoint to fine-tune; none: from scratch")
    steps: int | None = option(None, at_least=1, at_most=10_000_000,
                               help=f"total training steps (default: {DEFAULT_STEPS}, or as many as --minutes allow)")
    minutes: float | None = option(None, above=0, at_most=100_000,
                                   help="training time of this run; stops at whichever of --steps and --minutes "
                                        "comes first")
    span: tuple[int, int | None] = option((0, None), cli=False)  # frames FIRST:STOP of each video (--frames)
    content_loss: str = option("auto", choices=CONTENT_LOSSES, help="content loss (auto: vgg when installed, "
                                                                     "else l1_msssim)")
    batch: int = option(8, at_least=1, at_most=4096, help="frames per step")
    lr: float = option(1e-3, above=0, at_most=1.0, help="Adam's learning rate from scratch (fine-tuning: the paper's)")
    augment: bool = option(True, help="random small shifts and zooms of frame and sketch together")
    sample_every: int = option(100, at_least=1, help="steps between sample grids and saved training states")
    resume: bool = option(False, help="continue the run saved in PERSON.training/")
    snapshots: bool = option(False, help="also keep the person file of every sample step (PERSON.training/snapshots/)")
    backend: str = option("auto", choices=BACKENDS, help="landmark detector")
    device: str = option("auto", check=check_device, help="auto, cuda, mps or cpu")
    seed: int = option(0, help="initialisation, batch order and augmentation")


@dataclass(frozen=True)
class TrainStatus:
    """Reported after every step."""

    step: int
    total_steps: int | None  # None when only a time budget stops the run
    seconds: float  # training time of this run so far
    budget_seconds: float | None
    losses: dict[str, float]


@dataclass(frozen=True)
class FootageResult:
    output: Path
    start: str  # "scratch" or "meta"
    steps: int
    frames: int
    seconds: float  # training time of this run
    stopped: bool  # by Ctrl-C / cancel


ReportFn = Callable[[TrainStatus], None]


def training_folder(output: Path) -> Path:
    """PERSON.training/ beside the person file: training state and sample grids."""
    return output.with_name(output.stem + ".training")


def check_footage_job(job: FootageJob) -> Path:
    """Everything that can be checked before work starts; returns the person file's path."""
    return checked_person_output(job, "no footage of the person given")


def meta_renderer(job: FootageJob) -> NeuralRenderer:
    """The meta-learned checkpoint to fine-tune, checked against --config."""
    renderer = NeuralRenderer(checkpoint=job.checkpoint, device=job.device)
    if job.config is not None:
        wanted = PRESETS[job.config]()
        if dataclasses.replace(wanted, spectral_norm=renderer.model_config.spectral_norm) != renderer.model_config:
            found = preset_name(renderer.model_config) or "a custom one"
            raise InputError(f"the meta-learned checkpoint {job.checkpoint} has the {found} configuration, not "
                             f"--config {job.config}; leave out --config to use the checkpoint's")
    return renderer


def scratch_preset(job: FootageJob) -> str:
    """The configuration trained from scratch: --config, or the device's default."""
    return job.config or default_preset(resolve_device(job.device).type)


def make_learner(job: FootageJob, frames: FootageFrames, renderer: NeuralRenderer | None, model_config: ModelConfig,
                 content_loss: str) -> Learner:
    if renderer is not None:
        shots = [Shot(image, points) for image, points in zip(frames.images, frames.points)]
        return MetaLearner(renderer, shots, content_loss, job.device)
    device = resolve_device(job.device)
    loss = content_loss_by_name(content_loss, LossConfig(content=content_loss))
    return ScratchLearner(model_config, loss, job.lr, device, training_autocast(device), job.seed)


def augment(target: Tensor, sketch: Tensor, generator: torch.Generator, strength: float = 0.06) -> tuple[Tensor, Tensor]:
    """The same random zoom (1 +- strength) and shift (+- strength of the side) of each frame and
    its sketch: the model sees the face at slightly varied places, as in animations."""
    count = len(target)
    zoom = 1 + (torch.rand(count, generator=generator) * 2 - 1) * strength
    shift = (torch.rand(count, 2, generator=generator) * 2 - 1) * strength * 2  # normalised coordinates
    theta = torch.zeros(count, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = zoom
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta.to(target.device), list(target.shape), align_corners=False)
    both = F.grid_sample(torch.cat([target, sketch], 1), grid, padding_mode="border", align_corners=False)
    return both[:, :3], both[:, 3:]  # (B, 3, S, S) each


class PersonTraining:
    """The training loop: batches of the footage, samples, states, the stop conditions."""

    def __init__(self, job: FootageJob, learner: Learner, frames: FootageFrames, folder: Path, details: dict):
        self.job, self.learner, self.frames, self.folder, self.details = job, learner, frames, folder, details
        self.device = learner.device
        self.step = 0
        self.seconds_before = 0.0  # training time of earlier (resumed) runs
        self.sample_rows = np.linspace(0, len(frames) - 1, min(SAMPLE_ROWS, len(frames))).round().astype(int)

    def batch(self) -> tuple[Tensor, Tensor]:
        rng = np.random.default_rng([self.job.seed, self.step])
        chosen = rng.choice(len(self.frames), min(self.job.batch, len(self.frames)), replace=False)
        target = images_to_tensor(self.frames.images[chosen])  # (B, 3, S, S)
        sketch = images_to_tensor(self.frames.sketches[chosen])
        if self.job.augment:
            seeded = torch.Generator().manual_seed(self.job.seed * 1_000_003 + self.step)
            target, sketch = augment(target, sketch, seeded)
        return target.to(self.device), sketch.to(self.device)

    def save_state(self, seconds: float) -> None:
        tensors, meta = self.learner.state()
        config = {"kind": STATE_KIND, "architecture": self.learner.model_config.to_dict(), "step": self.step,
                  "seconds": self.seconds_before + seconds, "start": self.details["start"], "learner": meta}
        save_checkpoint(self.folder / "state", tensors, config)

    def load_state(self) -> None:
        path = self.folder / "state"
        tensors, config = load_checkpoint(path, kind=STATE_KIND)
        if config["architecture"] != self.learner.model_config.to_dict() or config["start"] != self.details["start"]:
            raise InputError(f"{self.folder} holds a run with other settings (a {config['start']} start, "
                             f"{preset_name(ModelConfig.from_dict(config['architecture'])) or 'custom'} model); "
                             "resume with the same options, or delete that folder to start again")
        self.learner.load_state(tensors, config["learner"])
        self.step, self.seconds_before = config["step"], config["seconds"]
        log.info("resuming at step %d (%.1f minutes trained before)", self.step, self.seconds_before / 60)

    def write_samples(self) -> Path:
        """samples/step_NNNNNN.png: a row per sample frame, real | sketch | generated."""
        real = self.frames.images[self.sample_rows]
        sketches = self.frames.sketches[self.sample_rows]
        generated = tensor_to_images(self.learner.render(images_to_tensor(sketches).to(self.device)).cpu())
        grid = np.concatenate([np.concatenate([r, s, g], axis=1) for r, s, g in zip(real, sketches, generated)])
        (self.folder / "samples").mkdir(parents=True, exist_ok=True)
        return media.write_image(self.folder / "samples" / f"step_{self.step:06d}.png", grid)

    def person(self, seconds: float) -> NeuralPerson:
        minutes = round((self.seconds_before + seconds) / 60, 3)
        return self.learner.person({**self.details, "steps": self.step, "training_minutes": minutes})

    def run(self, total_steps: int | None, budget_seconds: float | None, report: ReportFn,
            cancelled: CancelFn) -> tuple[float, bool]:
        """Train until the steps or the time budget are used up, or a cancel; -> (seconds, stopped)."""
        start = time.perf_counter()
        seconds, stopped = 0.0, False
        while total_steps is None or self.step < total_steps:
            if budget_seconds is not None and seconds >= budget_seconds:
                break
            if cancelled():
                stopped = True
                break
            losses = self.learner.step(*self.batch())
            if not all(math.isfinite(value) for value in losses.values()):
                raise InputError(f"training diverged at step {self.step + 1} (losses {losses}); "
                                 "try a lower learning rate")
            self.step += 1
            seconds = time.perf_counter() - start
            report(TrainStatus(self.step, total_steps, seconds, budget_seconds, losses))
            if self.step % self.job.sample_every == 0:
                self.write_samples()
                self.save_state(seconds)
                if self.job.snapshots:
                    self.person(seconds).save(self.folder / "snapshots" / f"step_{self.step:06d}")
        return seconds, stopped


def _no_report(status: TrainStatus) -> None:
    """The default report callback: nothing."""


def check_training_folder(folder: Path, resume: bool) -> None:
    """--resume needs a saved state; a new run must not overwrite one."""
    saved = (folder / "state.safetensors").is_file()
    if resume and not saved:
        raise InputError(f"nothing to resume: {folder} holds no training state; start without --resume")
    if saved and not resume:
        raise InputError(f"{folder} holds an earlier training run; continue it with --resume, or delete the "
                         "folder to start again")


def check_enough_frames(frames: FootageFrames, from_scratch: bool) -> None:
    if from_scratch and len(frames) < MIN_SCRATCH_FRAMES:
        raise InputError(f"only {len(frames)} usable frames (a face found) in the footage; training from scratch "
                         f"needs at least {MIN_SCRATCH_FRAMES} (about four seconds of video); give more footage, or "
                         "a meta-learned checkpoint with --checkpoint to fine-tune on fewer frames")
    log.info("%d usable frames of %d read", len(frames), sum(s["frames_read"] for s in frames.sources))


def train_person_model(job: FootageJob, progress: ProgressFn = no_progress, report: ReportFn = _no_report,
                       cancelled: CancelFn = never_cancelled,
                       detector: LandmarkDetector | None = None) -> FootageResult:
    """Train and save the job's person model (see the module docstring). A cancel (Ctrl-C) stops
    after the current step and saves the person file and the training state all the same."""
    output = check_footage_job(job)
    folder = training_folder(output)
    check_training_folder(folder, job.resume)
    content_loss, announcement = choose_content_loss(job.content_loss)
    log.info(announcement)
    renderer = meta_renderer(job) if job.checkpoint is not None else None
    model_config = renderer.model_config if renderer is not None else PRESETS[scratch_preset(job)]()
    if renderer is not None:
        log.info("fine-tuning the meta-learned checkpoint %s on the footage", job.checkpoint.name)
    else:
        log.info("training from scratch (no meta-learned checkpoint given): a %s generator and the person's AdaIN "
                 "parameters, content loss only; this needs at least %d usable frames", preset_name(model_config),
                 MIN_SCRATCH_FRAMES)
    frames = load_footage(job.inputs, detector or make_detector(job.backend), model_config.resolution, job.span,
                          progress, cancelled)
    check_enough_frames(frames, from_scratch=renderer is None)
    details = {"stage": "fine-tuned" if renderer is not None else "trained from scratch",
               "start": "meta" if renderer is not None else "scratch",
               "meta_checkpoint": None if job.checkpoint is None else job.checkpoint.name,
               "content_loss": content_loss, "frames": len(frames), "footage": frames.sources}
    learner = make_learner(job, frames, renderer, model_config, content_loss)
    training = PersonTraining(job, learner, frames, folder, details)
    if job.resume:
        training.load_state()
    total = job.steps if job.steps is not None else (DEFAULT_STEPS if job.minutes is None else None)
    seconds, stopped = training.run(total, None if job.minutes is None else job.minutes * 60, report, cancelled)
    if training.step == 0:
        raise Cancelled("stopped before the first training step; nothing was saved")
    training.write_samples()
    training.save_state(seconds)
    training.person(seconds).save(output)
    minutes = (training.seconds_before + seconds) / 60
    log.info("%d steps (%.1f minutes%s) -> %s; samples in %s", training.step, minutes,
             ", stopped early: --resume continues" if stopped else "", output, folder / "samples")
    return FootageResult(output, details["start"], training.step, len(frames), seconds, stopped)
