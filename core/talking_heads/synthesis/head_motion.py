"""The whole head's motion for the warp: the mesh points around the face (forehead, hair, ears,
neck, background) and where each frame puts them.

The head's rigid motion (rotation, scale, shift) is fitted from the source landmarks to the
target's, with the generic face's depth (`pose.fit_pose`). Points on the skull's front (the
forehead, the temples) take their depth from a generic skull (`face_model.HeadShape`) and turn in
3D with the face, so on a turn or a nod they move across as the landmarks do (parallax: the near
side widens, the far side narrows); towards the head's outline (hair, ears) they blend into the
2D similarity of the rigid landmarks, so the outline moves with the face and keeps its shape.
Points in the head region (face, hair, ears, top of the neck) follow the head fully; beyond it
the motion fades smoothly to nothing through the neck and shoulders into a background that
stays still. Beside the face, points also take part of what the face's outline (jaw and brows)
does beyond the head's similarity: its 3D pose (a widening cheek pushes the hair beside it) and,
for the jaw, its expression (a dropping chin drags the skin under it), so the mesh does not fold
at the face's edge; raised brows leave the forehead and hair where they are.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talking_heads.landmarks.face_model import HEAD, MEAN_FACE, HeadShape, rigid_centre
from talking_heads.landmarks.pose import apply_similarity, fit_pose, lift, project, similarity
from talking_heads.landmarks.topology import BROWS, JAW, NUM_POINTS, RIGID

_RIGID = list(RIGID)
_HULL_CLEARANCE = 0.45  # share of the spacing that head points keep outside the landmarks' hull
_BORDER_CLEARANCE = 0.5  # share of the spacing that head points keep inside the crop
_TURN_SHARPNESS = 4.0  # how quickly the 3D turn gives way to the outline's 2D motion towards the skull's edge
_PULL_REACH = 0.2  # face units: sigma of how far a landmark's motion drags the points beside it
_OUTLINE = np.isin(np.arange(NUM_POINTS), JAW + BROWS).astype(np.float64)  # (68,) whose pose drags
_JAW = np.isin(np.arange(NUM_POINTS), JAW).astype(np.float64)  # (68,) whose expression drags (raised brows do not)


@dataclass(frozen=True)
class HeadPoints:
    """The mesh points around one source face, with what each frame's motion needs."""

    points: np.ndarray  # (N, 2) float32 crop pixels in the source
    depth: np.ndarray  # (N,) pixels, same origin as `pose.lift` (the rigid points' mean depth)
    rigidity: np.ndarray  # (N,) in [0, 1]: how much of the head's motion each point follows
    facing: np.ndarray  # (N,) in [0, 1]: how much of it is the 3D turn (the skull's front) rather than the
    # face's 2D similarity (its outline: hair and ears keep their shape as the face turns inside them)
    pose_pull: np.ndarray  # (N, 68) weights of the face outline's 3D pose beyond the similarity each point takes
    expression_pull: np.ndarray  # (N, 68) weights of the jaw's expression offsets each point takes

    @classmethod
    def around(cls, landmarks: np.ndarray, size: int, spacing: float, head: HeadShape = HEAD) -> HeadPoints:
        """Points on a grid `spacing` face units apart, turned with the face (68, 2) in a crop of
        `size` pixels, outside the landmarks' hull and inside the crop."""
        to_crop, offset = similarity(MEAN_FACE[_RIGID, :2], landmarks[_RIGID])
        to_crop, offset = complex(to_crop), complex(offset)
        face_xy = _to_face(landmarks, to_crop, offset)  # (68, 2) face units
        scale = abs(to_crop)
        reach = 0.75 * size / scale + spacing  # face units from the crop centre to beyond its corners
        centre = _to_face(np.full((1, 2), size / 2.0), to_crop, offset)[0]
        steps = np.arange(-reach, reach + spacing / 2, spacing)
        grid = np.stack(np.meshgrid(steps, steps), axis=-1).reshape(-1, 2) + centre  # (M, 2) face units
        hull = cv2.convexHull(face_xy.astype(np.float32))
        outside = np.array([cv2.pointPolygonTest(hull, (float(x), float(y)), True) for x, y in grid])
        pixels = apply_similarity(to_crop, offset, grid)
        margin = _BORDER_CLEARANCE * spacing * scale
        keep = (outside < -_HULL_CLEARANCE * spacing) & ((pixels > margin) & (pixels < size - 1 - margin)).all(axis=1)
        grid, pixels = grid[keep], pixels[keep]
        depth = scale * (head.depth(grid) - MEAN_FACE[_RIGID, 2].mean())
        distance = np.linalg.norm(grid[:, None] - face_xy[None], axis=-1)  # (N, 68) face units
        near = np.exp(-0.5 * (distance / _PULL_REACH) ** 2)
        return cls(pixels.astype(np.float32), depth.astype(np.float32), head.rigidity(grid).astype(np.float32),
                   (head.facing(grid) ** _TURN_SHARPNESS).astype(np.float32),
                   _normalised(near * _OUTLINE), _normalised(near * _JAW))

    def moved(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Where the points go when the source landmarks (68, 2) become the target's (68, 2): the
        head's motion (the 3D turn on the skull's front, the 2D similarity of the rigid landmarks
        on its outline), faded by rigidity, plus what the nearby face outline does beyond it. -> (N, 2)"""
        source, target = source.astype(np.float64), target.astype(np.float64)
        pose = fit_pose(target[None], source)
        centre = rigid_centre(source)
        posed_face = project(lift(source), pose, centre)[0]  # (68, 2) the source moved rigidly
        relative = np.concatenate([self.points - centre, self.depth[:, None]], axis=1)  # (N, 3)
        turned = pose.scale[0] * (relative @ pose.rotation[0].T)[:, :2] + centre + pose.shift[0]
        to_target = similarity(source[_RIGID], target[_RIGID])
        flat = apply_similarity(*to_target, self.points.astype(np.float64))
        facing = self.facing[:, None]
        rigid = facing * turned + (1.0 - facing) * flat
        # Beside the face, the outline's 3D pose (where it leaves the similarity: a widening cheek,
        # brows rising on a nod) and the jaw's expression drag the points along.
        beyond_flat = posed_face - apply_similarity(*to_target, source)
        drag = (1.0 - facing) * (self.pose_pull @ beyond_flat) + self.expression_pull @ (target - posed_face)
        motion = self.rigidity[:, None] * (rigid - self.points) + drag
        return (self.points + motion).astype(np.float32)


def _to_face(pixels: np.ndarray, to_crop: complex, offset: complex) -> np.ndarray:
    """Crop pixels (N, 2) -> face units (N, 2), through the similarity face -> crop."""
    face = ((pixels[:, 0] + 1j * pixels[:, 1]) - offset) / to_crop
    return np.stack([face.real, face.imag], axis=1)


def _normalised(pull: np.ndarray) -> np.ndarray:
    """Weights (N, 68) scaled so no point takes more than the whole of the landmarks' motion. -> float32"""
    return (pull / np.maximum(1.0, pull.sum(axis=1, keepdims=True))).astype(np.float32)
