"""A rough 3D mean face for the 68 landmarks: enough to tell head rotation from expression.

Units: the distance between the outer eye corners (36, 45) is 1; the origin lies midway between
them. Axes: x to the image's right, y down, z away from the camera (right-handed), so the nose
tip has negative z.

x and y are the symmetric Procrustes mean of 353 faces (frames of frontal talking-head clips
and portraits, landmarks by dlib). z is set by hand from typical facial proportions (nose tip
0.4 in front of the outer eye corners, the jaw contour up to 0.45 behind them); it is a
template, not a fitted model, and only has to make yaw and pitch move the nose, lips and
face outline by plausible relative amounts.
"""
from __future__ import annotations

import numpy as np

from talking_heads.landmarks.topology import RIGID

MEAN_FACE = np.array([
    (-0.769, +0.018, +0.45), (-0.758, +0.226, +0.44), (-0.725, +0.431, +0.41), (-0.679, +0.630, +0.36),
    (-0.607, +0.817, +0.28), (-0.496, +0.983, +0.18), (-0.354, +1.120, +0.06), (-0.188, +1.225, -0.06),
    (+0.000, +1.259, -0.12), (+0.188, +1.225, -0.06), (+0.354, +1.120, +0.06), (+0.496, +0.983, +0.18),
    (+0.607, +0.817, +0.28), (+0.679, +0.630, +0.36), (+0.725, +0.431, +0.41), (+0.758, +0.226, +0.44),
    (+0.769, +0.018, +0.45), (-0.652, -0.187, +0.05), (-0.558, -0.285, -0.04), (-0.419, -0.317, -0.10),
    (-0.275, -0.298, -0.14), (-0.142, -0.238, -0.16), (+0.142, -0.238, -0.16), (+0.275, -0.298, -0.14),
    (+0.419, -0.317, -0.10), (+0.558, -0.285, -0.04), (+0.652, -0.187, +0.05), (+0.000, -0.038, -0.12),
    (+0.000, +0.100, -0.20), (+0.000, +0.234, -0.30), (+0.000, +0.372, -0.40), (-0.147, +0.490, -0.17),
    (-0.075, +0.513, -0.22), (+0.000, +0.533, -0.26), (+0.075, +0.513, -0.22), (+0.147, +0.490, -0.17),
    (-0.500, +0.000, +0.00), (-0.412, -0.053, -0.06), (-0.303, -0.050, -0.07), (-0.211, +0.021, -0.05),
    (-0.310, +0.043, -0.06), (-0.419, +0.042, -0.05), (+0.211, +0.021, -0.05), (+0.303, -0.050, -0.07),
    (+0.412, -0.053, -0.06), (+0.500, +0.000, +0.00), (+0.419, +0.042, -0.05), (+0.310, +0.043, -0.06),
    (-0.276, +0.786, -0.08), (-0.178, +0.711, -0.18), (-0.074, +0.672, -0.24), (+0.000, +0.693, -0.26),
    (+0.074, +0.672, -0.24), (+0.178, +0.711, -0.18), (+0.276, +0.786, -0.08), (+0.182, +0.898, -0.16),
    (+0.081, +0.945, -0.20), (+0.000, +0.953, -0.22), (-0.081, +0.945, -0.20), (-0.182, +0.898, -0.16),
    (-0.229, +0.787, -0.09), (-0.075, +0.755, -0.18), (+0.000, +0.761, -0.20), (+0.075, +0.755, -0.18),
    (+0.229, +0.787, -0.09), (+0.076, +0.827, -0.16), (+0.000, +0.836, -0.18), (-0.076, +0.827, -0.16),
])  # (68, 3)
MEAN_FACE.setflags(write=False)

# Root-mean-square distance of the rigid points from their centroid, in face units (2D).
_RIGID_2D = MEAN_FACE[list(RIGID), :2]
RIGID_RADIUS = float(np.sqrt(((_RIGID_2D - _RIGID_2D.mean(axis=0)) ** 2).sum(axis=1).mean()))


def rigid_centre(points: np.ndarray) -> np.ndarray:
    """Centroid of the rigid points. points (..., 68, 2) -> (..., 2)."""
    return points[..., list(RIGID), :].mean(axis=-2)


def face_scale(points: np.ndarray) -> np.ndarray:
    """Pixels per face unit (about the outer eye-corner distance), from the spread of the rigid
    points, which neither blinks nor mouth motion change. points (..., 68, 2) -> (...)."""
    rigid = points[..., list(RIGID), :]
    spread = rigid - rigid.mean(axis=-2, keepdims=True)
    return np.sqrt((spread ** 2).sum(axis=-1).mean(axis=-1)) / RIGID_RADIUS
