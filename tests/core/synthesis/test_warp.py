"""The warp renderer: a piecewise-affine warp of the source crop with a painted mouth interior."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from talking_heads import media
from talking_heads.errors import InputError
from talking_heads.landmarks import crop_for_points, detect_largest_face, make_detector, track_frames
from talking_heads.landmarks.action_units import action_units
from talking_heads.landmarks.face_model import HEAD, MEAN_FACE, face_scale
from talking_heads.landmarks.pose import similarity
from talking_heads.landmarks.motions import procedural_motion
from talking_heads.landmarks.retarget import mouth_opening, retarget
from talking_heads.landmarks.topology import INNER_LIPS, RIGID
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.jaws import LOWER_LIP, UPPER_LIP, MouthSplit, down_axis, meet_crossed_lips
from talking_heads.synthesis.warp import WarpConfig, WarpRenderer

SIZE = 256


@pytest.fixture(scope="module")
def shot(portraits_dir) -> Shot:
    image = media.read_image(portraits_dir / "s42.jpg")
    points = detect_largest_face(make_detector("dlib"), image).points
    crop = crop_for_points(points, SIZE)
    return Shot(crop.crop(image), crop.to_crop(points))



def head_region(points: np.ndarray, size: int) -> np.ndarray:
    """(size, size) each pixel's elliptical radius in the head region of a face (68, 2): 1 on the
    edge of what moves rigidly, `HEAD.falloff` where the motion has faded out."""
    to_crop, offset = similarity(MEAN_FACE[list(RIGID), :2], points[list(RIGID)].astype(np.float64))
    pixels = np.stack(np.meshgrid(np.arange(size), np.arange(size)), axis=-1).reshape(-1, 2)
    face = ((pixels[:, 0] + 1j * pixels[:, 1]) - complex(offset)) / complex(to_crop)
    return HEAD.region_radius(np.stack([face.real, face.imag], axis=1)).reshape(size, size)


@pytest.fixture(scope="module")
def driven(clips_dir, shot) -> tuple[np.ndarray, np.ndarray]:
    """d0 (a man pulling faces) retargeted onto the portrait: (T, 68, 2) crop landmarks and the
    driver's mouth opening (T,) in face units."""
    with media.VideoReader(clips_dir / "d0.mp4") as reader:
        track, _ = track_frames(reader.frames(), make_detector("dlib"), fps=25.0)
    return retarget(shot.points, track), mouth_opening(track.points) / face_scale(track.points)


@pytest.fixture(scope="module")
def smiling() -> Shot:
    """An open-mouthed source showing its upper teeth: the astronaut that ships with scikit-image."""
    from skimage import data

    image = data.astronaut()
    points = detect_largest_face(make_detector("dlib"), image).points
    crop = crop_for_points(points, SIZE)
    return Shot(crop.crop(image), crop.to_crop(points))


def _luminance(frames: np.ndarray) -> np.ndarray:
    return frames.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def _polygon_mask(points: np.ndarray) -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def test_driven_portrait_moves_its_mouth_and_keeps_its_background(shot, driven):
    landmarks, driver_mouth = driven
    frames = WarpRenderer().prepare([shot]).render(landmarks)
    assert frames.shape == (len(landmarks), SIZE, SIZE, 3) and frames.dtype == np.uint8

    # The mouth region darkens as the driver's mouth opens.
    mouths = landmarks[:, 48:68]
    low, high = np.floor(mouths.min(axis=(0, 1))).astype(int), np.ceil(mouths.max(axis=(0, 1))).astype(int)
    mouth_light = _luminance(frames[:, low[1]:high[1], low[0]:high[0]]).mean(axis=(1, 2))
    assert np.ptp(driver_mouth) > 0.1
    assert np.corrcoef(mouth_light, driver_mouth)[0, 1] < -0.7
    widest = int(np.argmax(driver_mouth))
    inside = _polygon_mask(landmarks[widest, list(INNER_LIPS)])
    change = np.abs(_luminance(frames[widest]) - _luminance(shot.image))[inside].mean()
    assert change > 40



def test_head_shake_leaves_the_far_background_still(head_shot):
    size = head_shot.image.shape[0]
    landmarks = procedural_motion("shake", head_shot.points, duration=2.0, image_size=(size, size)).points
    frames = WarpRenderer().prepare([head_shot]).render(landmarks)
    assert _luminance(np.abs(frames.astype(np.int16) - head_shot.image)).mean() > 3  # the head does turn
    far = head_region(head_shot.points, size) >= HEAD.falloff  # beyond the head's fade into the background
    assert far.mean() > 0.03
    assert np.abs(frames.astype(np.float32) - head_shot.image).mean(axis=-1)[:, far].mean(axis=1).max() < 1.0


def test_source_landmarks_give_the_source_back(shot):
    for step in (1, 2):
        frame = WarpRenderer(WarpConfig(map_step=step)).prepare([shot]).render(shot.points[None])[0]
        assert np.abs(frame.astype(int) - shot.image).max() <= 1


def test_open_mouth_gets_a_dark_cavity_not_stretched_lips(shot):
    units = action_units(shot.points)
    opened = (shot.points + units["jaw_open"]).astype(np.float32)
    inside = _polygon_mask(opened[list(INNER_LIPS)]) & ~_polygon_mask(shot.points[list(INNER_LIPS)])
    lips = _polygon_mask(shot.points[48:60]) & ~_polygon_mask(shot.points[list(INNER_LIPS)])
    lip_light = _luminance(shot.image)[lips].mean()
    with_cavity = WarpRenderer().prepare([shot]).render(opened[None])[0]
    without = WarpRenderer(WarpConfig(mouth_cavity=False)).prepare([shot]).render(opened[None])[0]
    assert _luminance(with_cavity)[inside].mean() < 0.6 * lip_light
    assert _luminance(with_cavity)[inside].mean() < _luminance(without)[inside].mean() - 20
    # Lips keep their thickness: the lower lip moves down with the jaw rather than stretching.
    lower_lip = _polygon_mask(opened[[54, 55, 56, 57, 58, 59, 48, 60, 67, 66, 65, 64]])
    assert abs(_luminance(with_cavity)[lower_lip].mean() - lip_light) < 25


def _teeth_like(image: np.ndarray) -> np.ndarray:
    """Bright, low-saturation pixels (H, W) of an RGB image."""
    saturation = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)[..., 1]
    return (_luminance(image) > 190) & (saturation < 60)


def _band(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """The pixels (H, W) bool between two polylines (3, 2) from left to right."""
    return _polygon_mask(np.concatenate([top, bottom[::-1]]))


def test_opening_an_open_mouth_keeps_its_teeth_under_the_upper_lip(smiling):
    points = smiling.points
    upper, lower = points[[61, 62, 63]], points[[67, 66, 65]]
    assert mouth_opening(points) > 5  # the source shows its teeth
    teeth = _band(upper + 0.1 * (lower - upper), upper + 0.5 * (lower - upper))
    assert _teeth_like(smiling.image)[teeth].mean() > 0.8

    opened = (points + 0.8 * action_units(points)["jaw_open"]).astype(np.float32)
    frame = WarpRenderer().prepare([smiling]).render(opened[None])[0]
    # The upper teeth hang from the upper lip, which hardly moves: the same pixels are still there.
    new_upper, new_lower = opened[[61, 62, 63]], opened[[67, 66, 65]]
    moved_teeth = _band(new_upper + 0.1 * (lower - upper), new_upper + 0.5 * (lower - upper))
    assert _teeth_like(frame)[moved_teeth].mean() > 0.8
    assert np.abs(frame[moved_teeth].astype(float).mean(axis=0) - smiling.image[teeth].mean(axis=0)).max() < 12
    # Below the teeth, down to the lowered lower lip, the new gap is dark.
    gap = _band(new_upper + 1.2 * (lower - upper), new_lower - 0.15 * (new_lower - new_upper))
    assert gap.sum() > 100
    assert _luminance(frame)[gap].mean() < 0.3 * _luminance(smiling.image)[teeth].mean()


def test_closing_an_open_mouth_meets_the_lips_over_the_teeth(smiling):
    points = smiling.points
    jaw = action_units(points)["jaw_open"]
    person = WarpRenderer().prepare([smiling])
    exact = WarpRenderer(WarpConfig(map_step=1)).prepare([smiling])
    upper, lower = points[[61, 62, 63]], points[[67, 66, 65]]
    # Closed exactly (the opening is linear in the amount), and closed further than the lips allow:
    # they meet rather than cross, and the lower lip covers the teeth.
    closed = -mouth_opening(points) / (mouth_opening(points + jaw) - mouth_opening(points))
    for amount in (closed, 1.5 * closed):
        target = (points + amount * jaw)[None].astype(np.float32)
        frame = person.render(target)[0]
        assert _teeth_like(frame)[_band(upper + 0.1 * (lower - upper), lower)].mean() < 0.2
        # The squeezed teeth are not smeared over the lips by the map's interpolation.
        lips = _polygon_mask(target[0, 48:60])
        assert np.abs(frame.astype(int) - exact.render(target)[0]).max(axis=-1)[lips].max() <= 20


def _stray_pixels(image: np.ndarray) -> int:
    """How many pixels differ from the median of their 3 x 3 neighbourhood by over 40 grey levels."""
    light = _luminance(image)
    return int((np.abs(light - cv2.medianBlur(light.astype(np.uint8), 3)) > 40).sum())


def test_a_broad_smile_scatters_no_stray_pixels(smiling):
    # The smile pulls the mouth corners almost onto the nostril-to-jaw edges: triangles there
    # become slivers, whose edge pixels must not sample far across the source.
    landmarks = procedural_motion("smile", smiling.points, duration=2.5, image_size=(SIZE, SIZE)).points
    frames = WarpRenderer().prepare([smiling]).render(landmarks)
    assert max(_stray_pixels(frame) for frame in frames) <= _stray_pixels(smiling.image) + 5


def test_mouth_halves_keep_their_height_and_squeeze_without_crossing(smiling):
    points = smiling.points
    scale = float(face_scale(points))
    split = MouthSplit.from_source(smiling.image, points, scale)
    hang = split.seam - points[list(UPPER_LIP)]  # (3, 2) from the upper inner lip to the seam
    assert (hang @ down_axis(points) > 2).all()

    jaw = action_units(points)["jaw_open"]
    opened = (points + 0.8 * jaw).astype(np.float32)
    top, bottom = split.halves(opened, float(face_scale(opened)))
    assert np.abs(top - opened[list(UPPER_LIP)] - hang).max() < 0.5  # the upper half keeps its place
    extra = mouth_opening(opened) - mouth_opening(points)
    assert np.abs((bottom - top) @ down_axis(opened) - extra).max() < 1.0  # the gap is the extra opening

    crossed = meet_crossed_lips(points - 0.6 * jaw)  # the lower lip pushed far above the upper one
    gaps = (crossed[list(LOWER_LIP)] - crossed[list(UPPER_LIP)]) @ down_axis(crossed)
    assert np.abs(gaps).max() < 1e-3  # the lips meet
    top, bottom = split.halves(crossed, float(face_scale(crossed)))
    assert np.abs(top - bottom).max() < 1e-3  # both halves squeezed flat where the lips meet
    assert np.abs((top - crossed[list(UPPER_LIP)]) @ down_axis(crossed)).max() < 1e-3


def test_mesh_carries_no_source_pixels_across_the_mouth(shot):
    person = WarpRenderer().prepare([shot])
    triangles = person.triangles
    assert set(range(68)) <= set(np.unique(triangles).tolist())
    edges = {frozenset(pair) for triangle in triangles.tolist() for pair in
             ((triangle[0], triangle[1]), (triangle[1], triangle[2]), (triangle[0], triangle[2]))}
    lip_ring = [(INNER_LIPS[k], INNER_LIPS[(k + 1) % 8]) for k in range(8)]
    assert all(frozenset(pair) in edges for pair in lip_ring)
    first_seam = person.layout.first_seam
    upper = {*UPPER_LIP, *range(first_seam, first_seam + 3)}  # the upper inner lip and the seam's upper copy
    lower = {*LOWER_LIP, *range(first_seam + 3, first_seam + 6)}
    spanning = [t for t in triangles.tolist() if set(t) & upper and set(t) & lower]
    assert len(spanning) == 6  # the gap between the halves
    source = person.source_vertices[spanning]  # (6, 3, 2)
    (ax, ay), (bx, by) = (source[:, 1] - source[:, 0]).T, (source[:, 2] - source[:, 0]).T
    area = np.abs(ax * by - ay * bx) / 2
    assert area.max() < 1e-3  # each maps onto the seam, a line: no texture is stretched over the gap


def test_several_shots_render_each_frame_from_the_best_fitting_one(shot):
    # Two shots of one picture: the second claims an open mouth, so where the target opens the
    # mouth it needs no warping at all and gives its own image back.
    opened_points = (shot.points + action_units(shot.points)["jaw_open"]).astype(np.float32)
    opened = Shot(np.ascontiguousarray(shot.image[:, ::-1]), opened_points)  # told apart by their pixels
    person = WarpRenderer().prepare([shot, opened])
    assert person.resolution == SIZE
    assert person.best_shots(np.stack([shot.points, opened_points, shot.points])).tolist() == [0, 1, 0]
    frames = person.render(np.stack([shot.points, opened_points]))
    assert np.abs(frames[0].astype(np.int16) - shot.image).mean() < 1.0
    assert np.abs(frames[1].astype(np.int16) - opened.image).mean() < 1.0
    assert person.render(np.zeros((0, 68, 2), np.float32)).shape == (0, SIZE, SIZE, 3)


def test_bad_inputs_are_reported(shot):
    with pytest.raises(InputError):
        WarpRenderer().prepare([])
    with pytest.raises(InputError):
        WarpRenderer().prepare([Shot(shot.image[:, :200], shot.points)])
    with pytest.raises(InputError):
        WarpRenderer().prepare([shot, Shot(shot.image[:128, :128], shot.points)])
    with pytest.raises(InputError):
        WarpRenderer().prepare([Shot(shot.image, shot.points[:60])])
    person = WarpRenderer().prepare([shot])
    with pytest.raises(InputError):
        person.render(shot.points[:60][None])
