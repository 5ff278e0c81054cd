"""The worker's `animate`, `person` and `train_person` jobs, built from plain values gathered from a shot.

The keys are those of the library's `AnimateJob.to_dict()`, `PersonJob.to_dict()` and
`FootageJob.to_dict()`; the add-on never imports the library, so this module is where the two
meet: its names, choices and defaults are copies of the library's declarations
(talking_heads.pipeline.AnimateJob, talking_heads.training.person.PersonJob,
talking_heads.training.person_model.FootageJob, RetargetConfig), and
tests/core/test_addon_options.py checks that they stay equal. Every check here fails with a
UserError that says what to do.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import UserError

RENDERERS = ("auto", "neural", "warp")
MOTIONS = ("talk", "nod", "shake", "blink", "smile", "idle")
DEVICES = ("auto", "cuda", "mps", "cpu")
PRECISIONS = ("auto", "float32", "float16", "bfloat16")
CONTENT_LOSSES = ("auto", "vgg", "vgg19", "vggface", "l1", "l1_ssim", "l1_msssim", "none")  # the library's models.losses.CONTENT_LOSSES
MODEL_SIZES = ("paper", "small", "tiny")  # the library's models.config.PRESETS
PERSON_SUFFIX = ".safetensors"
TRAINING_SUFFIX = ".training"  # PERSON.training/ beside the person file: training state and samples
TRAINING_STATE = "state.safetensors"  # in it: what a resumed run continues
MIN_SCRATCH_FRAMES = 100  # usable frames training from scratch needs (the library's person_model)


@dataclass(frozen=True)
class Retarget:
    """How strongly the driver's motion is moved onto the portrait (the library's RetargetConfig)."""

    expression: float = 1.0  # 0: keep the portrait's own expression
    head_motion: float = 1.0  # strength of the head's rotation, scale and shift
    follow_position: bool = True  # follow the driver's movement in the frame
    follow_scale: bool = True  # follow the driver's distance to the camera
    smoothing: float = 0.0  # seconds of Gaussian smoothing over time; 0: none


@dataclass(frozen=True)
class Compute:
    """Where and how the generator runs (the add-on's preferences)."""

    device: str = "auto"
    precision: str = "auto"
    batch_size: int = 8


def motion_driver(name: str) -> str:
    if name not in MOTIONS:
        raise UserError(f"unknown built-in motion {name!r}: choose one of {', '.join(MOTIONS)}")
    return f"motion:{name}"


def check_sources(sources: list[str]) -> list[str]:
    if not sources:
        raise UserError("no portrait: add one or more images of the person in the Portrait panel")
    for source in sources:
        if not Path(source).is_file():
            raise UserError(f"portrait image not found: {source}; choose an existing image file")
    return [str(Path(source).resolve()) for source in sources]


def check_driver(driver: str) -> str:
    if driver.startswith("motion:"):
        return motion_driver(driver.split(":", 1)[1])
    if not driver:
        raise UserError("no driver: choose a video clip, a face rig or a built-in motion in the Driver panel")
    if not Path(driver).is_file():
        raise UserError(f"driver file not found: {driver}; choose an existing video clip")
    return str(Path(driver).resolve())


def check_output(folder: str) -> str:
    path = Path(folder)
    if not folder or folder.startswith("//") or not path.is_absolute():  # "//": Blender's relative paths
        raise UserError(f"the output folder {folder!r} is not a full path: save the blend file first "
                        "(the default folder is beside it) or choose a folder in the Output panel")
    if path.exists() and not path.is_dir():
        raise UserError(f"the output {folder} is a file; choose a folder for the frames")
    return str(path)


def animate_job(*, sources: list[str], driver: str, output: str, renderer: str = "auto", person: str = "",
                full_frame: bool = True, fps: float | None = None, frames: tuple[int, int] | None = None,
                retarget: Retarget = Retarget(), motion_duration: float = 4.0, motion_intensity: float = 1.0,
                track_cache: str = "", compute: Compute = Compute()) -> dict[str, Any]:
    """The `job` object of an animate command; UserError on anything the worker would refuse."""
    if renderer not in RENDERERS:
        raise UserError(f"unknown renderer {renderer!r}: choose one of {', '.join(RENDERERS)}")
    if person and not Path(person).is_file():
        raise UserError(f"person file not found: {person}; fine-tune one or clear the field")
    if compute.device not in DEVICES or compute.precision not in PRECISIONS or compute.batch_size < 1:
        raise UserError(f"bad compute settings {compute}: check the add-on's preferences")
    if frames is not None and not 0 <= frames[0] < frames[1]:
        raise UserError(f"empty frame range {frames[0]}..{frames[1]}: the end must come after the start")
    return {
        "sources": check_sources(sources), "driver": check_driver(driver), "output": check_output(output),
        "renderer": renderer, "person": person or None, "full_frame": bool(full_frame),
        "fps": None if fps is None else float(fps), "frames": None if frames is None else list(frames),
        "retarget": asdict(retarget), "motion_duration": float(motion_duration),
        "motion_intensity": float(motion_intensity), "track_cache": track_cache or None,
        "device": compute.device, "precision": compute.precision, "batch_size": int(compute.batch_size),
        "resume": False,
    }


def check_person_file(path: str) -> str:
    """Where a person file is written: a full path ending in .safetensors, not a folder."""
    if not path or path.startswith("//") or not Path(path).is_absolute():
        raise UserError(f"the person file {path!r} is not a full path: save the blend file first (the default "
                        "is beside it) or choose where the person file goes (Save as)")
    if Path(path).suffix != PERSON_SUFFIX:
        raise UserError(f"a person file ends in {PERSON_SUFFIX}, got {Path(path).name}: change its name")
    if Path(path).is_dir():
        raise UserError(f"the person file {path} is a folder; choose a file name")
    return str(Path(path))


def person_job(*, sources: list[str], output: str, finetune_steps: int, content_loss: str = "auto",
               device: str = "auto") -> dict[str, Any]:
    """The `job` object of a person command (fine-tune and save); UserError on anything the worker would refuse."""
    if finetune_steps < 1:
        raise UserError(f"fine-tuning needs at least 1 step, got {finetune_steps}")
    if content_loss not in CONTENT_LOSSES:
        raise UserError(f"unknown content loss {content_loss!r}: choose one of {', '.join(CONTENT_LOSSES)}")
    if device not in DEVICES:
        raise UserError(f"unknown device {device!r}: check the add-on's preferences")
    return {"inputs": check_sources(sources), "output": check_person_file(output),
            "finetune_steps": int(finetune_steps), "content_loss": content_loss, "device": device}


def training_folder(person: str) -> Path:
    """PERSON.training/ beside the person file (the library's person_model.training_folder)."""
    path = Path(person)
    return path.with_name(path.stem + TRAINING_SUFFIX)


def check_footage(footage: list[str]) -> list[str]:
    if not footage:
        raise UserError("no footage: add video files or image folders of the person to the footage list")
    for path in footage:
        if not Path(path).exists():
            raise UserError(f"footage not found: {path}; choose an existing video file or image folder")
    return [str(Path(path).resolve()) for path in footage]


def check_resume(output: str, resume: bool) -> None:
    """Resume needs a saved run; a new run must not overwrite one (both checked again by the library)."""
    folder = training_folder(output)
    saved = (folder / TRAINING_STATE).is_file()
    if resume and not saved:
        raise UserError(f"nothing to resume: {folder} holds no training run; train without Resume")
    if saved and not resume:
        raise UserError(f"{folder} holds an earlier training run of this person file: Resume continues it; "
                        "to start again delete that folder, or choose another Save as")


def train_person_job(*, footage: list[str], output: str, config: str | None = None, checkpoint: str = "",
                     steps: int | None = None, minutes: float | None = None, span: tuple[int, int | None] = (0, None),
                     content_loss: str = "auto", device: str = "auto", resume: bool = False) -> dict[str, Any]:
    """The `job` object of a train_person command (a person model trained on footage); UserError on
    anything the worker would refuse. `config` None: the checkpoint's, else the device's default."""
    if config is not None and config not in MODEL_SIZES:
        raise UserError(f"unknown model size {config!r}: choose one of {', '.join(MODEL_SIZES)}")
    if checkpoint and not Path(checkpoint).is_file():
        raise UserError(f"meta-learned checkpoint not found: {checkpoint}; choose an existing file or clear the "
                        "field to train from scratch")
    if steps is not None and steps < 1:
        raise UserError(f"training needs at least 1 step, got {steps}")
    if minutes is not None and not 0 < minutes < float("inf"):
        raise UserError(f"the training time must be above 0 minutes, got {minutes:g}")
    first, stop = span
    if first < 0 or (stop is not None and stop <= first):
        raise UserError(f"empty frame range {first}..{stop}: the last frame must come after the first "
                        "(frame numbers of each video, from 0)")
    if content_loss not in CONTENT_LOSSES:
        raise UserError(f"unknown content loss {content_loss!r}: choose one of {', '.join(CONTENT_LOSSES)}")
    if device not in DEVICES:
        raise UserError(f"unknown device {device!r}: check the add-on's preferences")
    inputs, person = check_footage(footage), check_person_file(output)
    check_resume(person, resume)
    return {"inputs": inputs, "output": person, "config": config,
            "checkpoint": str(Path(checkpoint).resolve()) if checkpoint else None, "steps": steps,
            "minutes": None if minutes is None else float(minutes), "span": [int(first), stop],
            "content_loss": content_loss, "device": device, "resume": bool(resume)}
