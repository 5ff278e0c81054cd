"""The inside of the mouth, attached to the jaws.

The source's mouth interior (inside the inner lips) is split along a seam from corner 60 to
corner 64 into an upper half that moves with the upper inner lip (61-63: the upper teeth) and a
lower half that moves with the lower inner lip (65-67: the lower teeth, the tongue). In the mesh
the seam is two rows of vertices, one per half, that coincide in the source. Where the target
opens wider than the source they part, and the gap between them is the only place without
source pixels: the renderer paints it as the cavity. Where the target opens less, both halves
are squeezed in proportion, so the lips meet at the seam instead of crossing.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

UPPER_LIP, LOWER_LIP = (61, 62, 63), (67, 66, 65)  # inner-lip points facing each other: the seam's columns
CORNERS = (60, 64)
_SEAM_SEARCH = (0.2, 0.85)  # share of the way from the upper to the lower inner lip where the seam may lie
_SEAM_SAMPLES = 14
_SEAM_CENTRING = 40.0  # grey levels per unit of that share away from the middle: ties go to the midline
_MIN_SPLIT_OPENING = 2.0  # pixels: a source mouth open less than this has no interior worth splitting
_LUMINANCE = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass(frozen=True)
class MouthSplit:
    """Where the source's mouth interior divides into the halves carried by the upper and lower lip."""

    fraction: np.ndarray  # (3,) the seam's place per column, 0 at the upper inner lip, 1 at the lower
    seam: np.ndarray  # (3, 2) the seam's points in the source crop
    opening: np.ndarray  # (3,) the source's opening per column along its mouth's down axis, face units

    @classmethod
    def from_source(cls, image: np.ndarray, points: np.ndarray, scale: float) -> MouthSplit:
        """The split of a source crop (S, S, 3) uint8 with landmarks (68, 2) and `scale` pixels per
        face unit. In each column the seam lies on the darkest line between the lips (where the
        upper teeth end: the gap between the teeth, or the edge of the lower lip), leaning towards
        the midline; a closed mouth is split in the middle."""
        upper, lower = points[list(UPPER_LIP)].astype(np.float64), points[list(LOWER_LIP)].astype(np.float64)
        opening = ((lower - upper) @ down_axis(points)).clip(min=0.0)  # (3,) pixels
        shares = np.linspace(*_SEAM_SEARCH, _SEAM_SAMPLES)  # (N,)
        samples = upper[:, None] + shares[None, :, None] * (lower - upper)[:, None]  # (3, N, 2)
        luminance = cv2.GaussianBlur(image.astype(np.float32) @ _LUMINANCE, (0, 0), 1.0)
        along = cv2.remap(luminance, samples[..., 0].astype(np.float32), samples[..., 1].astype(np.float32),
                          cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)  # (3, N)
        darkest = shares[np.argmin(along + _SEAM_CENTRING * np.abs(shares - 0.5), axis=1)]
        fraction = np.where(opening >= _MIN_SPLIT_OPENING, darkest, 0.5)
        seam = upper + fraction[:, None] * (lower - upper)
        return cls(fraction, seam.astype(np.float32), opening / scale)

    def halves(self, points: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
        """The seam's upper and lower copy (3, 2) each for target landmarks (68, 2) with `scale`
        pixels per face unit. Each half keeps the source's height (in face units) and the extra
        opening is left between them along the mouth's down axis; a target open less than the
        source squeezes both halves in proportion, so the copies meet on the seam."""
        upper, lower = points[list(UPPER_LIP)].astype(np.float64), points[list(LOWER_LIP)].astype(np.float64)
        down = down_axis(points)
        span = lower - upper  # (3, 2)
        gap = np.maximum(span @ down - self.opening * scale, 0.0)[:, None] * down  # (3, 2)
        filled = span - gap  # what the two halves share out between them
        top = upper + self.fraction[:, None] * filled
        return top.astype(np.float32), (top + gap).astype(np.float32)


    def squeeze(self, points: np.ndarray, scale: float) -> float:
        """Pixels by which target landmarks (68, 2) with `scale` pixels per face unit open less than
        the source in their most closed column; 0 where they open as wide or wider."""
        span = points[list(LOWER_LIP)] - points[list(UPPER_LIP)]
        return float(np.max(self.opening * scale - span @ down_axis(points), initial=0.0))


def down_axis(points: np.ndarray) -> np.ndarray:
    """Unit vector perpendicular to the mouth's corner-to-corner line, pointing down. (68, 2) -> (2,)"""
    chord = (points[CORNERS[1]] - points[CORNERS[0]]).astype(np.float64)
    return np.array([-chord[1], chord[0]]) / max(float(np.linalg.norm(chord)), 1e-6)


def meet_crossed_lips(points: np.ndarray) -> np.ndarray:
    """The landmarks (68, 2) with every lower inner-lip point that lies above its upper partner
    moved, with it, to their midpoint: lips that would cross meet instead. -> a copy (68, 2)"""
    points = np.array(points, np.float32)
    down = down_axis(points)
    overlap = np.minimum((points[list(LOWER_LIP)] - points[list(UPPER_LIP)]) @ down, 0.0)  # (3,)
    step = (overlap[:, None] / 2 * down).astype(np.float32)
    points[list(UPPER_LIP)] += step
    points[list(LOWER_LIP)] -= step
    return points


def mouth_triangles(first_seam: int) -> tuple[np.ndarray, np.ndarray]:
    """The mouth's triangles for a mesh whose seam copies are the vertices `first_seam` (upper
    copy, columns 0-2) and `first_seam + 3` (lower copy): the gap between the two copies (6, 3)
    and the two halves (12, 3), each a strip from corner to corner. No half triangle has a corner
    on the other side of the gap."""
    upper_seam = (CORNERS[0], *range(first_seam, first_seam + 3), CORNERS[1])
    lower_seam = (CORNERS[0], *range(first_seam + 3, first_seam + 6), CORNERS[1])
    upper_lip, lower_lip = (CORNERS[0], *UPPER_LIP, CORNERS[1]), (CORNERS[0], *LOWER_LIP, CORNERS[1])
    halves = np.concatenate([_strip(upper_lip, upper_seam), _strip(lower_lip, lower_seam)])
    return _strip(upper_seam, lower_seam), halves


def _strip(first: tuple[int, ...], second: tuple[int, ...]) -> np.ndarray:
    """Triangles (6, 3) between two chains of five vertices that share their ends."""
    triangles = [(first[0], first[1], second[1])]
    for k in (1, 2):
        triangles += [(first[k], first[k + 1], second[k + 1]), (first[k], second[k + 1], second[k])]
    triangles.append((first[3], first[4], second[3]))
    return np.array(triangles, np.int32)
