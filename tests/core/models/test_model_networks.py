"""Shapes, spectral normalisation, parameter counts and FLOPs of the embedder, generator and
discriminator, at the paper's configuration (on the meta device: no memory, no arithmetic) and tiny."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import _SpectralNorm
from torch.utils.flop_counter import FlopCounterMode

from talking_heads.models import Discriminator, Embedder, Generator, ModelConfig

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "models.md"
README = ROOT / "README.md"
PAPER_NO_SN = dataclasses.replace(ModelConfig(), spectral_norm=False)  # same parameters and shapes, faster to build


@pytest.fixture(scope="module")
def paper_networks():
    """The paper-size networks on the meta device (shapes only)."""
    with torch.device("meta"):
        return Embedder(PAPER_NO_SN), Generator(PAPER_NO_SN), Discriminator(PAPER_NO_SN, num_videos=0)


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_shapes_at_the_paper_configuration(paper_networks):
    embedder, generator, discriminator = paper_networks
    frames = torch.empty(2, 8, 3, 256, 256, device="meta")  # B=2 people, K=8 shots
    e = embedder(frames, frames)
    assert e.shape == (2, 512)
    psi = generator.project(e)
    assert psi.shape == (2, generator.num_adain_params) == (2, 13312)
    fake = generator(frames[:, 0], psi)
    assert fake.shape == (2, 3, 256, 256)
    V, activations = discriminator.features(fake, frames[:, 0])
    score = discriminator.score(V, torch.empty(2, 512, device="meta"))  # W_i of two videos
    assert score.shape == (2,)
    sides = [a.shape[-1] for a in activations]
    assert sides == [128, 64, 32, 32, 16, 8, 4, 4]  # six down blocks, attention at 32, a block at 4x4
    assert activations[-1].shape[1] == 512


def test_tiny_networks_run_and_keep_shapes(tiny, embedder, generator, discriminator, images):
    frames = images(2, 3, 3, 64, 64)
    e = embedder(frames, frames)
    fake = generator(frames[:, 0], generator.project(e))
    score, activations = discriminator(fake, frames[:, 0], torch.tensor([0, 4]))
    assert e.shape == (2, tiny.embedding_dim) and fake.shape == (2, 3, 64, 64) and score.shape == (2,)
    assert fake.abs().max() <= 1  # tanh output
    assert (e >= 0).all()  # ReLU after sum pooling
    assert torch.allclose(e[0], embedder.embed_frames(frames[0], frames[0]).mean(0), atol=1e-5)


@pytest.mark.parametrize("build", [Embedder, Generator, lambda c: Discriminator(c, 3)])
def test_every_convolution_and_linear_layer_is_spectrally_normalised(tiny, build):
    network = build(tiny)
    layers = [m for m in network.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) > 5
    for layer in layers:
        assert parametrize.is_parametrized(layer, "weight")
        assert any(isinstance(p, _SpectralNorm) for p in layer.parametrizations.weight)
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2)
        assert sigma == pytest.approx(1.0, abs=0.1)  # W / sigma(W), sigma from a power iteration


def test_the_projection_P_is_spectrally_normalised_and_without_bias(generator):
    assert parametrize.is_parametrized(generator.projection, "weight")
    assert generator.projection.bias is None  # psi = P e


def conv(k: int, cin: int, cout: int) -> int:
    return k * k * cin * cout + cout


def down(cin: int, cout: int, norm: int = 0, first: bool = False) -> int:
    """Residual downsampling block; `norm` learned values per channel (instance norm: 2)."""
    return conv(3, cin, cout) + conv(3, cout, cout) + conv(1, cin, cout) + norm * ((0 if first else cin) + cout)


def up(cin: int, cout: int) -> int:  # AdaIN has no parameters of its own
    return conv(3, cin, cout) + conv(3, cout, cout) + conv(1, cin, cout)


def attention(c: int) -> int:
    return 2 * conv(1, c, c // 8) + conv(1, c, c // 2) + conv(1, c // 2, c) + 1


def paper_counts() -> dict[str, int]:
    """Parameter counts from the paper's description, written out layer by layer."""
    body = down(6, 64, first=True) + down(64, 128) + down(128, 256) + attention(256) + down(256, 512) \
        + down(512, 512) + down(512, 512)
    adain = 2 * (5 * 2 * 512 + (512 + 256) + (256 + 128) + (128 + 64) + (64 + 64) + 64)
    generator = down(3, 64, 2, first=True) + down(64, 128, 2) + down(128, 256, 2) + attention(256) \
        + down(256, 512, 2) + 5 * 2 * conv(3, 512, 512) + up(512, 256) + up(256, 128) + attention(128) \
        + up(128, 64) + up(64, 64) + conv(3, 64, 3) + 512 * adain
    discriminator = body + 2 * conv(3, 512, 512) + 512 + 1  # + 512 per training video (W)
    return {"embedder": body, "generator": generator, "discriminator": discriminator, "adain": adain}


def documented(label: str, column: int, document: Path = DOCS) -> str:
    """A cell of the first table row in `document` whose first cell starts with `label`."""
    for line in document.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and cells[0].startswith(label):
            return cells[column]
    raise AssertionError(f"no row {label!r} in {document}")


def test_parameter_counts_match_the_paper_description_and_the_docs(paper_networks):
    embedder, generator, discriminator = paper_networks
    expected = paper_counts()
    assert generator.num_adain_params == expected["adain"]
    measured = {"embedder": count(embedder), "generator": count(generator), "discriminator": count(discriminator)}
    assert measured == {k: expected[k] for k in measured}
    for label, key in (("Embedder", "embedder"), ("Generator", "generator"), ("Discriminator", "discriminator")):
        for document in (DOCS, README):
            assert int(documented(label, 1, document).replace(",", "")) == measured[key], document.name


def test_spectral_norm_adds_no_parameters(tiny):
    plain = dataclasses.replace(tiny, spectral_norm=False)
    assert count(Generator(tiny)) == count(Generator(plain))


def flops(fn) -> float:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops() / 1e9


def test_flops_per_frame_match_the_docs(paper_networks):
    embedder, generator, discriminator = paper_networks
    frame = torch.empty(1, 3, 256, 256, device="meta")
    psi = torch.empty(1, generator.num_adain_params, device="meta")
    measured = {"Embedder": flops(lambda: embedder.embed_frames(frame, frame)),
                "Generator": flops(lambda: generator(frame, psi)),
                "Discriminator": flops(lambda: discriminator.features(frame, frame))}
    for label, gflops in measured.items():
        for document in (DOCS, README):
            assert float(re.sub(r"[^\d.]", "", documented(label, 2, document))) == pytest.approx(gflops, abs=0.05)
