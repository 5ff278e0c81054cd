"""The cross-identity metrics on synthetic cases whose answer is known."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from talking_heads import media
from talking_heads.evaluate import metrics
from talking_heads.landmarks.dlib_detector import DlibDetector


@pytest.fixture(scope="module")
def detector() -> DlibDetector:
    return DlibDetector()


@pytest.fixture(scope="module", params=["s4.jpg", "s42.jpg"])
def portrait(request, portraits_dir, detector) -> tuple[np.ndarray, np.ndarray]:
    image = media.read_image(portraits_dir / request.param)
    return image, detector.detect(image)[0].points


def _moved_rigidly(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The whole picture turned by 6 degrees, scaled by 1.05 and shifted: a head that moved as one piece."""
    matrix = cv2.getRotationMatrix2D(tuple(map(float, points.mean(axis=0))), 6, 1.05)
    matrix[:, 2] += [12, -8]
    return cv2.warpAffine(image, matrix, image.shape[1::-1], flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def _head_moved_over_still_background(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The head (a feathered ellipse over hair, ears and the top of the neck) turned by 6 degrees
    and shifted by 0.15 face widths, the background left where it was: what a renderer that moves
    the head as one piece makes."""
    width = float(np.linalg.norm(points[16] - points[0]))
    centre = (points[0] + points[16]) / 2 - [0, 0.2 * width]
    matrix = cv2.getRotationMatrix2D(tuple(map(float, centre)), 6, 1.0)
    matrix[0, 2] += 0.15 * width
    head = np.zeros(image.shape[:2], np.float32)
    cv2.ellipse(head, tuple(int(v) for v in centre), (int(0.85 * width), int(1.15 * width)), 0, 0, 360, 1.0, -1)
    head = cv2.warpAffine(cv2.GaussianBlur(head, (0, 0), 0.08 * width), matrix, image.shape[1::-1])[..., None]
    moved = cv2.warpAffine(image, matrix, image.shape[1::-1], flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    return (head * moved + (1 - head) * image).astype(np.uint8)


def _torn(image: np.ndarray, points: np.ndarray, lift: float = 0.2) -> np.ndarray:
    """Only the face (its landmark hull with a margin) moved up by `lift` face widths over a
    still head: the seam and squashed hair of a face sliding over its head."""
    width = float(np.linalg.norm(points[16] - points[0]))
    face = np.zeros(image.shape[:2], np.uint8)
    cv2.fillConvexPoly(face, cv2.convexHull(points.astype(np.int32)), 1)
    face = cv2.dilate(face, np.ones((int(0.2 * width),) * 2, np.uint8))
    up = np.float32([[1, 0, 0], [0, 1, -lift * width]])
    size = image.shape[1::-1]
    moved_face = cv2.warpAffine(face, up, size).astype(bool)[..., None]
    return np.where(moved_face, cv2.warpAffine(image, up, size, borderMode=cv2.BORDER_REFLECT), image)


def test_head_integrity_is_high_for_a_still_or_rigidly_moved_head_and_low_for_a_torn_one(portrait, detector):
    image, points = portrait
    assert metrics.head_integrity(image, points, image, points) == pytest.approx(1.0)
    for moved in (_moved_rigidly(image, points), _head_moved_over_still_background(image, points)):
        assert metrics.head_integrity(moved, detector.detect(moved)[0].points, image, points) > 0.9
    torn = _torn(image, points)
    torn_score = metrics.head_integrity(torn, detector.detect(torn)[0].points, image, points)
    assert torn_score < 0.6


def test_sharpness_falls_with_blur(portrait):
    image, points = portrait
    assert metrics.sharpness(image, points, image, points) == pytest.approx(1.0)
    soft = cv2.GaussianBlur(image, (0, 0), 2.0)
    assert metrics.sharpness(soft, points, image, points) < 0.3


def test_motion_signals_and_correlation():
    rng = np.random.default_rng(0)
    face = np.array([[np.cos(a), np.sin(a)] for a in np.linspace(0, 2 * np.pi, 68, endpoint=False)], np.float32) * 100
    points = np.repeat(face[None] + 200, 40, axis=0)  # (40, 68, 2)
    opening = 8 * np.sin(np.linspace(0, 6 * np.pi, 40))
    points[:, [65, 66, 67], 1] += opening[:, None]  # the lower inner lip moves
    signals = metrics.motion_signals(points)
    assert set(signals) == set(metrics.SIGNALS)
    assert metrics.correlation(signals["mouth"], opening) > 0.99
    assert metrics.correlation(signals["eyes"], opening) == 0.0  # the eyes did not move
    assert metrics.correlation(opening, rng.normal(size=40)) < 0.5
    still = np.repeat(face[None] + 200, 10, axis=0)
    assert metrics.jitter(still) == 0.0
    assert metrics.jitter(still + rng.normal(0, 1.0, still.shape)) > 5.0  # 1 px noise on a 100 px face


def test_reconstruction_scores_of_the_real_frame_a_blurred_one_and_a_blank_one(portrait, detector):
    image, _ = portrait
    real = [image, image]
    faces = [metrics.describe(detector, frame) for frame in real]
    same = metrics.reconstruction_scores(real, faces, real, detector)
    assert same["ssim"] == pytest.approx(1.0) and same["akd"] == pytest.approx(0.0)
    assert same["identity_distance"] == pytest.approx(0.0) and same["face_found"] == 1.0
    blurred = cv2.GaussianBlur(image, (0, 0), 4)
    blank = np.full_like(image, 128)
    worse = metrics.reconstruction_scores(real, faces, [blurred, blank], detector)
    assert worse["ssim"] < 0.95 and worse["psnr"] < same["psnr"]
    assert worse["face_found"] == 0.5 and worse["akd_missed"] == 1  # no face on the blank frame
    assert 0 < worse["identity_distance"] < metrics.SAME_PERSON_THRESHOLD and worse["identity_share"] == 1.0
