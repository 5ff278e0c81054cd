"""The warp moves the whole head: rigidly, with parallax on turns and nods, at full resolution."""
from __future__ import annotations

import cv2
import numpy as np

from talking_heads.landmarks import make_detector
from talking_heads.landmarks.face_model import face_scale, rigid_centre
from talking_heads.landmarks.motions import procedural_motion
from talking_heads.landmarks.pose import HeadPose, apply_similarity, lift, project, rotation_matrix
from talking_heads.pipeline import load_portrait, render_frames
from talking_heads.synthesis.warp import WarpRenderer


def _turned(points: np.ndarray, yaw: float = 0.0, pitch: float = 0.0) -> np.ndarray:
    """The face (68, 2) turned in 3D about its centre by angles in degrees (the mean face's depth)."""
    rotation = rotation_matrix(np.radians([yaw]), np.radians([pitch]), np.zeros(1))
    return project(lift(points.astype(np.float64)), HeadPose(rotation, np.ones(1), np.zeros((1, 2))),
                   rigid_centre(points))[0].astype(np.float32)


def test_a_rigid_head_motion_moves_the_head_region_intact(head_shot):
    """A shift, turn and zoom of the landmarks moves hair, forehead and face as one piece: mapped
    back by the inverse similarity, the head region matches the source; the far background stays."""
    scale = float(face_scale(head_shot.points))
    a, b = 1.05 * np.exp(1j * np.radians(6)), complex(0.25 * scale, -0.3 * scale)
    centre = complex(*rigid_centre(head_shot.points))
    shift = b + centre - a * centre  # about the face centre
    moved = apply_similarity(a, shift, head_shot.points.astype(np.float64)).astype(np.float32)
    person = WarpRenderer().prepare([head_shot])
    frame = person.render(moved[None])[0]
    size = frame.shape[0]
    inverse = np.array([[(1 / a).real, -(1 / a).imag, 0], [(1 / a).imag, (1 / a).real, 0]])
    inverse[:, 2] = -(inverse[:, :2] @ [shift.real, shift.imag])
    back = cv2.warpAffine(frame, inverse, (size, size), flags=cv2.INTER_LINEAR)
    head = np.zeros((size, size), np.uint8)
    cv2.ellipse(head, tuple(int(v) for v in rigid_centre(head_shot.points) - [0, 0.3 * scale]),
                (int(1.1 * scale), int(1.4 * scale)), 0, 0, 360, 1, -1)  # face, forehead, hair around it
    error = np.abs(back.astype(np.float32) - head_shot.image).mean(axis=-1)[head.astype(bool)]
    assert np.median(error) < 4.0 and np.mean(error) < 8.0
    corners = np.abs(frame[:8, :8].astype(np.float32) - head_shot.image[:8, :8]).mean()
    assert corners < 1.0  # the crop's border (the far background) stays put


def test_turns_and_nods_move_the_forehead_with_the_face_and_keep_the_outline(head_shot):
    """Parallax: on a turn the nose and the forehead (the skull's front) move across the face
    relative to the head's outline, the near cheek widens and the far one narrows; nods move
    the face and forehead down and up within the outline, both ways."""
    person = WarpRenderer().prepare([head_shot])
    head = person.layout.head
    front, outline = head.facing > 0.4, (head.facing == 0) & (head.rigidity == 1)
    assert front.sum() >= 2 and outline.sum() >= 4
    source = head_shot.points
    for yaw in (-20.0, 20.0):
        target = _turned(source, yaw=yaw)
        motion = head.moved(source, target) - head.points
        outline_shift = motion[outline, 0].mean()
        nose = target[30, 0] - source[30, 0] - outline_shift  # across the face, relative to its outline
        forehead = motion[front, 0].mean() - outline_shift
        assert np.sign(forehead) == np.sign(nose) != 0 and abs(forehead) > 1.0
        # The nose turns towards the far cheek: jaw halves, image left (0-7) and right (9-16).
        far, near = (slice(9, 17), slice(0, 8)) if nose > 0 else (slice(0, 8), slice(9, 17))
        width = lambda points, half: np.abs(points[half, 0] - points[30, 0]).mean()  # noqa: E731
        assert width(target, near) > width(source, near) and width(target, far) < width(source, far)
    for pitch in (-15.0, 15.0):  # tilting up and nodding down: face and forehead move within the outline
        target = _turned(source, pitch=pitch)
        motion = head.moved(source, target) - head.points
        outline_shift = motion[outline, 1].mean()
        nose, forehead = target[30, 1] - source[30, 1] - outline_shift, motion[front, 1].mean() - outline_shift
        assert np.sign(forehead) == np.sign(nose) == np.sign(pitch) and abs(forehead) > 1.0


def test_a_large_portrait_is_warped_at_its_own_resolution_without_an_edge(portraits_dir):
    """s1 (1145 pixels): the warp's crop has the picture's own pixel size, a talking frame keeps
    the eyes' detail, and where the crop meets the picture there is no edge."""
    renderer = WarpRenderer()
    portrait = load_portrait([portraits_dir / "s1.jpg"], renderer, make_detector("dlib"))
    assert portrait.crop.zoom == 1.0 and portrait.crop.size > 1000
    person = renderer.prepare(portrait.shots)
    talk = procedural_motion("talk", portrait.points, fps=25.0, duration=0.4,
                             image_size=portrait.image.shape[1::-1]).points[5:6]
    frame = next(render_frames(person, portrait, talk, 25.0, True, 1, 0, lambda: False))
    assert frame.shape == portrait.image.shape

    def detail(image: np.ndarray) -> float:
        eyes = talk[0, 36:48]
        (x0, y0), (x1, y1) = eyes.min(axis=0).astype(int) - 10, eyes.max(axis=0).astype(int) + 10
        return float(cv2.Laplacian(cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY), cv2.CV_32F).var())

    assert detail(frame) > 0.7 * detail(portrait.image)
    # No edge where the crop meets the picture: the warp leaves the crop's border as it was.
    crop = person.render(portrait.crop.to_crop(talk))[0]
    border = np.ones(crop.shape[:2], bool)
    border[3:-3, 3:-3] = False
    assert np.abs(crop.astype(np.int16) - portrait.shots[0].image)[border].max() <= 2
