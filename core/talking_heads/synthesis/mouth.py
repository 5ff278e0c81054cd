"""A plausible mouth interior for the warp renderer: a cavity, dark red at its walls and darker
towards the throat, with a tongue glow at the bottom and a hint of the upper teeth, painted inside
an outline (the gap between the mouth's halves, see `jaws.py`) and feathered at its edge.

Its colours come from the source: the cavity and tongue are darkened lip colour, the teeth a
light tone at the face's brightness, so the interior suits photos and paintings alike.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talking_heads.landmarks.topology import INNER_LIPS, NOSE, OUTER_LIPS

_SUBPIXEL_BITS = 4
_TEETH_TINT = np.array([0.95, 0.92, 0.86])
_INSIDE_CHROMA = 1.6  # colourfulness of the mouth's inside relative to the lips' mean colour


@dataclass(frozen=True)
class MouthColours:
    cavity: np.ndarray  # (3,) float RGB, the darkest part: the throat
    walls: np.ndarray  # (3,) the cavity next to its outline
    tongue: np.ndarray  # (3,)
    teeth: np.ndarray  # (3,)

    @classmethod
    def from_face(cls, image: np.ndarray, landmarks: np.ndarray) -> MouthColours:
        """Sample the lips (outer minus inner polygon) and the nose's skin of a crop."""
        lips = _polygon_mask(image.shape[0], landmarks[list(OUTER_LIPS)])
        lips &= ~_polygon_mask(image.shape[0], landmarks[list(INNER_LIPS)])
        skin = _polygon_mask(image.shape[0], cv2.convexHull(landmarks[list(NOSE)].astype(np.float32))[:, 0])
        lip = _mean_colour(image, lips, fallback=(150, 80, 80))
        flesh = lip.mean() + _INSIDE_CHROMA * (lip - lip.mean())  # the inside of the mouth is redder than the lips look
        skin_light = float(_mean_colour(image, skin, fallback=(180, 140, 120)).mean())
        return cls(cavity=0.12 * lip + 4.0, walls=0.25 * flesh, tongue=0.55 * flesh,
                   teeth=_TEETH_TINT * min(255.0, 1.15 * skin_light))


def paint_cavity(frame: np.ndarray, landmarks: np.ndarray, colours: MouthColours, opacity: float,
                 feather: float, teeth_height: float, teeth: float) -> None:
    """Paint the interior inside the inner lips of `landmarks` (68, 2) onto `frame` (S, S, 3) uint8,
    in place.

    opacity: 0..1; feather: pixels (sigma of the edge blur); teeth_height: pixels the teeth hang
    below the upper lip; teeth: 0..1 strength of the teeth hint."""
    size = frame.shape[0]
    pad = int(np.ceil(3 * feather)) + 2
    low = np.clip(np.floor(landmarks[list(INNER_LIPS)].min(axis=0)).astype(int) - pad, 0, size)
    high = np.clip(np.ceil(landmarks[list(INNER_LIPS)].max(axis=0)).astype(int) + pad, 0, size)
    if (high - low).min() <= 0 or opacity <= 0:
        return
    local = landmarks - low  # (68, 2) in the patch
    shape = (high[1] - low[1], high[0] - low[0])
    coverage = _soft_polygon(shape, _rounded(local[list(INNER_LIPS)]), feather)
    layer = _interior(coverage, local, colours, teeth_height, teeth, feather)
    alpha = coverage * min(opacity, 1.0)
    patch = frame[low[1]:high[1], low[0]:high[0]].astype(np.float32)
    patch += alpha[..., None] * (layer - patch)
    frame[low[1]:high[1], low[0]:high[0]] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)


def _interior(coverage: np.ndarray, local: np.ndarray, colours: MouthColours, teeth_height: float,
              teeth: float, feather: float) -> np.ndarray:
    """The interior's colours over the patch of the outline's `coverage` (h, w): the cavity,
    shading from its walls to the throat deep inside, a tongue glow rising softly above the lower
    edge and the upper teeth below the upper edge, both arched from corner to corner. -> (h, w, 3) float32"""
    corner = local[60]
    chord = local[64] - corner
    along = chord / max(float(np.linalg.norm(chord)), 1e-6)
    down = np.array([-along[1], along[0]])
    ys, xs = np.mgrid[0:coverage.shape[0], 0:coverage.shape[1]].astype(np.float32)
    offset_x, offset_y = xs - corner[0], ys - corner[1]
    u = np.clip((offset_x * along[0] + offset_y * along[1]) / np.linalg.norm(chord), 0, 1)  # 0..1 along the mouth
    v = offset_x * down[0] + offset_y * down[1]  # pixels below the corner-to-corner line
    arch = np.sin(np.pi * u) ** 0.7
    upper, lower = float((local[62] - corner) @ down), float((local[66] - corner) @ down)
    height = max(lower - upper, 1.0)
    inside = cv2.distanceTransform((coverage > 0.5).astype(np.uint8), cv2.DIST_L2, 3)  # pixels from the outline
    depth = np.sqrt(inside / max(float(inside.max()), 1.0))[..., None]  # 0 at the outline, 1 deepest
    layer = colours.walls + depth * (colours.cavity - colours.walls)
    soft = max(feather, 1.0)
    tongue_line = (lower - 0.35 * height) * arch
    tongue = np.clip((v - tongue_line) / max(0.25 * height, soft) + 0.5, 0, 1)[..., None]
    layer += tongue * (colours.tongue * (1 - 0.5 * depth) - layer)
    if teeth > 0 and teeth_height > 0:
        shown = teeth * np.clip(((upper + teeth_height) * arch - v) / soft + 0.5, 0, 1)[..., None]
        layer += shown * (colours.teeth - layer)
    return layer.astype(np.float32)


def _rounded(polygon: np.ndarray, iterations: int = 2) -> np.ndarray:
    """Chaikin corner cutting of a closed polygon (N, 2): a rounded outline that stays inside the
    polygon's hull, so it never pokes out past the mouth corners. -> (N * 2**iterations, 2)"""
    for _ in range(iterations):
        following = np.roll(polygon, -1, axis=0)
        cuts = [0.75 * polygon + 0.25 * following, 0.25 * polygon + 0.75 * following]
        polygon = np.stack(cuts, axis=1).reshape(-1, 2)
    return polygon


def _soft_polygon(shape: tuple[int, int], polygon: np.ndarray, feather: float) -> np.ndarray:
    """Anti-aliased polygon coverage in [0, 1], blurred by `feather` pixels. -> (h, w) float32"""
    mask = np.zeros(shape, np.uint8)
    fixed = np.round(polygon * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    cv2.fillPoly(mask, [fixed], 255, lineType=cv2.LINE_AA, shift=_SUBPIXEL_BITS)
    soft = mask.astype(np.float32) / 255
    return cv2.GaussianBlur(soft, (0, 0), feather) if feather > 0 else soft


def _polygon_mask(size: int, polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    return mask.astype(bool)


def _mean_colour(image: np.ndarray, mask: np.ndarray, fallback: tuple[int, int, int]) -> np.ndarray:
    return image[mask].mean(axis=0) if mask.any() else np.array(fallback, np.float64)
