"""Retargeting (landmark adaptation): move a driver's motion onto the source's own face.

Driving a portrait with another person's landmarks would give it the driver's face shape.
Instead the motion is transferred relative to the driver's neutral frame:

1. Head pose: each driver frame's rotation (yaw, pitch and roll), scale and shift relative to the
   neutral frame, fitted on the rigid points with the mean face's depth (`pose.fit_pose`).
2. Expression: what the pose does not explain, the driver's landmarks minus its posed neutral
   frame, brought back into the neutral frame's orientation and size.
3. The expression offsets are mapped onto the source: rotated and scaled by the similarity from
   the driver's neutral face to the source's, then stretched per facial part (jaw, brows, nose,
   each eye, mouth) and per face axis by the ratio of the source's part size to the driver's, so
   that a blink closes the source's eyes exactly and a wide-mouthed driver does not widen the
   source's mouth beyond its proportions.
4. The source's landmarks plus the offsets are posed with the driver's relative pose, about the
   source's own face centre.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talking_heads.errors import InputError
from talking_heads.options import Options, option
from talking_heads.landmarks.face_model import MEAN_FACE, face_scale, rigid_centre
from talking_heads.landmarks.pose import (HeadPose, apply_similarity, fit_pose, lift, project, roll_conjugate,
                                          rotate_2d, scale_rotation, similarity)
from talking_heads.landmarks.topology import (BROWS, INNER_LIPS, JAW, LEFT_EYE, NOSE, NUM_POINTS, OUTER_LIPS,
                                              RIGHT_EYE, RIGID)
from talking_heads.landmarks.track import LandmarkTrack

_RIGID = list(RIGID)
_MOUTH = OUTER_LIPS + INNER_LIPS
# Per facial part: (its points, the points whose width and whose height set its stretch). The
# mouth opens with the jaw, so its vertical stretch follows the lower face, not the lips' thickness.
_PARTS = ((JAW, JAW, JAW), (BROWS, BROWS, BROWS), (NOSE, NOSE, NOSE), (RIGHT_EYE, RIGHT_EYE, RIGHT_EYE),
          (LEFT_EYE, LEFT_EYE, LEFT_EYE), (_MOUTH, _MOUTH, JAW))
_PART_RATIO_LIMITS = (0.67, 1.5)  # how far the per-part stretch of expression offsets may go
_UPPER_INNER_LIP, _LOWER_INNER_LIP = [61, 62, 63], [67, 66, 65]
_UPPER_LIDS, _LOWER_LIDS = [37, 38, 43, 44], [41, 40, 47, 46]


@dataclass(frozen=True)
class RetargetConfig(Options):
    """How much of the driver's motion reaches the source."""

    expression: float = option(1.0, at_least=0, at_most=4,
                               help="expression strength (0 keeps the portrait's expression)")
    head_motion: float = option(1.0, at_least=0, at_most=4,
                                help="strength of the head's rigid motion: rotation angle, scale and shift")
    follow_position: bool = option(True, help="follow the driver's movement in the frame (relative to its "
                                              "neutral frame); --no-follow-position keeps the head where it is")
    follow_scale: bool = option(True, help="follow the driver's scale changes; --no-follow-scale keeps the "
                                           "head's size")
    smoothing: float = option(0.0, at_least=0, at_most=10,
                              help="seconds: sigma of a Gaussian over time on the retargeted landmarks, 0 = none")
    neutral_frame: int | None = option(None, at_least=0,
                                       help="driver frame with a neutral face (default: chosen automatically)")


def _down_axis(points: np.ndarray) -> np.ndarray:
    """Unit vector pointing down the face, perpendicular to the eye-corner line. (..., 68, 2) -> (..., 2)"""
    right = points[..., 45, :] - points[..., 36, :]
    return np.stack([-right[..., 1], right[..., 0]], axis=-1) / np.linalg.norm(right, axis=-1, keepdims=True)


def _pair_gaps(points: np.ndarray, upper: list[int], lower: list[int]) -> np.ndarray:
    """Signed distances from upper to lower points along the face's down axis, pixels (..., K)."""
    return ((points[..., lower, :] - points[..., upper, :]) * _down_axis(points)[..., None, :]).sum(axis=-1)


def _vertical_gap(points: np.ndarray, upper: list[int], lower: list[int]) -> np.ndarray:
    """Mean signed upper-to-lower distance, pixels: negative when they cross. (..., 68, 2) -> (...)"""
    return _pair_gaps(points, upper, lower).mean(axis=-1)


def mouth_opening(points: np.ndarray) -> np.ndarray:
    """Gap between the upper and lower inner lip, pixels. points (..., 68, 2) -> (...)."""
    return _vertical_gap(points, _UPPER_INNER_LIP, _LOWER_INNER_LIP)


def eye_opening(points: np.ndarray) -> np.ndarray:
    """Gap between the upper and lower eyelids of both eyes, pixels. points (..., 68, 2) -> (...)."""
    return _vertical_gap(points, _UPPER_LIDS, _LOWER_LIDS)


def choose_neutral_frame(points: np.ndarray, fps: float) -> int:
    """The most neutral frame of the first second of a track (T, 68, 2).

    Criterion, all in face units (`face_model.face_scale`), smallest sum wins: the inner-mouth
    opening, plus how far the eye opening is from its median over that second (not blinking, not
    wide-eyed), plus the mean distance of the pose-aligned shape from that second's mean shape.
    """
    window = np.asarray(points[: max(1, int(round(fps)))], np.float64)  # (W, 68, 2)
    scale = face_scale(window)
    eyes = eye_opening(window) / scale
    mean_shape = window.mean(axis=0)
    aligned = apply_similarity(*similarity(window, mean_shape), window)
    deviation = np.linalg.norm(aligned - aligned.mean(axis=0), axis=-1).mean(axis=-1) / scale
    score = mouth_opening(window) / scale + np.abs(eyes - np.median(eyes)) + deviation
    return int(np.argmin(score))


def retarget(source_points: np.ndarray, driver: LandmarkTrack, config: RetargetConfig = RetargetConfig()) -> np.ndarray:
    """The driver's motion on the source's face: source (68, 2) in source-image pixels,
    driver track (T, 68, 2) -> (T, 68, 2) float32 in source-image pixels."""
    source = _checked_source(source_points)
    points = driver.points.astype(np.float64)
    if len(points) == 0:
        raise InputError("the driver has no frames; give a clip or track with at least one frame")
    flat = np.flatnonzero(face_scale(points) < 1e-3)
    if len(flat):
        raise InputError(f"the driver's landmarks collapse to a point in {len(flat)} frames (first: frame "
                         f"{flat[0]}); fill frames without a face before retargeting (track_input does)")
    neutral = points[_neutral_index(driver, config)]
    pose = fit_pose(points, neutral)
    to_source = similarity(neutral[_RIGID], source[_RIGID])[0]  # driver neutral -> source: scale and angle
    residual, unposed = _expression(points, neutral, pose)
    offsets = _PartStretch(neutral, source, to_source).apply(residual, config.expression * unposed)
    result = _uncrossed(project(lift(source), _source_pose(pose, to_source, config), rigid_centre(source), offsets))
    return _smooth_over_time(result, driver.fps, config.smoothing).astype(np.float32)


def _checked_source(source_points: np.ndarray) -> np.ndarray:
    source = np.asarray(source_points, np.float64)
    if source.shape != (NUM_POINTS, 2) or not np.isfinite(source).all():
        raise InputError(f"source landmarks must be 68 finite (x, y) points, got an array of shape {source.shape}")
    return source


def _neutral_index(driver: LandmarkTrack, config: RetargetConfig) -> int:
    if config.neutral_frame is None:
        return choose_neutral_frame(driver.points, driver.fps)
    if not 0 <= config.neutral_frame < len(driver):
        raise InputError(f"neutral frame {config.neutral_frame} is outside the driver's {len(driver)} frames "
                         f"(0 to {len(driver) - 1}); pick one of them or leave it unset to choose automatically")
    return config.neutral_frame


def _expression(points: np.ndarray, neutral: np.ndarray, pose: HeadPose) -> tuple[np.ndarray, np.ndarray]:
    """What the head pose does not explain: the residual (T, 68, 2) in image pixels, and per frame
    (T,) the complex factor that turns it back into the neutral frame's orientation and size."""
    residual = points - project(lift(neutral), pose, rigid_centre(neutral))
    block = pose.rotation[:, :2, :2]
    roll = np.arctan2(block[:, 1, 0] - block[:, 0, 1], block[:, 0, 0] + block[:, 1, 1])
    return residual, np.exp(-1j * roll) / pose.scale


class _PartStretch:
    """Maps expression offsets from the driver's neutral face onto the source's face."""

    def __init__(self, neutral: np.ndarray, source: np.ndarray, to_source: complex):
        self.to_source = to_source
        self.upright = np.exp(-1j * np.angle(similarity(MEAN_FACE[_RIGID, :2], source[_RIGID])[0]))
        driver_on_source = rotate_2d(neutral - rigid_centre(neutral), to_source * self.upright)
        source_upright = rotate_2d(source - rigid_centre(source), self.upright)
        self.ratio = np.ones((NUM_POINTS, 2))
        for part, width_from, height_from in _PARTS:
            for axis, reference in enumerate((list(width_from), list(height_from))):
                extent_source = np.ptp(source_upright[reference, axis])
                extent_driver = max(np.ptp(driver_on_source[reference, axis]), 1e-6)
                self.ratio[list(part), axis] = np.clip(extent_source / extent_driver, *_PART_RATIO_LIMITS)

    def apply(self, offsets: np.ndarray, factor: np.ndarray) -> np.ndarray:
        """offsets (T, 68, 2) times per-frame complex factors (T,) are in driver-neutral pixels;
        -> source pixels: turned onto the upright source, stretched per part, turned back."""
        turn = (factor * self.to_source * self.upright)[:, None]  # (T, 1)
        x, y = offsets[..., 0], offsets[..., 1]
        upright_x, upright_y = turn.real * x - turn.imag * y, turn.imag * x + turn.real * y  # (T, 68) each
        back = np.conj(self.upright)
        stretch_x, stretch_y = self.ratio.T  # (68,) each
        return np.stack([back.real * stretch_x * upright_x - back.imag * stretch_y * upright_y,
                         back.imag * stretch_x * upright_x + back.real * stretch_y * upright_y], axis=-1)


def _uncrossed(points: np.ndarray) -> np.ndarray:
    """Where a lower lip or eyelid point ended above its upper partner (expression offsets larger
    than the source's opening), move both to their midpoint. points (T, 68, 2), changed in place."""
    for upper, lower in ((_UPPER_INNER_LIP, _LOWER_INNER_LIP), (_UPPER_LIDS, _LOWER_LIDS)):
        overlap = np.minimum(_pair_gaps(points, upper, lower), 0.0)[..., None] / 2  # (T, K, 1)
        step = overlap * _down_axis(points)[:, None, :]  # (T, K, 2)
        points[:, upper] += step
        points[:, lower] -= step
    return points


def _source_pose(pose: HeadPose, to_source: complex, config: RetargetConfig) -> HeadPose:
    """The driver's relative pose, scaled by the strengths and turned into the source's frame."""
    strength = config.head_motion
    rotation = roll_conjugate(scale_rotation(pose.rotation, strength), float(np.angle(to_source)))
    scale = pose.scale ** strength if config.follow_scale else np.ones_like(pose.scale)
    shift = strength * rotate_2d(pose.shift[:, None], to_source)[:, 0]
    return HeadPose(rotation, scale, shift if config.follow_position else np.zeros_like(shift))


def _smooth_over_time(points: np.ndarray, fps: float, seconds: float) -> np.ndarray:
    """Gaussian filter along time (sigma in seconds), edges held. points (T, 68, 2)."""
    if seconds < 0:
        raise InputError(f"smoothing must be zero or a positive number of seconds, got {seconds}")
    sigma = seconds * fps
    if sigma < 0.1 or len(points) < 2:
        return points
    kernel = cv2.getGaussianKernel(2 * int(np.ceil(3 * sigma)) + 1, sigma).astype(np.float32)
    flat = points.reshape(len(points), -1).astype(np.float32)
    smoothed = cv2.sepFilter2D(flat, -1, np.ones(1, np.float32), kernel, borderType=cv2.BORDER_REPLICATE)
    return smoothed.reshape(points.shape)
