"""Fine-tuning (the paper's FT): a person model trained on that person's few shots only.

G' starts as the meta-learned G with psi' = P e (trainable) in place of the projection, D' as
the meta-learned D with its column w' = w0 + e: here a trainable w' starting at e, to which D's
frozen w0 is added when scoring. Before the first step G' renders exactly the feed-forward person.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch

from talking_heads.devices import resolve_device
from talking_heads.errors import WeightsError
from talking_heads.landmarks import draw_sketches
from talking_heads.models import Discriminator, OptimConfig
from talking_heads.models.losses import LossConfig
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress, raise_if_cancelled
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.neural import (NeuralPerson, NeuralRenderer, fold_spectral_norm, images_to_tensor,
                                            read_meta, split_prefix)
from talking_heads.training.episodes import Episodes
from talking_heads.training.full_model import (DiscriminatorFullModel, GeneratorFullModel, LearnedVector,
                                               PersonIdentity, training_content_loss)
from talking_heads.training.step import AdversarialStep, adam
from talking_heads.weights import load_state


@dataclass(frozen=True)
class FinetuneConfig:
    steps: int = 40  # optimisation steps on the shots
    batch: int = 8  # shots per step (all of them when there are fewer)
    content_loss: str = "auto"  # the paper's vgg when installed, else l1_msssim; see models.losses
    seed: int = 0  # which shots each step uses
    optim: OptimConfig = field(default_factory=OptimConfig)


def shots_to_episodes(shots: list[Shot]) -> Episodes:
    """The shots as targets (no embedder frames): target (K, 3, S, S), target_sketch, video zeros."""
    images = np.stack([shot.image for shot in shots])
    sketches = draw_sketches(np.stack([shot.points for shot in shots]), images.shape[1])
    return Episodes(target=images_to_tensor(images), target_sketch=images_to_tensor(sketches),
                    video=torch.zeros(len(shots), dtype=torch.long))


def meta_discriminator(renderer: NeuralRenderer) -> Discriminator:
    """The meta-learned discriminator of the renderer's checkpoint (with its per-video columns)."""
    tensors, _, model_config = read_meta(renderer.checkpoint)
    weights = split_prefix(tensors, "discriminator")
    if "W.weight" not in weights:
        raise WeightsError(f"{renderer.checkpoint} holds no discriminator; fine-tuning needs the full checkpoint "
                           "that `talking-heads train` writes")
    discriminator = Discriminator(model_config, num_videos=len(weights["W.weight"]))
    return load_state(discriminator, weights, renderer.checkpoint)


class Finetuner:
    """G', psi', D' and w' of one person, trained on its shots."""

    def __init__(self, renderer: NeuralRenderer, shots: list[Shot], config: FinetuneConfig = FinetuneConfig(),
                 device: str = "auto", mixed_precision: bool = True):
        self.renderer, self.config = renderer, config
        self.device = resolve_device(device)
        e, psi = renderer.embed(shots)  # exactly the feed-forward person's
        self.generator = copy.deepcopy(renderer.generator).to(self.device)
        self.discriminator = meta_discriminator(renderer).to(self.device)
        self.discriminator.w0.requires_grad_(False)  # w' = w0 + e: only the e part trains
        self.identity = PersonIdentity(psi).to(self.device)
        self.columns = LearnedVector(e).to(self.device)
        losses = LossConfig(content=config.content_loss)
        content_loss = training_content_loss(losses).to(self.device)
        generator_params = [p for name, p in self.generator.named_parameters() if not name.startswith("projection")]
        discriminator_params = [p for name, p in self.discriminator.named_parameters()
                                if name not in ("W.weight", "w0")]
        self.step = AdversarialStep(
            GeneratorFullModel(self.identity, self.generator, self.discriminator, self.columns, content_loss, losses,
                               embedding_match=False),
            DiscriminatorFullModel(self.discriminator, self.columns, losses, embedding_match=False),
            adam([*generator_params, *self.identity.parameters()], config.optim.lr_generator, config.optim.betas,
                 config.optim.eps),
            adam([*discriminator_params, *self.columns.parameters()], config.optim.lr_discriminator,
                 config.optim.betas, config.optim.eps),
            self.device, mixed_precision)
        self.episodes = shots_to_episodes(shots)
        self.steps_done = 0

    def batch(self, step: int) -> Episodes:
        count = len(self.episodes)
        if count <= self.config.batch:
            return self.episodes
        chosen = torch.from_numpy(np.random.default_rng([self.config.seed, step]).choice(count, self.config.batch,
                                                                                          replace=False))
        return Episodes(self.episodes.target[chosen], self.episodes.target_sketch[chosen], self.episodes.video[chosen])

    def run(self, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled) -> dict[str, float]:
        """All the configured steps; returns the last step's losses."""
        losses: dict[str, float] = {}
        self.generator.train()
        self.discriminator.train()
        while self.steps_done < self.config.steps:
            raise_if_cancelled(cancelled)
            result = self.step(self.batch(self.steps_done).to(self.device))
            losses = {name: value.item() for name, value in result.losses.items()}
            self.steps_done += 1
            progress(self.steps_done, self.config.steps, "fine-tuning")
        return losses

    def person(self, device: str = "auto", precision: str = "auto") -> NeuralPerson:
        """The person as trained so far (before any step: the feed-forward person)."""
        psi = self.identity.psi.value.detach().cpu()
        generator = fold_spectral_norm(self.generator).cpu()
        details = {"stage": "fine-tuned", "finetune_steps": self.steps_done, "shots": len(self.episodes),
                   "meta_checkpoint": self.renderer.checkpoint.name}
        return NeuralPerson(generator, psi, device, precision, details=details)
