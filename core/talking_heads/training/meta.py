"""Meta-learning (the paper's stage 1): E, G and D trained on episodes of many videos.

Adam with lr 5e-5 for E and G (and P), 2e-4 for D, betas (0, 0.999). The FT variant adds the
embedding-match loss so that W_i and e_i become interchangeable, which fine-tuning relies on.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from talking_heads.models import Discriminator, Embedder, Generator, ModelConfig
from talking_heads.synthesis.neural import META_KIND, split_prefix
from talking_heads.training import checkpoints, distributed
from talking_heads.training.config import TrainConfig
from talking_heads.training.distributed import Processes
from talking_heads.training.episodes import Episodes
from talking_heads.training.full_model import (DiscriminatorFullModel, EmbedderIdentity, GeneratorFullModel,
                                               VideoColumns, training_content_loss)
from talking_heads.training.state import Tensors
from talking_heads.training.step import AdversarialStep, StepResult, adam
from talking_heads.weights import load_state, save_checkpoint

NETWORKS = ("embedder", "generator", "discriminator")


@dataclass
class Networks:
    embedder: Embedder
    generator: Generator
    discriminator: Discriminator

    @classmethod
    def build(cls, config: ModelConfig, num_videos: int, seed: int) -> Networks:
        torch.manual_seed(seed)
        return cls(Embedder(config), Generator(config), Discriminator(config, num_videos))

    def to(self, device: torch.device) -> Networks:
        for name in NETWORKS:
            getattr(self, name).to(device)
        return self

    def tensors(self) -> Tensors:
        """Every network's state (weights and spectral-norm vectors) under its name."""
        return {key: value for name in NETWORKS
                for key, value in checkpoints.with_prefix(getattr(self, name).state_dict(), name).items()}

    def save(self, path: Path, **details: object) -> Path:
        """A meta-learned checkpoint (kind "meta"): what `talking-heads person` and the renderer read."""
        config = {"kind": META_KIND, "architecture": self.embedder.config.to_dict(), **details}
        return save_checkpoint(path, self.tensors(), config)

    def load(self, tensors: Tensors, source: str) -> None:
        for name in NETWORKS:
            load_state(getattr(self, name), split_prefix(tensors, name), source)


class MetaLearner:
    """The networks, their full models (DDP-wrapped when distributed) and the optimisation step."""

    def __init__(self, model_config: ModelConfig, config: TrainConfig, num_videos: int, processes: Processes,
                 mixed_precision: bool = True):
        device = processes.device
        self.networks = Networks.build(model_config, num_videos, config.seed).to(device)
        embedder, generator, discriminator = (getattr(self.networks, name) for name in NETWORKS)
        losses = config.losses
        content_loss = training_content_loss(losses).to(device)
        columns = VideoColumns(discriminator)
        generator_model = GeneratorFullModel(EmbedderIdentity(embedder, generator), generator, discriminator, columns,
                                             content_loss, losses, config.embedding_match)
        discriminator_model = DiscriminatorFullModel(discriminator, columns, losses, config.embedding_match)
        optim = config.optim
        self.step = AdversarialStep(
            distributed.wrap(generator_model, processes), distributed.wrap(discriminator_model, processes),
            adam([*embedder.parameters(), *generator.parameters()], optim.lr_generator, optim.betas, optim.eps),
            adam(list(discriminator.parameters()), optim.lr_discriminator, optim.betas, optim.eps),
            device, mixed_precision)

    def train_step(self, batch: Episodes) -> StepResult:
        for name in NETWORKS:
            getattr(self.networks, name).train()
        return self.step(batch.to(self.step.device))
