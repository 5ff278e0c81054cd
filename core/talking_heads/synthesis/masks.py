"""Paste-back masks: where a rendered crop replaces the original picture, feathered at the edges."""
from __future__ import annotations

import cv2
import numpy as np

from talking_heads.landmarks.topology import BROWS

_CHIN, _NOSE_TOP = 8, 27


def face_mask(points: np.ndarray, size: int, grow: float = 0.04, feather: float = 0.05) -> np.ndarray:
    """A soft mask over the face and forehead that follows the landmarks.

    points: (68, 2) crop pixels. grow, feather: fractions of `size` by which the face hull is
    enlarged and over which its edge fades. Returns (size, size) float32 in [0, 1].
    """
    up = points[_NOSE_TOP] - points[_CHIN]  # chin -> top of the nose: the face's up direction
    forehead = points[list(BROWS)] + 0.45 * up
    hull = cv2.convexHull(np.concatenate([points, forehead]).astype(np.float32)).astype(np.int32)
    mask = np.zeros((size, size), np.uint8)
    cv2.fillConvexPoly(mask, hull, 255, lineType=cv2.LINE_AA)
    grow_px = max(1, int(round(grow * size)))
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow_px + 1, 2 * grow_px + 1)))
    sigma = max(0.5, feather * size / 2)
    return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), sigma)
