"""Checkpoints (safetensors + JSON) and the manifest of downloadable files; nothing is downloaded
from the network: downloads are exercised with file:// URLs of local files."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
import torch

from talking_heads import manifest
from talking_heads.errors import WeightsError
from talking_heads.models import Generator, ModelConfig
from talking_heads.weights import checkpoint_paths, load_checkpoint, load_state, save_checkpoint, verify_file

ROOT = Path(__file__).resolve().parents[2]
TINY = ModelConfig.tiny()


@pytest.fixture(scope="module")
def generator() -> Generator:
    torch.manual_seed(0)
    return Generator(TINY).eval()


@pytest.fixture
def saved(tmp_path, generator) -> Path:
    base = tmp_path / "ckpt" / "generator"
    save_checkpoint(base, generator.state_dict(), {"kind": "generator", "architecture": TINY.to_dict(), "step": 7})
    return base


def test_round_trip_restores_the_same_generator(saved, generator):
    tensors, config = load_checkpoint(saved, kind="generator", architecture=TINY.to_dict())
    assert config["format"] == "talking-heads" and config["version"] == 1 and config["step"] == 7
    restored = load_state(Generator(ModelConfig.from_dict(config["architecture"])).eval(), tensors, saved)
    sketch, psi = torch.rand(1, 3, 64, 64), torch.randn(1, generator.num_adain_params)
    with torch.no_grad():
        assert torch.equal(restored(sketch, psi), generator(sketch, psi))


def test_the_json_sits_beside_the_tensors(saved):
    tensor_path, json_path = checkpoint_paths(saved)
    assert tensor_path.name == "generator.safetensors" and json_path.name == "generator.json"
    assert json.loads(json_path.read_text())["architecture"]["resolution"] == 64
    assert checkpoint_paths(tensor_path) == checkpoint_paths(json_path) == (tensor_path, json_path)


def test_a_truncated_checkpoint_is_reported_as_corrupt(saved):
    tensor_path, _ = checkpoint_paths(saved)
    data = tensor_path.read_bytes()
    tensor_path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match="corrupt or truncated"):
        load_checkpoint(saved)


def test_a_pickle_or_other_file_is_refused_without_being_loaded(saved):
    tensor_path, _ = checkpoint_paths(saved)
    torch.save({"weight": torch.zeros(2)}, tensor_path)
    with pytest.raises(WeightsError, match="pickle file, not safetensors"):
        load_checkpoint(saved)
    tensor_path.write_bytes(b"GIF89a and then some bytes")
    with pytest.raises(WeightsError, match="not a safetensors file"):
        load_checkpoint(saved)


def test_a_checkpoint_of_another_architecture_or_kind_is_refused(saved):
    other = dataclasses.replace(TINY, base_channels=16)
    with pytest.raises(WeightsError, match="another architecture.*base_channels: file 8 vs needed 16"):
        load_checkpoint(saved, architecture=other.to_dict())
    with pytest.raises(WeightsError, match="holds a 'generator' checkpoint, a 'embedder' one is needed"):
        load_checkpoint(saved, kind="embedder")
    tensors, _ = load_checkpoint(saved)
    with pytest.raises(WeightsError, match="does not fit this Generator.*of another shape"):
        load_state(Generator(other), tensors, saved)


def test_missing_or_foreign_json_and_missing_tensors(saved, tmp_path):
    tensor_path, json_path = checkpoint_paths(saved)
    json_path.write_text('{"format": "something-else"}')
    with pytest.raises(WeightsError, match="not a Talking Heads checkpoint"):
        load_checkpoint(saved)
    json_path.unlink()
    with pytest.raises(WeightsError, match=r"\.json is missing"):
        load_checkpoint(saved)
    with pytest.raises(WeightsError, match="not found"):
        load_checkpoint(tmp_path / "nothing")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_verify_file_checks_size_and_sha256(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"talking heads" * 100)
    digest, size = sha256(path.read_bytes()), path.stat().st_size
    verify_file(path, digest, size)
    verify_file(path, digest.upper(), None)
    with pytest.raises(WeightsError, match="SHA-256"):
        verify_file(path, sha256(b"other"), size)
    with pytest.raises(WeightsError, match=f"has {size} bytes, expected {size + 1}"):
        verify_file(path, digest, size + 1)


def test_the_project_manifest_pins_vgg19(tmp_path):
    entries = manifest.read_manifest()
    assert set(entries) >= {"vgg19", "vggface"}
    vgg19 = entries["vgg19"]
    assert vgg19.url == "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
    assert vgg19.pinned and vgg19.sha256.startswith("dcbb9e9d") and vgg19.size == 574673361


def write_manifest(folder: Path, source: Path, digest: str, size: int) -> Path:
    path = folder / "manifest.toml"
    path.write_text(f'[model]\nfile = "model.pth"\nurl = "{source.as_uri()}"\nsize = {size}\n'
                    f'sha256 = "{digest}"\ndescription = "a test file"\n')
    return path


def test_download_verifies_and_keeps_only_good_files(tmp_path):
    source = tmp_path / "source.pth"
    source.write_bytes(b"weights" * 1000)
    good = manifest.read_manifest(write_manifest(tmp_path, source, sha256(source.read_bytes()), 7000))["model"]
    target = manifest.download(good, tmp_path / "out", report=lambda message: None)
    assert target.read_bytes() == source.read_bytes()
    bad = dataclasses.replace(good, sha256=sha256(b"different"))
    with pytest.raises(WeightsError, match="SHA-256"):
        manifest.download(bad, tmp_path / "other", report=lambda message: None)
    assert not any((tmp_path / "other").iterdir())  # no partial file left behind


def test_find_file_reports_wrong_sizes(tmp_path):
    entry = manifest.ManifestEntry("x", "x.pth", "https://example.invalid/x.pth", size=10, sha256=None)
    (tmp_path / "x.pth").write_bytes(b"short")
    with pytest.raises(WeightsError, match="has 5 bytes, expected 10"):
        manifest.find_file(entry, [tmp_path])


def load_install_script():
    spec = importlib.util.spec_from_file_location("install_script_weights", ROOT / "install.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_install_weights_downloads_and_verifies_the_manifest_files(tmp_path):
    install = load_install_script()
    source = tmp_path / "source.pth"
    source.write_bytes(b"vgg" * 333)
    good = write_manifest(tmp_path, source, sha256(source.read_bytes()), 999)
    install.install_weights(good, tmp_path / "weights")
    assert (tmp_path / "weights" / "model.pth").read_bytes() == source.read_bytes()
    bad = write_manifest(tmp_path, source, sha256(b"tampered"), 999)
    with pytest.raises(install.InstallError, match="SHA-256"):
        install.install_weights(bad, tmp_path / "fresh")


def test_nan_parameters_are_refused_when_loading(tmp_path, generator):
    tensors = {name: value.clone() for name, value in generator.state_dict().items()}
    next(value for value in tensors.values() if value.is_floating_point())[0] = float("nan")
    base = tmp_path / "diverged"
    save_checkpoint(base, tensors, {"kind": "generator", "architecture": TINY.to_dict()})
    with pytest.raises(WeightsError, match="NaN or infinite values in 1 tensor"):
        load_checkpoint(base)


def test_a_file_that_is_not_a_person_file_says_so(tmp_path, portraits_dir):
    from talking_heads.synthesis.neural import NeuralPerson

    with pytest.raises(WeightsError, match="s42.jpg is not a person file: those are NAME.safetensors"):
        NeuralPerson.load(portraits_dir / "s42.jpg")


def test_an_absurd_architecture_is_refused_before_any_network_is_allocated(tmp_path, monkeypatch):
    from talking_heads.synthesis import neural

    base = tmp_path / "huge"
    architecture = {**TINY.to_dict(), "base_channels": 300_000, "max_channels": 300_000}
    save_checkpoint(base, {"psi": torch.zeros(4)}, {"kind": "person", "architecture": architecture})
    monkeypatch.setattr(neural, "Generator", lambda config: pytest.fail("a network was allocated"))
    with pytest.raises(WeightsError, match="architecture is unusable.*channels at most 4096"):
        neural.NeuralPerson.load(base)
