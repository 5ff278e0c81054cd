"""Small shared pieces for the model tests: tiny networks and random inputs."""
from __future__ import annotations

import pytest
import torch

from talking_heads.models import Discriminator, Embedder, Generator, ModelConfig


@pytest.fixture(scope="module")
def tiny() -> ModelConfig:
    return ModelConfig.tiny()


@pytest.fixture
def generator(tiny: ModelConfig) -> Generator:
    torch.manual_seed(0)
    return Generator(tiny).eval()  # eval: no spectral-norm power iteration per call


@pytest.fixture
def embedder(tiny: ModelConfig) -> Embedder:
    torch.manual_seed(1)
    return Embedder(tiny).eval()


@pytest.fixture
def discriminator(tiny: ModelConfig) -> Discriminator:
    torch.manual_seed(2)
    return Discriminator(tiny, num_videos=5).eval()


@pytest.fixture
def images():
    """images(*shape, seed=0) -> random images in [-1, 1]."""

    def make(*shape: int, seed: int = 0) -> torch.Tensor:
        return torch.rand(*shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1

    return make
