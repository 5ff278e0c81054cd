"""How well a camera sees a rig's face: its projected size and turn, measured on projections of
the rig's own neutral face."""
import math

import numpy as np

from blender_addon.logic.rig_geometry import neutral_points, frontal_points
from blender_addon.logic.rig_view import face_view, view_warnings


def seen(yaw_deg: float, pixels_per_unit: float) -> np.ndarray:
    """The neutral face turned by `yaw_deg` about its vertical axis, seen orthographically from
    the front, centred in a 1920x1080 frame."""
    points = neutral_points(1.0)
    yaw = math.radians(yaw_deg)
    x = points[:, 0] * math.cos(yaw) - points[:, 1] * math.sin(yaw)
    return np.stack([960 + pixels_per_unit * x, 540 - pixels_per_unit * points[:, 2]], axis=1)


def test_a_face_facing_the_camera_is_measured_by_its_height_and_not_turned():
    view = face_view(seen(0, 100), frontal_points())
    heights = frontal_points()[:27, 1]
    assert math.isclose(view.height, 100 * (heights.max() - heights.min()), rel_tol=1e-6)
    assert view.turn_deg < 1


def test_turned_faces_are_measured_up_to_seen_from_behind():
    assert 50 < face_view(seen(70, 100), frontal_points()).turn_deg < 90
    assert face_view(seen(180, 100), frontal_points()).turn_deg > 150


def test_a_small_or_turned_away_face_is_warned_about_with_its_measure():
    track = np.stack([seen(0, 200), seen(0, 20), seen(80, 200)])
    warnings = view_warnings(track, np.ones(3, bool), (1920, 1080), 10, frontal_points())
    assert len(warnings) == 2
    assert warnings[0].startswith("face is only ") and "px high in the camera at frame 11" in warnings[0]
    assert "turned" in warnings[1] and "at frame 12" in warnings[1]
    assert view_warnings(track[:1], np.ones(1, bool), (1920, 1080), 1, frontal_points()) == []
