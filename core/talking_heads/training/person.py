"""Person models from a few shots of one person, saved as a person file for reuse across shots.

    result = make_person(PersonJob(inputs=[photo], output=Path("anna.safetensors"), finetune_steps=40))

Feed-forward (finetune_steps 0): psi = P e from the meta-learned embedder. Fine-tuned (the
paper's FT): the generator and discriminator trained on the shots (`training.finetune`). Used by
`talking-heads person` and the worker's `person` command.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from talking_heads import media
from talking_heads.errors import InputError, OutputError, WeightsError
from talking_heads.landmarks import make_detector
from talking_heads.landmarks.detect import BACKENDS, LandmarkDetector
from talking_heads.models.losses import CONTENT_LOSSES, choose_content_loss
from talking_heads.options import Options, check, option
from talking_heads.pipeline import check_device, load_portrait
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress, raise_if_cancelled
from talking_heads.synthesis import CHECKPOINT_VARIABLE, configured_checkpoint
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.neural import TRAIN_HINT, NeuralPerson, NeuralRenderer
from talking_heads.training.finetune import FinetuneConfig, Finetuner
from talking_heads.training.prepare import PrepareConfig, crop_video

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonJob(Options):
    """What `make_person` makes (the `person` command's options, the worker's `person` job)."""

    inputs: list[Path] = option(positional=True, metavar="IMAGES_OR_VIDEO",
                                help="portrait images of one person (the largest face of each) and/or videos of them")
    output: Path = option(short="-o", help="the person file PATH.safetensors (its PATH.json is written beside it)")
    checkpoint: Path | None = option(None, help="meta-learned checkpoint (default: weights/meta.safetensors "
                                                "or $TALKING_HEADS_CHECKPOINT)")
    finetune_steps: int = option(0, at_least=0, at_most=100_000,
                                 help="fine-tuning steps on the shots; 0 is the feed-forward person")
    content_loss: str = option(FinetuneConfig.content_loss, choices=CONTENT_LOSSES,
                               help="content loss of fine-tuning and --train (auto: the paper's vgg when its weights "
                                    "are installed, else l1_msssim, which needs no download)")
    frames: int = option(8, at_least=1, at_most=1000, help="shots taken evenly from each video")
    backend: str = option("auto", choices=BACKENDS, help="landmark detector")
    device: str = option("auto", check=check_device, help="auto, cuda, mps or cpu")


@dataclass(frozen=True)
class PersonResult:
    output: Path  # the person file written
    stage: str  # "feed-forward" or "fine-tuned"
    shots: int
    finetune_steps: int


def make_person(job: PersonJob, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled,
                detector: LandmarkDetector | None = None) -> PersonResult:
    """Make and save the job's person model. Fine-tuning reports progress after every step
    (stage "fine-tuning"); when `cancelled()` it stops before the next step and writes nothing."""
    output = check_person_job(job)
    renderer = NeuralRenderer(checkpoint=meta_checkpoint(job.checkpoint), device=job.device)
    raise_if_cancelled(cancelled)
    shots = make_shots(job.inputs, detector or make_detector(job.backend), renderer.resolution, job.frames)
    raise_if_cancelled(cancelled)
    if job.finetune_steps == 0:
        person: NeuralPerson = renderer.prepare(shots)
    else:
        log.info(choose_content_loss(job.content_loss)[1])
        config = FinetuneConfig(steps=job.finetune_steps, content_loss=job.content_loss)
        finetuner = Finetuner(renderer, shots, config, device=job.device)
        finetuner.run(progress=progress, cancelled=cancelled)
        raise_if_cancelled(cancelled)
        person = finetuner.person(device="cpu")
    person.save(output)
    log.info("%d shots -> %s (%s)", len(shots), output, person.details["stage"])
    return PersonResult(output, person.details["stage"], len(shots), job.finetune_steps)


def check_person_job(job: PersonJob) -> Path:
    """Everything that can be checked before work starts; returns the person file's path."""
    return checked_person_output(job, "no images or videos of the person given")


def checked_person_output(job: Options, no_inputs: str) -> Path:
    """A job that writes a person file, checked (its options, some inputs given: else InputError
    `no_inputs`, a writable person file); returns the person file's path."""
    check(job)
    if not job.inputs:
        raise InputError(no_inputs)
    return person_file_path(job.output)


def person_file_path(path: Path) -> Path:
    """PATH.safetensors, checked to be writable."""
    if path.suffix not in ("", ".safetensors"):
        raise OutputError(f"a person file ends in .safetensors, got {path.name}")
    path = path.with_suffix(".safetensors")
    media.check_output_path(path)
    return path


def meta_checkpoint(path: Path | None) -> Path:
    """`path`, or the configured meta-learned checkpoint; a WeightsError saying how to get one."""
    found = path if path is not None else configured_checkpoint()
    if found is None:
        raise WeightsError(f"a person model is made from a meta-learned checkpoint and none is configured: "
                           f"{TRAIN_HINT}, or set {CHECKPOINT_VARIABLE} to one")
    return found


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
