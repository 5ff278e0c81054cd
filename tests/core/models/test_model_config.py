from __future__ import annotations

import json

import pytest

from talking_heads.errors import InputError
from talking_heads.models.config import AttentionResolutions, ModelConfig, OptimConfig


def test_paper_defaults():
    config = ModelConfig()
    assert (config.resolution, config.base_channels, config.max_channels, config.embedding_dim) == (256, 64, 512, 512)
    assert config.attention_resolutions == AttentionResolutions(embedder=32, generator_down=32, generator_up=64,
                                                                discriminator=32)
    assert config.spectral_norm and config.bottleneck_blocks == 5
    assert config.body_levels == 6 and config.generator_levels == 4
    assert [config.channels(level) for level in range(7)] == [64, 64, 128, 256, 512, 512, 512]


@pytest.mark.parametrize("config", [ModelConfig(), ModelConfig.tiny()])
def test_json_round_trip(config):
    assert ModelConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_unknown_keys_and_bad_sizes_are_refused():
    with pytest.raises(InputError, match="unknown option widht"):
        ModelConfig.from_dict({**ModelConfig().to_dict(), "widht": 3})
    with pytest.raises(InputError, match="power of two"):
        ModelConfig(resolution=200)
    with pytest.raises(InputError, match="attention resolution"):
        ModelConfig(attention_resolutions=AttentionResolutions(embedder=48))


def test_optimiser_defaults_are_the_papers():
    optim = OptimConfig()
    assert (optim.lr_generator, optim.lr_discriminator, optim.betas) == (5e-5, 2e-4, (0.0, 0.999))
    assert OptimConfig.from_dict(json.loads(json.dumps(optim.to_dict()))) == optim
