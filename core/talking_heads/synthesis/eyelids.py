"""Eyelids for the warp renderer: a blink lowers the upper lid over the eye instead of squashing it.

The warp is given the target landmarks with each closing upper lid kept at its open place (the
source's lid carried by the similarity of the eye's corners), so the eye, iris and all, keeps its
shape. Then `paint_lids` stretches the skin between the brow and the open lid down to the
target's lid line, as the lid unfolds when it closes: skin covers the eye (the open lid's own
lashes and shadow left out, what still darkens it lifted towards the clear skin above) and a soft
lash line is drawn along the lid's new edge. Everything is measured in the frame's pixels and the
face's scale, so it works at any resolution.
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
_LID_SKIN = 0.5  # share of the distance from the open lid up to the brow that stretches down over the eye
_MIN_LID_SKIN = 0.06  # face units of that skin at least
_LID_MARGIN = 0.03  # face units above the open lid's edge at least that are not used as lid skin
_MAX_LASH_SHARE = 0.4  # share of the unfolding skin that may be left out as lashes at most
_DARK_LID, _LIFT = 0.55, 0.6  # lid pixels darker than this share of the clear skin are lifted by up to this share
_CLEAR_SKIN = 0.85  # above the lid's lashes the skin is this light relative to the lightest above the eye
_LUMINANCE = np.array([0.299, 0.587, 0.114], np.float32)
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
        down = _EyeAxes.of(target[corners[0]], target[corners[1]]).down
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


@dataclass(frozen=True)
class _EyeAxes:
    """An eye's own axes: u from one corner (0) to the other (1), v pixels below that line."""

    start: np.ndarray  # (2,) the first corner
    along: np.ndarray  # (2,) unit vector to the other corner
    down: np.ndarray  # (2,) unit vector perpendicular to it, down the face
    width: float  # pixels from corner to corner

    @classmethod
    def of(cls, first: np.ndarray, second: np.ndarray) -> _EyeAxes:
        chord = (second - first).astype(np.float32)
        width = max(float(np.linalg.norm(chord)), 1e-6)
        along = chord / width
        return cls(first.astype(np.float32), along, np.array([-along[1], along[0]], np.float32), width)

    def uv(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dx, dy = x - self.start[0], y - self.start[1]
        return (dx * self.along[0] + dy * self.along[1]) / self.width, dx * self.down[0] + dy * self.down[1]

    def curve(self, points: np.ndarray, u: np.ndarray) -> np.ndarray:
        """v at `u` (...) of the smooth lid from corner to corner through `points` (2, 2)."""
        return _lid_curve(*self.uv(points[:, 0], points[:, 1]), u)

    def xy(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        base = self.start + u[..., None] * self.width * self.along + v[..., None] * self.down
        return base[..., 0].astype(np.float32), base[..., 1].astype(np.float32)


def _lower_lid(frame: np.ndarray, lids: Lids, corners: tuple[int, int], upper: tuple[int, int],
               lower: tuple[int, int], brow: tuple[int, ...], scale: float) -> None:
    axes = _EyeAxes.of(lids.opened[corners[0]], lids.opened[corners[1]])
    if axes.width < 2:
        return
    opened, closed = lids.opened[list(upper)], lids.closed[list(upper)]
    open_v = axes.uv(opened[:, 0], opened[:, 1])[1]
    brow_v = float(np.min(axes.uv(lids.closed[list(brow), 0], lids.closed[list(brow), 1])[1]))
    skin = max(_LID_SKIN * (float(np.min(open_v)) - brow_v), _MIN_LID_SKIN * scale)  # pixels of skin that unfold
    reach = float(np.max(axes.uv(*lids.closed[[*upper, *lower]].T)[1])) + _FULL_COVER * scale + 2
    top = float(np.min(axes.curve(opened, np.linspace(0.0, 1.0, 21, dtype=np.float32)))) - skin - 2
    box = np.array([axes.start + top * axes.down, axes.start + axes.width * axes.along + top * axes.down,
                    axes.start + reach * axes.down, axes.start + axes.width * axes.along + reach * axes.down])
    low = np.clip(np.floor(box.min(axis=0)).astype(int) - 1, 0, frame.shape[1::-1])
    high = np.clip(np.ceil(box.max(axis=0)).astype(int) + 2, 0, frame.shape[1::-1])
    if (high - low).min() <= 1:
        return
    ys, xs = np.mgrid[low[1]:high[1], low[0]:high[0]].astype(np.float32)
    u, v = axes.uv(xs, ys)
    inside = (u > 0) & (u < 1)
    open_at, closed_at, lower_at = (axes.curve(points, u) for points in (opened, closed, lids.closed[list(lower)]))
    shut = np.clip((closed_at - open_at) / np.maximum(lower_at - open_at, 1.0), 0, 1)  # 1: the lids meet
    taper = np.sqrt(np.clip(4 * u * (1 - u), 0, 1))  # 0 at the corners, 1 in the middle
    edge = closed_at + _FULL_COVER * scale * np.clip((shut - 0.7) / 0.3, 0, 1) * taper
    travel = np.clip(edge - open_at, 0, None)
    band_top = open_at - skin
    # The band from the skin's top down to the lid's edge shows the skin above the open lid,
    # stretched; the open lid's own edge and lashes are left out, as landmarks may sit inside the eye.
    band, clear_skin = _lash_band(frame, axes, opened, skin, scale)
    left_out = np.minimum(band, travel)
    source_v = band_top + (v - band_top) * (skin - left_out) / (skin + travel)
    shift = np.where(inside & (v > band_top), source_v - v, 0.0).astype(np.float32)  # pixels up to sample from
    patch = frame[low[1]:high[1], low[0]:high[0]]
    lid = cv2.remap(frame, xs + shift * axes.down[0], ys + shift * axes.down[1], cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    # Lashes and make-up that still darken the stretched skin are lifted towards the clear skin above.
    clear_light = max(float(clear_skin @ _LUMINANCE), 1.0)
    in_band = np.clip((v - band_top) / (0.5 * skin), 0, 1)  # fading in from the skin's top
    lift = _LIFT * in_band * np.clip(1 - (lid @ _LUMINANCE) / (_DARK_LID * clear_light), 0, 1)
    lid += lift[..., None] * (clear_skin - lid)
    cover = np.clip(edge - v + 0.5, 0, 1) * inside * (travel > 0)  # anti-aliased lid edge
    lash_width = max(_LASH_WIDTH * scale, 0.7)
    lash = np.exp(-((v - edge + 0.6 * lash_width) / lash_width) ** 2) * taper * np.clip(travel / lash_width, 0, 1)
    lid *= (1 - _LASH_DARKNESS * lash * inside)[..., None]
    result = patch + cover[..., None] * (lid - patch)
    patch[...] = np.clip(result + 0.5, 0, 255).astype(np.uint8)


def _lash_band(frame: np.ndarray, axes: _EyeAxes, opened: np.ndarray, skin: float,
               scale: float) -> tuple[float, np.ndarray]:
    """Pixels above the open lid that its lashes and shadow darken: up to where the skin, seen in
    the middle of the eye, comes within reach of its lightest (at least `_LID_MARGIN`, at most
    `_MAX_LASH_SHARE` of the unfolding `skin`); and that lightest skin's colour (3,)."""
    u = np.array([0.35, 0.5, 0.65], np.float32)
    above = np.linspace(0.0, skin, max(int(skin), 2), dtype=np.float32)  # (n,) pixels above the open lid
    rows_u = np.broadcast_to(u, (len(above), 3))
    x, y = axes.xy(rows_u, axes.curve(opened, u)[None, :] - above[:, None])
    light = cv2.remap(frame, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    profile = (light @ _LUMINANCE).mean(axis=1)  # (n,) from the lid upwards
    clear = np.flatnonzero(profile >= _CLEAR_SKIN * profile.max())
    band = float(above[clear[0]]) if len(clear) else 0.0
    clear_skin = light[int(np.argmax(profile))].mean(axis=0)
    return float(np.clip(band, _LID_MARGIN * scale, _MAX_LASH_SHARE * skin)), clear_skin


def _lid_curve(u_points: np.ndarray, v_points: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A smooth lid from corner to corner through two points (u, v) (2,) each, where both corners lie
    at v = 0: the cubic v = u (1 - u) (a + b u) through them, evaluated at `u` (...)."""
    (u1, u2), (v1, v2) = np.asarray(u_points, np.float64), np.asarray(v_points, np.float64)
    first, second = max(u1 * (1 - u1), 1e-3), max(u2 * (1 - u2), 1e-3)
    if abs(u2 - u1) < 1e-2:  # the two points (nearly) coincide: a plain arch through their middle
        a, b = (v1 / first + v2 / second) / 2, 0.0
    else:  # solve a + b u = v / (u (1 - u)) at both points
        b = (v2 / second - v1 / first) / (u2 - u1)
        a = v1 / first - b * u1
    return (u * (1 - u) * (a + b * u)).astype(np.float32)

