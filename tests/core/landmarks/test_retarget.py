"""Retargeting: the driver's motion on the source's own face shape."""
from __future__ import annotations

import numpy as np
import pytest

from talking_heads import media
from talking_heads.errors import InputError
from talking_heads.landmarks import detect_largest_face, make_detector, track_frames
from talking_heads.landmarks.action_units import action_units
from talking_heads.landmarks.face_model import face_scale, rigid_centre
from talking_heads.landmarks.pose import (apply_similarity, fit_pose, rotation_angles, rotation_matrix,
                                          scale_rotation, similarity)
from talking_heads.landmarks.retarget import (RetargetConfig, choose_neutral_frame, eye_opening, mouth_opening,
                                              retarget)
from talking_heads.landmarks.topology import RIGID
from talking_heads.landmarks.track import LandmarkTrack

DRIVER_FRAMES = 150  # 6 s of d12 (a man with glasses talking, light head motion)
# Tolerances stated for the real-data test:
NEUTRAL_TOLERANCE = 0.01  # face units (about 1% of the eye-corner distance)
MIN_CORRELATION = 0.95  # of mouth opening, eye-line angle and nose-offset yaw with the driver's


@pytest.fixture(scope="module")
def portrait_points(portraits_dir) -> np.ndarray:
    image = media.read_image(portraits_dir / "s42.jpg")  # a young woman, frontal
    return detect_largest_face(make_detector("dlib"), image).points


@pytest.fixture(scope="module")
def driver(clips_dir) -> LandmarkTrack:
    with media.VideoReader(clips_dir / "d12.mp4") as reader:
        track, _ = track_frames(reader.frames(0, DRIVER_FRAMES), make_detector("dlib"), fps=25.0)
    return track


def _roll_degrees(points: np.ndarray) -> np.ndarray:
    """Eye-line angle, an estimator independent of the retargeting's own pose fit."""
    line = points[..., 45, :] - points[..., 36, :]
    return np.degrees(np.arctan2(line[..., 1], line[..., 0]))


def _yaw_proxy(points: np.ndarray) -> np.ndarray:
    """Nose tip offset from the middle of the face outline, in face units."""
    return (points[..., 30, 0] - (points[..., 0, 0] + points[..., 16, 0]) / 2) / face_scale(points)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_driving_a_portrait_keeps_its_face_and_takes_the_motion(portrait_points, driver):
    result = retarget(portrait_points, driver)
    assert result.shape == (DRIVER_FRAMES, 68, 2) and result.dtype == np.float32

    neutral = choose_neutral_frame(driver.points, driver.fps)
    error = np.abs(result[neutral] - portrait_points).max() / face_scale(portrait_points)
    assert error < NEUTRAL_TOLERANCE

    # The driver's own face differs from the portrait's by far more than the tolerance.
    aligned = apply_similarity(*similarity(driver.points[neutral], portrait_points), driver.points[neutral])
    assert np.abs(aligned - portrait_points).max() / face_scale(portrait_points) > 5 * NEUTRAL_TOLERANCE

    driver_mouth = mouth_opening(driver.points) / face_scale(driver.points)
    assert np.ptp(driver_mouth) > 0.1  # the clip really talks
    assert _correlation(mouth_opening(result) / face_scale(result), driver_mouth) > MIN_CORRELATION
    assert np.ptp(_roll_degrees(driver.points)) > 5  # and really moves its head
    assert _correlation(_roll_degrees(result), _roll_degrees(driver.points)) > MIN_CORRELATION
    assert _correlation(_yaw_proxy(result), _yaw_proxy(driver.points)) > MIN_CORRELATION


def test_calm_frames_keep_the_portraits_proportions(portrait_points, driver):
    """Where the driver's head is near its neutral pose, the rigid face shape is the portrait's,
    not the driver's (what driving with raw landmarks would give)."""
    result = retarget(portrait_points, driver).astype(np.float64)
    neutral = choose_neutral_frame(driver.points, driver.fps)
    pose = fit_pose(driver.points.astype(np.float64), driver.points[neutral].astype(np.float64))
    calm = np.abs(np.degrees(rotation_angles(pose.rotation))).max(axis=1) < 3
    assert calm.sum() >= 10

    def shape_distance(frames: np.ndarray) -> np.ndarray:
        rigid = frames[calm][:, list(RIGID)].astype(np.float64)
        target = portrait_points[list(RIGID)].astype(np.float64)
        aligned = apply_similarity(*similarity(rigid, target), rigid)
        return np.linalg.norm(aligned - target, axis=-1).mean(axis=-1) / face_scale(portrait_points)

    ours, raw = shape_distance(result), shape_distance(driver.points)
    assert ours.mean() < 0.5 * raw.mean()


def _moving_copies(points: np.ndarray, frames: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Frames of a face turned in the image plane, scaled and moved; and the per-frame angles."""
    angle = np.radians(12) * np.sin(np.linspace(0, 2 * np.pi, frames))
    scale = 1 + 0.1 * np.sin(np.linspace(0, np.pi, frames))
    a = scale * np.exp(1j * angle)
    centre = rigid_centre(points)
    b = (centre[0] + 1j * centre[1]) * (1 - a) + (5 + 3j) * np.sin(np.linspace(0, np.pi, frames))
    return apply_similarity(a, b, np.broadcast_to(points, (frames, 68, 2))), angle


@pytest.fixture(scope="module")
def synthetic_face(portrait_points) -> np.ndarray:
    return portrait_points.astype(np.float64)


def test_same_face_as_driver_gives_the_driver_back(synthetic_face):
    moving, _ = _moving_copies(synthetic_face)
    moving[:, 48:68] += action_units(synthetic_face)["jaw_open"][48:68] * np.linspace(0, 1, len(moving))[:, None, None]
    driver = LandmarkTrack(moving, np.ones(len(moving), bool), (512, 512), 25.0)
    result = retarget(synthetic_face, driver, RetargetConfig(neutral_frame=0))
    assert np.abs(result - moving).max() < 0.02 * face_scale(synthetic_face)


def test_strength_controls(synthetic_face):
    moving, angle = _moving_copies(synthetic_face)
    opening = action_units(synthetic_face)["jaw_open"] * np.linspace(0, 1, len(moving))[:, None, None]
    driver = LandmarkTrack(moving + opening, np.ones(len(moving), bool), (512, 512), 25.0)

    def run(**options) -> np.ndarray:
        return retarget(synthetic_face, driver, RetargetConfig(neutral_frame=0, **options))

    still_mouth = run(expression=0.0)
    relative = mouth_opening(still_mouth) / face_scale(still_mouth)
    assert np.allclose(relative, mouth_opening(synthetic_face) / face_scale(synthetic_face), atol=0.002)
    full = mouth_opening(run()) - mouth_opening(synthetic_face)
    half = mouth_opening(run(expression=0.5)) - mouth_opening(synthetic_face)
    assert full[-1] > 5 and abs(half[-1] / full[-1] - 0.5) < 0.1

    assert np.ptp(_roll_degrees(run(head_motion=0.0))) < 0.1
    half_turn = _roll_degrees(run(head_motion=0.5)) - _roll_degrees(synthetic_face)
    assert np.allclose(half_turn, np.degrees(angle) / 2, atol=0.3)

    fixed_place = run(follow_position=False)
    assert np.abs(rigid_centre(fixed_place) - rigid_centre(synthetic_face)).max() < 0.5
    assert np.abs(rigid_centre(run()) - rigid_centre(synthetic_face)).max() > 4
    assert np.ptp(face_scale(run(follow_scale=False))) < 0.01 * face_scale(synthetic_face)
    assert np.ptp(face_scale(run())) > 0.05 * face_scale(synthetic_face)


def test_smoothing_is_a_gaussian_in_seconds(synthetic_face):
    """A one-frame jump of the driver spreads over time with a width in seconds, whatever the fps."""
    for fps in (25.0, 50.0):
        frames = np.repeat(synthetic_face[None], 101, axis=0)
        frames[50] += 4.0  # the whole face jumps right for one frame
        driver = LandmarkTrack(frames, np.ones(101, bool), (512, 512), fps)
        raw = retarget(synthetic_face, driver, RetargetConfig(neutral_frame=0))
        assert np.allclose(raw[:, 0, 0] - raw[0, 0, 0], (np.arange(101) == 50) * 4.0, atol=1e-3)
        smooth = retarget(synthetic_face, driver, RetargetConfig(neutral_frame=0, smoothing=0.1))
        response = smooth[:, 0, 0] - smooth[0, 0, 0]
        assert response.sum() == pytest.approx(4.0, rel=0.02)
        spread = np.sqrt((response * (np.arange(101) - 50) ** 2).sum() / response.sum())
        assert spread == pytest.approx(0.1 * fps, rel=0.1)  # sigma: 0.1 s in frames
    with pytest.raises(InputError):
        retarget(synthetic_face, driver, RetargetConfig(smoothing=-1.0))


def test_neutral_frame_is_the_calmest_of_the_first_second(synthetic_face):
    units = action_units(synthetic_face)
    weights = np.array([0.6, 0.4, 0.5, 0.0, 0.1] + [0.5] * 20 + [0.0] * 5)  # closed at frame 3, and after 1 s
    points = synthetic_face + weights[:, None, None] * units["jaw_open"]
    points[10:13] += units["blink"]  # a blink is not neutral either
    assert choose_neutral_frame(points, fps=25.0) == 3
    points[3] += units["blink"]
    assert choose_neutral_frame(points, fps=25.0) == 4  # the least open with open eyes


def test_bad_inputs_are_reported(synthetic_face):
    driver = LandmarkTrack(np.broadcast_to(synthetic_face, (5, 68, 2)), np.ones(5, bool), (512, 512), 25.0)
    with pytest.raises(InputError, match="neutral frame 9"):
        retarget(synthetic_face, driver, RetargetConfig(neutral_frame=9))
    with pytest.raises(InputError, match="68"):
        retarget(synthetic_face[:60], driver)
    holes = driver.points.copy()
    holes[2] = 0.0  # a frame without a face, not filled
    with pytest.raises(InputError, match="frame 2"):
        retarget(synthetic_face, LandmarkTrack(holes, np.arange(5) != 2, (512, 512), 25.0))


def test_pose_helpers_round_trip():
    angles = np.radians([[10.0, -5.0, 3.0], [-20.0, 8.0, -12.0]])
    rotation = rotation_matrix(angles[:, 0], angles[:, 1], angles[:, 2])
    assert np.allclose(rotation_angles(rotation), angles)
    assert np.allclose(rotation @ np.swapaxes(rotation, 1, 2), np.eye(3))
    half = scale_rotation(rotation, 0.5)
    assert np.allclose(half @ half, rotation)


def test_eye_and_mouth_openings_follow_the_units(synthetic_face):
    units = action_units(synthetic_face)
    closed = synthetic_face + units["blink"]
    assert abs(eye_opening(closed)) < 0.05 * eye_opening(synthetic_face)
    opened = synthetic_face + units["jaw_open"]
    assert mouth_opening(opened) - mouth_opening(synthetic_face) > 0.25 * face_scale(synthetic_face)
