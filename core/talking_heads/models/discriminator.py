"""The projection discriminator D: realism of a frame given its sketch and its training video."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from talking_heads.models.blocks import DownsamplingBody, sum_pool_relu
from talking_heads.models.config import ModelConfig

INIT_STD = 0.02  # initial spread of the per-video columns W_i and of w0


class Discriminator(nn.Module):
    """D(x, y, i): the embedder's kind of residual downsampling body over (image, sketch) plus a
    residual block at 4x4, sum-pooled (and ReLU) to V (B, E); r = V . (W_i + w0) + b."""

    def __init__(self, config: ModelConfig, num_videos: int):
        super().__init__()
        self.config = config
        self.body = DownsamplingBody(config, in_channels=6, out_channels=config.embedding_dim,
                                     attention_resolution=config.attention_resolutions.discriminator,
                                     extra_block=True)
        self.W = nn.Embedding(num_videos, config.embedding_dim)  # one column per training video
        self.w0 = nn.Parameter(torch.empty(config.embedding_dim))
        self.b = nn.Parameter(torch.zeros(()))
        nn.init.normal_(self.W.weight, std=INIT_STD)
        nn.init.normal_(self.w0, std=INIT_STD)

    def features(self, image: Tensor, sketch: Tensor) -> tuple[Tensor, list[Tensor]]:
        """image, sketch (B, 3, S, S) -> (V (B, E), the activations of every body layer)."""
        features, activations = self.body(torch.cat([image, sketch], dim=1))
        return sum_pool_relu(features), activations

    def score(self, V: Tensor, w: Tensor) -> Tensor:
        """V (B, E), w (B, E) -> realism r (B,) = V . (w + w0) + b."""
        return (V * (w + self.w0)).sum(dim=-1) + self.b

    def forward(self, image: Tensor, sketch: Tensor, video_index: Tensor) -> tuple[Tensor, list[Tensor]]:
        """image, sketch (B, 3, S, S), video_index (B,) long -> (score (B,), activations)."""
        V, activations = self.features(image, sketch)
        return self.score(V, self.W(video_index)), activations
