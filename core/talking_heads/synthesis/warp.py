"""The classical renderer: a piecewise-affine warp of the source crop, no weights needed.

    person = WarpRenderer().prepare([Shot(crop, points)])
    frames = person.render(landmarks)     # (B, 68, 2) crop pixels -> (B, S, S, 3) uint8

The mesh (68 landmarks, a ring around the face that follows the head, fixed anchors and border points)
is triangulated once in `prepare`. Each frame rasterises the target triangles into an index map,
looks up every pixel's affine map back into the source and samples the source with one
`cv2.remap`. The inside of the mouth is attached to the jaws (`jaws.py`): what the source shows
between its lips (teeth, say) is split into an upper half moving with the upper lip and a lower
half moving with the lower lip. Where the mouth opens wider than in the source, the gap between
the halves has no source pixels and is painted (`mouth.py`: teeth, tongue, cavity). A blink lowers
the upper lid over the eye (`eyelids.py`) instead of squashing it.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talking_heads.errors import InputError
from talking_heads.landmarks.crop import CropTransform, head_crop
from talking_heads.landmarks.face_model import face_scale
from talking_heads.landmarks.pose import apply_similarity, similarity
from talking_heads.landmarks.retarget import mouth_opening
from talking_heads.landmarks.topology import INNER_LIPS, NUM_POINTS, OUTER_LIPS, RIGID
from talking_heads.synthesis.base import Person, Renderer, Shot
from talking_heads.synthesis.eyelids import open_lids, paint_lids
from talking_heads.synthesis.jaws import MouthSplit, meet_crossed_lips
from talking_heads.synthesis.mouth import MouthPalette, TeethSample, TeethSizes, paint_open_mouth
from talking_heads.synthesis.triangulation import ExactPatch, MeshLayout, WarpMaps, face_layout, mesh_triangles

FACE_CROP_SIZE = 256  # the paper's square face crop
_MOUTH_BOX_MARGIN = 3  # pixels around the inner lips computed exactly
_SMEAR_FREE_SQUEEZE = 1.0  # pixels the mouth's halves may be squeezed before the mouth is computed exactly


@dataclass(frozen=True)
class WarpConfig:
    max_resolution: int = 4096  # the largest crop side warped at the picture's own pixel size; larger heads
    # are warped at this size (a multiple of 16)
    head_spacing: float = 0.35  # face units between the mesh points that move the head around the face
    mouth_cavity: bool = True  # paint a cavity in the gap where the mouth opens wider than in the source
    cavity_fade: float = 0.03  # face units of extra opening over which the cavity fades in
    cavity_feather: float = 0.012  # face units: blur of the inner-lip edge
    teeth: float = 1.0  # opacity of the painted teeth, 0 = none
    teeth_height: float = 0.06  # face units the upper teeth show at most, the source's own included
    lower_teeth_height: float = 0.05  # face units the lower teeth show at most, in a wide-open mouth
    eyelids: bool = True  # close the eyes by lowering the upper lid over them, not by squashing the eye
    map_step: int = 2  # pixels between the points where the warp is computed exactly, 1 = every pixel
    # (a resolution that map_step does not divide is computed at every pixel)
    map_grid: int = 400  # larger crops double the step until at most this many exact points per side


class WarpRenderer(Renderer):
    name = "warp"

    def __init__(self, config: WarpConfig = WarpConfig()):
        if config.max_resolution < 16 or config.max_resolution % 16:
            raise InputError(f"max_resolution must be a positive multiple of 16, got {config.max_resolution}")
        self.config = config
        # The paper's crop size, for callers that cut square face crops themselves (the evaluation):
        # the warp renders crops of any size, and its own crop is the head at the picture's size.
        self.resolution = FACE_CROP_SIZE

    def crop(self, points: np.ndarray) -> CropTransform:
        """The whole moving head of a picture's face (68, 2), at the picture's own pixel size."""
        return head_crop(points, self.config.max_resolution)

    def prepare(self, shots: list[Shot]) -> Person:
        """A person from 1..K square shots of one size; with several, each frame is rendered from
        the shot whose pose and expression are nearest its landmarks (`BestShotPerson`)."""
        if not shots:
            raise InputError("the warp renderer needs at least one source image of the person")
        sizes = {np.shape(shot.image) for shot in shots}
        size = np.shape(shots[0].image)[0]
        if sizes != {(size, size, 3)}:
            raise InputError(f"source crops must be square RGB images of one size, got shapes {sorted(sizes)}; "
                             "crop them all to the same square (WarpRenderer.crop does)")
        if any(np.shape(shot.points) != (NUM_POINTS, 2) for shot in shots):
            raise InputError("every source crop needs its 68 landmarks as an array of shape (68, 2)")
        teeth = TeethSample.from_shots(shots)  # the portrait's own teeth, if any shot shows them
        people = [WarpPerson(shot, self.config, teeth) for shot in shots]
        return people[0] if len(people) == 1 else BestShotPerson(people)


class WarpPerson(Person):
    """One source crop and its mesh, ready to be warped to any landmarks."""

    covers_background = True  # the background near the crop's border stays put: the whole crop can be pasted back

    def __init__(self, shot: Shot, config: WarpConfig, teeth: TeethSample | None = None):
        self.config = config
        self.image = np.ascontiguousarray(shot.image, dtype=np.uint8)
        self.resolution = self.image.shape[0]
        self.points = np.asarray(shot.points, np.float32)
        size = self.resolution
        self.layout: MeshLayout = face_layout(self.points, size, spacing=config.head_spacing)
        self.triangles = mesh_triangles(self.points, self.layout, size)
        seams = range(self.layout.first_seam, self.layout.first_seam + 6)
        lips_and_inside = [*OUTER_LIPS, *INNER_LIPS, *seams]
        self.mouth = np.flatnonzero(np.isin(self.triangles, lips_and_inside).any(axis=1))  # warped exactly
        self.scale = float(face_scale(self.points))
        self.split = MouthSplit.from_source(self.image, self.points, self.scale)
        self.source_vertices = self.layout.vertices(self.points, np.concatenate([self.split.seam, self.split.seam]))
        self.maps = WarpMaps(size, _map_step(size, config), shot.shown)  # only what the picture shows
        self.teeth = teeth  # the portrait's own teeth, if a shot shows them
        # Whether this shot's mouth shows teeth, to be kept; otherwise its whole interior is repainted.
        self.shows_teeth = TeethSample.from_shot(self.image, self.points, self.split.seam, self.scale) is not None
        self.palette = MouthPalette.from_face(self.image, self.points, teeth)
        self.source_opening = float(mouth_opening(self.points.astype(np.float64))) / self.scale

    def render(self, landmarks: np.ndarray) -> np.ndarray:
        landmarks = np.asarray(landmarks, np.float32)
        if landmarks.ndim != 3 or landmarks.shape[1:] != (NUM_POINTS, 2):
            raise InputError(f"landmarks must have shape (B, 68, 2), got {landmarks.shape}")
        frames = np.empty((len(landmarks), self.resolution, self.resolution, 3), np.uint8)
        for index, points in enumerate(landmarks):
            frames[index] = self.render_one(points)
        return frames

    def render_one(self, points: np.ndarray) -> np.ndarray:
        """One frame: target landmarks (68, 2) in crop pixels -> (S, S, 3) uint8."""
        points = meet_crossed_lips(points)
        scale = float(face_scale(points))
        lids = open_lids(points, self.points) if self.config.eyelids else None
        if lids is not None:
            points = lids.opened
        upper, lower = self.split.halves(points, scale)
        head = self.layout.head.moved(self.points, points)
        target = self.layout.vertices(points, np.concatenate([upper, lower]), head)
        squeezed = self.split.squeeze(points, scale) > _SMEAR_FREE_SQUEEZE
        exact = ExactPatch(_mouth_box(points), self.mouth) if squeezed else None
        map_x, map_y = self.maps.build(target, self.source_vertices, self.triangles, exact)
        frame = self.image.copy()
        x0, y0, x1, y1 = self.maps.window
        frame[y0:y1, x0:x1] = cv2.remap(self.image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if self.config.mouth_cavity:
            self._paint_gap(frame, points, scale, upper, lower)
        if lids is not None:
            paint_lids(frame, lids, scale)
        return frame

    def _paint_gap(self, frame: np.ndarray, points: np.ndarray, scale: float, upper: np.ndarray,
                   lower: np.ndarray) -> None:
        """Paint the mouth's interior where the mouth opens wider than in the source: between the
        mouth's halves (seam copies (3, 2) each) when the source shows teeth there, otherwise inside
        the whole inner lips."""
        opening = float(mouth_opening(points.astype(np.float64))) / scale
        opacity = (opening - self.source_opening) / max(self.config.cavity_fade, 1e-6)
        if opacity > 0:
            config = self.config
            teeth = TeethSizes(config.teeth_height, config.lower_teeth_height, config.teeth, self.teeth)
            paint_open_mouth(frame, points, (upper, lower) if self.shows_teeth else None, scale, self.palette, teeth,
                             opacity, config.cavity_feather * scale)


def _mouth_box(points: np.ndarray) -> tuple[int, int, int, int]:
    """A box (x0, y0, x1, y1) of pixels around the inner lips of landmarks (68, 2), where the
    mouth's halves may squeeze the source."""
    inner = points[list(INNER_LIPS)]
    low, high = np.floor(inner.min(axis=0)) - _MOUTH_BOX_MARGIN, np.ceil(inner.max(axis=0)) + _MOUTH_BOX_MARGIN
    return int(low[0]), int(low[1]), int(high[0]), int(high[1])


def _map_step(size: int, config: WarpConfig) -> int:
    """The step between exact map points for a crop of `size` pixels: the configured one, doubled
    while the crop has more than `map_grid` exact points per side and the doubled step divides
    it; 1 when the configured step does not divide it."""
    if config.map_step < 1:
        raise InputError(f"map_step must be 1 or more, got {config.map_step}")
    if size % config.map_step:
        return 1
    step = config.map_step
    while size / step > config.map_grid and size % (2 * step) == 0:
        step *= 2
    return step


class BestShotPerson(Person):
    """Several shots of the person; each frame is rendered from the one whose landmarks, aligned
    onto the frame's by their rigid points, lie nearest (the pose and expression that fit best, so
    the least is stretched and the most is the source's own)."""

    covers_background = True

    def __init__(self, people: list[WarpPerson]):
        self.people = people
        self.resolution = people[0].resolution
        self.shot_points = np.stack([person.points for person in people]).astype(np.float64)  # (K, 68, 2)

    def best_shots(self, landmarks: np.ndarray) -> np.ndarray:
        """Index (B,) of the best shot for each frame's landmarks (B, 68, 2)."""
        target = np.asarray(landmarks, np.float64)[:, None]  # (B, 1, 68, 2)
        shots = np.broadcast_to(self.shot_points[None], (len(target), *self.shot_points.shape))
        rigid_shots = shots[..., list(RIGID), :]  # (B, K, R, 2)
        a, b = similarity(rigid_shots, np.broadcast_to(target[..., list(RIGID), :], rigid_shots.shape))
        aligned = apply_similarity(a, b, shots)  # (B, K, 68, 2)
        distance = np.linalg.norm(aligned - target, axis=-1).mean(axis=-1) / face_scale(target[:, 0])[:, None]
        return distance.argmin(axis=1)

    def render(self, landmarks: np.ndarray) -> np.ndarray:
        landmarks = np.asarray(landmarks, np.float32)
        if landmarks.ndim != 3 or landmarks.shape[1:] != (NUM_POINTS, 2):
            raise InputError(f"landmarks must have shape (B, 68, 2), got {landmarks.shape}")
        chosen = self.best_shots(landmarks)
        frames = np.empty((len(landmarks), self.resolution, self.resolution, 3), np.uint8)
        for index, (points, shot) in enumerate(zip(landmarks, chosen)):
            frames[index] = self.people[shot].render_one(points)
        return frames
