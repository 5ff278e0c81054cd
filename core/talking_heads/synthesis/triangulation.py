"""The warp renderer's mesh: the 68 landmarks, a ring around the face that follows the head, and
fixed points (a wider ring of anchors and the crop border) that hold the background still,
triangulated once per person; and the per-frame lookup maps of a piecewise-affine warp.

The mouth opening is a hole in the Delaunay triangulation, filled by its own strip of triangles
between the inner-lip points, so no triangle ever spans from the upper to the lower lip: when the
mouth opens, the lips keep their thickness and only the strip stretches (and is painted over).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talking_heads.landmarks.face_model import MEAN_FACE
from talking_heads.landmarks.pose import apply_similarity, similarity
from talking_heads.landmarks.topology import INNER_LIPS, NUM_POINTS, RIGID

# The inner mouth as a strip from corner 60 to corner 64 between upper (61-63) and lower (67-65) lip.
MOUTH_STRIP = ((60, 61, 67), (61, 66, 67), (61, 62, 66), (62, 65, 66), (62, 63, 65), (63, 64, 65))
_UPPER_INNER, _LOWER_INNER, _UPPER_OUTER, _LOWER_OUTER = [61, 62, 63], [67, 66, 65], [50, 51, 52], [58, 57, 56]
_RING_CENTRE, _RING_AXES = (0.0, 0.2), (0.95, 1.15)  # face units: an ellipse from forehead to under the chin
_RING_BORDER_CLEARANCE = 0.08  # ring points nearer the crop border than this share of its side are left out
_ANCHOR_BORDER_CLEARANCE = 0.04  # the same for anchors
_RING_SLACK = 0.7  # share of the gap to the anchors that a ring point may move, so the ring never folds over them
_RING_CLEARANCE = 1.12  # the ring stays at least this many times the face's reach from the face centre
_SUBPIXEL_BITS = 4


@dataclass(frozen=True)
class MeshLayout:
    """Where a person's mesh vertices are: the landmarks first, then the ring, then the fixed points."""

    ring: np.ndarray  # (R, 2) points around the face in crop pixels, following the head
    slack: np.ndarray  # (R,) pixels each ring point may move: part of its distance to the anchors
    fixed: np.ndarray  # (F, 2) anchors around the ring and points on the crop border; they never move

    def vertices(self, landmarks: np.ndarray, ring: np.ndarray | None = None) -> np.ndarray:
        return np.concatenate([landmarks, self.ring if ring is None else ring, self.fixed]).astype(np.float32)


def border_points(size: int, per_side: int) -> np.ndarray:
    """Evenly spaced points on the border of a size x size crop, corners included. -> (4 * (n - 1), 2)"""
    steps = np.linspace(0, size - 1, max(2, per_side))[:-1]
    last = size - 1.0
    sides = [np.stack([steps, np.zeros_like(steps)], 1), np.stack([np.full_like(steps, last), steps], 1),
             np.stack([last - steps, np.full_like(steps, last)], 1), np.stack([np.zeros_like(steps), last - steps], 1)]
    return np.concatenate(sides).astype(np.float32)


def face_layout(landmarks: np.ndarray, size: int, *, ring_points: int, ring_scale: float, anchor_scale: float,
                border_per_side: int) -> MeshLayout:
    """The mesh's extra points for a face (68, 2) in a crop of `size` pixels: the ring on an ellipse
    around the face (`ring_scale` times the default one), the anchors on the same ellipse
    `anchor_scale` times larger, and the border; ring points and anchors too near the border to
    be useful are left out."""
    angles = np.linspace(0, 2 * np.pi, ring_points, endpoint=False) + np.pi / 2  # first point under the chin
    unit = np.stack([np.cos(angles), np.sin(angles)], 1) * _RING_AXES * ring_scale
    to_face = similarity(MEAN_FACE[list(RIGID), :2], landmarks[list(RIGID)])
    ring = apply_similarity(*to_face, unit + _RING_CENTRE)
    anchors = apply_similarity(*to_face, anchor_scale * unit + _RING_CENTRE)
    kept = _inside(ring, size, _RING_BORDER_CLEARANCE)
    slack = _RING_SLACK * np.linalg.norm(anchors - ring, axis=1)
    fixed = np.concatenate([anchors[_inside(anchors, size, _ANCHOR_BORDER_CLEARANCE)],
                            border_points(size, border_per_side)])
    return MeshLayout(ring[kept].astype(np.float32), slack[kept].astype(np.float32), fixed.astype(np.float32))


def _inside(points: np.ndarray, size: int, clearance: float) -> np.ndarray:
    """Which points (N, 2) lie at least `clearance` times the crop side inside the crop."""
    return ((points > clearance * size) & (points < (1 - clearance) * size - 1)).all(axis=1)


def follow_head(layout: MeshLayout, source: np.ndarray, target: np.ndarray, size: int) -> np.ndarray:
    """The ring for target landmarks (68, 2): moved with the head's similarity from the source,
    pushed outwards wherever the face reaches too close to it (an open jaw, a turned cheek), and
    held within its slack, so it neither folds over the face nor over the anchors. -> (R, 2)"""
    moved = apply_similarity(*similarity(source[list(RIGID)], target[list(RIGID)]), layout.ring)
    centre = target.mean(axis=0)
    direction = moved - centre
    distance = np.linalg.norm(direction, axis=1)
    direction /= np.maximum(distance, 1e-6)[:, None]
    reach = ((target - centre) @ direction.T).max(axis=0)  # (R,) how far the face extends each way
    moved = centre + direction * np.maximum(distance, _RING_CLEARANCE * reach)[:, None]
    shift = moved - layout.ring
    length = np.linalg.norm(shift, axis=1, keepdims=True)
    moved = layout.ring + shift * np.minimum(1.0, layout.slack[:, None] / np.maximum(length, 1e-6))
    return np.clip(moved, 1.0, size - 2.0).astype(np.float32)


def opened_mouth(landmarks: np.ndarray) -> np.ndarray:
    """The landmarks with the inner lips pulled apart into the lips (a proper mouth-opening polygon)."""
    opened = np.array(landmarks, np.float64)
    opened[_UPPER_INNER] += 0.4 * (opened[_UPPER_OUTER] - opened[_UPPER_INNER])
    opened[_LOWER_INNER] += 0.4 * (opened[_LOWER_OUTER] - opened[_LOWER_INNER])
    return opened


def mesh_triangles(landmarks: np.ndarray, layout: MeshLayout, size: int) -> np.ndarray:
    """Triangles (N, 3) of vertex indices: a Delaunay triangulation of the mean face fitted onto
    these landmarks (mouth opened), the ring and the fixed points, minus the mouth opening, plus
    the mouth strip (the last six triangles). Ordered by how many landmarks they have, so where
    an extreme pose folds the mesh, the face is drawn over the background, not under it."""
    to_face = similarity(MEAN_FACE[list(RIGID), :2], landmarks[list(RIGID)])
    mean_on_face = opened_mouth(apply_similarity(*to_face, MEAN_FACE[:, :2]))
    triangles = delaunay(layout.vertices(mean_on_face), size)
    triangles = triangles[~np.isin(triangles, INNER_LIPS).all(axis=1)]
    on_face = (triangles < NUM_POINTS).sum(axis=1)
    return np.concatenate([triangles[np.argsort(on_face, kind="stable")], np.array(MOUTH_STRIP)]).astype(np.int32)


def delaunay(points: np.ndarray, size: int) -> np.ndarray:
    """Delaunay triangles (N, 3) of vertex indices of distinct points inside a size x size crop."""
    subdivision = cv2.Subdiv2D((-2, -2, size + 4, size + 4))
    subdivision.insert([(float(x), float(y)) for x, y in points])
    corners = subdivision.getTriangleList().reshape(-1, 3, 2)  # (N, 3, 2) coordinates
    distance = np.linalg.norm(corners[:, :, None] - points[None, None], axis=-1)  # (N, 3, V)
    index = distance.argmin(axis=-1)
    known = (distance.min(axis=-1) < 1e-3).all(axis=1)  # drop triangles on the helper outer vertices
    return index[known]


def triangle_index_map(vertices: np.ndarray, triangles: np.ndarray, size: int) -> np.ndarray:
    """(size, size) int32: 1 + the index of the triangle covering each pixel, 0 where none does."""
    index_map = np.zeros((size, size), np.int32)
    fixed = np.round(vertices * (1 << _SUBPIXEL_BITS)).astype(np.int32)[triangles]  # (N, 3, 2)
    for number, corners in enumerate(fixed, start=1):
        cv2.fillConvexPoly(index_map, corners, number, lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
    return index_map


def affine_table(target: np.ndarray, source: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Per triangle, the affine map from its target corners to its source corners, as rows
    (a, b, c, d, e, f) with source = (a x + b y + c, d x + e y + f); row 0 is the identity for pixels
    outside every triangle. -> (N + 1, 6) float32"""
    corners = target[triangles].astype(np.float64)  # (N, 3, 2)
    homogeneous = np.concatenate([corners, np.ones((*corners.shape[:2], 1))], axis=2)  # (N, 3, 3) rows [x y 1]
    det = np.linalg.det(homogeneous)
    flat = np.abs(det) < 1e-6  # degenerate triangles cover no pixel; keep the solve well-posed
    homogeneous[flat] = np.eye(3)
    coefficients = np.linalg.solve(homogeneous, source[triangles].astype(np.float64))  # (N, 3, 2)
    table = np.concatenate([np.array([[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]]),
                            np.swapaxes(coefficients, 1, 2).reshape(-1, 6)])
    return table.astype(np.float32)


class WarpMaps:
    """Builds `cv2.remap` maps from target to source pixels for a mesh, exactly on a grid of points
    `step` pixels apart (the centres of step x step blocks) and bilinearly in between; the warp is
    piecewise linear, so this is exact inside triangles and off by a fraction of a pixel near edges."""

    def __init__(self, size: int, step: int):
        self.size, self.step = size, step
        centres = np.arange(size // step, dtype=np.float32) * step + (step - 1) / 2
        self.grid_x, self.grid_y = np.meshgrid(centres, centres)  # (n, n) full-crop coordinates
        self.full_x, self.full_y = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))

    def build(self, target: np.ndarray, source: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """target, source (V, 2) vertices -> map_x, map_y (S, S) float32."""
        coarse_vertices = (target - (self.step - 1) / 2) / self.step
        index_map = triangle_index_map(coarse_vertices, triangles, self.grid_x.shape[0])
        coefficients = affine_table(target, source, triangles)[index_map]  # (n, n, 6)
        shift_x = coefficients[..., 0] * self.grid_x + coefficients[..., 1] * self.grid_y + coefficients[..., 2]
        shift_y = coefficients[..., 3] * self.grid_x + coefficients[..., 4] * self.grid_y + coefficients[..., 5]
        if self.step == 1:
            return shift_x, shift_y
        shift_x -= self.grid_x  # interpolate displacements, which are zero where nothing moves
        shift_y -= self.grid_y
        full = (self.size, self.size)
        return (cv2.resize(shift_x, full, interpolation=cv2.INTER_LINEAR) + self.full_x,
                cv2.resize(shift_y, full, interpolation=cv2.INTER_LINEAR) + self.full_y)
