"""How well a camera sees a rig's face: its projected height and how far it is turned away.

A rig drives well when its face is large in the frame and faces the camera; these measures turn
a projected landmark track into warnings shown before a job starts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_FACE_FRACTION = 0.15  # face height (brows to chin) over the frame height, below which a warning is given
MAX_TURN_DEG = 60.0  # turned further from the camera than this: a warning
_JAW, _BROWS = slice(0, 17), slice(17, 27)
_RIGHT_EYE, _LEFT_EYE, _CHIN, _NOSE_TIP = slice(36, 42), slice(42, 48), 8, 30
_OUTER_CORNERS = (36, 45)


@dataclass(frozen=True)
class FaceView:
    height: float  # face height in pixels (brows to chin)
    turn_deg: float  # 0: facing the camera, 90: in profile, 180: seen from behind


def face_view(points: np.ndarray, nose_ratio: float) -> FaceView:
    """The view of one frame's projected landmarks (68, 2) of a face whose nose tip stands
    `nose_ratio` eye spans in front of its outer eye corners. The turn comes from how far the
    nose tip is off the eyes' midpoint along the eye line (tan of the turn, unaffected by the
    face's size, roll and a perspective view from the front); the eyes and chin appear mirrored
    when the face is seen from behind."""
    outline = np.concatenate([points[_JAW], points[_BROWS]])
    right, left = points[_OUTER_CORNERS[0]], points[_OUTER_CORNERS[1]]
    across = left - right
    span = max(float(np.linalg.norm(across)), 1e-9)
    offset = float(np.dot(points[_NOSE_TIP] - (left + right) / 2, across / span)) / span
    turn = math.degrees(math.atan(abs(offset) / nose_ratio))
    a, b = points[_RIGHT_EYE].mean(0) - points[_CHIN], points[_LEFT_EYE].mean(0) - points[_CHIN]
    from_behind = a[0] * b[1] - a[1] * b[0] < 0  # image y down: positive when seen from the front
    return FaceView(float(np.ptp(outline[:, 1])), 180.0 - turn if from_behind else turn)


def view_warnings(points: np.ndarray, valid: np.ndarray, size: tuple[int, int], first_frame: int,
                  nose_ratio: float) -> list[str]:
    """Warnings for a projected track (T, 68, 2) in a W x H frame whose index 0 is scene frame
    `first_frame`: the smallest face and the most turned-away one, with the frame they occur in."""
    views = [(first_frame + index, face_view(frame, nose_ratio)) for index, frame in enumerate(points) if valid[index]]
    if not views:
        return []
    warnings = []
    frame, smallest = min(views, key=lambda item: item[1].height)
    if smallest.height < MIN_FACE_FRACTION * size[1]:
        warnings.append(f"face is only {smallest.height:.0f} px high in the camera at frame {frame} "
                        f"({100 * smallest.height / size[1]:.1f}% of the {size[1]} px frame height; at least "
                        f"{100 * MIN_FACE_FRACTION:.0f}% drives well): move the camera closer or zoom in on the face")
    frame, turned = max(views, key=lambda item: item[1].turn_deg)
    if turned.turn_deg > MAX_TURN_DEG:
        warnings.append(f"face is turned {turned.turn_deg:.0f} degrees away from the camera at frame {frame} "
                        f"(at most {MAX_TURN_DEG:.0f} drives well): turn the camera or the head towards each other")
    return warnings
