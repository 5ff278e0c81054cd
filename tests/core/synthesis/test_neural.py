"""The neural renderer on real portraits: feed-forward persons, person files, errors, the pipeline."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from talking_heads import devices
from talking_heads.errors import WeightsError
from talking_heads.landmarks import draw_sketches, make_detector
from talking_heads.models import ModelConfig
from talking_heads.pipeline import AnimateJob, animate, load_portrait
from talking_heads.synthesis import neural
from talking_heads.synthesis.neural import NeuralPerson, NeuralRenderer, images_to_tensor, tensor_to_images
from talking_heads.training.meta import Networks


@pytest.fixture(scope="module")
def meta_checkpoint(tmp_path_factory):
    """Freshly initialised tiny networks saved as a meta-learned checkpoint (rendering needs no training)."""
    path = tmp_path_factory.mktemp("weights") / "meta"
    Networks.build(ModelConfig.tiny(), num_videos=3, seed=0).save(path, step=0, variant="ft", videos=["a", "b", "c"])
    return path.with_suffix(".safetensors")


@pytest.fixture(scope="module")
def shots(portraits_dir):
    return load_portrait([portraits_dir / "s42.jpg", portraits_dir / "s1.jpg"], 64, make_detector("dlib")).shots


@pytest.fixture(scope="module")
def renderer(meta_checkpoint):
    return NeuralRenderer(checkpoint=meta_checkpoint, device="cpu", precision="float32")


def driver_landmarks(shots, count: int = 5) -> np.ndarray:
    """The first shot's landmarks, the mouth opening a little more each frame: (count, 68, 2)."""
    points = np.repeat(shots[0].points[None], count, 0).copy()
    points[:, 57:60, 1] += np.arange(count)[:, None] * 1.5
    return points


def test_feedforward_person_renders_what_the_generator_computes(renderer, shots):
    person = renderer.prepare(shots)
    landmarks = driver_landmarks(shots)
    frames = person.render(landmarks)
    assert frames.shape == (5, 64, 64, 3) and frames.dtype == np.uint8
    e, psi = renderer.embed(shots)
    with torch.no_grad():
        sketches = images_to_tensor(draw_sketches(landmarks, 64))
        reference = tensor_to_images(renderer.generator.eval()(sketches, psi[None].expand(5, -1)))
    assert np.abs(frames.astype(int) - reference).max() <= 1  # the inference copy is exact up to rounding
    assert not np.array_equal(frames[0], frames[-1])  # the sketch drives the frame
    alone = person.render(landmarks[:1])  # batching changes nothing but rounding
    assert np.abs(alone.astype(int) - frames[:1]).max() <= 1


@pytest.mark.parametrize("native", [True, False])
def test_auto_precision_is_bfloat16_on_cpus_that_compute_it(meta_checkpoint, shots, renderer, monkeypatch, native):
    monkeypatch.setattr(devices, "cpu_has_native_bfloat16", lambda: native)
    auto = NeuralRenderer(checkpoint=meta_checkpoint, device="cpu").prepare(shots)
    assert auto.dtype is (torch.bfloat16 if native else torch.float32)
    landmarks = driver_landmarks(shots)
    difference = auto.render(landmarks).astype(float) - renderer.prepare(shots).render(landmarks)
    assert np.sqrt((difference ** 2).mean()) < 2.0  # bfloat16 stays within a couple of 8-bit levels


def test_identity_comes_from_the_shots(renderer, shots):
    landmarks = driver_landmarks(shots, 1)
    one, other = renderer.prepare(shots[:1]), renderer.prepare(shots[1:])
    assert not np.array_equal(one.render(landmarks), other.render(landmarks))


def test_person_file_round_trip(tmp_path, renderer, shots):
    person = renderer.prepare(shots)
    path = person.save(tmp_path / "anna.safetensors")
    config = json.loads(path.with_suffix(".json").read_text())
    assert config["kind"] == "person" and config["architecture"]["spectral_norm"] is False
    assert config["stage"] == "feed-forward" and config["shots"] == 2
    landmarks = driver_landmarks(shots)
    loaded = NeuralRenderer(person_file=path, device="cpu", precision="float32")
    assert loaded.resolution == 64
    assert np.array_equal(loaded.prepare([]).render(landmarks), person.render(landmarks))


def test_person_file_errors(tmp_path, meta_checkpoint):
    fake = tmp_path / "pickled.safetensors"
    fake.write_bytes(b"\x80\x04\x95" + b"\x00" * 64)  # what torch.save writes first
    fake.with_suffix(".json").write_text(json.dumps({"format": "talking-heads", "version": 1, "kind": "person",
                                                    "architecture": {}}))
    with pytest.raises(WeightsError, match="pickle"):
        NeuralPerson.load(fake)
    with pytest.raises(WeightsError, match="'meta' checkpoint, a 'person' one is needed"):
        NeuralPerson.load(meta_checkpoint)
    with pytest.raises(WeightsError, match="not found"):
        NeuralPerson.load(tmp_path / "missing.safetensors")


def test_without_a_checkpoint_says_how_to_train_one(monkeypatch):
    monkeypatch.setattr(neural, "configured_checkpoint", lambda: None)
    with pytest.raises(WeightsError, match="talking-heads train"):
        NeuralRenderer(device="cpu")


def test_animate_with_a_person_file(tmp_path, renderer, shots, portraits_dir):
    path = renderer.prepare(shots).save(tmp_path / "person")
    result = animate(AnimateJob([portraits_dir / "s42.jpg"], "motion:talk", tmp_path / "frames", renderer="neural",
                                person=path, motion_duration=0.2, full_frame=False, device="cpu"))
    assert result.renderer == "neural" and result.frames >= 4 and result.size == (64, 64)
