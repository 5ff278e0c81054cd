"""The 68-point iBUG 300-W landmark topology (the order face-alignment and dlib output).

Indices are 0-based. Image left is the subject's right, so `right_eye` is on the image's left.
"""
from __future__ import annotations

from dataclasses import dataclass

NUM_POINTS = 68


@dataclass(frozen=True)
class FacePart:
    """A group of landmarks drawn as one polyline in the sketch."""

    name: str
    indices: tuple[int, ...]
    closed: bool
    color: tuple[int, int, int]  # RGB


def _span(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


PARTS: tuple[FacePart, ...] = (
    FacePart("jaw", _span(0, 16), closed=False, color=(230, 25, 75)),
    FacePart("right_brow", _span(17, 21), closed=False, color=(60, 180, 75)),
    FacePart("left_brow", _span(22, 26), closed=False, color=(255, 225, 25)),
    FacePart("nose_bridge", _span(27, 30), closed=False, color=(0, 130, 200)),
    FacePart("nostrils", _span(31, 35), closed=False, color=(245, 130, 48)),
    FacePart("right_eye", _span(36, 41), closed=True, color=(145, 30, 180)),
    FacePart("left_eye", _span(42, 47), closed=True, color=(70, 240, 240)),
    FacePart("outer_lips", _span(48, 59), closed=True, color=(240, 50, 230)),
    FacePart("inner_lips", _span(60, 67), closed=True, color=(255, 255, 255)),
)
PART_BY_NAME: dict[str, FacePart] = {part.name: part for part in PARTS}

JAW = PART_BY_NAME["jaw"].indices
RIGHT_EYE = PART_BY_NAME["right_eye"].indices
LEFT_EYE = PART_BY_NAME["left_eye"].indices
OUTER_LIPS = PART_BY_NAME["outer_lips"].indices
INNER_LIPS = PART_BY_NAME["inner_lips"].indices
BROWS = PART_BY_NAME["right_brow"].indices + PART_BY_NAME["left_brow"].indices
NOSE = PART_BY_NAME["nose_bridge"].indices + PART_BY_NAME["nostrils"].indices

# Points that move little with expression: used to estimate head pose.
RIGID = (0, 1, 15, 16, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 39, 42, 45)

# Left/right mirror of every index (for flips and symmetric motions).
MIRROR: tuple[int, ...] = (
    *range(16, -1, -1),                     # jaw
    *range(26, 21, -1), *range(21, 16, -1),  # brows
    27, 28, 29, 30,                          # nose bridge
    35, 34, 33, 32, 31,                      # nostrils
    45, 44, 43, 42, 47, 46,                  # right eye <- left eye
    39, 38, 37, 36, 41, 40,                  # left eye <- right eye
    54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55,  # outer lips
    64, 63, 62, 61, 60, 67, 66, 65,          # inner lips
)
assert len(MIRROR) == NUM_POINTS and sorted(MIRROR) == list(range(NUM_POINTS))
