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

from dataclasses import dataclass

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


@dataclass(frozen=True)
class HeadShape:
    """A generic head around the mean face, in face units (the axes above), for moving the whole
    head: a skull ellipsoid that gives the forehead, the hair and the sides of the head their
    depth, and an elliptical region in the image plane that moves rigidly with the face (face,
    hair, ears, the top of the neck) before fading into a background that stays put."""

    skull_centre: tuple[float, float, float] = (0.0, -0.2, 0.85)  # behind the eyes, the head's turning centre
    skull_axes: tuple[float, float, float] = (0.95, 1.35, 1.0)  # half width, half height, half depth
    region_centre: tuple[float, float] = (0.0, -0.15)  # the rigidly moving region: hair top to under the chin
    region_axes: tuple[float, float] = (1.25, 1.6)
    falloff: float = 1.8  # the motion fades out between the region and this many times its size

    def facing(self, xy: np.ndarray) -> np.ndarray:
        """How squarely the skull faces the camera at points (N, 2) in face units: 1 at the middle
        of its front, falling to 0 at its outline and beyond. -> (N,) in [0, 1]"""
        centre, axes = np.asarray(self.skull_centre), np.asarray(self.skull_axes)
        return np.sqrt(np.clip(1.0 - (((xy - centre[:2]) / axes[:2]) ** 2).sum(axis=-1), 0.0, None))

    def depth(self, xy: np.ndarray) -> np.ndarray:
        """Depth (N,) in face units of points (N, 2) in face units: on the skull's front where it
        covers them, else the skull centre's depth (the head's outline, the neck, the background)."""
        return self.skull_centre[2] - self.skull_axes[2] * self.facing(xy)

    def region_radius(self, xy: np.ndarray) -> np.ndarray:
        """Elliptical radius (N,) of points (N, 2) in face units: 1 on the rigid region's edge."""
        return np.sqrt((((xy - np.asarray(self.region_centre)) / np.asarray(self.region_axes)) ** 2).sum(axis=-1))

    def rigidity(self, xy: np.ndarray) -> np.ndarray:
        """How much of the head's motion points (N, 2) in face units follow: 1 inside the region,
        fading smoothly (smoothstep) to 0 at `falloff` times its size. -> (N,) in [0, 1]"""
        t = np.clip((self.falloff - self.region_radius(xy)) / (self.falloff - 1.0), 0.0, 1.0)
        return t * t * (3.0 - 2.0 * t)

    @property
    def reach(self) -> float:
        """Face units from the region's centre to the farthest point that moves (along its long axis)."""
        return self.falloff * max(self.region_axes)


HEAD = HeadShape()
