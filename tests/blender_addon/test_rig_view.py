"""How well a camera sees a rig's face: its projected size and turn, measured on projections of
the rig's own neutral face."""
import math

import numpy as np

from blender_addon.logic.rig_geometry import neutral_points, nose_ratio
from blender_addon.logic.rig_view import face_view, view_warnings


def seen(yaw_deg: float, pixels_per_unit: float, distance: float | None = None) -> np.ndarray:
    """The neutral face turned by `yaw_deg` about its vertical axis, seen from the front (from
    `distance` eye spans in perspective, else orthographically), centred in a 1920x1080 frame."""
    points = neutral_points(1.0)
    yaw = math.radians(yaw_deg)
    x = points[:, 0] * math.cos(yaw) - points[:, 1] * math.sin(yaw)
    depth = points[:, 0] * math.sin(yaw) + points[:, 1] * math.cos(yaw)
    scale = 1.0 if distance is None else distance / (distance + depth)
    return np.stack([960 + pixels_per_unit * scale * x, 540 - pixels_per_unit * scale * points[:, 2]], axis=1)


def test_a_face_is_measured_by_its_height_and_its_turn():
    view = face_view(seen(0, 100), nose_ratio())
    heights = -neutral_points(1.0)[:27, 2]
    assert math.isclose(view.height, 100 * (heights.max() - heights.min()), rel_tol=1e-6) and view.turn_deg < 1e-6
    for yaw in (30, 60, 80, 120, 180):
        assert abs(face_view(seen(yaw, 100), nose_ratio()).turn_deg - yaw) < 1.5, yaw
    assert face_view(seen(0, 100, distance=4.0), nose_ratio()).turn_deg < 1  # close, in perspective
    assert abs(face_view(seen(40, 100, distance=4.0), nose_ratio()).turn_deg - 40) < 8


def test_a_small_or_turned_away_face_is_warned_about_with_its_measure():
    track = np.stack([seen(0, 200), seen(0, 20), seen(80, 200)])
    warnings = view_warnings(track, np.ones(3, bool), (1920, 1080), 10, nose_ratio())
    assert len(warnings) == 2
    assert warnings[0].startswith("face is only 42 px high in the camera at frame 11 (3.9% of the 1080 px")
    assert warnings[1].startswith("face is turned 80 degrees away from the camera at frame 12")
    assert view_warnings(track[:1], np.ones(1, bool), (1920, 1080), 1, nose_ratio()) == []
