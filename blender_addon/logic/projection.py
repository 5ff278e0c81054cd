"""Camera projection of world points to render pixels (origin top-left, x right, y down)."""
from __future__ import annotations

import numpy as np


def render_size(resolution_x: int, resolution_y: int, percentage: int) -> tuple[int, int]:
    """The rendered image's (width, height) in pixels, as Blender computes it."""
    scale = percentage / 100.0
    return max(1, int(resolution_x * scale)), max(1, int(resolution_y * scale))


def project_points(points: np.ndarray, view: np.ndarray, projection: np.ndarray,
                   size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """World points (N, 3) -> pixels (N, 2) float32 and in_front (N,) bool.

    `view` is the camera's world-to-camera matrix (4, 4), `projection` its camera-to-clip matrix
    (4, 4) as `Object.calc_matrix_camera` returns it for the render size.
    """
    points = np.asarray(points, np.float64)
    homogeneous = np.concatenate([points, np.ones((len(points), 1))], axis=1)  # (N, 4)
    clip = homogeneous @ (np.asarray(projection, np.float64) @ np.asarray(view, np.float64)).T  # (N, 4)
    w = clip[:, 3]
    in_front = w > 1e-9
    safe_w = np.where(in_front, w, 1.0)
    ndc = clip[:, :2] / safe_w[:, None]  # (N, 2) in [-1, 1] inside the frame
    width, height = size
    pixels = np.empty((len(points), 2), np.float32)
    pixels[:, 0] = (ndc[:, 0] + 1.0) * 0.5 * width
    pixels[:, 1] = (1.0 - ndc[:, 1]) * 0.5 * height
    return pixels, in_front


def pixel_rays(pixels: np.ndarray, view: np.ndarray, projection: np.ndarray,
               size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The world rays through render pixels (N, 2): origins (N, 3) and unit directions (N, 3)."""
    width, height = size
    pixels = np.asarray(pixels, np.float64).reshape(-1, 2)
    ndc = np.stack([2.0 * pixels[:, 0] / width - 1.0, 1.0 - 2.0 * pixels[:, 1] / height], axis=1)  # (N, 2)
    inverse = np.linalg.inv(np.asarray(projection, np.float64) @ np.asarray(view, np.float64))
    ones = np.ones((len(ndc), 1))
    near = np.concatenate([ndc, -ones, ones], axis=1) @ inverse.T  # (N, 4)
    far = np.concatenate([ndc, ones, ones], axis=1) @ inverse.T
    near, far = near[:, :3] / near[:, 3:], far[:, :3] / far[:, 3:]
    direction = far - near
    return near, direction / np.linalg.norm(direction, axis=1, keepdims=True)
