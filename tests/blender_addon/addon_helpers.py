"""Measurements the add-on's tests make on its results."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def finished_frames(folder: Path) -> int:
    """Frames frame_000001.png, frame_000002.png, ... present in `folder` without a gap."""
    count = 0
    while (Path(folder) / f"frame_{count + 1:06d}.png").is_file():
        count += 1
    return count


def mouth_opening(points: np.ndarray) -> float:
    """Gap between the inner lips (mean of three vertical pairs of the 68 landmarks, image y down)."""
    points = np.asarray(points)
    return float(np.mean([points[low, 1] - points[top, 1] for top, low in ((61, 67), (62, 66), (63, 65))]))
