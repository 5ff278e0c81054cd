"""Person models: feed-forward and fine-tuned (FT), from a meta-learned run; the person command."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from talking_heads.cli import main
from talking_heads.errors import WeightsError
from talking_heads.landmarks import make_detector
from talking_heads.models import ModelConfig
from talking_heads.pipeline import load_portrait
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.neural import NeuralPerson, NeuralRenderer
from talking_heads.training.dataset import load_dataset
from talking_heads.training.finetune import FinetuneConfig, Finetuner
from talking_heads.training.trainer import train
from talking_heads.weights import load_checkpoint, save_checkpoint
from training_helpers import tiny_train_config


@pytest.fixture(scope="module")
def meta_checkpoint(tmp_path_factory, tiny_dataset, cpu_process):
    run_dir = tmp_path_factory.mktemp("runs") / "meta"
    return train(tiny_dataset, run_dir, ModelConfig.tiny(), tiny_train_config(steps=2), cpu_process).final


@pytest.fixture(scope="module")
def shots(tiny_dataset):
    clip = load_dataset(tiny_dataset).videos[1]
    return [Shot(np.array(clip.frames[i]), np.array(clip.landmarks[i])) for i in range(0, 8, 2)]


@pytest.fixture(scope="module")
def renderer(meta_checkpoint):
    return NeuralRenderer(checkpoint=meta_checkpoint, device="cpu")


def landmarks_of(tiny_dataset) -> np.ndarray:
    return np.array(load_dataset(tiny_dataset).videos[2].landmarks[:4])  # another person's poses


def test_fine_tuning_starts_from_the_feedforward_person(renderer, shots, tiny_dataset):
    landmarks = landmarks_of(tiny_dataset)
    feedforward = renderer.prepare(shots).render(landmarks)
    finetuner = Finetuner(renderer, shots, FinetuneConfig(steps=2, content_loss="l1"), device="cpu")
    e, psi = renderer.embed(shots)
    assert torch.equal(finetuner.identity.psi.value, psi) and torch.equal(finetuner.columns.value, e)
    assert np.array_equal(finetuner.person(device="cpu").render(landmarks), feedforward)  # before the first step

    w0, columns = finetuner.discriminator.w0.clone(), finetuner.discriminator.W.weight.clone()
    losses = finetuner.run()
    assert {"content", "adversarial", "feature_matching", "hinge"} <= losses.keys()
    assert "embedding_match" not in losses  # nothing to match without the embedder
    tuned = finetuner.person(device="cpu")
    assert not np.array_equal(tuned.render(landmarks), feedforward)
    assert not torch.equal(finetuner.identity.psi.value, psi) and not torch.equal(finetuner.columns.value, e)
    assert torch.equal(finetuner.discriminator.w0, w0) and torch.equal(finetuner.discriminator.W.weight, columns)
    assert tuned.details["stage"] == "fine-tuned" and tuned.details["finetune_steps"] == 2


def test_person_command(tmp_path, meta_checkpoint, portraits_dir, capsys):
    images = [str(portraits_dir / name) for name in ("s42.jpg", "s1.jpg")]
    common = ["--checkpoint", str(meta_checkpoint), "--backend", "dlib", "--device", "cpu"]
    assert main(["-q", "person", *images, "-o", str(tmp_path / "ff.safetensors"), *common]) == 0
    assert main(["-q", "person", *images, "-o", str(tmp_path / "ft"), "--finetune-steps", "2",
                 "--content-loss", "l1", *common]) == 0
    ff, ft = (json.loads((tmp_path / f"{name}.json").read_text()) for name in ("ff", "ft"))
    assert ff["stage"] == "feed-forward" and ft["stage"] == "fine-tuned" and ft["shots"] == 2
    points = load_portrait_points(portraits_dir)
    for name in ("ff", "ft"):
        assert NeuralPerson.load(tmp_path / f"{name}.safetensors", device="cpu").render(points).shape == (1, 64, 64, 3)
    assert main(["person", *images, "-o", str(tmp_path / "x.png"), *common]) == 1
    assert "ends in .safetensors" in capsys.readouterr().err


def load_portrait_points(portraits_dir) -> np.ndarray:
    return load_portrait([portraits_dir / "s42.jpg"], 64, make_detector("dlib")).shots[0].points[None]


def test_fine_tuning_needs_the_discriminator(tmp_path, meta_checkpoint, shots):
    tensors, config = load_checkpoint(meta_checkpoint)
    kept = {k: v for k, v in tensors.items() if not k.startswith("discriminator.")}
    stripped = save_checkpoint(tmp_path / "no_d", kept, config)
    renderer = NeuralRenderer(checkpoint=stripped, device="cpu")
    with pytest.raises(WeightsError, match="holds no discriminator"):
        Finetuner(renderer, shots, FinetuneConfig(steps=1, content_loss="l1"), device="cpu")
