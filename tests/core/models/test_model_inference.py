"""The generator's inference copy computes the same frames as the trained generator, faster."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from talking_heads.models import Generator
from talking_heads.models.fused import (FrozenConv, NarrowConv, Pointwise, SubpixelUpConv, instance_norm_by_frame,
                                        pooled_conv, relu_)


@pytest.fixture
def trained_like(generator: Generator) -> Generator:
    """The tiny generator with its attention switched on (gamma starts at 0 in training)."""
    with torch.no_grad():
        for module in generator.modules():
            if hasattr(module, "gamma"):
                module.gamma.fill_(0.7)
    return generator


@pytest.mark.parametrize("micro_batch", [None, 1, 2])
def test_copy_renders_the_same_frames(trained_like, images, micro_batch):
    sketches = images(3, 3, 64, 64)
    e = torch.rand(3, trained_like.config.embedding_dim, generator=torch.Generator().manual_seed(5))
    fast = trained_like.inference_copy(micro_batch=micro_batch)
    with torch.no_grad():
        psi = trained_like.project(e)
        for person_psi in (psi[:1], psi):  # one person for the batch, or one per frame
            expected = trained_like(sketches, person_psi)
            assert torch.allclose(fast(sketches, person_psi), expected, atol=1e-4)
    assert torch.allclose(fast.project(e), psi, atol=1e-5)


def test_copy_is_frozen_and_leaves_the_original_alone(trained_like):
    before = {k: v.clone() for k, v in trained_like.state_dict().items()}
    trained_like.train()
    fast = trained_like.inference_copy()
    assert trained_like.training  # its mode is restored
    assert all(torch.equal(v, trained_like.state_dict()[k]) for k, v in before.items())  # no power iteration ran
    assert not any(p.requires_grad for p in fast.parameters())
    assert not any(parametrize.is_parametrized(m) for m in fast.modules())  # spectral norm folded


def test_pooled_conv_equals_conv_then_average_pooling():
    conv = nn.Conv2d(5, 7, 3, padding=1)
    x = torch.randn(2, 5, 12, 12)
    with torch.no_grad():
        assert torch.allclose(pooled_conv(conv)(x), F.avg_pool2d(conv(x), 2), atol=1e-5)


def test_subpixel_conv_equals_upsampling_then_conv():
    conv = nn.Conv2d(6, 4, 3, padding=1)
    x = torch.randn(2, 6, 5, 7).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        expected = conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        assert torch.allclose(SubpixelUpConv(conv)(x), expected, atol=1e-5)


def test_pointwise_and_narrow_convs_equal_their_convolutions():
    x = torch.randn(2, 16, 9, 11).contiguous(memory_format=torch.channels_last)
    one, rgb = nn.Conv2d(16, 8, 1), nn.Conv2d(16, 3, 3, padding=1)
    with torch.no_grad():
        assert torch.allclose(Pointwise(one)(x), one(x), atol=1e-5)
        assert torch.allclose(NarrowConv(rgb)(x), rgb(x), atol=1e-5)


@pytest.mark.parametrize("packed", [True, False])  # False: the plain torch path used off the CPU
def test_frozen_conv_adds_in_place_on_both_paths(packed, monkeypatch):
    conv = nn.Conv2d(4, 4, 3, padding=1)
    frozen = FrozenConv(conv.weight, conv.bias, padding=1)
    if not packed:
        monkeypatch.setattr(FrozenConv, "packed_weight", lambda self, x: None)
    x = torch.randn(1, 4, 6, 6).contiguous(memory_format=torch.channels_last)
    residual = torch.randn(1, 4, 6, 6).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        expected = conv(x) + residual
        assert torch.allclose(frozen(x), conv(x), atol=1e-5)
        out = frozen(x, add_to=residual)
    assert out is residual and torch.allclose(out, expected, atol=1e-5)


def test_bfloat16_copy_stays_close_to_float32(trained_like, images):
    sketches = images(2, 3, 64, 64)
    psi = trained_like.project(torch.rand(1, trained_like.config.embedding_dim)).detach()
    full, half = trained_like.inference_copy(), trained_like.inference_copy(torch.bfloat16)
    a, b = full(sketches, psi), half(sketches, psi)
    assert b.dtype == torch.float32
    psnr = 10 * math.log10(4 / ((a - b) ** 2).mean().item())  # peak-to-peak 2 for [-1, 1]
    assert psnr > 35


def test_copy_refuses_psi_of_another_size(trained_like, images):
    with pytest.raises(ValueError, match=str(trained_like.num_adain_params)):
        trained_like.inference_copy()(images(1, 3, 64, 64), torch.zeros(1, 3))


def test_bfloat16_relu_through_its_bits_equals_relu():
    x = torch.tensor([-3.0, -1e-30, -0.0, 0.0, 1e-30, 2.5, float("-inf"), float("inf")]).bfloat16()
    x = torch.cat([x, torch.randn(1000).bfloat16()])
    expected = x.float().relu()
    assert torch.equal(relu_(x.clone()).float(), expected)
    cl = torch.randn(2, 8, 5, 5).bfloat16().contiguous(memory_format=torch.channels_last)
    assert torch.equal(relu_(cl.clone()), cl.relu())


@pytest.mark.parametrize("rows", [1, 3])
def test_instance_norm_by_frame_equals_instance_norm(rows):
    x = (torch.randn(3, 6, 4, 4) * 3 + 1).contiguous(memory_format=torch.channels_last)
    scale, bias = torch.randn(rows, 6), torch.randn(rows, 6)
    expected = F.instance_norm(x, eps=1e-5) * scale.expand(3, 6)[:, :, None, None] + bias.expand(3, 6)[:, :, None, None]
    assert torch.allclose(instance_norm_by_frame(x, scale, bias), expected, atol=1e-5)
