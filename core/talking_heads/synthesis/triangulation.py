"""The warp renderer's mesh: the 68 landmarks, points around the face that move with the whole
head and fade into the background (`head_motion.py`), and fixed points on the crop border,
triangulated once per person; and the per-frame lookup maps of a piecewise-affine warp.

The mouth opening is a hole in the Delaunay triangulation, filled by the mouth's own triangles
(`jaws.py`): an upper half hanging from the upper inner lip, a lower half carried by the lower
inner lip, and between their seam copies the gap, so no triangle carries source pixels from the
upper to the lower lip: when the mouth opens, the lips and teeth keep their size and only the gap
widens (and is painted over).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talking_heads.landmarks.face_model import MEAN_FACE, face_scale
from talking_heads.landmarks.pose import apply_similarity, similarity
from talking_heads.landmarks.topology import INNER_LIPS, NUM_POINTS, RIGID
from talking_heads.synthesis.head_motion import HeadPoints
from talking_heads.synthesis.jaws import mouth_triangles

_UPPER_INNER, _LOWER_INNER, _UPPER_OUTER, _LOWER_OUTER = [61, 62, 63], [67, 66, 65], [50, 51, 52], [58, 57, 56]
_SUBPIXEL_BITS = 4
_SLIVER_SHARE = 0.2  # a triangle squeezed below this share of its source area is a sliver


@dataclass(frozen=True)
class MeshLayout:
    """Where a person's mesh vertices are: the landmarks first, then the head's points around the
    face, the fixed points on the crop border and the mouth's seam copies (upper, then lower;
    see `jaws.py`)."""

    head: HeadPoints  # points around the face that move with the head (`head_motion.py`)
    fixed: np.ndarray  # (F, 2) points on the crop border; they never move

    @property
    def first_seam(self) -> int:
        """Index of the first seam vertex."""
        return NUM_POINTS + len(self.head.points) + len(self.fixed)

    def vertices(self, landmarks: np.ndarray, seams: np.ndarray, head: np.ndarray | None = None) -> np.ndarray:
        """landmarks (68, 2), seams (6, 2): the upper then the lower seam copy, head: the head
        points' positions (N, 2), the source's by default -> (V, 2) float32"""
        head = self.head.points if head is None else head
        return np.concatenate([landmarks, head, self.fixed, seams]).astype(np.float32)


def border_points(size: int, per_side: int) -> np.ndarray:
    """Evenly spaced points on the border of a size x size crop, corners included. -> (4 * (n - 1), 2)"""
    steps = np.linspace(0, size - 1, max(2, per_side))[:-1]
    last = size - 1.0
    sides = [np.stack([steps, np.zeros_like(steps)], 1), np.stack([np.full_like(steps, last), steps], 1),
             np.stack([last - steps, np.full_like(steps, last)], 1), np.stack([np.zeros_like(steps), last - steps], 1)]
    return np.concatenate(sides).astype(np.float32)


def face_layout(landmarks: np.ndarray, size: int, *, spacing: float) -> MeshLayout:
    """The mesh's extra points for a face (68, 2) in a crop of `size` pixels: the head's points
    `spacing` face units apart and as many points on the crop border."""
    head = HeadPoints.around(landmarks, size, spacing)
    per_side = int(np.ceil(size / (spacing * float(face_scale(landmarks))))) + 1
    return MeshLayout(head, border_points(size, per_side))


def opened_mouth(landmarks: np.ndarray) -> np.ndarray:
    """The landmarks with the inner lips pulled apart into the lips (a proper mouth-opening polygon)."""
    opened = np.array(landmarks, np.float64)
    opened[_UPPER_INNER] += 0.4 * (opened[_UPPER_OUTER] - opened[_UPPER_INNER])
    opened[_LOWER_INNER] += 0.4 * (opened[_LOWER_OUTER] - opened[_LOWER_INNER])
    return opened


def mesh_triangles(landmarks: np.ndarray, layout: MeshLayout, size: int) -> np.ndarray:
    """Triangles (N, 3) of vertex indices, in drawing order: the mouth's gap (6), then its two
    halves (12; the lips are drawn over them, so halves squeezed flat by closing lips leave no
    line of teeth), then a Delaunay triangulation of the mean face fitted onto these landmarks
    (mouth opened), the head's points and the fixed points, minus the mouth opening, ordered by how many
    landmarks they have (where an extreme pose folds the mesh, the face is drawn over the
    background, not under it)."""
    to_face = similarity(MEAN_FACE[list(RIGID), :2], landmarks[list(RIGID)])
    mean_on_face = opened_mouth(apply_similarity(*to_face, MEAN_FACE[:, :2]))
    triangles = delaunay(np.concatenate([mean_on_face, layout.head.points, layout.fixed]), size)
    triangles = triangles[~np.isin(triangles, INNER_LIPS).all(axis=1)]
    on_face = (triangles < NUM_POINTS).sum(axis=1)
    gap, halves = mouth_triangles(layout.first_seam)
    return np.concatenate([gap, halves, triangles[np.argsort(on_face, kind="stable")]]).astype(np.int32)


def delaunay(points: np.ndarray, size: int) -> np.ndarray:
    """Delaunay triangles (N, 3) of vertex indices of distinct points inside a size x size crop."""
    subdivision = cv2.Subdiv2D((-2, -2, size + 4, size + 4))
    subdivision.insert([(float(x), float(y)) for x, y in points])
    corners = subdivision.getTriangleList().reshape(-1, 3, 2)  # (N, 3, 2) coordinates
    distance = np.linalg.norm(corners[:, :, None] - points[None, None], axis=-1)  # (N, 3, V)
    index = distance.argmin(axis=-1)
    known = (distance.min(axis=-1) < 1e-3).all(axis=1)  # drop triangles on the helper outer vertices
    return index[known]


def triangle_index_map(vertices: np.ndarray, triangles: np.ndarray, shape: tuple[int, int],
                       numbers: np.ndarray | None = None) -> np.ndarray:
    """(h, w) int32: the number of the triangle covering each pixel (1 + its index unless `numbers`
    (N,) are given), 0 where none does; later triangles are drawn over earlier ones."""
    index_map = np.zeros(shape, np.int32)
    fixed = np.round(vertices * (1 << _SUBPIXEL_BITS)).astype(np.int32)[triangles]  # (N, 3, 2)
    numbers = range(1, len(triangles) + 1) if numbers is None else numbers.tolist()
    for number, corners in zip(numbers, fixed):
        cv2.fillConvexPoly(index_map, corners, number, lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
    return index_map


def affine_table(target: np.ndarray, source: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Per triangle, the affine map from its target corners to its source corners, as rows
    (a, b, c, d, e, f) with source = (a x + b y + c, d x + e y + f); row 0 is the identity for pixels
    outside every triangle. A degenerate triangle (a line of pixels at most) is moved as a whole,
    by the shift of its centre. -> (N + 1, 6) float32"""
    corners = target[triangles].astype(np.float64)  # (N, 3, 2)
    homogeneous = np.concatenate([corners, np.ones((*corners.shape[:2], 1))], axis=2)  # (N, 3, 3) rows [x y 1]
    flat = np.abs(np.linalg.det(homogeneous)) < 1e-6
    homogeneous[flat] = np.eye(3)  # keep the solve well-posed; these rows are replaced below
    coefficients = np.linalg.solve(homogeneous, source[triangles].astype(np.float64))  # (N, 3, 2)
    rows = np.swapaxes(coefficients, 1, 2).reshape(-1, 6)
    shift = (source[triangles[flat]] - corners[flat]).mean(axis=1)  # (n, 2)
    rows[flat] = np.stack([np.ones(len(shift)), np.zeros(len(shift)), shift[:, 0],
                           np.zeros(len(shift)), np.ones(len(shift)), shift[:, 1]], axis=1)
    return np.concatenate([np.array([[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]]), rows]).astype(np.float32)


def drawing_order(target: np.ndarray, source: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """The order (N,) to draw triangles in: those squeezed to a sliver (or turned over) first, then
    the rest, each group in the mesh's own order. The rasteriser gives a triangle the pixels its
    edges touch, and a sliver's affine map sends a pixel just off it far across the source; drawn
    first, its neighbours take those pixels back. Triangles with no source area keep their place."""
    before = _doubled_areas(source, triangles)
    squeezed = _doubled_areas(target, triangles) * np.sign(before) < _SLIVER_SHARE * np.abs(before)
    return np.argsort(~squeezed, kind="stable")


def _doubled_areas(vertices: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Twice the signed area of each triangle (N,); the sign tells which way its corners turn, so
    it flips when the triangle is turned over."""
    first, second, third = np.moveaxis(vertices[triangles].astype(np.float64), 1, 0)  # (N, 2) each
    (ax, ay), (bx, by) = (second - first).T, (third - first).T
    return ax * by - ay * bx


@dataclass(frozen=True)
class ExactPatch:
    """A box of pixels where the warp is computed exactly, from some of the mesh's triangles."""

    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in crop pixels, x1 and y1 excluded
    triangles: np.ndarray  # (K,) indices of the triangles drawn there; pixels none covers stay interpolated


class WarpMaps:
    """Builds `cv2.remap` maps from target to source pixels for a mesh, exactly on a grid of points
    `step` pixels apart (the centres of step x step blocks) and bilinearly in between; the warp is
    piecewise linear, so this is exact inside triangles and off by a fraction of a pixel near edges.
    An `ExactPatch` is computed exactly at every pixel: where the mesh squeezes much of the source
    into a few pixels (lips closing over teeth), interpolating would smear what is squeezed."""

    def __init__(self, size: int, step: int, window: tuple[int, int, int, int] | None = None):
        """Maps for a crop of `size` pixels, only over `window` (x0, y0, x1, y1; the whole crop by
        default), widened to whole steps."""
        self.size, self.step = size, step
        x0, y0, x1, y1 = (0, 0, size, size) if window is None else window
        x0, y0 = (max(0, v // step * step) for v in (x0, y0))
        x1, y1 = (min(size, -(-v // step) * step) for v in (x1, y1))
        self.window = (x0, y0, x1, y1)
        columns = np.arange((x1 - x0) // step, dtype=np.float32) * step + (step - 1) / 2 + x0
        rows = np.arange((y1 - y0) // step, dtype=np.float32) * step + (step - 1) / 2 + y0
        self.grid_x, self.grid_y = np.meshgrid(columns, rows)  # (n, m) crop coordinates of the exact points
        self.full_x, self.full_y = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))

    def build(self, target: np.ndarray, source: np.ndarray, triangles: np.ndarray,
              exact: ExactPatch | None = None) -> tuple[np.ndarray, np.ndarray]:
        """target, source (V, 2) vertices -> map_x, map_y (h, w) float32 over the window."""
        table = affine_table(target, source, triangles)
        order = drawing_order(target, source, triangles)
        origin = np.array(self.window[:2], np.float32)
        coarse_vertices = (target - origin - (self.step - 1) / 2) / self.step
        index_map = triangle_index_map(coarse_vertices, triangles[order], self.grid_x.shape, numbers=order + 1)
        map_x, map_y = _apply(table[index_map], self.grid_x, self.grid_y)
        if self.step == 1:
            return map_x, map_y
        map_x -= self.grid_x  # interpolate displacements, which are zero where nothing moves
        map_y -= self.grid_y
        full = self.full_x.shape[::-1]
        map_x = cv2.resize(map_x, full, interpolation=cv2.INTER_LINEAR) + self.full_x
        map_y = cv2.resize(map_y, full, interpolation=cv2.INTER_LINEAR) + self.full_y
        if exact is not None:
            rank = np.argsort(order)  # (N,) where each triangle comes in the drawing order
            drawn = exact.triangles[np.argsort(rank[exact.triangles], kind="stable")]
            self._exact(map_x, map_y, target, triangles, table, ExactPatch(exact.box, drawn))
        return map_x, map_y

    def _exact(self, map_x: np.ndarray, map_y: np.ndarray, target: np.ndarray, triangles: np.ndarray,
               table: np.ndarray, patch: ExactPatch) -> None:
        """Overwrite the maps inside the patch's box with the exact warp of its triangles (drawn in
        the order given), in place."""
        wx0, wy0, wx1, wy1 = self.window
        x0, x1 = np.clip(patch.box[0::2], wx0, wx1)
        y0, y1 = np.clip(patch.box[1::2], wy0, wy1)
        if x1 <= x0 or y1 <= y0:
            return
        index_map = triangle_index_map(target - np.array([x0, y0], np.float32), triangles[patch.triangles],
                                       (y1 - y0, x1 - x0), numbers=patch.triangles + 1)
        covered = index_map > 0
        inside = (slice(y0 - wy0, y1 - wy0), slice(x0 - wx0, x1 - wx0))  # the box in window pixels
        exact_x, exact_y = _apply(table[index_map], self.full_x[inside], self.full_y[inside])
        np.copyto(map_x[inside], exact_x, where=covered)
        np.copyto(map_y[inside], exact_y, where=covered)


def _apply(coefficients: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel affine maps (h, w, 6) applied to the pixel coordinates x, y (h, w) -> source x, y."""
    return (coefficients[..., 0] * x + coefficients[..., 1] * y + coefficients[..., 2],
            coefficients[..., 3] * x + coefficients[..., 4] * y + coefficients[..., 5])
