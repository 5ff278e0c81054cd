"""Settings of a meta-learning run (paper values where the paper gives them)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from talking_heads.errors import InputError
from talking_heads.models import ModelConfig, OptimConfig
from talking_heads.models.config import PRESETS
from talking_heads.models.losses import CONTENT_LOSSES, LossConfig
from talking_heads.options import Options, check, flags, option

VARIANTS = ("ff", "ft")
MODEL_PRESETS = PRESETS
# Settings that may change when a run is resumed; all others are fixed by the run's start.
RESUMABLE_CHANGES = ("steps", "checkpoint_every", "log_every", "keep_checkpoints", "workers")


@dataclass(frozen=True)
class TrainConfig(Options):
    """The settings of a meta-learning run (the `train` command's flags, the run's config.json)."""

    variant: str = option("ft", choices=VARIANTS, help="ff: no embedding-match loss (the paper's feed-forward "
                                                       "model); ft: with it, for fine-tuning")
    steps: int = option(100_000, at_least=1, at_most=10_000_000,
                        help="total optimisation steps (each: one E+G update and one D update)")
    batch: int = option(8, at_least=1, at_most=4096, help="episodes per step over all processes")
    k: int = option(8, at_least=1, at_most=1024, help="frames per episode for the embedder (paper: K = 8)")
    content_loss: str = option("vgg", choices=CONTENT_LOSSES,
                               help="vgg (VGG19 + VGG-Face, paper, needs their weight files: python install.py "
                                    "--weights), vgg19, vggface, l1 (pixels), l1_ssim, l1_msssim (pixels and "
                                    "structure, no weights), auto (vgg when installed, else l1_msssim) or none")
    checkpoint_every: int = option(1000, at_least=1, help="steps between checkpoints and sample grids")
    log_every: int = option(10, at_least=1, help="steps between lines of log.jsonl")
    keep_checkpoints: int = option(3, at_least=1, cli=False, help="checkpoints kept; older ones are deleted")
    seed: int = option(0, at_least=0, help="network initialisation and episode order")
    workers: int = option(2, at_least=0, at_most=256,
                          help="data-loading processes per training process (0: load in the training process)")
    optim: OptimConfig = option(default_factory=OptimConfig, flatten=True, help="Adam's settings")

    def __post_init__(self) -> None:
        check(self)

    @property
    def embedding_match(self) -> bool:
        return self.variant == "ft"

    @property
    def losses(self) -> LossConfig:
        """The loss configuration of the run (weights: the paper's)."""
        return LossConfig(content=self.content_loss)

    def resumed_as(self, resumed: TrainConfig) -> TrainConfig:
        """`resumed`, the settings of this (saved) run with a resumed run's flags, when it changes only
        what a resumed run may change (RESUMABLE_CHANGES)."""
        kept = [(flag.name, reduce(getattr, flag.path, self), reduce(getattr, flag.path, resumed))
                for flag in flags(TrainConfig) if flag.path[0] not in RESUMABLE_CHANGES]
        listing = [f"--{name} {new} (the run has {old})" for name, old, new in kept if new != old]
        if listing:
            raise InputError(f"a resumed run keeps its settings; these differ: {', '.join(listing)}. "
                             f"Resume without them, or start a new run in another folder")
        return resumed


def model_preset(name: str) -> ModelConfig:
    if name not in MODEL_PRESETS:
        raise InputError(f"unknown model config {name!r}: use {', '.join(MODEL_PRESETS)}")
    return MODEL_PRESETS[name]()
