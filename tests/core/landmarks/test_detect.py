import numpy as np
import pytest

from talking_heads import media
from talking_heads.errors import NoFaceError, WeightsError
from talking_heads.landmarks import detect_largest_face, make_detector
from talking_heads.landmarks import fan_detector

PORTRAITS = ["s1", "s4", "s5", "s7", "s9", "s10", "s12", "s42"]


@pytest.mark.parametrize("name", PORTRAITS)
def test_a_face_is_found_in_each_shared_portrait(portraits_dir, dlib_detector, name):
    image = media.read_image(portraits_dir / f"{name}.jpg")
    face = detect_largest_face(dlib_detector, image, name)
    x0, y0, x1, y1 = face.box
    assert 0 <= x0 < x1 <= image.shape[1] + 5 and 0 <= y0 < y1 <= image.shape[0] + 5
    # The landmarks lie around the detected box and have the face's layout: eyes above the mouth.
    centre = face.points.mean(axis=0)
    assert x0 <= centre[0] <= x1 and y0 <= centre[1] <= y1
    eyes_y = face.points[36:48, 1].mean()
    mouth_y = face.points[48:68, 1].mean()
    assert eyes_y < mouth_y


def test_an_image_without_a_face_gets_a_clear_error(dlib_detector):
    gradient = np.tile(np.linspace(0, 255, 400, dtype=np.uint8)[None, :, None], (300, 1, 3))
    with pytest.raises(NoFaceError, match="no face found in wall.png"):
        detect_largest_face(dlib_detector, gradient, "wall.png")


def test_several_faces_use_the_largest_and_say_so(portraits_dir, dlib_detector, caplog):
    big = media.read_image(portraits_dir / "s42.jpg")
    small = big[::2, ::2]
    canvas = np.zeros((512, 768 + 8, 3), np.uint8)
    canvas[:512, :512] = big
    canvas[:256, 520:776] = small
    face = detect_largest_face(dlib_detector, canvas, "pair.png")
    assert face.points[:, 0].max() < 512
    assert "2 faces found, using the largest" in caplog.text


def test_auto_uses_dlib_without_fan_weights(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # no MediaPipe model there either
    assert not fan_detector.weights_available()
    caplog.set_level("INFO")
    assert make_detector("auto").name == "dlib"
    assert "using the dlib backend" in caplog.text and str(tmp_path) in caplog.text


def test_fan_without_weights_says_where_to_put_them(tmp_path, monkeypatch):
    import torch.hub
    import urllib.error

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    import face_alignment.utils

    monkeypatch.setattr(face_alignment.utils, "download_url_to_file", offline)
    with pytest.raises(WeightsError) as error:
        make_detector("fan")
    message = str(error.value)
    assert "2DFAN4-11f355bf06.pth.tar" in message and str(tmp_path) in message and "--backend dlib" in message
