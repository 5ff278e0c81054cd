"""Checkpoints of a run: one folder per saved step, complete or absent.

    RUN_DIR/checkpoints/step_NNNNNNNN/
      model.safetensors + model.json   the networks (kind "meta"): embedder.*, generator.*, discriminator.*
      state.safetensors + state.json   optimisers, gradient scalers, random states, step, data position

A checkpoint is written as `.step_NNNNNNNN.partial/` and renamed when both files are in place,
so a crash never leaves a half-written checkpoint that resuming would trust.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from torch import Tensor

from talking_heads.errors import WeightsError
from talking_heads.synthesis.neural import META_KIND
from talking_heads.weights import load_checkpoint, save_checkpoint

CHECKPOINTS = "checkpoints"
MODEL = "model"
STATE = "state"
STATE_KIND = "training-state"
_STEP_RE = re.compile(r"^step_(\d{8})$")


@dataclass
class Checkpoint:
    folder: Path
    model: dict[str, Tensor]
    model_config: dict
    state: dict[str, Tensor]
    state_config: dict


def step_folder(run_dir: Path, step: int) -> Path:
    return run_dir / CHECKPOINTS / f"step_{step:08d}"


def saved_steps(run_dir: Path) -> list[int]:
    """Steps of the complete checkpoints of a run, in order."""
    folder = run_dir / CHECKPOINTS
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for entry in folder.iterdir() if (m := _STEP_RE.match(entry.name)))


def save(run_dir: Path, step: int, model: tuple[dict[str, Tensor], dict], state: tuple[dict[str, Tensor], dict],
         keep: int) -> Path:
    """Write the checkpoint of `step` (model and state: tensors and JSON config); keep the last `keep`."""
    final = step_folder(run_dir, step)
    partial = final.with_name(f".{final.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    save_checkpoint(partial / MODEL, model[0], {"kind": META_KIND, **model[1]})
    save_checkpoint(partial / STATE, state[0], {"kind": STATE_KIND, **state[1]})
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    for old in saved_steps(run_dir)[:-keep]:
        shutil.rmtree(step_folder(run_dir, old), ignore_errors=True)
    return final


def load(folder: Path, architecture: dict) -> Checkpoint:
    """Read a checkpoint folder; a clear WeightsError when it is corrupt or of another architecture."""
    model, model_config = load_checkpoint(folder / MODEL, kind=META_KIND, architecture=architecture)
    state, state_config = load_checkpoint(folder / STATE, kind=STATE_KIND, architecture=architecture)
    return Checkpoint(folder, model, model_config, state, state_config)


def latest(run_dir: Path) -> Path:
    steps = saved_steps(run_dir)
    if not steps:
        raise WeightsError(f"{run_dir} holds no checkpoint to resume from; start the run without --resume")
    return step_folder(run_dir, steps[-1])


def with_prefix(tensors: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    return {f"{prefix}.{key}": value for key, value in tensors.items()}
