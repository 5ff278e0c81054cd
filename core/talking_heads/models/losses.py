"""The paper's losses: content (VGG19 + VGG-Face), adversarial with feature matching, hinge for
the discriminator, and the embedding match between W_i and e_i. Weights default to the paper's.

Content losses that need no download: `l1` (pixels), `l1_ssim` and `l1_msssim` (pixels plus one
minus the (multi-scale) structural similarity, from the pytorch-msssim package). `auto` is the
paper's `vgg` when its weight files are installed and `l1_msssim` otherwise (`choose_content_loss`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from talking_heads.errors import InputError, WeightsError
from talking_heads.manifest import find_file, manifest_entry
from talking_heads.options import Options
from talking_heads.models.vgg import VGGFeatures, load_published

CONTENT_LOSSES = ("auto", "vgg", "vgg19", "vggface", "l1", "l1_ssim", "l1_msssim", "none")
NO_DOWNLOAD_LOSS = "l1_msssim"
MAX_SSIM_WINDOW = 11  # pytorch-msssim's default Gaussian window


@dataclass(frozen=True)
class LossConfig(Options):
    """Loss weights (paper values) and the content loss to use."""

    content: str = "vgg"  # vgg (VGG19 + VGG-Face, paper), vgg19, vggface, l1, l1_ssim, l1_msssim, none
    vgg19_weight: float = 1e-2
    vggface_weight: float = 2e-3
    pixel_weight: float = 1.0  # the L1 term of l1, l1_ssim and l1_msssim (not in the paper)
    structure_weight: float = 1.0  # the 1 - (MS-)SSIM term of l1_ssim and l1_msssim (not in the paper)
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


def ssim_window(side: int) -> int:
    """The largest odd Gaussian window (at most 11) that MS-SSIM's four halvings of `side` allow."""
    window = MAX_SSIM_WINDOW
    while window > 3 and side <= (window - 1) * 16:
        window -= 2
    return window


class StructuralLoss(nn.Module):
    """weight * (1 - SSIM) or (1 - MS-SSIM) of the images, computed in float32 (pytorch-msssim)."""

    def __init__(self, weight: float, multiscale: bool):
        super().__init__()
        self.weight, self.multiscale = weight, multiscale

    def forward(self, real: Tensor, fake: Tensor) -> Tensor:
        from pytorch_msssim import ms_ssim, ssim

        real, fake = (real.float() + 1) / 2, (fake.float() + 1) / 2  # (B, 3, S, S) in [0, 1]
        if self.multiscale:
            similarity = ms_ssim(fake, real, data_range=1.0, win_size=ssim_window(min(real.shape[-2:])))
        else:
            similarity = ssim(fake, real, data_range=1.0)
        return self.weight * (1 - similarity)


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
    if name == "auto":
        raise ValueError("resolve 'auto' with choose_content_loss first")
    if name in ("l1", "l1_ssim", "l1_msssim"):
        terms.append(PixelLoss(config.pixel_weight))
    if name in ("l1_ssim", "l1_msssim"):
        terms.append(StructuralLoss(config.structure_weight, multiscale=name == "l1_msssim"))
    return ContentLoss(terms)


def vgg_weights_installed(weights_dirs: list[Path] | None = None) -> bool:
    """Whether both of the paper's content networks can be loaded without a download."""
    try:
        for name in ("vgg19", "vggface"):
            find_file(manifest_entry(name), weights_dirs)
    except WeightsError:
        return False
    return True


def choose_content_loss(name: str, weights_dirs: list[Path] | None = None) -> tuple[str, str]:
    """(the content loss to use, a sentence saying which and why): `auto` is the paper's VGG
    losses when their weight files are installed, the no-download L1 + MS-SSIM otherwise."""
    if name not in CONTENT_LOSSES:
        raise InputError(f"unknown content loss {name!r}; choose one of {', '.join(CONTENT_LOSSES)}")
    if name != "auto":
        return name, f"content loss: {name} (asked for)"
    if vgg_weights_installed(weights_dirs):
        return "vgg", "content loss: vgg (the paper's VGG19 + VGG-Face; their weight files are installed)"
    return NO_DOWNLOAD_LOSS, (f"content loss: {NO_DOWNLOAD_LOSS} (L1 + 1 - MS-SSIM, needs no download; the paper's "
                              "VGG losses need `python install.py --weights`)")


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
