"""Procedural motions made from the source's own landmarks."""
from __future__ import annotations

import numpy as np
import pytest

from talking_heads.errors import InputError
from talking_heads.landmarks.face_model import MEAN_FACE, face_scale
from talking_heads.landmarks.motions import MOTIONS, procedural_motion
from talking_heads.landmarks.pose import fit_pose, rotation_angles
from talking_heads.landmarks.retarget import eye_opening, mouth_opening

IMAGE_SIZE = (640, 480)


@pytest.fixture(scope="module")
def face() -> np.ndarray:
    """A frontal face of 120 px between the eye corners with a closed mouth, in a 640x480 image."""
    points = MEAN_FACE[:, :2] * 120 + (320, 200)
    points[[61, 62, 63]] = points[[67, 66, 65]] = (points[[61, 62, 63]] + points[[67, 66, 65]]) / 2
    return points.astype(np.float32)


def _angles(track, face) -> np.ndarray:
    """(T, 3) yaw, pitch, roll in degrees, measured back from the landmarks."""
    return np.degrees(rotation_angles(fit_pose(track.points.astype(np.float64), face.astype(np.float64)).rotation))


@pytest.mark.parametrize("name", MOTIONS)
def test_every_motion_is_a_deterministic_track_from_rest_to_rest(name, face):
    track = procedural_motion(name, face, fps=30.0, duration=3.0, image_size=IMAGE_SIZE, seed=3)
    assert track.points.shape == (90, 68, 2) and track.valid.all()
    assert track.size == IMAGE_SIZE and track.fps == 30.0
    assert np.abs(track.points[0] - face).max() < 1e-3
    assert np.abs(track.points[-1] - face).max() < 0.01 * face_scale(face)  # so motions can be chained
    assert np.ptp(track.points, axis=0).max() > 2.0  # it moves
    again = procedural_motion(name, face, fps=30.0, duration=3.0, image_size=IMAGE_SIZE, seed=3)
    assert np.array_equal(track.points, again.points)
    steps = np.linalg.norm(np.diff(track.points, axis=0), axis=-1).max(axis=1)
    assert steps.max() < 0.1 * face_scale(face)  # smooth: no point jumps a tenth of a face in a frame


def test_seed_and_intensity_change_the_motion(face):
    one = procedural_motion("talk", face, image_size=IMAGE_SIZE, seed=1).points
    other = procedural_motion("talk", face, image_size=IMAGE_SIZE, seed=2).points
    assert np.abs(one - other).max() > 5.0
    still = procedural_motion("talk", face, image_size=IMAGE_SIZE, intensity=0.0).points
    assert np.abs(still - face).max() < 1e-3


def test_unknown_motion_lists_the_known_ones(face):
    with pytest.raises(InputError) as error:
        procedural_motion("dance", face, image_size=IMAGE_SIZE)
    assert all(name in str(error.value) for name in MOTIONS)
    with pytest.raises(InputError):
        procedural_motion("nod", face, duration=0.0, image_size=IMAGE_SIZE)


def test_nod_tilts_the_head_about_ten_degrees(face):
    pitch = _angles(procedural_motion("nod", face, duration=4.0, image_size=IMAGE_SIZE), face)[:, 1]
    assert 8.0 < pitch.max() < 12.0
    gentle = _angles(procedural_motion("nod", face, duration=4.0, intensity=0.5, image_size=IMAGE_SIZE), face)
    assert gentle[:, 1].max() == pytest.approx(pitch.max() / 2, rel=0.1)


def test_shake_turns_the_head_both_ways(face):
    yaw = _angles(procedural_motion("shake", face, duration=3.0, image_size=IMAGE_SIZE), face)[:, 0]
    assert yaw.max() > 10.0 and yaw.min() < -10.0 and np.abs(yaw).max() < 18.0


def test_blinks_close_the_eyes_for_about_150_ms(face):
    fps = 100.0
    track = procedural_motion("blink", face, fps=fps, duration=5.0, image_size=IMAGE_SIZE, seed=0)
    openness = eye_opening(track.points) / eye_opening(face)
    assert openness.min() < 0.05  # fully shut
    shut = openness < 0.5
    starts = np.flatnonzero(np.diff(shut.astype(int)) == 1)
    assert 2 <= len(starts) <= 5  # one every 1-2.5 s
    assert 0.04 < shut.sum() / len(starts) / fps < 0.12  # half-closed for under a tenth of a second
    assert np.abs(mouth_opening(track.points)).max() < 1e-3  # nothing else moves


def test_talk_opens_the_jaw_in_syllables(face):
    fps = 50.0
    track = procedural_motion("talk", face, fps=fps, duration=8.0, image_size=IMAGE_SIZE, seed=0)
    opening = mouth_opening(track.points) / face_scale(track.points)
    assert opening.max() > 0.15 and opening.min() > -0.01
    peaks = (opening[1:-1] > opening[:-2]) & (opening[1:-1] >= opening[2:]) & (opening[1:-1] > 0.05)
    assert 2.5 < peaks.sum() / 8.0 < 6.0  # syllables per second, pauses included
    chin_drop = track.points[:, 8, 1] - face[8, 1]
    assert np.corrcoef(chin_drop, opening)[0, 1] > 0.8  # the jaw opens, not just the lips


def test_smile_widens_and_lifts_the_mouth_corners(face):
    track = procedural_motion("smile", face, duration=3.0, image_size=IMAGE_SIZE)
    middle = track.points[len(track) // 2]
    width = np.linalg.norm(middle[54] - middle[48]) / np.linalg.norm(face[54] - face[48])
    assert width > 1.1
    corners_rise = (face[[48, 54], 1] - middle[[48, 54], 1]).mean() - (face[57, 1] - middle[57, 1])
    assert corners_rise > 0.03 * face_scale(face)
    assert np.abs(track.points[-1] - face).max() < 0.02 * face_scale(face)  # and relaxes at the end


def test_idle_loops_seamlessly(face):
    track = procedural_motion("idle", face, fps=25.0, duration=6.0, image_size=IMAGE_SIZE, seed=5)
    steps = np.linalg.norm(np.diff(track.points, axis=0), axis=-1).max(axis=1)
    wrap = np.linalg.norm(track.points[0] - track.points[-1], axis=-1).max()
    assert wrap <= 1.5 * np.median(steps)  # the jump from the last frame back to the first is an ordinary step
    assert np.ptp(track.points, axis=0).max() > 1.0
    assert np.abs(eye_opening(track.points[[0, -1]]) - eye_opening(face)).max() < 0.05 * eye_opening(face)
