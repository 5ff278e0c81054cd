"""Faces about 80 pixels wide (and smaller where dlib allows) are found and animated."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from talking_heads import media, pipeline
from talking_heads.cli import main
from talking_heads.errors import InputError
from talking_heads.landmarks import detect_largest_face
from talking_heads.pipeline import AnimateJob, check_job


def downscaled(image: np.ndarray, face_width: float, target: float) -> np.ndarray:
    scale = target / face_width
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("name, target", [("s42", 80), ("s5", 80), ("s1", 25), ("s9", 25)])
def test_small_faces_get_the_landmarks_of_the_full_picture(portraits_dir, dlib_detector, name, target):
    """At 80 px and, thanks to the enlarged second search of small pictures, at 25 px."""
    image = media.read_image(portraits_dir / f"{name}.jpg")
    full = detect_largest_face(dlib_detector, image, name)
    width = full.box[2] - full.box[0]
    small = downscaled(image, width, target)
    face = detect_largest_face(dlib_detector, small, name)
    error = np.linalg.norm(face.points - full.points * target / width, axis=1).mean()
    assert error < 0.04 * target, f"landmarks {error:.1f} px off on a {target} px face"


def test_animate_a_portrait_whose_face_is_80_pixels_wide(tmp_path, portraits_dir, dlib_detector, monkeypatch):
    image = media.read_image(portraits_dir / "s42.jpg")
    face = detect_largest_face(dlib_detector, image, "s42")
    small = downscaled(image, face.box[2] - face.box[0], 80)
    media.write_image(tmp_path / "small.png", small)
    backends = []
    real = pipeline.make_detector
    monkeypatch.setattr(pipeline, "make_detector", lambda backend: backends.append(backend) or real(backend))
    out = tmp_path / "out"
    assert main(["-q", "animate", "--source", str(tmp_path / "small.png"), "--driver", "motion:talk",
                 "--duration", "0.4", "--renderer", "warp", "--backend", "dlib", "-o", str(out)]) == 0
    assert backends == ["dlib"]
    frames = sorted(out.glob("*.png"))
    assert len(frames) == 10
    assert media.read_image(frames[5]).shape == small.shape
    assert np.abs(media.read_image(frames[5]).astype(int) - media.read_image(frames[0]).astype(int)).max() > 0


def test_an_unknown_backend_is_refused_before_any_work(tmp_path, portraits_dir):
    with pytest.raises(InputError, match="backend must be one of .*'hog'"):
        check_job(AnimateJob([portraits_dir / "s42.jpg"], "motion:talk", tmp_path / "out.mp4", backend="hog"))
    assert not (tmp_path / "out.mp4").exists()


def test_shot_lists_and_worker_jobs_carry_the_backend(tmp_path):
    from talking_heads.batch import Shot, shot_job

    job = shot_job(Shot("a", {"source": "p.jpg", "driver": "motion:nod", "output": "a.mp4", "backend": "fan"}),
                   tmp_path)
    assert job.backend == "fan"
    assert AnimateJob.from_dict(job.to_dict()).backend == "fan"
