"""Landmark dots painted onto an image for the portrait preview (numpy only)."""
from __future__ import annotations

import numpy as np

DOT_COLOUR = (1.0, 0.15, 0.1, 1.0)


def draw_dots(image: np.ndarray, points: np.ndarray, radius: int = 2,
              colour: tuple[float, float, float, float] = DOT_COLOUR) -> np.ndarray:
    """A copy of `image` (H, W, C) float with a square dot at each (x, y) pixel of `points` (N, 2),
    whose y runs down from the top row."""
    result = image.copy()
    height, width = image.shape[:2]
    for x, y in np.rint(np.asarray(points)).astype(int):
        x0, x1 = max(0, x - radius), min(width, x + radius + 1)
        y0, y1 = max(0, y - radius), min(height, y + radius + 1)
        if x0 < x1 and y0 < y1:
            result[y0:y1, x0:x1] = colour[: image.shape[2]]
    return result


def blender_rows(image: np.ndarray) -> np.ndarray:
    """Flip between top-down rows and Blender's bottom-up pixel rows (its own inverse)."""
    return image[::-1]


def preview_size(size: tuple[int, int], longest: int = 256) -> tuple[int, int]:
    """(width, height) of a preview no longer than `longest` on its longer side."""
    scale = min(1.0, longest / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
