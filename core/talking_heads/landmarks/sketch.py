"""Rasterise landmarks as the paper's landmark sketch: each part a coloured polyline on black."""
from __future__ import annotations

import cv2
import numpy as np

from talking_heads.landmarks.topology import NUM_POINTS, PARTS

_SUBPIXEL_BITS = 4


def line_thickness(size: int) -> int:
    """Line thickness for a canvas whose shorter side is `size` pixels (2 px at 256)."""
    return max(1, round(size / 128))


def draw_sketch(points: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Draw one landmark sketch.

    points: (68, 2) float, pixels of the output canvas (x right, y down).
    size: canvas side, or (width, height).
    Returns uint8 (H, W, 3) RGB.
    """
    if points.shape != (NUM_POINTS, 2):
        raise ValueError(f"expected landmarks of shape (68, 2), got {points.shape}")
    width, height = (size, size) if isinstance(size, int) else size
    canvas = np.zeros((height, width, 3), np.uint8)
    thickness = line_thickness(min(width, height))
    fixed = np.round(np.asarray(points, np.float64) * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    for part in PARTS:
        cv2.polylines(canvas, [fixed[list(part.indices)]], part.closed, part.color, thickness,
                      lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
    return canvas


def draw_sketches(points: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Draw a batch: points (T, 68, 2) -> uint8 (T, H, W, 3)."""
    return np.stack([draw_sketch(frame_points, size) for frame_points in points])
