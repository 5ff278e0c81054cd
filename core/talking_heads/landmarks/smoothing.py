"""Temporal filtering of landmark tracks: the One-Euro filter and gap interpolation.

A track is smoothed in two layers, so that removing jitter does not damp speech:

- the rigid head: per frame, the similarity (position, size, roll) that maps a reference shape
  onto the frame's rigid points, filtered as four numbers;
- the face's shape in the head's own frame (the landmarks with that similarity undone): the lips
  and eyelids, which move fast when talking and blinking, with a light filter that keeps the
  mouth's opening and its range; the outline, brows and nose with the head's stronger one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from talking_heads.landmarks.pose import apply_similarity, similarity
from talking_heads.landmarks.topology import INNER_LIPS, LEFT_EYE, NUM_POINTS, OUTER_LIPS, RIGHT_EYE, RIGID

_RIGID = list(RIGID)
_FAST = list(OUTER_LIPS + INNER_LIPS + RIGHT_EYE + LEFT_EYE)
_SLOW = sorted(set(range(NUM_POINTS)) - set(_FAST))


@dataclass(frozen=True)
class OneEuroConfig:
    """One-Euro filter (Casiez et al., CHI 2012) on landmarks measured in face sizes.

    Coordinates are divided by the face's size before filtering, so the parameters hold at
    any resolution. A lower `min_cutoff` smooths more when still; a higher `beta` follows fast
    motion more closely (less lag).
    """

    min_cutoff: float = 1.0  # Hz
    beta: float = 3.0  # cutoff increase per (face size / s) of speed
    d_cutoff: float = 1.0  # Hz, for the speed estimate


def _fast_parts() -> OneEuroConfig:
    return OneEuroConfig(min_cutoff=4.0, beta=30.0, d_cutoff=4.0)


@dataclass(frozen=True)
class LandmarkSmoothing:
    """One-Euro settings per layer of a track (see the module's docstring)."""

    head: OneEuroConfig = field(default_factory=OneEuroConfig)  # the rigid head's similarity
    shape: OneEuroConfig = field(default_factory=OneEuroConfig)  # outline, brows and nose in the head's frame
    lips_and_eyes: OneEuroConfig = field(default_factory=_fast_parts)  # lips and eyelids in the head's frame


def _alpha(cutoff: np.ndarray | float, fps: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau * fps)


def one_euro(signal: np.ndarray, fps: float, config: OneEuroConfig) -> np.ndarray:
    """Filter a signal (T, ...) along time; every other axis is filtered independently."""
    filtered = np.empty_like(signal, dtype=np.float64)
    if len(signal) == 0:
        return filtered.astype(signal.dtype)
    previous = filtered[0] = signal[0]
    speed = np.zeros_like(previous, dtype=np.float64)
    speed_alpha = _alpha(config.d_cutoff, fps)
    for t in range(1, len(signal)):
        raw_speed = (signal[t] - previous) * fps
        speed = speed + speed_alpha * (raw_speed - speed)
        alpha = _alpha(config.min_cutoff + config.beta * np.abs(speed), fps)
        previous = filtered[t] = previous + alpha * (signal[t] - previous)
    return filtered.astype(signal.dtype)


def face_size(points: np.ndarray) -> float:
    """A robust face size in pixels: the median landmark-box diagonal. points (..., 68, 2)."""
    extent = points.max(axis=-2) - points.min(axis=-2)
    return float(np.median(np.linalg.norm(extent.reshape(-1, 2), axis=-1)))


def valid_runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index ranges of consecutive True values."""
    edges = np.diff(np.concatenate([[0], valid.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def smooth_landmarks(points: np.ndarray, valid: np.ndarray, fps: float,
                     config: LandmarkSmoothing = LandmarkSmoothing()) -> np.ndarray:
    """Smooth a track (T, 68, 2) head and shape apart, restarted after each gap in `valid`."""
    smoothed = points.copy()
    if not valid.any():
        return smoothed
    scale = face_size(points[valid])
    for start, stop in valid_runs(valid):
        smoothed[start:stop] = _smooth_run(points[start:stop].astype(np.float64) / scale, fps, config) * scale
    return smoothed


def _smooth_run(points: np.ndarray, fps: float, config: LandmarkSmoothing) -> np.ndarray:
    """points (T, 68, 2) in face sizes -> smoothed (T, 68, 2)."""
    reference = points[0, _RIGID] - points[0, _RIGID].mean(axis=0)  # (R, 2) centred on its rigid points
    a, b = similarity(reference, points[:, _RIGID])  # (T,) complex each: head frame -> image
    in_head = apply_similarity(1 / a, -b / a, points)  # (T, 68, 2) the shape in the head's frame
    head = one_euro(np.stack([a.real, a.imag, b.real, b.imag], axis=-1), fps, config.head)  # (T, 4)
    shape = np.empty_like(in_head)
    shape[:, _SLOW] = one_euro(in_head[:, _SLOW], fps, config.shape)
    shape[:, _FAST] = one_euro(in_head[:, _FAST], fps, config.lips_and_eyes)
    return apply_similarity(head[:, 0] + 1j * head[:, 1], head[:, 2] + 1j * head[:, 3], shape)


def fill_gaps(points: np.ndarray, valid: np.ndarray, max_gap: int) -> tuple[np.ndarray, int, int]:
    """Fill frames without a face: interpolate gaps of up to `max_gap` frames between two
    valid frames, hold the nearest valid frame elsewhere.

    Returns the filled points (T, 68, 2), the number of interpolated and of held frames.
    """
    filled = points.copy()
    if valid.all() or not valid.any():
        return filled, 0, 0
    valid_index = np.flatnonzero(valid)
    interpolated = held = 0
    missing_runs = valid_runs(~valid)
    for start, stop in missing_runs:
        before, after = start - 1, stop
        if before >= 0 and after < len(valid) and stop - start <= max_gap:
            weights = ((np.arange(start, stop) - before) / (after - before))[:, None, None]
            filled[start:stop] = (1 - weights) * points[before] + weights * points[after]
            interpolated += stop - start
        else:
            nearest = valid_index[np.abs(valid_index[None, :] - np.arange(start, stop)[:, None]).argmin(axis=1)]
            filled[start:stop] = points[nearest]
            held += stop - start
    return filled, interpolated, held
