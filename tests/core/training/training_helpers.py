"""Settings shared by the training tests: the tiny dataset and tiny runs."""
from __future__ import annotations

from talking_heads.models import OptimConfig
from talking_heads.training.config import TrainConfig

CLIPS = ("d0.mp4", "d11.mp4", "d12.mp4")  # three people
FRAMES = 12
RESOLUTION = 64  # ModelConfig.tiny()


def tiny_train_config(**overrides) -> TrainConfig:
    """A few steps of a tiny run: pixel L1 as the content loss (no weight files), no loader processes."""
    settings = dict(steps=4, batch=2, k=2, content_loss="l1", checkpoint_every=2, log_every=1, workers=0)
    return TrainConfig(**{**settings, **overrides})


def fast_optim() -> OptimConfig:
    """10x the paper's learning rates: a tiny model learns visibly within a hundred steps."""
    base = OptimConfig()
    return OptimConfig(lr_generator=10 * base.lr_generator, lr_discriminator=10 * base.lr_discriminator)
