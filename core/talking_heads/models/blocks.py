"""Building blocks of the paper's networks: residual blocks, normalisations, self-attention.

Every block is called as `block(x, psi)`; `psi` (B, P) holds the generator's AdaIN scales and
biases and is ignored by blocks without adaptive normalisation. Every convolution and linear
layer is spectrally normalised when the model's config asks for it (the paper does).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from talking_heads.models.config import ModelConfig

INSTANCE_NORM_EPS = 1e-5


def maybe_spectral(module: nn.Module, enabled: bool) -> nn.Module:
    """Spectral normalisation of `module.weight` (one power iteration per training step)."""
    return spectral_norm(module) if enabled else module


def conv(in_channels: int, out_channels: int, kernel: int, sn: bool) -> nn.Module:
    """A same-padded convolution, spectrally normalised when `sn`."""
    return maybe_spectral(nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2), sn)


def linear(in_features: int, out_features: int, sn: bool, bias: bool = True) -> nn.Module:
    return maybe_spectral(nn.Linear(in_features, out_features, bias=bias), sn)


class Identity(nn.Module):
    """No normalisation (embedder and discriminator)."""

    def forward(self, x: Tensor, psi: Tensor | None = None) -> Tensor:
        return x


class InstanceNorm(nn.Module):
    """Instance normalisation with a learned per-channel affine (generator downsampling path)."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=True, eps=INSTANCE_NORM_EPS)

    def forward(self, x: Tensor, psi: Tensor | None = None) -> Tensor:
        return self.norm(x)


class AdaptiveInstanceNorm(nn.Module):
    """Instance norm whose scale and bias are not parameters but a slice of psi = P e.

    The slice is psi[:, offset : offset + C] (scales) followed by psi[:, offset + C : offset + 2C]
    (biases); the generator assigns `offset` so that the layers tile psi in forward order.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels
        self.offset = 0

    @property
    def num_params(self) -> int:
        return 2 * self.channels

    def scale_and_bias(self, psi: Tensor) -> tuple[Tensor, Tensor]:
        """psi (B, P) -> scale, bias (B, C) of this layer."""
        start, c = self.offset, self.channels
        return psi[:, start:start + c], psi[:, start + c:start + 2 * c]

    def forward(self, x: Tensor, psi: Tensor | None = None) -> Tensor:
        if psi is None:
            raise ValueError("adaptive instance norm needs psi = P e")
        scale, bias = self.scale_and_bias(psi)  # (B, C) each
        normalised = F.instance_norm(x, eps=INSTANCE_NORM_EPS)  # (B, C, H, W)
        return torch.addcmul(bias[:, :, None, None], normalised, scale[:, :, None, None])


NORMS = {"none": Identity, "instance": InstanceNorm, "adaptive": AdaptiveInstanceNorm}


def make_norm(kind: str, channels: int) -> nn.Module:
    return Identity() if kind == "none" else NORMS[kind](channels)


class ResBlockDown(nn.Module):
    """Residual block that halves the resolution (BigGAN discriminator style).

    main: [norm, ReLU] -> conv3x3 -> norm -> ReLU -> conv3x3 -> avgpool2
    skip: avgpool2 -> conv1x1 (equal to conv1x1 -> avgpool2, at a quarter of the cost)
    The first block of a network skips the leading norm and ReLU (`preactivate=False`).
    """

    def __init__(self, in_channels: int, out_channels: int, norm: str, sn: bool, preactivate: bool = True):
        super().__init__()
        self.preactivate = preactivate
        self.norm1 = make_norm(norm, in_channels) if preactivate else Identity()
        self.conv1 = conv(in_channels, out_channels, 3, sn)
        self.norm2 = make_norm(norm, out_channels)
        self.conv2 = conv(out_channels, out_channels, 3, sn)
        self.skip = conv(in_channels, out_channels, 1, sn)

    def forward(self, x: Tensor, psi: Tensor | None = None) -> Tensor:
        h = F.relu(self.norm1(x, psi)) if self.preactivate else x  # (B, Cin, H, W)
        h = self.conv2(F.relu(self.norm2(self.conv1(h), psi)))  # (B, Cout, H, W)
        return F.avg_pool2d(h, 2) + self.skip(F.avg_pool2d(x, 2))  # (B, Cout, H/2, W/2)


class ResBlockUp(nn.Module):
    """Residual block that doubles the resolution (nearest upsampling).

    main: norm -> ReLU -> upsample2 -> conv3x3 -> norm -> ReLU -> conv3x3
    skip: conv1x1 -> upsample2 (equal to upsample2 -> conv1x1, at a quarter of the cost)
    """

    def __init__(self, in_channels: int, out_channels: int, norm: str, sn: bool):
        super().__init__()
        self.norm1 = make_norm(norm, in_channels)
        self.conv1 = conv(in_channels, out_channels, 3, sn)
        self.norm2 = make_norm(norm, out_channels)
        self.conv2 = conv(out_channels, out_channels, 3, sn)
        self.skip = conv(in_channels, out_channels, 1, sn)

    def forward(self, x: Tensor, psi: Tensor | None = None) -> Tensor:
        h = F.interpolate(F.relu(self.norm1(x, psi)), scale_factor=2.0, mode="nearest")  # (B, Cin, 2H, 2W)
        h = self.conv2(F.relu(self.norm2(self.conv1(h), psi)))  # (B, Cout, 2H, 2W)
        return h + F.interpolate(self.skip(x), scale_factor=2.0, mode="nearest")


class ResBlock(nn.Module):
    """Residual block at constant resolution and width: x + conv(ReLU(norm(conv(ReLU(norm(x))))))."""

    def __init__(self, channels: int, norm: str, sn: bool):
        super().__init__()
        self.norm1 = make_norm(norm, channels)
        self.conv1 = conv(channels, channels, 3, sn)
        self.norm2 = make_norm(norm, channels)
        self.conv2 = conv(channels, channels, 3, sn)

    def forward(self, x: Tensor, psi: Tensor | None = None) -> Tensor:
        h = self.conv1(F.relu(self.norm1(x, psi)))
        return x + self.conv2(F.relu(self.norm2(h, psi)))


class SelfAttention(nn.Module):
    """SAGAN self-attention: x + gamma * out(softmax(q k^T) v), gamma starting at 0.

    Queries and keys have C/8 channels, values C/2 (as in BigGAN); no 1/sqrt(d) scaling (SAGAN).
    """

    def __init__(self, channels: int, sn: bool):
        super().__init__()
        self.key_channels = max(channels // 8, 1)
        self.value_channels = max(channels // 2, 1)
        self.query = conv(channels, self.key_channels, 1, sn)
        self.key = conv(channels, self.key_channels, 1, sn)
        self.value = conv(channels, self.value_channels, 1, sn)
        self.out = conv(self.value_channels, channels, 1, sn)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: Tensor, psi: Tensor | None = None) -> Tensor:
        b, _, h, w = x.shape

        def tokens(t: Tensor) -> Tensor:  # (B, C', H, W) -> (B, 1, H*W, C')
            return t.flatten(2).transpose(1, 2).unsqueeze(1)

        attended = F.scaled_dot_product_attention(
            tokens(self.query(x)), tokens(self.key(x)), tokens(self.value(x)), scale=1.0)  # (B, 1, N, Cv)
        attended = attended.squeeze(1).transpose(1, 2).reshape(b, self.value_channels, h, w)
        return x + self.gamma * self.out(attended)


class OutputHead(nn.Module):
    """The generator's last layer: AdaIN -> ReLU -> conv3x3 to RGB -> tanh."""

    def __init__(self, channels: int, sn: bool):
        super().__init__()
        self.norm = AdaptiveInstanceNorm(channels)
        self.conv = conv(channels, 3, 3, sn)

    def forward(self, x: Tensor, psi: Tensor | None = None) -> Tensor:
        return torch.tanh(self.conv(F.relu(self.norm(x, psi))))


class DownsamplingBody(nn.Module):
    """The embedder's and discriminator's body: residual downsampling blocks from S to 4x4.

    Channels grow base -> max (64 -> 512 in the paper), the last block outputs `out_channels`;
    self-attention follows the block whose output side is `attention_resolution`; the
    discriminator adds a residual block at 4x4 (`extra_block`). No normalisation.
    """

    def __init__(self, config: ModelConfig, in_channels: int, out_channels: int, attention_resolution: int,
                 extra_block: bool = False):
        super().__init__()
        sn = config.spectral_norm
        layers: list[nn.Module] = []
        channels, side = in_channels, config.resolution
        for level in range(1, config.body_levels + 1):
            out = out_channels if level == config.body_levels else config.channels(level)
            layers.append(ResBlockDown(channels, out, "none", sn, preactivate=level > 1))
            channels, side = out, side // 2
            if side == attention_resolution:
                layers.append(SelfAttention(channels, sn))
        if extra_block:
            layers.append(ResBlock(channels, "none", sn))
        self.layers = nn.ModuleList(layers)

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """x (B, Cin, S, S) -> (features (B, Cout, 4, 4), the output of every layer)."""
        activations = []
        for layer in self.layers:
            x = layer(x)
            activations.append(x)
        return x, activations


def sum_pool_relu(features: Tensor) -> Tensor:
    """Global sum pooling over space followed by ReLU: (B, C, H, W) -> (B, C)."""
    return F.relu(features.sum(dim=(2, 3)))
