"""Settings of a meta-learning run (paper values where the paper gives them)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from talking_heads.errors import InputError
from talking_heads.models import ModelConfig, OptimConfig
from talking_heads.models.config import PRESETS
from talking_heads.models.losses import LossConfig
from talking_heads.options import Options

VARIANTS = ("ff", "ft")
MODEL_PRESETS = PRESETS
# Settings that may change when a run is resumed; all others are fixed by the run's start.
RESUMABLE_CHANGES = ("steps", "checkpoint_every", "log_every", "keep_checkpoints", "workers")


@dataclass(frozen=True)
class TrainConfig(Options):
    variant: str = "ft"  # "ff": feed-forward, no embedding-match loss; "ft": with it, for fine-tuning
    steps: int = 100_000  # optimisation steps (each: one E+G update and one D update)
    batch: int = 8  # episodes per step, over all processes together
    k: int = 8  # frames per episode for the embedder (paper: K = 8)
    content_loss: str = "vgg"  # VGG19 + VGGFace (paper); other names: see models.losses
    checkpoint_every: int = 1000  # steps between checkpoints (and sample grids)
    log_every: int = 10  # steps between lines of log.jsonl
    keep_checkpoints: int = 3  # older checkpoints are deleted
    seed: int = 0  # network initialisation and episode order
    workers: int = 2  # data-loading processes per training process (0: load in the training process)
    optim: OptimConfig = field(default_factory=OptimConfig)

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise InputError(f"unknown variant {self.variant!r}: use ff or ft")
        for name in ("steps", "batch", "k", "checkpoint_every", "log_every", "keep_checkpoints"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}")

    @property
    def embedding_match(self) -> bool:
        return self.variant == "ft"

    @property
    def losses(self) -> LossConfig:
        """The loss configuration of the run (weights: the paper's)."""
        return LossConfig(content=self.content_loss)

    def resumed_with(self, overrides: dict) -> TrainConfig:
        """This (saved) config with a resumed run's options: only some may change."""
        fixed = {key: value for key, value in overrides.items()
                 if key not in RESUMABLE_CHANGES and value != getattr(self, key)}
        if fixed:
            listing = ", ".join(f"{key}={value!r} (the run has {getattr(self, key)!r})" for key, value in fixed.items())
            raise InputError(f"a resumed run keeps its settings; these differ: {listing}. "
                             f"Resume without them, or start a new run in another folder")
        return replace(self, **overrides)


def model_preset(name: str) -> ModelConfig:
    if name not in MODEL_PRESETS:
        raise InputError(f"unknown model config {name!r}: use {', '.join(MODEL_PRESETS)}")
    return MODEL_PRESETS[name]()
