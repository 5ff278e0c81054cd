import cv2
import numpy as np
import pytest

from talking_heads.landmarks.sketch import draw_sketch, line_thickness
from talking_heads.landmarks.topology import MIRROR, NUM_POINTS, PARTS


def _face_points(size: int) -> np.ndarray:
    """A synthetic but well-formed 68-point face filling the middle of a size x size canvas."""
    rng = np.random.default_rng(0)
    base = rng.uniform(0.25, 0.75, (NUM_POINTS, 2)) * size
    return base.astype(np.float32)


@pytest.mark.parametrize("size", [64, 256, 512])
def test_each_part_colour_lies_on_its_own_polyline_and_nowhere_else(size):
    points = _face_points(size)
    sketch = draw_sketch(points, size)
    assert sketch.shape == (size, size, 3) and sketch.dtype == np.uint8
    for part in PARTS:
        own = np.all(sketch == part.color, axis=-1)
        assert own.any(), f"{part.name} is not drawn"
        # Everything of this colour must lie within the line's reach of the part's own polyline.
        reference = np.zeros((size, size), np.uint8)
        polyline = np.round(points[list(part.indices)]).astype(np.int32)
        cv2.polylines(reference, [polyline], part.closed, 255, line_thickness(size) + 2)
        assert not (own & (reference == 0)).any(), f"{part.name}'s colour appears away from its landmarks"
    # Nothing but the part colours and black.
    colours = {tuple(c) for c in np.unique(sketch.reshape(-1, 3), axis=0)}
    assert colours <= {(0, 0, 0)} | {part.color for part in PARTS}


def test_closed_parts_are_closed_and_jaw_is_open():
    size = 256
    points = np.zeros((NUM_POINTS, 2), np.float32) + size / 2
    eye = next(p for p in PARTS if p.name == "right_eye")
    jaw = next(p for p in PARTS if p.name == "jaw")
    # Eye on a horizontal line from (40,40) to (90,40) and back via y=60: closing segment is vertical at x=40.
    points[list(eye.indices)] = [(40, 40), (60, 40), (90, 40), (90, 60), (60, 60), (40, 60)]
    points[list(jaw.indices)] = np.stack([np.linspace(150, 250, 17), np.full(17, 200)], 1)
    sketch = draw_sketch(points, size)
    eye_mask = np.all(sketch == eye.color, axis=-1)
    assert eye_mask[50, 40], "the eye's closing segment is missing"
    jaw_mask = np.all(sketch == jaw.color, axis=-1)
    assert jaw_mask[200, 200] and not jaw_mask[:, :140].any()


def test_thickness_scales_with_resolution():
    assert line_thickness(64) == 1 and line_thickness(256) == 2 and line_thickness(1024) == 8


def test_non_square_canvas_and_bad_shape():
    sketch = draw_sketch(_face_points(100), (200, 100))
    assert sketch.shape == (100, 200, 3)
    with pytest.raises(ValueError):
        draw_sketch(np.zeros((5, 2)), 64)


def test_mirror_is_an_involution():
    assert all(MIRROR[MIRROR[i]] == i for i in range(NUM_POINTS))
