"""Expression units on a given face: landmark offsets for jaw opening, blinks, smiles and more.

Each unit at weight 1 is a full, natural-looking action (a wide-open "ah", closed eyes, a broad
smile). The offsets are built in upright face units (`face_model`), partly from the face's own
geometry (a blink closes the lids by exactly their gap), and returned in the face's pixels and
orientation, so any weighted sum of them can be added to its landmarks.
"""
from __future__ import annotations

import numpy as np

from talking_heads.landmarks.face_model import MEAN_FACE
from talking_heads.landmarks.pose import apply_similarity, rotate_2d, similarity
from talking_heads.landmarks.topology import BROWS, MIRROR, NUM_POINTS, RIGID

UNITS: tuple[str, ...] = ("jaw_open", "blink", "smile", "brow_raise", "pucker")

_JAW_DROP = 0.32  # face units the lower inner lip drops at full opening
# How much of the jaw drop each point follows.
_JAW_FOLLOW = {65: 1.0, 66: 1.0, 67: 1.0, 56: 1.0, 57: 1.0, 58: 1.0, 55: 0.85, 59: 0.85, 60: 0.45, 64: 0.45,
               48: 0.4, 54: 0.4, 8: 0.9, 7: 0.85, 9: 0.85, 6: 0.7, 10: 0.7, 5: 0.5, 11: 0.5, 4: 0.3, 12: 0.3,
               3: 0.12, 13: 0.12, 2: 0.04, 14: 0.04, 61: -0.06, 62: -0.06, 63: -0.06}
# Offsets (x, y) in face units of the points of the image-left half; the right half mirrors them.
_SMILE = {48: (-0.07, -0.06), 60: (-0.06, -0.045), 49: (-0.04, -0.03), 59: (-0.05, -0.03), 61: (-0.02, -0.01),
          67: (-0.03, -0.005), 58: (-0.03, -0.01), 50: (0.0, -0.01), 31: (-0.01, -0.01), 41: (0.0, -0.015),
          40: (0.0, -0.015), 3: (-0.015, 0.0), 4: (-0.015, 0.0), 5: (-0.01, 0.0)}
_PUCKER = {48: (0.06, 0.0), 60: (0.05, 0.0), 49: (0.03, 0.0), 59: (0.03, 0.0), 61: (0.015, 0.0), 67: (0.015, 0.0)}
_BLINK_PAIRS = ((37, 41), (38, 40), (43, 47), (44, 46))  # (upper lid, lower lid)
_BLINK_UPPER_SHARE = 0.8  # the upper lid travels this share of the gap, the lower lid the rest


def action_units(points: np.ndarray) -> dict[str, np.ndarray]:
    """Every unit for the face `points` (68, 2): name -> (68, 2) offsets in its pixels."""
    to_face = similarity(MEAN_FACE[list(RIGID), :2], points[list(RIGID)])[0]  # face units -> pixels
    upright = apply_similarity(1 / to_face, 0j, points)  # (68, 2) face units, upright
    units = {"jaw_open": _jaw_open(), "blink": _blink(upright), "smile": _symmetric(_SMILE),
             "brow_raise": _brow_raise(), "pucker": _symmetric(_PUCKER)}
    return {name: rotate_2d(offsets, to_face) for name, offsets in units.items()}


def _jaw_open() -> np.ndarray:
    offsets = np.zeros((NUM_POINTS, 2))
    for index, share in _JAW_FOLLOW.items():
        offsets[index, 1] = share * _JAW_DROP
    inward = 0.02  # the corners draw in a little as the mouth opens
    offsets[[48, 60], 0], offsets[[54, 64], 0] = inward, -inward
    return offsets


def _blink(upright: np.ndarray) -> np.ndarray:
    offsets = np.zeros((NUM_POINTS, 2))
    for upper, lower in _BLINK_PAIRS:
        gap = upright[lower, 1] - upright[upper, 1]
        offsets[upper, 1] = _BLINK_UPPER_SHARE * gap
        offsets[lower, 1] = -(1 - _BLINK_UPPER_SHARE) * gap
    return offsets


def _brow_raise() -> np.ndarray:
    offsets = np.zeros((NUM_POINTS, 2))
    offsets[list(BROWS), 1] = -0.07
    offsets[[37, 38, 43, 44], 1] = -0.012
    return offsets


def _symmetric(left_half: dict[int, tuple[float, float]]) -> np.ndarray:
    """Offsets from the image-left half's, mirrored onto the right half (x flips)."""
    offsets = np.zeros((NUM_POINTS, 2))
    for index, (dx, dy) in left_half.items():
        offsets[index] = dx, dy
        offsets[MIRROR[index]] = -dx, dy
    return offsets
