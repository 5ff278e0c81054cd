"""The paper's losses: content (VGG19 + VGG-Face), adversarial with feature matching, hinge for
the discriminator, and the embedding match between W_i and e_i. Weights default to the paper's."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from talking_heads.errors import InputError
from talking_heads.options import Options
from talking_heads.models.vgg import VGGFeatures, load_published

CONTENT_LOSSES = ("vgg", "vgg19", "vggface", "l1", "none")


@dataclass(frozen=True)
class LossConfig(Options):
    """Loss weights (paper values) and the content loss to use."""

    content: str = "vgg"  # vgg (VGG19 + VGG-Face, paper), vgg19, vggface, l1 (pixels), none
    vgg19_weight: float = 1e-2
    vggface_weight: float = 2e-3
    pixel_weight: float = 1.0  # only for content="l1" (not in the paper)
    vgg19_layers: tuple[int, ...] = (1, 6, 11, 20, 29)  # relu1_1 .. relu5_1 of torchvision's VGG19
    vggface_layers: tuple[int, ...] = (1, 6, 11, 18, 25)  # relu1_1 .. relu5_1 of VGG16
    adversarial_weight: float = 1.0
    feature_matching_weight: float = 10.0
    embedding_match_weight: float = 80.0


def mean_l1(a: list[Tensor], b: list[Tensor]) -> Tensor:
    """Sum over layers of the mean absolute difference of paired activations."""
    return sum((F.l1_loss(x, y) for x, y in zip(a, b, strict=True)), start=a[0].new_zeros(()))


class PerceptualLoss(nn.Module):
    """weight * sum over the taps of mean |phi(real) - phi(fake)| for one frozen network."""

    def __init__(self, network: VGGFeatures, weight: float):
        super().__init__()
        self.network, self.weight = network, weight

    def forward(self, real: Tensor, fake: Tensor) -> Tensor:
        with torch.no_grad():
            targets = self.network(real)
        return self.weight * mean_l1(self.network(fake), targets)


class PixelLoss(nn.Module):
    """weight * mean |real - fake| on the images themselves."""

    def __init__(self, weight: float):
        super().__init__()
        self.weight = weight

    def forward(self, real: Tensor, fake: Tensor) -> Tensor:
        return self.weight * F.l1_loss(fake, real)


class ContentLoss(nn.Module):
    """The sum of its terms, each called as term(real, fake) on images in [-1, 1]; no terms: 0."""

    def __init__(self, terms: list[nn.Module]):
        super().__init__()
        self.terms = nn.ModuleList(terms)

    def forward(self, real: Tensor, fake: Tensor) -> Tensor:
        return sum((term(real, fake) for term in self.terms), start=fake.new_zeros(()))


def content_loss_by_name(name: str, config: LossConfig = LossConfig(),
                         weights_dirs: list[Path] | None = None) -> ContentLoss:
    """The content loss `name` (see CONTENT_LOSSES). The VGG ones need their published weight
    files and raise WeightsError (naming the file, its URL and `install.py --weights`) without them."""
    if name not in CONTENT_LOSSES:
        raise InputError(f"unknown content loss {name!r}; choose one of {', '.join(CONTENT_LOSSES)}")
    terms: list[nn.Module] = []
    if name in ("vgg", "vgg19"):
        terms.append(PerceptualLoss(load_published("vgg19", config.vgg19_layers, weights_dirs), config.vgg19_weight))
    if name in ("vgg", "vggface"):
        terms.append(PerceptualLoss(load_published("vggface", config.vggface_layers, weights_dirs),
                                    config.vggface_weight))
    if name == "l1":
        terms.append(PixelLoss(config.pixel_weight))
    return ContentLoss(terms)


def generator_adversarial_loss(fake_score: Tensor) -> Tensor:
    """The generator's realism term: -D(x_hat), averaged over the batch."""
    return -fake_score.mean()


def feature_matching_loss(real_activations: list[Tensor], fake_activations: list[Tensor]) -> Tensor:
    """Sum over D's layers of mean |D_l(x) - D_l(x_hat)|; the real side is a fixed target."""
    return mean_l1(fake_activations, [a.detach() for a in real_activations])


def discriminator_hinge_loss(real_score: Tensor, fake_score: Tensor) -> Tensor:
    """mean(max(0, 1 - D(x))) + mean(max(0, 1 + D(x_hat)))."""
    return F.relu(1 - real_score).mean() + F.relu(1 + fake_score).mean()


def embedding_match_loss(W_i: Tensor, e_i: Tensor, config: LossConfig = LossConfig()) -> Tensor:
    """weight * ||W_i - e_i||_1 (summed over the E dimensions), averaged over the batch (paper: 80)."""
    return config.embedding_match_weight * (W_i - e_i).abs().sum(dim=-1).mean()
