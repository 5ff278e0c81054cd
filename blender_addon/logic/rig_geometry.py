"""The 68-point landmark face rig: neutral geometry, shape keys, edges and the head bone.

Points follow the iBUG 300-W order. Coordinates are Blender's: metres, x to the face's left
(the viewer's right), y back (the face looks along -y), z up; the origin is between the eyes.
"""
from __future__ import annotations

import numpy as np

NUM_POINTS = 68
EYE_DISTANCE = 0.063  # metres between the eye centres; the unit of the tables below

# Mean frontal face in eye-distance units (x right, y down in the image), symmetric,
# measured on frontal portraits and clip frames with the dlib 68-point model.
_NEUTRAL_IMAGE = np.array([
    [-1.088, 0.001], [-1.075, 0.290], [-1.037, 0.575], [-0.983, 0.854], [-0.885, 1.119],
    [-0.727, 1.351], [-0.517, 1.544], [-0.273, 1.693], [0.000, 1.741], [0.273, 1.693],
    [0.517, 1.544], [0.727, 1.351], [0.885, 1.119], [0.983, 0.854], [1.037, 0.575],
    [1.075, 0.290], [1.088, 0.001],
    [-0.912, -0.239], [-0.770, -0.348], [-0.580, -0.381], [-0.384, -0.356], [-0.202, -0.285],
    [0.202, -0.285], [0.384, -0.356], [0.580, -0.381], [0.770, -0.348], [0.912, -0.239],
    [0.000, -0.027], [0.000, 0.173], [0.000, 0.372], [0.000, 0.569],
    [-0.204, 0.721], [-0.104, 0.754], [0.000, 0.783], [0.104, 0.754], [0.204, 0.721],
    [-0.699, -0.004], [-0.574, -0.080], [-0.420, -0.074], [-0.289, 0.038], [-0.433, 0.061], [-0.586, 0.059],
    [0.289, 0.038], [0.420, -0.074], [0.574, -0.080], [0.699, -0.004], [0.586, 0.059], [0.433, 0.061],
    [-0.400, 1.076], [-0.249, 1.003], [-0.104, 0.961], [0.000, 0.992], [0.104, 0.961], [0.249, 1.003],
    [0.400, 1.076], [0.256, 1.209], [0.113, 1.266], [0.000, 1.277], [-0.113, 1.266], [-0.256, 1.209],
    [-0.332, 1.082], [-0.106, 1.080], [0.000, 1.091], [0.106, 1.080], [0.332, 1.082],
    [0.106, 1.106], [0.000, 1.116], [-0.106, 1.106],
], np.float64)

# (first, last, closed) index runs of the iBUG parts, drawn as the rig's edges
PARTS: dict[str, tuple[int, int, bool]] = {
    "jaw": (0, 16, False), "brow_right": (17, 21, False), "brow_left": (22, 26, False),
    "nose_bridge": (27, 30, False), "nostrils": (31, 35, False), "eye_right": (36, 41, True),
    "eye_left": (42, 47, True), "lips_outer": (48, 59, True), "lips_inner": (60, 67, True),
}

_HEAD_RADIUS = 1.6  # depth falloff of the face towards the ears, eye-distance units
_HEAD_HALF_WIDTH = 1.25
_FORWARD = {  # how far points stand out of the head's curved surface, eye-distance units
    **{i: 0.05 for i in range(17, 27)}, **{i: -0.08 for i in range(36, 48)},
    27: 0.12, 28: 0.25, 29: 0.38, 30: 0.50, 31: 0.15, 32: 0.22, 33: 0.30, 34: 0.22, 35: 0.15,
    **{i: 0.18 for i in range(48, 60)}, **{i: 0.14 for i in range(60, 68)},
    48: 0.05, 54: 0.05, 60: 0.04, 64: 0.04, 7: 0.10, 8: 0.12, 9: 0.10,
}


def _depth(x: np.ndarray) -> np.ndarray:
    """How far behind the eye plane the head's surface is at horizontal position x."""
    across = np.clip(x / _HEAD_HALF_WIDTH, -1.0, 1.0)
    return _HEAD_RADIUS * (1.0 - np.sqrt(1.0 - across**2))


def _neutral_units() -> np.ndarray:
    """(68, 3) neutral face in eye-distance units, Blender axes."""
    x, down = _NEUTRAL_IMAGE[:, 0], _NEUTRAL_IMAGE[:, 1]
    forward = np.array([_FORWARD.get(i, 0.0) for i in range(NUM_POINTS)])
    return np.stack([x, _depth(x) - forward, -down], axis=1)


def neutral_points(scale: float = EYE_DISTANCE) -> np.ndarray:
    """(68, 3) float64 neutral landmark positions in metres."""
    return _neutral_units() * scale


def _weights(table: dict[int, float]) -> np.ndarray:
    weights = np.zeros(NUM_POINTS)
    for index, weight in table.items():
        weights[index] = weight
    return weights


def _jaw_open(points: np.ndarray) -> np.ndarray:
    """The lower jaw, lower lip and mouth corners rotate down about a pivot below the ears."""
    weights = _weights({3: 0.2, 4: 0.5, 5: 0.8, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1, 11: 0.8, 12: 0.5, 13: 0.2,
                        **{i: 1.0 for i in (55, 56, 57, 58, 59, 65, 66, 67)}, 48: 0.45, 54: 0.45, 60: 0.5, 64: 0.5})
    pivot = np.array([0.0, 1.3, 0.2])
    angle = np.radians(13.0) * weights  # (68,)
    relative = points - pivot
    cos, sin = np.cos(angle), np.sin(angle)
    rotated = relative.copy()
    rotated[:, 1] = relative[:, 1] * cos - relative[:, 2] * sin
    rotated[:, 2] = relative[:, 1] * sin + relative[:, 2] * cos
    return rotated + pivot - points


def _side(points: np.ndarray) -> np.ndarray:
    return np.sign(points[:, 0])


def _smile(points: np.ndarray, up: float) -> np.ndarray:
    """Mouth corners out and up (a smile) or down (`up` < 0, a frown)."""
    weights = _weights({48: 1.0, 54: 1.0, 60: 0.8, 64: 0.8, 49: 0.45, 53: 0.45, 59: 0.4, 55: 0.4, 61: 0.3, 63: 0.3})
    delta = np.zeros_like(points)
    delta[:, 0] = _side(points) * 0.12 * weights * (1.0 if up > 0 else 0.3)
    delta[:, 2] = up * weights
    delta[:, 1] = 0.05 * weights * (1.0 if up > 0 else 0.0)
    return delta


def _blink(points: np.ndarray, upper: tuple[int, int], lower: tuple[int, int]) -> np.ndarray:
    """Upper eyelid points down onto the lower lid."""
    delta = np.zeros_like(points)
    for top, bottom in zip(upper, lower):
        delta[top] = points[bottom] - points[top]
        delta[top, 2] += 0.01  # the lids meet without crossing
    return delta


def _brows(points: np.ndarray, raise_by: float) -> np.ndarray:
    delta = np.zeros_like(points)
    brows = np.arange(17, 27)
    inner = 1.0 - (np.abs(points[brows, 0]) - 0.2) / 0.7  # 1 at the inner ends, 0 at the outer
    if raise_by > 0:
        delta[brows, 2] = raise_by * (0.75 + 0.25 * inner)
    else:  # a frown: inner ends down and together
        delta[brows, 2] = raise_by * inner
        delta[brows, 0] = -np.sign(points[brows, 0]) * 0.06 * inner
    return delta


def _mouth_shape(points: np.ndarray, narrow: float, forward: float, open_by: float) -> np.ndarray:
    """Lips narrowed towards the mouth's centre, pushed forward and opened (lip shapes)."""
    delta = np.zeros_like(points)
    mouth = np.arange(48, 68)
    centre = points[mouth].mean(axis=0)
    delta[mouth, 0] = (points[mouth, 0] - centre[0]) * -narrow
    delta[mouth, 1] = -forward
    upper = np.array([49, 50, 51, 52, 53, 61, 62, 63])
    lower = np.array([55, 56, 57, 58, 59, 65, 66, 67])
    delta[upper, 2] += open_by
    delta[lower, 2] -= open_by
    return delta


def shape_key_deltas(scale: float = EYE_DISTANCE) -> dict[str, np.ndarray]:
    """Shape key name -> (68, 3) offsets from the neutral face in metres, in the order created."""
    points = _neutral_units()
    deltas = {
        "jaw_open": _jaw_open(points),
        "smile": _smile(points, 0.10),
        "frown": _smile(points, -0.09),
        "blink_left": _blink(points, (43, 44), (47, 46)),
        "blink_right": _blink(points, (37, 38), (41, 40)),
        "brows_up": _brows(points, 0.13),
        "brows_frown": _brows(points, -0.08),
        "lips_pucker": _mouth_shape(points, 0.35, 0.12, 0.0),
        "lips_funnel": _mouth_shape(points, 0.2, 0.08, 0.07),
    }
    return {name: delta * scale for name, delta in deltas.items()}


def edges() -> list[tuple[int, int]]:
    """The polylines of the face parts as mesh edges."""
    result: list[tuple[int, int]] = []
    for first, last, closed in PARTS.values():
        result += [(i, i + 1) for i in range(first, last)]
        if closed:
            result.append((last, first))
    return result


def head_bone(scale: float = EYE_DISTANCE) -> tuple[np.ndarray, np.ndarray]:
    """(head, tail) of the head bone in metres: from the top of the neck up through the skull."""
    return np.array([0.0, 1.2, -2.4]) * scale, np.array([0.0, 1.2, 0.6]) * scale




def nose_ratio() -> float:
    """How far the nose tip (30) stands in front of the outer eye corners (36, 45), in eye spans."""
    points = _neutral_units()
    corners = points[[36, 45]]
    return float((corners[:, 1].mean() - points[30, 1]) / abs(corners[1, 0] - corners[0, 0]))
