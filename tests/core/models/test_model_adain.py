"""The generator's adaptive instance norms take their scales and biases from psi = P e."""
from __future__ import annotations

import dataclasses

import pytest
import torch

from talking_heads.models import Generator
from talking_heads.models.blocks import INSTANCE_NORM_EPS, AdaptiveInstanceNorm


def test_changing_the_embedding_changes_the_output(generator, tiny, images):
    sketch = images(1, 3, 64, 64)
    e1, e2 = torch.rand(2, 1, tiny.embedding_dim, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        a, b = generator(sketch, generator.project(e1)), generator(sketch, generator.project(e2))
    assert (a - b).abs().mean() > 1e-3


def test_a_zero_projection_makes_the_output_independent_of_the_embedding(tiny, images):
    generator = Generator(dataclasses.replace(tiny, spectral_norm=False)).eval()
    with torch.no_grad():
        generator.projection.weight.zero_()
        e = torch.rand(2, tiny.embedding_dim) * 10
        psi = generator.project(e)
        assert (psi == 0).all()
        sketch = images(1, 3, 64, 64).expand(2, -1, -1, -1)
        out = generator(sketch, psi)
    assert torch.equal(out[0], out[1])


def test_zero_psi_turns_every_adaptive_branch_into_its_bias(generator, images):
    """With all AdaIN scales and biases zero the output head sees only zeros, so every pixel of
    every sketch comes out as tanh(bias of the last convolution)."""
    psi = torch.zeros(1, generator.num_adain_params)
    with torch.no_grad():
        out = generator(images(3, 3, 64, 64), psi)
        expected = torch.tanh(generator.layers[-1].conv.bias).view(1, 3, 1, 1).expand_as(out)
    assert torch.allclose(out, expected, atol=1e-6)


def test_psi_slices_tile_the_adain_layers_in_forward_order(generator):
    layers = generator.adain_layers()
    sizes = [2 * layer.channels for layer in layers]
    assert [layer.offset for layer in layers] == [sum(sizes[:i]) for i in range(len(sizes))]
    assert sum(sizes) == generator.num_adain_params == generator.projection.out_features


def test_each_adain_layer_normalises_with_its_own_slice_of_psi(generator, images):
    calls: list[tuple[AdaptiveInstanceNorm, torch.Tensor, torch.Tensor]] = []
    hooks = [layer.register_forward_hook(lambda m, args, out: calls.append((m, args[0], out)))
             for layer in generator.adain_layers()]
    psi = torch.randn(2, generator.num_adain_params, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        generator(images(2, 3, 64, 64), psi)
    for hook in hooks:
        hook.remove()
    assert [m for m, _, _ in calls] == generator.adain_layers()  # each layer once, in psi order
    offset = 0
    for layer, x, out in calls:
        c = layer.channels
        scale, bias = psi[:, offset:offset + c], psi[:, offset + c:offset + 2 * c]
        mean = x.mean(dim=(2, 3), keepdim=True)
        var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
        expected = (x - mean) / torch.sqrt(var + INSTANCE_NORM_EPS) * scale[..., None, None] + bias[..., None, None]
        assert torch.allclose(out, expected, atol=1e-4)
        offset += 2 * c


def test_psi_of_one_person_serves_a_batch_of_sketches(generator, tiny, images):
    sketches = images(3, 3, 64, 64)
    psi = generator.project(torch.rand(1, tiny.embedding_dim))
    with torch.no_grad():
        together = generator(sketches, psi)
        one_by_one = torch.cat([generator(s[None], psi) for s in sketches])
    assert torch.allclose(together, one_by_one, atol=1e-5)


def test_wrong_psi_size_is_refused(generator, images):
    with pytest.raises(ValueError, match=str(generator.num_adain_params)):
        generator(images(1, 3, 64, 64), torch.zeros(1, 5))
