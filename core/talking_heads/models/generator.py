"""The generator G: a target landmark sketch and a person's psi = P e -> a frame of that person."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from talking_heads.models.blocks import (AdaptiveInstanceNorm, OutputHead, ResBlock, ResBlockDown, ResBlockUp,
                                         SelfAttention, linear)
from talking_heads.models.config import ModelConfig
from talking_heads.models.inference import CPU_MICRO_BATCH, InferenceGenerator


def generator_layers(config: ModelConfig) -> list[nn.Module]:
    """The generator's layers in forward order (paper at 256: 256 -> 16x16x512 -> 256).

    Downsampling residual blocks with instance norm, self-attention at 32x32, residual AdaIN
    blocks at the bottleneck, upsampling AdaIN blocks, self-attention at 64x64, the output head.
    """
    sn, attention = config.spectral_norm, config.attention_resolutions
    levels = config.generator_levels
    layers: list[nn.Module] = []
    channels, side = 3, config.resolution
    for level in range(1, levels + 1):
        out = config.channels(level)
        layers.append(ResBlockDown(channels, out, "instance", sn, preactivate=level > 1))
        channels, side = out, side // 2
        if side == attention.generator_down:
            layers.append(SelfAttention(channels, sn))
    layers += [ResBlock(channels, "adaptive", sn) for _ in range(config.bottleneck_blocks)]
    for level in range(levels - 1, -1, -1):
        out = config.channels(level)
        layers.append(ResBlockUp(channels, out, "adaptive", sn))
        channels, side = out, side * 2
        if side == attention.generator_up:
            layers.append(SelfAttention(channels, sn))
    layers.append(OutputHead(channels, sn))
    return layers


class Generator(nn.Module):
    """G(y, psi): image-to-image on the target sketch y; every AdaIN's scale and bias is a slice
    of psi = P e, with P one learned (spectrally normalised) projection of the embedding."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.layers = nn.ModuleList(generator_layers(config))
        self.num_adain_params = self._assign_adain_slices()
        self.projection = linear(config.embedding_dim, self.num_adain_params, config.spectral_norm, bias=False)

    def adain_layers(self) -> list[AdaptiveInstanceNorm]:
        """The AdaIN layers in forward order; layer i reads psi[:, offset_i : offset_i + 2 C_i]."""
        return [m for m in self.layers.modules() if isinstance(m, AdaptiveInstanceNorm)]

    def _assign_adain_slices(self) -> int:
        offset = 0
        for layer in self.adain_layers():
            layer.offset = offset
            offset += layer.num_params
        return offset

    def project(self, e: Tensor) -> Tensor:
        """e (B, E) -> psi (B, P): every AdaIN layer's scales and biases."""
        return self.projection(e)

    def forward(self, sketch: Tensor, psi: Tensor) -> Tensor:
        """sketch (B, 3, S, S) in [-1, 1], psi (B, P) or (1, P) -> image (B, 3, S, S) in [-1, 1]."""
        if psi.shape[-1] != self.num_adain_params:
            raise ValueError(f"psi has {psi.shape[-1]} values, the generator needs {self.num_adain_params}")
        h = sketch
        for layer in self.layers:
            h = layer(h, psi)
        return h

    def inference_copy(self, dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu",
                       micro_batch: int | None = None) -> InferenceGenerator:
        """A frozen copy for rendering: spectral norm folded into the weights, fused layers,
        channels_last; float32, bfloat16 (CPU) or float16 (CUDA). `micro_batch` frames at a time
        go through the high-resolution layers (default: 1 on the CPU, the whole batch elsewhere).
        This module is left unchanged."""
        device = torch.device(device)
        if micro_batch is None and device.type == "cpu":
            micro_batch = CPU_MICRO_BATCH
        was_training = self.training
        self.eval()  # read W / sigma without running a power iteration
        try:
            with torch.no_grad():
                return InferenceGenerator(self, dtype, device, micro_batch)
        finally:
            self.train(was_training)
