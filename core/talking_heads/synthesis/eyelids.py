"""Eyelids for the warp renderer: a blink lowers the upper lid over the eye instead of squashing it.

The warp is given the target landmarks with each closing upper lid kept at its open place (the
source's lid carried by the similarity of the eye's corners), so the eye, iris and all, keeps its
shape. Then `paint_lids` stretches the skin between the brow and the open lid down to the
target's lid line, as the lid unfolds when it closes: the lid's own lash line travels down with
it, skin covers the eye, and a soft lash line is drawn along the lid's edge. Everything is
measured in the frame's pixels and the face's scale, so it works at any resolution.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talking_heads.landmarks.pose import apply_similarity, similarity

# Per eye: the corners (outer or inner first, in image order), the upper lid points between
# them, the lower lid points facing them, and the brow above.
_EYES = (((36, 39), (37, 38), (41, 40), (17, 18, 19, 20, 21)),
         ((42, 45), (43, 44), (47, 46), (22, 23, 24, 25, 26)))
_MIN_TRAVEL = 0.25  # pixels a lid must be lowered by before it is painted
_LID_SKIN = 0.55  # share of the distance from the open lid up to the brow that stretches down over the eye
_MIN_LID_SKIN = 0.06  # face units of that skin at least
_LID_MARGIN = 0.03  # face units above the open lid's edge that are not used as lid skin
_LASH_WIDTH = 0.01  # face units: half-width of the painted lash line
_LASH_DARKNESS = 0.65  # how much the lash line darkens the lid's colour
_FULL_COVER = 0.03  # face units the closed lid reaches past the lower lid, so no white shows at its edge


@dataclass(frozen=True)
class Lids:
    """Target landmarks split into what the warp uses and what the lids paint over it."""

    opened: np.ndarray  # (68, 2) the target with every lowered upper lid at its open place
    closed: np.ndarray  # (68, 2) the target itself: the lids where they should end up
    eyes: tuple[int, ...]  # which eyes (indices into _EYES) have a lowered lid


def open_lids(target: np.ndarray, source: np.ndarray) -> Lids | None:
    """The lids of target landmarks (68, 2) whose upper lids lie lower than the source's
    (landmarks (68, 2)) would, carried by the eye's corners; None when no lid is lowered."""
    opened = np.array(target, np.float32)
    eyes = []
    for index, (corners, upper, _, _) in enumerate(_EYES):
        lid = apply_similarity(*similarity(source[list(corners)], target[list(corners)]), source[list(upper)])
        down = _down(target, corners)
        travel = (target[list(upper)] - lid) @ down  # (2,) pixels each lid point is lowered by
        if travel.max() > _MIN_TRAVEL:
            opened[list(upper)] = np.where((travel > 0)[:, None], lid, target[list(upper)])
            eyes.append(index)
    return Lids(opened, np.asarray(target, np.float32), tuple(eyes)) if eyes else None


def paint_lids(frame: np.ndarray, lids: Lids, scale: float) -> None:
    """Lower the upper lids on `frame` (H, W, 3) uint8 (warped with `lids.opened`) to their place in
    `lids.closed`, in place; `scale` is the face's pixels per face unit."""
    for index in lids.eyes:
        _lower_lid(frame, lids, *_EYES[index], scale)


def _lower_lid(frame: np.ndarray, lids: Lids, corners: tuple[int, int], upper: tuple[int, int],
               lower: tuple[int, int], brow: tuple[int, ...], scale: float) -> None:
    start, end = lids.opened[corners[0]], lids.opened[corners[1]]
    chord = end - start
    width = float(np.linalg.norm(chord))
    if width < 2:
        return
    along = chord / width
    down = np.array([-along[1], along[0]], np.float32)

    def curve(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        offsets = points - start
        return (offsets @ along) / width, offsets @ down

    open_u, open_v = curve(lids.opened[list(upper)])
    closed_u, closed_v = curve(lids.closed[list(upper)])
    lower_u, lower_v = curve(lids.closed[list(lower)])
    brow_v = float(np.min(curve(lids.closed[list(brow)])[1]))
    skin = max(_LID_SKIN * (float(np.min(open_v)) - brow_v), _MIN_LID_SKIN * scale)  # pixels of skin that unfold

    reach = float(np.max(np.concatenate([closed_v, lower_v]))) + _FULL_COVER * scale + 2
    top = float(np.min(open_v)) - skin - 2
    box = np.array([start + top * down, end + top * down, start + reach * down, end + reach * down])
    low = np.clip(np.floor(box.min(axis=0)).astype(int) - 1, 0, frame.shape[1::-1])
    high = np.clip(np.ceil(box.max(axis=0)).astype(int) + 2, 0, frame.shape[1::-1])
    if (high - low).min() <= 1:
        return
    ys, xs = np.mgrid[low[1]:high[1], low[0]:high[0]].astype(np.float32)
    dx, dy = xs - start[0], ys - start[1]
    u = (dx * along[0] + dy * along[1]) / width
    v = dx * down[0] + dy * down[1]
    inside = (u > 0) & (u < 1)
    open_at, closed_at = _lid_curve(open_u, open_v, u), _lid_curve(closed_u, closed_v, u)
    lower_at = _lid_curve(lower_u, lower_v, u)
    travel = np.clip(closed_at - open_at, 0, None)
    shut = np.clip(travel / np.maximum(lower_at - open_at, 1.0), 0, 1)  # 1 where the lid meets the lower lid
    edge = closed_at + _FULL_COVER * scale * np.clip((shut - 0.7) / 0.3, 0, 1)
    travel = np.clip(edge - open_at, 0, None)
    band_top = open_at - skin
    # The band from the skin's top down to the lid's edge shows the skin above the open lid, stretched;
    # the open lid's own edge (where landmarks may sit inside the eye) is left out.
    left_out = np.minimum(_LID_MARGIN * scale, travel)  # all of it once the lid has moved that far
    stretch = (skin - left_out) / (skin + travel)
    source_v = band_top + (v - band_top) * stretch
    shift = np.where(inside & (v > band_top), source_v - v, 0.0).astype(np.float32)  # pixels up to sample from
    patch = frame[low[1]:high[1], low[0]:high[0]]
    lid = cv2.remap(frame, xs + shift * down[0], ys + shift * down[1], cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    cover = np.clip(edge - v + 0.5, 0, 1) * inside * (travel > 0)  # anti-aliased lid edge
    lash_width = max(_LASH_WIDTH * scale, 0.7)
    taper = np.sqrt(np.clip(4 * u * (1 - u), 0, 1))
    lash = np.exp(-((v - edge + 0.6 * lash_width) / lash_width) ** 2) * taper * np.clip(travel / lash_width, 0, 1)
    lid *= (1 - _LASH_DARKNESS * lash * inside)[..., None]
    result = patch + cover[..., None] * (lid - patch)
    patch[...] = np.clip(result + 0.5, 0, 255).astype(np.uint8)


def _lid_curve(u_points: np.ndarray, v_points: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A smooth lid from corner to corner through two points (u, v) (2,) each, where both corners lie
    at v = 0: the cubic v = u (1 - u) (a + b u) through them, evaluated at `u` (...)."""
    basis = u_points * (1 - u_points)
    system = np.stack([basis, basis * u_points], axis=1)  # (2, 2)
    try:
        a, b = np.linalg.solve(system, v_points)
    except np.linalg.LinAlgError:
        a, b = float(np.mean(v_points / np.maximum(basis, 1e-3))), 0.0
    return (u * (1 - u) * (a + b * u)).astype(np.float32)


def _down(points: np.ndarray, corners: tuple[int, int]) -> np.ndarray:
    """Unit vector (2,) perpendicular to an eye's corner-to-corner line, pointing down the face."""
    chord = (points[corners[1]] - points[corners[0]]).astype(np.float64)
    return np.array([-chord[1], chord[0]]) / max(float(np.linalg.norm(chord)), 1e-6)
