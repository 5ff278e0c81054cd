import numpy as np
import pytest

from talking_heads import media
from talking_heads.landmarks import CropTransform, crop_for_points, detect_largest_face, stable_crops


@pytest.fixture(scope="module")
def portrait_and_face(portraits_dir, dlib_detector):
    image = media.read_image(portraits_dir / "s42.jpg")
    return image, detect_largest_face(dlib_detector, image)


def test_crop_covers_the_face_and_maps_landmarks(portrait_and_face):
    image, face = portrait_and_face
    crop = crop_for_points(face.points, 256)
    inside = crop.to_crop(face.points)
    assert inside.min() > 0 and inside.max() < 256
    np.testing.assert_allclose(crop.to_frame(inside), face.points, atol=1e-3)
    assert crop.crop(image).shape == (256, 256, 3)


@pytest.mark.parametrize("zoom,mean_error,p99_error", [(1.0, 0.6, 4), (2.0, 0.1, 1)])
def test_paste_back_of_an_unchanged_crop_returns_the_original(portrait_and_face, zoom, mean_error, p99_error):
    """Within the crop, two resamplings (crop, paste) cost under a grey level on average."""
    image, face = portrait_and_face
    base = crop_for_points(face.points, 256)
    crop = CropTransform(base.cx, base.cy, base.side, int(round(base.side * zoom)))
    restored = crop.paste(crop.crop(image), image)
    (x0, y0), (x1, y1) = np.clip(crop.to_frame(np.array([[0, 0], [crop.size, crop.size]])).astype(int), 0, 512)
    error = np.abs(restored.astype(int) - image.astype(int))[y0 + 2:y1 - 2, x0 + 2:x1 - 2]
    assert error.size > 100_000
    assert error.mean() < mean_error and np.percentile(error, 99) <= p99_error


def test_paste_back_outside_the_crop_is_untouched(portrait_and_face):
    image, face = portrait_and_face
    crop = crop_for_points(face.points, 128)
    restored = crop.paste(np.zeros((128, 128, 3), np.uint8), image)
    x0, y0 = np.floor(crop.to_frame(np.zeros(2))).astype(int)
    assert np.array_equal(restored[: max(y0, 0)], image[: max(y0, 0)])
    assert restored[int(crop.cy), int(crop.cx)].sum() == 0


def test_stable_crops_smooth_out_landmark_noise():
    rng = np.random.default_rng(1)
    base = rng.uniform(200, 300, (68, 2))
    noisy = base + rng.normal(0, 3, (100, 68, 2))
    boxes = np.array([[c.cx, c.cy, c.side] for c in stable_crops(noisy, fps=25, size=256)])
    raw = np.array([[c.cx, c.cy, c.side] for c in (crop_for_points(p, 256) for p in noisy)])
    assert np.abs(np.diff(boxes, axis=0)).mean() < np.abs(np.diff(raw, axis=0)).mean() / 5
