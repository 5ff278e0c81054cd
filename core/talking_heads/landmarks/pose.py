"""Head pose from 68 landmarks: 2D similarities and a 3D-aware pose with the mean-face depth.

Rotations use the axes of `face_model` (x right, y down, z away from the camera). Angles:
positive yaw turns the face towards the image's left, positive pitch tilts it down (a nod),
positive roll turns it clockwise in the image.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talking_heads.landmarks.face_model import MEAN_FACE, rigid_centre
from talking_heads.landmarks.topology import RIGID

_RIGID = list(RIGID)


def similarity(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares similarity (Umeyama) from source to target points, as complex numbers:
    target ≈ a * source + b with a = scale * exp(i * angle).

    source, target (..., N, 2), broadcast over the leading axes -> a, b (...) complex.
    """
    z = source[..., 0] + 1j * source[..., 1]
    w = target[..., 0] + 1j * target[..., 1]
    z_mean, w_mean = z.mean(axis=-1, keepdims=True), w.mean(axis=-1, keepdims=True)
    zc = z - z_mean
    a = ((w - w_mean) * np.conj(zc)).sum(axis=-1) / (np.abs(zc) ** 2).sum(axis=-1)
    return a, w_mean[..., 0] - a * z_mean[..., 0]


def apply_similarity(a: np.ndarray | complex, b: np.ndarray | complex, points: np.ndarray) -> np.ndarray:
    """Apply target = a * points + b. a, b (...) complex, points (..., N, 2) -> (..., N, 2)."""
    a, b = np.asarray(a)[..., None], np.asarray(b)[..., None]
    x, y = points[..., 0], points[..., 1]  # component planes keep numpy's inner loops long
    return np.stack([a.real * x - a.imag * y + b.real, a.imag * x + a.real * y + b.imag], axis=-1)


def rotate_2d(vectors: np.ndarray, factor: np.ndarray | complex) -> np.ndarray:
    """Multiply 2D vectors (..., N, 2) by complex factors (...) (rotation and scale)."""
    return apply_similarity(factor, 0j, vectors)


def lift(points: np.ndarray) -> np.ndarray:
    """Give a 2D face (68, 2) depth: (68, 3), centred on its rigid points (in x, y and z). The
    depth is the mean face's, turned as this face is turned (so a portrait in three-quarter view
    keeps a plausible depth) and scaled to its size."""
    centred = points - rigid_centre(points)
    model = MEAN_FACE - MEAN_FACE[_RIGID].mean(axis=0)  # (68, 3) face units
    rotation, scale = _fit_model(points[None], model[_RIGID])
    depth = scale[0] * (model @ rotation[0, 2])  # (68,) pixels
    return np.concatenate([centred, (depth - depth[_RIGID].mean())[:, None]], axis=1)


def _fit_model(points: np.ndarray, model: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scaled-orthographic fit of a 3D model of the rigid points (R, 3), centred, to each frame's
    rigid points: an affine 2x3 least-squares fit projected to the nearest scaled rotation.
    points (T, 68, 2) -> rotation (T, 3, 3), scale (T,)."""
    rigid = points[:, _RIGID]  # (T, R, 2)
    centred = rigid - rigid.mean(axis=1, keepdims=True)
    solve = np.linalg.pinv(model).T  # (R, 3)
    rows, scale = _nearest_scaled_rows(centred[..., 0] @ solve, centred[..., 1] @ solve)  # affine rows (T, 3)
    return np.concatenate([rows, np.cross(rows[:, 0], rows[:, 1])[:, None]], axis=1), scale


@dataclass(frozen=True)
class HeadPose:
    """A head's rigid motion relative to a reference frame, one entry per frame."""

    rotation: np.ndarray  # (T, 3, 3) rotation relative to the reference, camera axes
    scale: np.ndarray  # (T,) size relative to the reference
    shift: np.ndarray  # (T, 2) pixels the rigid centroid moved from the reference's


def fit_pose(points: np.ndarray, reference: np.ndarray) -> HeadPose:
    """The pose of each frame relative to `reference`, from the rigid points.

    The reference lifted to 3D is fitted to each frame (`_fit_model`); the reference itself gets
    the identity exactly. points (T, 68, 2), reference (68, 2).
    """
    model = lift(reference)[_RIGID]
    rotation, scale = _fit_model(points, model - model.mean(axis=0))
    return HeadPose(rotation, scale, rigid_centre(points) - rigid_centre(reference))


def _nearest_scaled_rows(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest s * (two orthonormal rows) to each 2x3 matrix M with rows (T, 3) `first` and
    `second`: rows = (M M^T)^(-1/2) M and s = the mean singular value, with the closed-form
    square root of the 2x2 symmetric matrix M M^T = [[a, b], [b, c]]. -> (T, 2, 3), (T,)"""
    a, b, c = (first * first).sum(axis=1), (first * second).sum(axis=1), (second * second).sum(axis=1)
    root_det = np.sqrt(np.maximum(a * c - b * b, 0.0))
    trace_root = np.sqrt(a + c + 2 * root_det)  # sigma1 + sigma2
    p, q = a + root_det, c + root_det  # sqrt(M M^T) = [[p, b], [b, q]] / trace_root
    k = (trace_root / (p * q - b * b))[:, None]
    rows = np.stack([k * (q[:, None] * first - b[:, None] * second), k * (p[:, None] * second - b[:, None] * first)], 1)
    return rows, trace_root / 2


def project(face: np.ndarray, pose: HeadPose, centre: np.ndarray, offsets: np.ndarray | None = None) -> np.ndarray:
    """Pose a lifted face (68, 3) about `centre` (2,) in every frame, optionally moved first by
    per-frame offsets (T, 68, 2) within its own image plane (expression). -> (T, 68, 2)"""
    rotation, scale, shift = pose.rotation, pose.scale[:, None], centre + pose.shift  # (T, 3, 3), (T, 1), (T, 2)
    planes = []
    for axis in (0, 1):  # image x, then y, as (T, 68) planes
        plane = (face @ rotation[:, axis].T).T
        if offsets is not None:
            plane = plane + offsets[..., 0] * rotation[:, axis, 0:1] + offsets[..., 1] * rotation[:, axis, 1:2]
        planes.append(scale * plane + shift[:, axis:axis + 1])
    return np.stack(planes, axis=-1)


def rotation_matrix(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """Rotations from angles in radians (T,) each -> (T, 3, 3), applied as pitch, yaw, then roll."""
    yaw, pitch, roll = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (yaw, pitch, roll)))
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    one, zero = np.ones_like(yaw), np.zeros_like(yaw)
    rz = np.stack([np.stack([cr, -sr, zero], -1), np.stack([sr, cr, zero], -1), np.stack([zero, zero, one], -1)], -2)
    ry = np.stack([np.stack([cy, zero, sy], -1), np.stack([zero, one, zero], -1), np.stack([-sy, zero, cy], -1)], -2)
    rx = np.stack([np.stack([one, zero, zero], -1), np.stack([zero, cp, -sp], -1), np.stack([zero, sp, cp], -1)], -2)
    return rz @ ry @ rx


def rotation_angles(rotation: np.ndarray) -> np.ndarray:
    """(yaw, pitch, roll) in radians of rotations (..., 3, 3) -> (..., 3); inverse of rotation_matrix."""
    yaw = np.arcsin(np.clip(-rotation[..., 2, 0], -1.0, 1.0))
    pitch = np.arctan2(rotation[..., 2, 1], rotation[..., 2, 2])
    roll = np.arctan2(rotation[..., 1, 0], rotation[..., 0, 0])
    return np.stack([yaw, pitch, roll], axis=-1)


def scale_rotation(rotation: np.ndarray, strength: float) -> np.ndarray:
    """The same rotations (..., 3, 3) about the same axes, by `strength` times the angle."""
    skew = rotation - np.swapaxes(rotation, -1, -2)
    axis_sin = np.stack([skew[..., 2, 1], skew[..., 0, 2], skew[..., 1, 0]], axis=-1) / 2  # sin(angle) * axis
    sin = np.linalg.norm(axis_sin, axis=-1)
    cos = (np.trace(rotation, axis1=-2, axis2=-1) - 1) / 2
    angle = np.arctan2(sin, cos)
    axis = axis_sin / np.maximum(sin, 1e-12)[..., None]
    return _rodrigues(axis, strength * angle)


def _rodrigues(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotations about unit axes (..., 3) by angles (...) -> (..., 3, 3)."""
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    zero = np.zeros_like(x)
    k = np.stack([np.stack([zero, -z, y], -1), np.stack([z, zero, -x], -1), np.stack([-y, x, zero], -1)], -2)
    sin, cos = np.sin(angle)[..., None, None], np.cos(angle)[..., None, None]
    return np.eye(3) + sin * k + (1 - cos) * (k @ k)


def roll_conjugate(rotation: np.ndarray, angle: float) -> np.ndarray:
    """Express rotations (..., 3, 3) in a frame rolled by `angle` radians: Rz R Rz^T."""
    turn = rotation_matrix(np.zeros(1), np.zeros(1), np.array([angle]))[0]
    return turn @ rotation @ turn.T
