"""A plausible mouth interior for the warp renderer, painted where the mouth opens wider than in
the source (inside the inner lips, or between the mouth's halves when the source shows its teeth,
see `jaws.py`): a cavity dark at the back and lighter near the lips, a tongue, a row of lower teeth
(in a wide-open mouth) and a row of upper teeth that follow the lips' curve, and a soft inner-lip
edge. Painting functions take the frame, landmarks in its pixels and the face's scale, so they work
at any resolution.

Everything is measured along the mouth: `u` runs from corner 60 (0) to corner 64 (1), `v` is the
distance in pixels below the corner-to-corner line, and the gap's top and bottom edges are curves
v(u) through the inner-lip points, so the teeth arch with the lips at any size and angle. The
teeth are a dental arch seen from the front (teeth equally spaced in angle, narrowing towards the
corners), each shaded like a small cylinder, darker towards the back and under the lips.

Colours come from the portrait (`MouthPalette`): the cavity and tongue are its lip colour,
darkened and made a little redder; the teeth are a light tone at the face's brightness, tinted by
its skin (ivory in a warm painting, grey in a black-and-white photo), or the portrait's own teeth
(`TeethSample`) where one of its shots shows them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from talking_heads.landmarks.face_model import face_scale
from talking_heads.landmarks.topology import INNER_LIPS, NOSE, OUTER_LIPS
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.jaws import LOWER_LIP, UPPER_LIP, MouthSplit, down_axis

_SUBPIXEL_BITS = 4
_DETAIL_WIDTH = 160.0  # pixels from corner to corner at most at which the interior is painted
_LUMINANCE = np.array([0.299, 0.587, 0.114], np.float32)
_UPPER_CURVE, _LOWER_CURVE = (60, 61, 62, 63, 64), (60, 67, 66, 65, 64)  # the inner lips, corner to corner
_INSIDE_CHROMA, _TONGUE_CHROMA = 1.6, 0.6  # colourfulness of the cavity and tongue relative to the lips
_TONGUE_SKIN = 0.4  # share of the skin's colour cast added to the tongue's (pale lips, a pink tongue)
_TONGUE_RED, _RED = 0.5, np.array([0.8, -0.3, -0.5])  # and a red as strong as the portrait's colours allow
_TEETH_LIGHT = 1.0  # the teeth's brightness relative to the skin's...
_TEETH_HIGHLIGHT = 0.9  # ...and at most this share of the face's highlights
_TEETH_TINT = 0.35  # share of the skin's colour cast the teeth take
_UPPER_SPAN, _LOWER_SPAN = 0.8, 0.62  # shares of the corner-to-corner width the teeth rows span
_UPPER_TEETH_ANGLE, _LOWER_TEETH_ANGLE = np.pi / 10, np.pi / 12  # radians of the arch per tooth
_UPPER_TEETH_SHARE, _LOWER_TEETH_SHARE = 0.4, 0.3  # of the gap's height the teeth rows take at most
_LOWER_TEETH_FROM, _LOWER_TEETH_RAMP = 0.2, 0.12  # face units of opening: lower teeth start, then grow in fully
_LOWER_TEETH_SHADE = 0.85  # the lower teeth lie deeper in the mouth's shadow
_TONGUE = 0.42  # share of the gap the tongue fills at the middle
_GRAIN_BLUR = 1.0  # pixels: what a blur this wide removes from the skin is its grain
_CHEEKS = ((1, 2, 3, 48, 31, 40, 41), (15, 14, 13, 54, 35, 47, 46))  # under each eye, beside the nose and mouth
_MAD_TO_SIGMA = 1.4826  # a normal spread's standard deviation per median absolute deviation
_SAMPLE_SIZE = (24, 96)  # (height, width) of a stored teeth sample
_TEETH_CONTRAST = 1.2  # a teeth sample is this much lighter than the lips...
_TEETH_SHARE = 0.6  # ...over at least this share of its middle


def _tileable_grain(size: int = 64) -> np.ndarray:
    """A (size, size) float32 noise of unit variance, softened over a pixel, that tiles seamlessly."""
    noise = np.random.default_rng(0).standard_normal((size, size))
    for axis in (0, 1):  # a [1 2 1] / 4 blur that wraps round
        noise = (np.roll(noise, 1, axis) + 2 * noise + np.roll(noise, -1, axis)) / 4
    return (noise / noise.std()).astype(np.float32)


_NOISE = _tileable_grain()


@dataclass(frozen=True)
class TeethSample:
    """The portrait's own upper teeth, unrolled along the mouth: rows from the upper inner lip down
    to the teeth's edge, columns from corner to corner."""

    texture: np.ndarray  # (h, w, 3) float32 RGB
    height: float  # face units from the upper inner lip to the teeth's edge at the middle

    @classmethod
    def from_shot(cls, image: np.ndarray, points: np.ndarray, edge: np.ndarray, scale: float) -> TeethSample | None:
        """The teeth of a crop (S, S, 3) uint8 with landmarks (68, 2), between the upper inner lip and
        `edge` (3, 2), the line where the upper teeth end under points 61-63 (the mouth's seam);
        None unless that band is mostly teeth: light against the lips."""
        lower = np.asarray(points, np.float32).copy()
        lower[[61, 62, 63]] = edge
        height = float(np.linalg.norm(edge[1] - points[62])) / scale
        if height * scale < 2.0:
            return None
        h, w = _SAMPLE_SIZE
        u, t = np.meshgrid(np.linspace(0.0, 1.0, w, dtype=np.float32), (np.arange(h, dtype=np.float32) + 0.5) / h)
        top = _curve_points(points, _UPPER_CURVE, u)  # (h, w, 2)
        bottom = _curve_points(lower, _UPPER_CURVE, u)
        where = top + t[..., None] * (bottom - top)
        texture = cv2.remap(image, where[..., 0], where[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        lips = _polygon_mask(image.shape[:2], points[list(OUTER_LIPS)]) & ~_polygon_mask(image.shape[:2],
                                                                                          points[list(INNER_LIPS)])
        lip_light = float(_mean_colour(image, lips, (150, 80, 80)) @ _LUMINANCE)
        middle = texture[h // 6:, w // 4:3 * w // 4].astype(np.float32) @ _LUMINANCE
        if (middle > _TEETH_CONTRAST * lip_light).mean() < _TEETH_SHARE:
            return None
        return cls(texture.astype(np.float32), height)

    @classmethod
    def from_shots(cls, shots: list[Shot]) -> TeethSample | None:
        """The tallest teeth that any of the shots shows, None if none does."""
        samples = []
        for shot in shots:
            points = np.asarray(shot.points, np.float32)
            scale = float(face_scale(points))
            split = MouthSplit.from_source(shot.image, points, scale)
            samples.append(cls.from_shot(shot.image, points, split.seam, scale))
        return max((s for s in samples if s is not None), key=lambda sample: sample.height, default=None)

    @property
    def colour(self) -> np.ndarray:
        """(3,) the teeth's mean colour away from the lip and the corners."""
        h, w = self.texture.shape[:2]
        return self.texture[h // 6:, w // 4:3 * w // 4].reshape(-1, 3).mean(axis=0)


@dataclass(frozen=True)
class MouthPalette:
    """The interior's colours, taken from the portrait."""

    throat: np.ndarray  # (3,) float RGB, the darkest part: the back of the cavity
    walls: np.ndarray  # (3,) the cavity next to the lips
    tongue: np.ndarray  # (3,)
    teeth: np.ndarray  # (3,)
    grain: float = 0.0  # the portrait's fine texture (film grain, canvas, brush strokes): its contrast

    @classmethod
    def from_face(cls, image: np.ndarray, landmarks: np.ndarray, teeth: TeethSample | None = None) -> MouthPalette:
        """Sample the lips (outer minus inner polygon), the nose's skin and the cheeks' grain of a crop
        (S, S, 3) uint8 with landmarks (68, 2); the teeth take the portrait's own teeth colour where
        given."""
        shape = image.shape[:2]
        lips = _polygon_mask(shape, landmarks[list(OUTER_LIPS)]) & ~_polygon_mask(shape, landmarks[list(INNER_LIPS)])
        skin_mask = _polygon_mask(shape, cv2.convexHull(landmarks[list(NOSE)].astype(np.float32))[:, 0])
        lip = _mean_colour(image, lips, fallback=(150, 80, 80))
        skin = _mean_colour(image, skin_mask, fallback=(180, 140, 120))
        flesh = lip.mean() + _INSIDE_CHROMA * (lip - lip.mean())  # the inside of the mouth is redder than the lips look
        cast = skin - skin.mean()  # the skin's colour cast: how colourful the portrait is, and which way
        tongue = lip.mean() + _TONGUE_CHROMA * (lip - lip.mean()) + _TONGUE_SKIN * cast \
            + _TONGUE_RED * float(np.linalg.norm(cast)) * _RED
        face = _polygon_mask(shape, cv2.convexHull(landmarks.astype(np.float32))[:, 0])
        highlight = float(np.percentile(image[face] @ _LUMINANCE, 95)) if face.any() else 230.0
        light = min(_TEETH_LIGHT * float(skin @ _LUMINANCE), _TEETH_HIGHLIGHT * highlight)
        tint = _TEETH_TINT * (skin - skin.mean()) * light / max(float(skin.mean()), 1.0)
        own = teeth.colour if teeth is not None else np.clip(light + tint, 0, 255)
        flesh = np.clip(flesh, 0, 255)
        return cls(throat=0.08 * lip + 2.0, walls=0.42 * flesh, tongue=0.8 * np.clip(tongue, 0, 255),
                   teeth=own, grain=_grain(image, landmarks))


def _grain(image: np.ndarray, landmarks: np.ndarray) -> float:
    """The contrast of a crop's fine texture on the cheeks (68-point landmarks (68, 2)): the robust
    spread of what a one-pixel blur removes, relative to the cheeks' brightness."""
    cheeks = np.zeros(image.shape[:2], bool)
    for cheek in _CHEEKS:
        cheeks |= _polygon_mask(image.shape[:2], landmarks[list(cheek)])
    if not cheeks.any():
        return 0.0
    grey = image.astype(np.float32) @ _LUMINANCE
    detail = (grey - cv2.GaussianBlur(grey, (0, 0), _GRAIN_BLUR))[cheeks]
    return _MAD_TO_SIGMA * float(np.median(np.abs(detail))) / max(float(grey[cheeks].mean()), 1.0)


@dataclass(frozen=True)
class _Teeth:
    """How much of each row of teeth to paint, in pixels at the middle of the mouth."""

    upper: float  # pixels of upper teeth below the gap's top edge
    upper_hidden: float  # pixels of the upper teeth already shown above the gap (by the source's own mouth)
    lower: float  # pixels of lower teeth above the gap's bottom edge
    strength: float = 1.0  # 0..1 opacity of the teeth
    sample: TeethSample | None = None  # the portrait's own upper teeth, else they are synthesised


@dataclass(frozen=True)
class TeethSizes:
    """How far the teeth show in an open mouth, in face units, and whose teeth they are."""

    upper: float  # upper teeth at most, what the source's own mouth shows included
    lower: float  # lower teeth at most, in a wide-open mouth
    strength: float = 1.0  # 0..1 opacity of the painted teeth
    sample: TeethSample | None = None  # the portrait's own upper teeth (their height replaces `upper`)


def paint_open_mouth(frame: np.ndarray, points: np.ndarray, halves: tuple[np.ndarray, np.ndarray] | None,
                     scale: float, palette: MouthPalette, sizes: TeethSizes, opacity: float, feather: float) -> None:
    """Paint the interior of the open mouth of landmarks `points` (68, 2; frame pixels, `scale`
    pixels per face unit) onto `frame` (H, W, 3) uint8, in place: between the upper and lower
    copies (3, 2) of the mouth's seam (`jaws.py`) where `halves` are given (the source's own mouth,
    teeth and all, hangs from the lips above and below them), otherwise inside the whole inner lips.
    The teeth fill what the source's halves do not show; lower teeth only show in a wide-open mouth."""
    down = down_axis(points)
    outline = np.array(points, np.float32)
    if halves is not None:
        outline[list(UPPER_LIP)], outline[list(LOWER_LIP)] = halves
    shown = float(np.mean((outline[list(UPPER_LIP)] - points[list(UPPER_LIP)]) @ down))  # the source's upper half
    shown_lower = float(np.mean((points[list(LOWER_LIP)] - outline[list(LOWER_LIP)]) @ down))  # and lower half
    gap = float(np.mean((outline[list(LOWER_LIP)] - outline[list(UPPER_LIP)]) @ down))
    upper = (sizes.sample.height if sizes.sample is not None else sizes.upper) * scale
    wide = float(np.clip((gap / scale - _LOWER_TEETH_FROM) / _LOWER_TEETH_RAMP, 0, 1))
    teeth = _Teeth(upper=max(0.0, min(_UPPER_TEETH_SHARE * gap, upper - shown)), upper_hidden=shown,
                   lower=max(0.0, min(_LOWER_TEETH_SHARE * gap, wide * sizes.lower * scale - shown_lower)),
                   strength=sizes.strength, sample=sizes.sample)
    _paint_mouth(frame, outline, palette, teeth, opacity, feather)


def _paint_mouth(frame: np.ndarray, outline: np.ndarray, palette: MouthPalette, teeth: _Teeth, opacity: float,
                 feather: float) -> None:
    """Paint the interior inside the inner lips of `outline` (68, 2; frame pixels) onto `frame`
    (H, W, 3) uint8, in place. opacity: 0..1; feather: pixels of blur on the inner-lip edge."""
    pad = int(np.ceil(3 * feather)) + 2
    limits = np.array(frame.shape[1::-1])
    low = np.clip(np.floor(outline[list(INNER_LIPS)].min(axis=0)).astype(int) - pad, 0, limits)
    high = np.clip(np.ceil(outline[list(INNER_LIPS)].max(axis=0)).astype(int) + pad, 0, limits)
    if (high - low).min() <= 0 or opacity <= 0:
        return
    local = (outline - low).astype(np.float32)  # (68, 2) in the patch
    shape = (int(high[1] - low[1]), int(high[0] - low[0]))
    # A large mouth (a full-resolution portrait) is painted at most _DETAIL_WIDTH pixels wide and
    # scaled up: the interior is smooth, and its cost stays that of a small mouth.
    shrink = max(1.0, float(np.linalg.norm(local[64] - local[60])) / _DETAIL_WIDTH)
    small = (max(1, int(np.ceil(shape[0] / shrink))), max(1, int(np.ceil(shape[1] / shrink))))
    factors = np.array([shape[1] / small[1], shape[0] / small[0]], np.float32)  # (x, y) pixels per painted pixel
    small_local = (local + 0.5) / factors - 0.5
    small_feather, small_teeth = feather / shrink, replace(teeth, upper=teeth.upper / shrink,
                                                           upper_hidden=teeth.upper_hidden / shrink,
                                                           lower=teeth.lower / shrink)
    coverage = _soft_polygon(small, _outline(small_local), small_feather)
    layer = _interior(small, small_local, palette, small_teeth, max(small_feather, 0.7))
    lip_shadow = 0.7 + 0.3 * cv2.GaussianBlur(coverage, (0, 0), 2.5 * max(small_feather, 0.7))  # darker under the lips
    layer *= lip_shadow[..., None]
    if small != shape:
        layer = cv2.resize(layer, shape[::-1], interpolation=cv2.INTER_LINEAR)
        coverage = cv2.resize(coverage, shape[::-1], interpolation=cv2.INTER_LINEAR)
    alpha = coverage * min(opacity, 1.0)
    patch = frame[low[1]:high[1], low[0]:high[0]].astype(np.float32)
    patch += alpha[..., None] * (layer - patch)
    frame[low[1]:high[1], low[0]:high[0]] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class _Axes:
    """The mouth's own axes: corner 60, the unit vectors along the mouth and down, its width."""

    corner: np.ndarray  # (2,)
    along: np.ndarray  # (2,)
    down: np.ndarray  # (2,)
    width: float  # pixels from corner to corner

    @classmethod
    def of(cls, local: np.ndarray) -> _Axes:
        chord = (local[64] - local[60]).astype(np.float32)
        width = max(float(np.linalg.norm(chord)), 1e-6)
        along = chord / width
        return cls(local[60].astype(np.float32), along, np.array([-along[1], along[0]], np.float32), width)

    def edges(self, local: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """v (pixels below the corner-to-corner line) of the gap's top and bottom edge at `u` (...):
        the inner lips of `local` (68, 2), rounded, the bottom never above the top."""
        sides = []
        for curve in (_UPPER_CURVE, _LOWER_CURVE):
            chain = _rounded(local[list(curve)] - self.corner)
            chain_u = np.maximum.accumulate((chain @ self.along) / self.width)
            sides.append(np.interp(u, chain_u, chain @ self.down).astype(np.float32))
        return sides[0], np.maximum(sides[1], sides[0])


@dataclass(frozen=True)
class _MouthFrame:
    """Pixel coordinates of a patch measured along the mouth, and the gap's edges there."""

    u: np.ndarray  # (h, w) 0 at corner 60, 1 at corner 64
    v: np.ndarray  # (h, w) pixels below the corner-to-corner line
    top: np.ndarray  # (h, w) v of the gap's top edge at each pixel's u
    bottom: np.ndarray  # (h, w) v of its bottom edge
    width: float  # pixels from corner to corner

    @classmethod
    def of(cls, shape: tuple[int, int], local: np.ndarray) -> _MouthFrame:
        axes = _Axes.of(local)
        ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
        dx, dy = xs - axes.corner[0], ys - axes.corner[1]
        u = np.clip((dx * axes.along[0] + dy * axes.along[1]) / axes.width, 0, 1)
        v = dx * axes.down[0] + dy * axes.down[1]
        return cls(u, v, *axes.edges(local, u), axes.width)


def _rounded(chain: np.ndarray, iterations: int = 3) -> np.ndarray:
    """Chaikin corner cutting of an open polyline (N, 2) that keeps its ends: a smooth curve inside
    the polyline's hull, so it never overshoots. -> (M, 2)"""
    for _ in range(iterations):
        following = chain[1:]
        cuts = np.stack([0.75 * chain[:-1] + 0.25 * following, 0.25 * chain[:-1] + 0.75 * following], axis=1)
        chain = np.concatenate([chain[:1], cuts.reshape(-1, 2), chain[-1:]])
    return chain


def _outline(local: np.ndarray, samples: int = 32) -> np.ndarray:
    """The gap's smooth outline (2 * samples, 2) along the inner lips of `local` (68, 2)."""
    axes = _Axes.of(local)
    u = np.linspace(0.0, 1.0, samples, dtype=np.float32)
    top, bottom = axes.edges(local, u)
    base = axes.corner + u[:, None] * axes.width * axes.along
    return np.concatenate([base + top[:, None] * axes.down, (base + bottom[:, None] * axes.down)[::-1]])


def _interior(shape: tuple[int, int], local: np.ndarray, palette: MouthPalette, teeth: _Teeth,
              soft: float) -> np.ndarray:
    """The interior's colours over a patch (h, w) whose landmarks are `local` (68, 2), from the back
    to the front: the cavity, the tongue, the lower teeth, the upper teeth; then the portrait's
    grain over them. -> (h, w, 3) float32"""
    mouth = _MouthFrame.of(shape, local)
    walls, throat, tongue_colour = (np.asarray(c, np.float32) for c in (palette.walls, palette.throat, palette.tongue))
    across = 2 * mouth.u - 1  # -1 .. 1 from corner to corner
    middle, half = (mouth.top + mouth.bottom) / 2, np.maximum((mouth.bottom - mouth.top) / 2, 0.5)
    depth = np.clip(1 - across ** 2 - ((mouth.v - middle) / half) ** 2, 0, 1)[..., None]  # 1 at the back
    layer = walls + np.sqrt(depth) * (throat - walls)
    gap = float(np.max(mouth.bottom - mouth.top, initial=0.0))  # pixels at the widest
    tongue_top = mouth.bottom - _TONGUE * gap * np.sqrt(np.clip(1 - (across / 0.75) ** 2, 0, 1))
    height = max(_TONGUE * gap, 1.0)
    tongue = np.clip((mouth.v - tongue_top) / max(2 * soft, 0.2 * height) + 0.3, 0, 1)[..., None]
    below_top = np.clip((mouth.v - tongue_top) / height, 0, 1)  # 0 at its top (the back), 1 at the lips
    lit = 0.5 + 0.6 * np.sqrt(below_top) - 0.25 * below_top ** 4  # dark at the back, in the lip's shadow at the front
    groove = 1 - 0.12 * np.exp(-(across * mouth.width / max(0.08 * mouth.width, 1.0)) ** 2)  # the midline
    layer += tongue * (tongue_colour * (lit * groove * (1 - 0.4 * across ** 2))[..., None] - layer)
    arch = np.clip(1 - across ** 2, 0, 1) ** 0.6  # the teeth are longest in the middle
    if teeth.strength > 0 and teeth.lower > 0:
        lower_colour = np.asarray(palette.teeth, np.float32) * _LOWER_TEETH_SHADE
        _paint_teeth(layer, mouth, mouth.bottom - mouth.v, teeth.lower * arch,
                     _TeethRow(_LOWER_SPAN, _LOWER_TEETH_ANGLE, lower_colour), teeth.strength, soft)
    if teeth.strength > 0 and teeth.upper > 0:
        from_root = mouth.v - mouth.top
        # The sample's rows: what the source already shows, then the rest.
        rows = None if teeth.sample is None else (teeth.upper_hidden * arch + from_root) / np.maximum(
            (teeth.upper + teeth.upper_hidden) * arch, 1e-3)
        _paint_teeth(layer, mouth, from_root, teeth.upper * arch, _TeethRow(
            _UPPER_SPAN, _UPPER_TEETH_ANGLE, np.asarray(palette.teeth, np.float32), teeth.sample, rows),
            teeth.strength, soft)
    if palette.grain > 0:  # the portrait's grain over it all, fixed to the mouth so it moves with it
        offsets = np.stack([mouth.u * mouth.width, mouth.v], axis=-1).astype(np.float32)
        layer *= 1 + palette.grain * cv2.remap(_NOISE, offsets[..., 0], offsets[..., 1], cv2.INTER_LINEAR,
                                               borderMode=cv2.BORDER_WRAP)[..., None]
    return layer


@dataclass(frozen=True)
class _TeethRow:
    span: float  # share of the mouth's width the row spans
    angle: float  # radians of the dental arch per tooth
    colour: np.ndarray  # (3,) float32, synthesised teeth
    sample: TeethSample | None = None  # or the portrait's own teeth...
    rows: np.ndarray | None = None  # ...at these rows (h, w) of the sample: 0 at the lip, 1 at the teeth's edge


def _paint_teeth(layer: np.ndarray, mouth: _MouthFrame, from_root: np.ndarray, length: np.ndarray, row: _TeethRow,
                 strength: float, soft: float) -> None:
    """Paint a row of teeth over `layer` (h, w, 3), in place: each pixel lies `from_root` (h, w)
    pixels from the lip the teeth grow from, and the teeth are `length` (h, w) pixels long,
    scalloped at their tips. Only the band the teeth can reach is computed."""
    band = (from_root > -soft) & (from_root < length + soft)
    if not band.any():
        return
    window = tuple(slice(int(np.argmax(hit)), len(hit) - int(np.argmax(hit[::-1]))) for hit in
                   (band.any(axis=1), band.any(axis=0)))
    from_root, length, u = from_root[window], length[window], mouth.u[window]
    across = (2 * u - 1) / row.span
    phi = np.arcsin(np.clip(across, -1, 1))  # the angle round the dental arch
    position = phi / row.angle  # teeth from the midline; integers fall between two teeth
    within = position - np.floor(position)  # 0..1 across one tooth
    tooth_px = np.maximum(mouth.width * row.span / 2 * np.cos(phi) * row.angle, 1e-3)
    edge_px = np.minimum(within, 1 - within) * tooth_px  # pixels from the nearest gap between teeth
    tip = length * (1 - 0.18 * (2 * within - 1) ** 2)  # rounded tooth corners: small notches at the tips
    shown = np.clip((tip - from_root) / soft + 0.5, 0, 1) * np.clip(from_root / soft + 0.5, 0, 1)
    shown *= (np.abs(across) < 1) * strength
    back = 1 - 0.6 * across ** 2  # the back teeth lie in shadow
    if row.sample is not None and row.rows is not None:
        h, w = row.sample.texture.shape[:2]
        teeth = cv2.remap(row.sample.texture, (u * (w - 1)).astype(np.float32),
                          (np.clip(row.rows[window], 0, 1) * h - 0.5).astype(np.float32), cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE) * back[..., None]
    else:
        along = np.clip(from_root / np.maximum(length, 1e-3), 0, 1)  # 0 at the lip, 1 at the tip
        shade = (1 - 0.22 * (2 * within - 1) ** 2) * back  # rounded fronts
        shade *= 1 - 0.35 * np.exp(-4 * along) * np.clip(length / 4, 0, 1)  # shadow of the lip at the root
        shade *= 1 - 0.2 * np.clip(1 - edge_px / 0.8, 0, 1) * np.clip(tooth_px / 3, 0, 1)  # gaps between teeth
        shade *= 1 - 0.15 * along ** 3  # translucent tips
        teeth = row.colour * shade[..., None]
    layer[window] += shown[..., None] * (teeth - layer[window])


def _curve_points(points: np.ndarray, curve: tuple[int, ...], u: np.ndarray) -> np.ndarray:
    """Points (..., 2) on the polyline through `points[curve]` at the shares `u` (...) of the
    corner-to-corner chord from its first to its last point."""
    chain = np.asarray(points, np.float32)[list(curve)]
    chord = chain[-1] - chain[0]
    along = ((chain - chain[0]) @ chord) / max(float(chord @ chord), 1e-6)
    along = np.maximum.accumulate(along)
    return np.stack([np.interp(u, along, chain[:, 0]), np.interp(u, along, chain[:, 1])], axis=-1).astype(np.float32)


def _soft_polygon(shape: tuple[int, int], polygon: np.ndarray, feather: float) -> np.ndarray:
    """Anti-aliased polygon coverage in [0, 1], blurred by `feather` pixels. -> (h, w) float32"""
    mask = np.zeros(shape, np.uint8)
    fixed = np.round(polygon * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    cv2.fillPoly(mask, [fixed], 255, lineType=cv2.LINE_AA, shift=_SUBPIXEL_BITS)
    soft = mask.astype(np.float32) / 255
    return cv2.GaussianBlur(soft, (0, 0), feather) if feather > 0 else soft


def _polygon_mask(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    return mask.astype(bool)


def _mean_colour(image: np.ndarray, mask: np.ndarray, fallback: tuple[int, int, int]) -> np.ndarray:
    return image[mask].mean(axis=0) if mask.any() else np.array(fallback, np.float64)
