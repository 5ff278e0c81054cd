"""The warp renderer's painted mouth interior (teeth, tongue, cavity) and eyelids."""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from talking_heads import media
from talking_heads.landmarks import crop_for_points, detect_largest_face, make_detector
from talking_heads.landmarks.action_units import action_units
from talking_heads.landmarks.face_model import face_scale
from talking_heads.landmarks.topology import NOSE
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.jaws import meet_crossed_lips
from talking_heads.synthesis.mouth import TeethSample
from talking_heads.synthesis.warp import WarpConfig, WarpRenderer

SIZE = 256
_LUMINANCE = np.array([0.299, 0.587, 0.114], np.float32)


def _crop(image: np.ndarray, size: int = SIZE) -> Shot:
    points = detect_largest_face(make_detector("dlib"), image).points
    crop = crop_for_points(points, size)
    return Shot(crop.crop(image), crop.to_crop(points).astype(np.float32))


@pytest.fixture(scope="module")
def photo(portraits_dir) -> Shot:
    """A frontal photo with closed lips (the upper teeth barely show)."""
    return _crop(media.read_image(portraits_dir / "s42.jpg"))


@pytest.fixture(scope="module")
def grey(photo) -> Shot:
    """The same photo in black and white."""
    return Shot(np.repeat(cv2.cvtColor(photo.image, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2), photo.points)


@pytest.fixture(scope="module")
def painting(portraits_dir) -> Shot:
    """A warm-toned oil painting."""
    return _crop(media.read_image(portraits_dir / "s4.jpg"))


@pytest.fixture(scope="module")
def smiling() -> Shot:
    """An open smile showing the upper teeth: the astronaut that ships with scikit-image."""
    from skimage import data

    return _crop(data.astronaut())


def _opened(points: np.ndarray, amount: float) -> np.ndarray:
    return (points + amount * action_units(points)["jaw_open"]).astype(np.float32)


def _profile(frame: np.ndarray, points: np.ndarray, samples: int = 60) -> np.ndarray:
    """Colours (samples, 3) down the middle of the mouth, from the upper inner lip (62) to the
    lower one (66), each the mean of a short horizontal run."""
    shares = (np.arange(samples) + 0.5) / samples
    line = points[62] + shares[:, None] * (points[66] - points[62])
    width = 0.04 * float(np.linalg.norm(points[64] - points[60]))
    runs = line[:, None] + np.linspace(-width, width, 5)[None, :, None] * np.array([1.0, 0.0])
    colours = cv2.remap(frame.astype(np.float32), runs[..., 0].astype(np.float32), runs[..., 1].astype(np.float32),
                        cv2.INTER_LINEAR)
    return colours.mean(axis=1)


def _skin(shot: Shot) -> np.ndarray:
    mask = np.zeros(shot.image.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(shot.points[list(NOSE)]).astype(np.int32), 1)
    return shot.image[mask.astype(bool)].mean(axis=0)


def test_wide_open_mouth_has_upper_teeth_cavity_tongue_and_lower_teeth(photo):
    target = _opened(photo.points, 1.0)
    frame = WarpRenderer().prepare([photo]).render(target[None])[0]
    light = _profile(frame, target) @ _LUMINANCE  # (60,) from the upper to the lower lip
    skin = float(_skin(photo) @ _LUMINANCE)
    upper_teeth, cavity, tongue = light[2:8], light[18:30], light[38:48]
    assert upper_teeth.mean() > 0.6 * skin
    assert cavity.mean() < 0.25 * skin
    assert cavity.mean() + 15 < tongue.mean() < upper_teeth.mean() - 15

    # Lower teeth stand above the lower lip when the mouth opens wide, not when it opens a little.
    def lower_teeth(amount: float) -> float:
        target = _opened(photo.points, amount)
        with_teeth, without = (_profile(WarpRenderer(config).prepare([photo]).render(target[None])[0], target)
                               for config in (WarpConfig(), WarpConfig(lower_teeth_height=0.0)))
        return float(((with_teeth - without) @ _LUMINANCE)[48:].max())

    assert lower_teeth(1.0) > 30
    assert lower_teeth(0.3) < 3


def test_painted_teeth_are_separate_teeth_not_a_slab(portraits_dir):
    photo = _crop(media.read_image(portraits_dir / "s42.jpg"), 512)
    target = _opened(photo.points, 0.8)
    frame = WarpRenderer().prepare([photo]).render(target[None])[0]
    scale = float(face_scale(target))
    # A line through the upper teeth, just under the upper lip, across most of the mouth; 4 samples a pixel.
    left, right = (target[60] + share * (target[64] - target[60]) for share in (0.15, 0.85))
    drop = float(target[62, 1] - (target[60, 1] + target[64, 1]) / 2) + 0.025 * scale
    count = 4 * int(np.linalg.norm(right - left))
    xs = np.linspace(left[0], right[0], count, dtype=np.float32)
    ys = np.linspace(left[1], right[1], count, dtype=np.float32) + np.float32(drop)
    row = cv2.remap(frame.astype(np.float32) @ _LUMINANCE, xs[None], ys[None], cv2.INTER_LINEAR)[0]
    reach = 8  # two pixels either side
    dips = [k for k in range(reach, count - reach) if row[k] == row[k - reach:k + reach + 1].min()
            and min(row[k - reach:k].max(), row[k + 1:k + reach + 1].max()) - row[k] > 5]
    assert np.median(row[count // 3:2 * count // 3]) > 0.6 * float(_skin(photo) @ _LUMINANCE)  # through teeth
    assert len(dips) >= 3  # gaps between teeth


def test_interior_looks_the_same_at_any_resolution(portraits_dir, photo):
    """Painted in the face's own scale, a 2048-pixel crop's mouth (painted at reduced detail and
    scaled up) matches the 256-pixel crop's."""
    large = _crop(media.read_image(portraits_dir / "s42.jpg"), 2048)
    frames = []
    for shot in (photo, large):
        target = _opened(shot.points, 1.0)
        frame = WarpRenderer().prepare([shot]).render(target[None])[0]
        frames.append(cv2.resize(frame, (SIZE, SIZE), interpolation=cv2.INTER_AREA).astype(np.float32))
    target = _opened(photo.points, 1.0)
    inside = np.zeros((SIZE, SIZE), np.uint8)
    cv2.fillPoly(inside, [np.round(target[60:68]).astype(np.int32)], 1)
    inside = cv2.erode(inside, np.ones((3, 3), np.uint8)).astype(bool)
    assert inside.sum() > 200
    assert np.abs(frames[0] - frames[1])[inside].mean() < 10


def test_interior_takes_the_portraits_palette(photo, grey, painting):
    def interior(shot: Shot) -> np.ndarray:
        target = _opened(shot.points, 1.0)
        return _profile(WarpRenderer().prepare([shot]).render(target[None])[0], target)

    grey_mouth = interior(grey)
    assert np.abs(grey_mouth - grey_mouth.mean(axis=1, keepdims=True)).max() < 2.5  # greys only

    for shot in (photo, painting):
        mouth = interior(shot)
        tongue = mouth[38:48].mean(axis=0)
        hue, saturation, _ = cv2.cvtColor(np.uint8([[np.clip(tongue, 0, 255)]]), cv2.COLOR_RGB2HSV)[0, 0]
        assert saturation > 60 and (hue < 20 or hue > 170)  # OpenCV hue 0..180: red to orange
        teeth = mouth[2:8].mean(axis=0)
        skin = _skin(shot)
        # The teeth are tinted by the skin: their colour cast points the same way, more weakly.
        cast, skin_cast = teeth - teeth.mean(), skin - skin.mean()
        assert cast @ skin_cast > 0 and np.abs(cast).max() < np.abs(skin_cast).max()
    warm, cool = interior(painting)[2:8].mean(axis=0), interior(photo)[2:8].mean(axis=0)
    assert (warm[0] - warm[2]) / warm.mean() > (cool[0] - cool[2]) / cool.mean()  # a warm painting, warmer teeth


def test_interior_takes_the_portraits_grain(portraits_dir):
    """A painting's cracked varnish carries into the painted interior; a smooth picture's does not."""
    painting = _crop(media.read_image(portraits_dir / "s9.jpg"))
    smooth = Shot(cv2.GaussianBlur(painting.image, (0, 0), 2.0), painting.points)
    grainy, plain = WarpRenderer().prepare([painting]), WarpRenderer().prepare([smooth])
    assert plain.palette.grain < 0.3 * grainy.palette.grain

    target = _opened(painting.points, 1.0)
    inside = np.zeros((SIZE, SIZE), np.uint8)
    cv2.fillPoly(inside, [np.round(target[list(range(60, 68))]).astype(np.int32)], 1)
    inside = cv2.erode(inside, np.ones((5, 5), np.uint8)).astype(bool)
    frame = grainy.render(target[None])[0].astype(np.float32)
    grain = grainy.palette.grain
    grainy.palette = replace(grainy.palette, grain=0.0)
    without = grainy.render(target[None])[0].astype(np.float32)
    # The grain's contrast in the painted interior is the portrait's, within rounding.
    contrast = ((frame - without) @ _LUMINANCE)[inside].std() / (without @ _LUMINANCE)[inside].mean()
    assert 0.5 * grain < contrast < 2 * grain


def test_own_teeth_are_reused_when_a_shot_shows_them(smiling, photo):
    assert TeethSample.from_shot(photo.image, photo.points, photo.points[[61, 62, 63]] + [0, 6], 80.0) is None
    # A closed-mouthed shot of the same face (the teeth hidden) and the smiling one beside it.
    closed_points = meet_crossed_lips(_opened(smiling.points, -1.0))
    closed = Shot(WarpRenderer().prepare([smiling]).render(closed_points[None])[0], closed_points)
    person = WarpRenderer().prepare([closed, smiling]).people[0]  # the closed shot, knowing the smiling one's teeth
    alone = WarpRenderer().prepare([closed])
    assert np.array_equal(person.points, closed.points) and person.teeth is not None and alone.teeth is None

    target = _opened(closed_points, 0.8)
    own, synthesised = person.render(target[None])[0], alone.render(target[None])[0]
    teeth_rows = slice(1, 10)
    own_teeth, synthetic_teeth = _profile(own, target)[teeth_rows], _profile(synthesised, target)[teeth_rows]
    real = person.teeth.colour
    assert np.abs(own_teeth.mean(axis=0) - real).max() < 20
    assert np.abs(own_teeth.mean(axis=0) - real).max() < np.abs(synthetic_teeth.mean(axis=0) - real).max()


def _shrunk(shot: Shot, share: float) -> Shot:
    """The crop with its picture scaled down about the centre: a smaller face."""
    matrix = cv2.getRotationMatrix2D((SIZE / 2, SIZE / 2), 0.0, share)
    image = cv2.warpAffine(shot.image, matrix, (SIZE, SIZE), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)
    return Shot(image, (shot.points @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32))


@pytest.mark.parametrize("share", [1.0, 0.4])
def test_blink_lowers_the_lid_over_the_iris(photo, share):
    shot = _shrunk(photo, share) if share != 1.0 else photo
    closed = (shot.points + action_units(shot.points)["blink"]).astype(np.float32)
    lidded = WarpRenderer().prepare([shot]).render(closed[None])[0]
    squashed = WarpRenderer(WarpConfig(eyelids=False)).prepare([shot]).render(closed[None])[0]
    skin = _skin(shot)
    for eye in (range(36, 42), range(42, 48)):
        outline = shot.points[list(eye)]
        centre = outline.mean(axis=0)
        iris = np.zeros((SIZE, SIZE), np.uint8)  # the middle of the open eye, above the closed lid's lashes
        cv2.fillPoly(iris, [np.round(centre + 0.6 * (outline - centre)).astype(np.int32)], 1)
        height = float(np.ptp(outline[:, 1]))
        iris[int(np.ceil(centre[1] + 0.15 * height)):] = 0
        iris = iris.astype(bool)
        assert iris.sum() >= 3
        assert (shot.image[iris] @ _LUMINANCE).mean() < 0.75 * float(skin @ _LUMINANCE)  # the open eye is dark
        covered = lidded[iris].astype(np.float32)
        assert (covered @ _LUMINANCE).mean() > 0.8 * float(skin @ _LUMINANCE)  # the lid is skin...
        assert np.abs(covered.mean(axis=0) - skin).max() < 40  # ...of the skin's colour
        assert (squashed[iris] @ _LUMINANCE).mean() < (covered @ _LUMINANCE).mean() - 15  # unlike a squashed eye


def test_open_eyes_and_half_blinks_keep_the_iris(photo):
    person = WarpRenderer().prepare([photo])
    assert np.abs(person.render(photo.points[None])[0].astype(int) - photo.image).max() <= 1
    half = (photo.points + 0.6 * action_units(photo.points)["blink"]).astype(np.float32)
    frame = person.render(half[None])[0]
    skin = float(_skin(photo) @ _LUMINANCE)
    eye = photo.points[36:42]
    low, high = np.round(eye.min(axis=0)).astype(int), np.round(eye.max(axis=0)).astype(int)
    middle, quarter = (low[1] + high[1]) // 2, low[1] + (high[1] - low[1]) // 4
    columns = slice(int(eye[1, 0]), int(eye[2, 0]) + 1)  # between the upper lid's two points
    top, bottom = frame[low[1] + 1:quarter + 1, columns], frame[middle + 1:high[1], columns]
    assert (top @ _LUMINANCE).mean() > 0.75 * skin  # the lid covers the top of the eye...
    assert (bottom @ _LUMINANCE).min() < 0.4 * skin  # ...and the iris still shows below it
