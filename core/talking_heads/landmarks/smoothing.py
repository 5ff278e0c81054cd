"""Temporal filtering of landmark tracks: the One-Euro filter and gap interpolation."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


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


def smooth_landmarks(points: np.ndarray, valid: np.ndarray, fps: float, config: OneEuroConfig) -> np.ndarray:
    """One-Euro smoothing of a track (T, 68, 2), restarted after each gap in `valid`."""
    smoothed = points.copy()
    if not valid.any():
        return smoothed
    scale = face_size(points[valid])
    for start, stop in valid_runs(valid):
        smoothed[start:stop] = one_euro(points[start:stop] / scale, fps, config) * scale
    return smoothed


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
