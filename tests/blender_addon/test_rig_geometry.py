"""The landmark rig's geometry: a symmetric frontal face whose shape keys move the right points."""
import numpy as np
from addon_helpers import mouth_opening

from blender_addon.logic import rig_geometry as rig

# iBUG mirror pairs of the points that have a partner
MIRROR = {**{i: 16 - i for i in range(17)}, **{17 + i: 26 - i for i in range(10)}, 31: 35, 32: 34,
          36: 45, 37: 44, 38: 43, 39: 42, 40: 47, 41: 46, 48: 54, 49: 53, 50: 52, 55: 59, 56: 58,
          60: 64, 61: 63, 65: 67}


def image_points(points3d: np.ndarray) -> np.ndarray:
    """A frontal orthographic view: x right, y down."""
    return np.stack([points3d[:, 0], -points3d[:, 2]], axis=1)


def test_the_neutral_face_is_symmetric_and_life_sized():
    points = rig.neutral_points()
    assert points.shape == (68, 3)
    for left, right in MIRROR.items():
        np.testing.assert_allclose(points[left] * [-1, 1, 1], points[right], atol=1e-9)
    eye_distance = np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0))
    assert abs(eye_distance - rig.EYE_DISTANCE) < 0.003
    assert points[30, 1] < points[27, 1] < points[0, 1]  # nose tip in front of the bridge, ears behind


def test_the_jaw_opens_the_mouth_and_moves_the_chin_down():
    neutral, jaw = rig.neutral_points(), rig.neutral_points() + rig.shape_key_deltas()["jaw_open"]
    assert mouth_opening(image_points(jaw)) > mouth_opening(image_points(neutral)) + 0.01
    assert jaw[8, 2] < neutral[8, 2] - 0.01
    np.testing.assert_allclose(jaw[17:48], neutral[17:48])  # brows, nose and eyes stay


def test_blinks_close_one_eye_each_and_brows_rise():
    neutral, keys = rig.neutral_points(), rig.shape_key_deltas()
    left = neutral + keys["blink_left"]
    assert abs(left[43, 2] - left[47, 2]) < 0.002 and abs(left[37, 2] - left[41, 2]) > 0.005
    right = neutral + keys["blink_right"]
    assert abs(right[37, 2] - right[41, 2]) < 0.002
    assert (keys["brows_up"][17:27, 2] > 0).all() and not keys["brows_up"][:17].any()


def test_edges_follow_the_face_parts():
    edges = set(rig.edges())
    assert (0, 1) in edges and (15, 16) in edges and (16, 17) not in edges  # the jaw is open
    assert (41, 36) in edges and (59, 48) in edges and (67, 60) in edges  # eyes and lips are closed
    head, tail = rig.head_bone()
    assert tail[2] > head[2]
