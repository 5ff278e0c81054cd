"""Landmark track files (.npz) in the project's format, written with numpy alone.

`points` (T, 68, 2) float32 in render pixels (origin top-left), `valid` (T,) bool,
`size` (W, H), `fps`, `source` (str).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

NUM_POINTS = 68


def write_track(path: str | Path, points: np.ndarray, valid: np.ndarray, size: tuple[int, int],
                fps: float, source: str) -> Path:
    """Write a track atomically (a temporary file renamed into place)."""
    path = Path(path)
    points = np.asarray(points, np.float32)
    valid = np.asarray(valid, bool)
    if points.ndim != 3 or points.shape[1:] != (NUM_POINTS, 2):
        raise ValueError(f"landmark points must have shape (T, 68, 2), got {points.shape}")
    if valid.shape != (len(points),):
        raise ValueError(f"valid must have shape ({len(points)},), got {valid.shape}")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.partial.npz")
    with open(temporary, "wb") as handle:
        np.savez(handle, points=points, valid=valid, size=np.array(size, np.int32),
                 fps=np.float64(fps), source=np.str_(source))
    os.replace(temporary, path)
    return path

