"""MediaPipe's 478-point face mesh -> the 68 iBUG 300-W points (dlib's and FAN's order).

Each iBUG point is a weighted mean of two mesh vertices, `w * mesh[a] + (1 - w) * mesh[b]`: among
the eight vertices closest to dlib's landmark on average, the pair and weight (0.25, 0.5, 0.75, or
one vertex) closest to it over the frontal frames of the shared test clips. Our own table, fitted
and measured by `benchmarks/mediapipe_landmarks.py` (which also reports the error on clips left out
of the fit). The jaw is the weak part: mesh vertices are fixed on the skin, while the 68-point jaw
follows the visible outline, so on a turned head the far side's jaw lies inside the outline (the
benchmark reports the jaw on turned and frontal frames apart). Choosing, per frame, the outermost
of a few cheek vertices was tried and did not reduce that error on the shared clips.
"""
from __future__ import annotations

import numpy as np

# (a, b, w) per iBUG point: the point is w * mesh[a] + (1 - w) * mesh[b]
IBUG_FROM_MESH: tuple[tuple[int, int, float], ...] = (
    (127, 127, 1.0),  # 0 jaw
    (93, 234, 0.25),  # 1 jaw
    (93, 132, 0.5),  # 2 jaw
    (58, 132, 0.5),  # 3 jaw
    (58, 172, 0.25),  # 4 jaw
    (136, 136, 1.0),  # 5 jaw
    (149, 150, 0.75),  # 6 jaw
    (148, 176, 0.5),  # 7 jaw
    (152, 152, 1.0),  # 8 jaw
    (377, 400, 0.5),  # 9 jaw
    (378, 379, 0.75),  # 10 jaw
    (365, 379, 0.75),  # 11 jaw
    (288, 397, 0.25),  # 12 jaw
    (288, 361, 0.5),  # 13 jaw
    (323, 401, 0.5),  # 14 jaw
    (366, 454, 0.25),  # 15 jaw
    (356, 356, 1.0),  # 16 jaw
    (70, 156, 0.75),  # 17 right brow
    (63, 105, 0.75),  # 18 right brow
    (65, 104, 0.5),  # 19 right brow
    (65, 108, 0.75),  # 20 right brow
    (55, 107, 0.5),  # 21 right brow
    (8, 336, 0.25),  # 22 left brow
    (296, 336, 0.5),  # 23 left brow
    (296, 334, 0.5),  # 24 left brow
    (282, 298, 0.5),  # 25 left brow
    (276, 301, 0.75),  # 26 left brow
    (193, 417, 0.5),  # 27 nose bridge
    (122, 419, 0.5),  # 28 nose bridge
    (5, 195, 0.5),  # 29 nose bridge
    (4, 4, 1.0),  # 30 nose bridge
    (75, 240, 0.25),  # 31 nostrils
    (97, 97, 1.0),  # 32 nostrils
    (2, 164, 0.75),  # 33 nostrils
    (326, 370, 0.75),  # 34 nostrils
    (290, 327, 0.5),  # 35 nostrils
    (33, 33, 1.0),  # 36 right eye
    (159, 161, 0.5),  # 37 right eye
    (157, 159, 0.5),  # 38 right eye
    (26, 173, 0.25),  # 39 right eye
    (145, 153, 0.25),  # 40 right eye
    (144, 163, 0.75),  # 41 right eye
    (341, 398, 0.5),  # 42 left eye
    (384, 385, 0.25),  # 43 left eye
    (385, 387, 0.25),  # 44 left eye
    (255, 466, 0.25),  # 45 left eye
    (374, 390, 0.5),  # 46 left eye
    (374, 381, 0.5),  # 47 left eye
    (61, 146, 0.75),  # 48 outer lips
    (39, 40, 0.5),  # 49 outer lips
    (37, 37, 1.0),  # 50 outer lips
    (0, 11, 0.75),  # 51 outer lips
    (0, 267, 0.25),  # 52 outer lips
    (269, 272, 0.75),  # 53 outer lips
    (291, 375, 0.75),  # 54 outer lips
    (321, 405, 0.25),  # 55 outer lips
    (17, 314, 0.25),  # 56 outer lips
    (16, 18, 0.5),  # 57 outer lips
    (84, 84, 1.0),  # 58 outer lips
    (90, 182, 0.5),  # 59 outer lips
    (77, 183, 0.5),  # 60 inner lips
    (81, 82, 0.25),  # 61 inner lips
    (13, 13, 1.0),  # 62 inner lips
    (13, 271, 0.5),  # 63 inner lips
    (325, 407, 0.5),  # 64 inner lips
    (14, 402, 0.5),  # 65 inner lips
    (87, 317, 0.5),  # 66 inner lips
    (87, 178, 0.75),  # 67 inner lips
)
_FIRST = np.array([a for a, _, _ in IBUG_FROM_MESH])
_SECOND = np.array([b for _, b, _ in IBUG_FROM_MESH])
_WEIGHT = np.array([w for _, _, w in IBUG_FROM_MESH], np.float32)[:, None]


def mesh_to_ibug(mesh: np.ndarray) -> np.ndarray:
    """(478, 2+) mesh vertices in pixels -> (68, 2) iBUG landmarks in pixels."""
    xy = mesh[:, :2].astype(np.float32)
    return _WEIGHT * xy[_FIRST] + (1 - _WEIGHT) * xy[_SECOND]
