"""The FAN weight files are pickles: a crafted or corrupt one must never run code, and says so."""
import os
from pathlib import Path

import pytest
import torch

from talking_heads.errors import WeightsError
from talking_heads.landmarks import fan_detector, make_detector


class Payload:
    """Unpickling this creates a file: the stand-in for arbitrary code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.fixture()
def crafted_cache(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A torch hub cache whose two FAN files carry a code-running payload; returns (folder, marker)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no MediaPipe model: auto would prefer it
    folder = fan_detector.weights_folder()
    folder.mkdir(parents=True)
    marker = tmp_path / "code-ran"
    for name in fan_detector.FAN_FILES:
        torch.save({"weight": torch.zeros(2), "payload": Payload(marker)}, folder / name)
    return folder, marker


def test_the_crafted_payload_is_live(crafted_cache):
    folder, marker = crafted_cache
    torch.load(folder / fan_detector.DETECTOR_FILE, weights_only=False)  # what a plain pickle load would do
    assert marker.exists()


def test_a_crafted_file_is_refused_by_its_digest_before_loading(crafted_cache):
    folder, marker = crafted_cache
    with pytest.raises(WeightsError, match="corrupt or not the published FAN weight file") as error:
        make_detector("fan")
    assert "--backend dlib" in str(error.value) and str(folder) in str(error.value)
    assert not marker.exists()


def test_auto_falls_back_to_dlib_with_a_warning(crafted_cache, caplog):
    _, marker = crafted_cache
    caplog.set_level("INFO")
    assert make_detector("auto").name == "dlib"
    assert "FAN backend cannot be used, using dlib instead" in caplog.text
    assert any(record.levelname == "WARNING" for record in caplog.records)
    assert not marker.exists()


def test_loading_runs_no_code_even_when_the_digest_matches(crafted_cache, monkeypatch):
    """The second guard: face-alignment's own torch.load calls run the weights-only unpickler."""
    _, marker = crafted_cache
    monkeypatch.setattr(fan_detector, "check_weight_file", lambda path: None)
    with pytest.raises(WeightsError, match="could not be loaded as tensors"):
        make_detector("fan")
    assert not marker.exists()


def test_tensors_only_loading_is_scoped(crafted_cache):
    folder, marker = crafted_cache
    assert fan_detector.FORCE_WEIGHTS_ONLY not in os.environ
    with fan_detector.tensors_only_loading(), pytest.raises(Exception, match="weights_only"):
        torch.load(folder / fan_detector.DETECTOR_FILE, weights_only=False)
    assert fan_detector.FORCE_WEIGHTS_ONLY not in os.environ and not marker.exists()


def test_a_truncated_file_is_a_clear_error(crafted_cache):
    folder, _ = crafted_cache
    for name in fan_detector.FAN_FILES:
        (folder / name).write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(WeightsError, match="corrupt"):
        make_detector("fan")
