"""The embedder E: frames with their landmark sketches -> one identity vector per person."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from talking_heads.models.blocks import DownsamplingBody, sum_pool_relu
from talking_heads.models.config import ModelConfig


class Embedder(nn.Module):
    """E(x, y): residual downsampling body over the 6-channel (frame, sketch) stack, no
    normalisation, self-attention at 32x32, global sum pooling and ReLU -> an E-vector per frame.
    A person's embedding e is the mean over its K frames."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.body = DownsamplingBody(config, in_channels=6, out_channels=config.embedding_dim,
                                     attention_resolution=config.attention_resolutions.embedder)

    def embed_frames(self, images: Tensor, sketches: Tensor) -> Tensor:
        """images, sketches (N, 3, S, S) in [-1, 1] -> per-frame embeddings (N, E)."""
        features, _ = self.body(torch.cat([images, sketches], dim=1))  # (N, E, 4, 4)
        return sum_pool_relu(features)

    def forward(self, images: Tensor, sketches: Tensor) -> Tensor:
        """images, sketches (B, K, 3, S, S) in [-1, 1] -> e (B, E), the mean over the K frames."""
        b, k = images.shape[:2]
        per_frame = self.embed_frames(images.flatten(0, 1), sketches.flatten(0, 1))  # (B*K, E)
        return per_frame.view(b, k, -1).mean(dim=1)
