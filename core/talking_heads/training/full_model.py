"""Networks wrapped with their losses ("full models"), so a training step is two calls.

The same two full models serve meta-learning and fine-tuning; what differs is where a sample's
psi and discriminator column w come from:

    meta-learning:  psi = P E(frames, sketches), w = W_i           (EmbedderIdentity, VideoColumns)
    fine-tuning:    psi = psi' and w = w', both trainable vectors   (PersonIdentity, LearnedVector)

Each full model's forward returns its losses (weighted, summed for backward) and diagnostics.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from talking_heads.models import Discriminator, Embedder, Generator
from talking_heads.errors import WeightsError
from talking_heads.models.losses import (CONTENT_LOSSES, LossConfig, choose_content_loss, content_loss_by_name, discriminator_hinge_loss,
                                         embedding_match_loss, feature_matching_loss, generator_adversarial_loss)
from talking_heads.training.episodes import Episodes


def training_content_loss(losses: LossConfig) -> nn.Module:
    """The content loss `losses.content` (`auto` resolved by `choose_content_loss`); without its
    weight files, an error that also names the weight-free choices (an explicitly named loss never
    silently falls back to another)."""
    name, _ = choose_content_loss(losses.content)
    try:
        return content_loss_by_name(name, losses)
    except WeightsError as error:
        others = ", ".join(name for name in CONTENT_LOSSES if not name.startswith("vgg") and name != "auto")
        raise WeightsError(f"{error}\nThe content loss {losses.content!r} needs it. To train without it, choose "
                           f"another content loss explicitly: --content-loss {others.replace(', ', ' or ')} "
                           "(not the paper's).") from None


class EmbedderIdentity(nn.Module):
    """psi = P e with e = E(frames, sketches), the mean over the episode's K frames."""

    def __init__(self, embedder: Embedder, generator: Generator):
        super().__init__()
        self.embedder, self.generator = embedder, generator

    def forward(self, batch: Episodes) -> tuple[Tensor, Tensor | None]:
        e = self.embedder(batch.frames, batch.frame_sketches)  # (B, E)
        return self.generator.project(e), e  # (B, P), (B, E)


class VideoColumns(nn.Module):
    """w = W_i, the discriminator's column of each sample's training video."""

    def __init__(self, discriminator: Discriminator):
        super().__init__()
        self.discriminator = discriminator

    def forward(self, batch: Episodes) -> Tensor:
        return self.discriminator.W(batch.video)  # (B, E)


class LearnedVector(nn.Module):
    """One trainable vector shared by every sample (fine-tuning's psi' or w')."""

    def __init__(self, initial: Tensor):
        super().__init__()
        self.value = nn.Parameter(initial.detach().clone())  # (N,)

    def forward(self, batch: Episodes) -> Tensor:
        return self.value.expand(len(batch), -1)  # (B, N)


class PersonIdentity(nn.Module):
    """psi' (fine-tuning): a trainable vector, no embedder and so no embedding to match."""

    def __init__(self, psi: Tensor):
        super().__init__()
        self.psi = LearnedVector(psi)

    def forward(self, batch: Episodes) -> tuple[Tensor, None]:
        return self.psi(batch), None


class GeneratorFullModel(nn.Module):
    """The embedder's and generator's objective: content + adversarial (-D + feature matching)
    + embedding match (FT variant: pulls e_i towards W_i, which is held fixed here)."""

    def __init__(self, identity: nn.Module, generator: Generator, discriminator: Discriminator, columns: nn.Module,
                 content_loss: nn.Module, losses: LossConfig, embedding_match: bool):
        super().__init__()
        self.identity, self.generator, self.discriminator, self.columns = identity, generator, discriminator, columns
        self.content_loss, self.losses, self.embedding_match = content_loss, losses, embedding_match

    def forward(self, batch: Episodes) -> tuple[dict[str, Tensor], Tensor, Tensor | None]:
        """-> (weighted losses, generated images (B, 3, S, S), embeddings (B, E) or None)."""
        psi, e = self.identity(batch)
        generated = self.generator(batch.target_sketch, psi)  # (B, 3, S, S)
        V, fake_activations = self.discriminator.features(generated, batch.target_sketch)
        with torch.no_grad():
            _, real_activations = self.discriminator.features(batch.target, batch.target_sketch)
        w = self.columns(batch)  # (B, E)
        config = self.losses
        losses = {
            "content": self.content_loss(batch.target, generated),
            "adversarial": config.adversarial_weight
            * generator_adversarial_loss(self.discriminator.score(V, w)),
            "feature_matching": config.feature_matching_weight
            * feature_matching_loss(real_activations, fake_activations),
        }
        if self.embedding_match and e is not None:
            losses["embedding_match"] = embedding_match_loss(w.detach(), e, config)
        return losses, generated, e


class DiscriminatorFullModel(nn.Module):
    """The discriminator's objective: hinge on real and generated frames, plus (FT variant) the
    embedding match that pulls W_i towards the embedder's e_i (held fixed here)."""

    def __init__(self, discriminator: Discriminator, columns: nn.Module, losses: LossConfig, embedding_match: bool):
        super().__init__()
        self.discriminator, self.columns = discriminator, columns
        self.losses, self.embedding_match = losses, embedding_match

    def forward(self, batch: Episodes, generated: Tensor,
                e: Tensor | None) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """-> (weighted losses, diagnostics: mean scores of real and generated frames)."""
        images = torch.cat([batch.target, generated.detach()])  # (2B, 3, S, S)
        V, _ = self.discriminator.features(images, torch.cat([batch.target_sketch, batch.target_sketch]))
        w = self.columns(batch)  # (B, E)
        real_score, fake_score = self.discriminator.score(V, torch.cat([w, w])).chunk(2)  # (B,) each
        losses = {"hinge": discriminator_hinge_loss(real_score, fake_score)}
        if self.embedding_match and e is not None:
            losses["embedding_match_d"] = embedding_match_loss(w, e.detach(), self.losses)
        return losses, {"score_real": real_score.detach().mean(), "score_fake": fake_score.detach().mean()}
