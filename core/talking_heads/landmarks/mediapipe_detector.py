"""The mediapipe backend: Google's MediaPipe Face Landmarker (Apache-2.0 code and model) through its
Tasks API, its 478-point face mesh mapped to the 68 iBUG points by a table of our own.

Its `.task` model file downloads on first use into the user's cache (`model_path()`), or can be
placed there by hand; its SHA-256 is checked either way. Suited to commercial work, unlike dlib's
68-point model (trained on iBUG 300-W, whose terms exclude commercial use).
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import urllib.request
from pathlib import Path

import numpy as np

from talking_heads.errors import WeightsError
from talking_heads.landmarks.detect import LandmarkDetector
from talking_heads.landmarks.mediapipe_mapping import mesh_to_ibug

log = logging.getLogger(__name__)

MODEL_NAME = "face_landmarker.task"
MODEL_URL = ("https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/float16/1/"
             "face_landmarker.task")
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
_CROP_MARGIN = 1.6  # the crop around a face box that the landmarker sees, in box sizes
_MAX_FACES = 4


def model_path() -> Path:
    """Where the model is looked for and downloaded: the user's cache."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "talking-heads" / "mediapipe" / MODEL_NAME


def model_available() -> bool:
    return model_path().is_file()


def ensure_model() -> Path:
    """The checked model file, downloaded first when it is not there."""
    path = model_path()
    if not path.is_file():
        _download(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise WeightsError(f"{path} is not MediaPipe's face landmarker model (SHA-256 {digest[:12]}..., expected "
                           f"{MODEL_SHA256[:12]}...): the file is corrupt or another model. Delete it to download it "
                           f"again, or place the right file there ({MODEL_URL})")
    return path


def _download(path: Path) -> None:
    log.info("downloading the MediaPipe face landmarker model to %s", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        urllib.request.urlretrieve(MODEL_URL, partial)
        os.replace(partial, path)
    except OSError as error:  # urllib's URLError is an OSError
        partial.unlink(missing_ok=True)
        raise WeightsError(f"the MediaPipe face landmarker model could not be downloaded ({error}). Without "
                           f"internet, place {MODEL_URL} at {path}, or use --backend dlib") from None


class MediapipeDetector(LandmarkDetector):
    name = "mediapipe"

    def __init__(self) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")  # mediapipe's C++ logs only errors
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.FaceLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(ensure_model())),
                                               running_mode=vision.RunningMode.IMAGE, num_faces=_MAX_FACES)
        try:
            self._landmarker = vision.FaceLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as error:
            raise WeightsError(f"{model_path()}: MediaPipe cannot load it ({error}); delete it to download it "
                               "again") from None
        # Close it before mediapipe's worker threads stop at exit (they stop before atexit
        # handlers run; closing later prints a traceback).
        threading._register_atexit(self._landmarker.close)

    def _meshes(self, image: np.ndarray) -> list[np.ndarray]:
        """(478, 3) mesh of every face: x, y in pixels of `image`, z in pixels (depth)."""
        import mediapipe as mp

        result = self._landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image)))
        height, width = image.shape[:2]
        return [np.array([(p.x * width, p.y * height, p.z * width) for p in face], np.float32)
                for face in result.face_landmarks]

    def find_boxes(self, image: np.ndarray, face_size_hint: float | None = None) -> list[np.ndarray]:
        boxes = []
        for mesh in self._meshes(image):
            points = mesh_to_ibug(mesh)
            boxes.append(np.array([*points.min(0), *points.max(0)], np.float32))
        return boxes

    def landmarks_in_box(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        """The landmarks of the face in `box`, from a crop around it (the landmarker works best
        when the face fills much of its input)."""
        center = (box[:2] + box[2:]) / 2
        half = _CROP_MARGIN * float(max(box[2] - box[0], box[3] - box[1])) / 2
        height, width = image.shape[:2]
        x0, y0 = (max(0, int(c - half)) for c in center)
        x1, y1 = min(width, int(center[0] + half)), min(height, int(center[1] + half))
        meshes = self._meshes(image[y0:y1, x0:x1])
        offset = np.array([x0, y0], np.float32)
        if not meshes:  # too small or cut off in the crop: look at the whole picture
            meshes, offset = self._meshes(image), np.zeros(2, np.float32)
        if not meshes:
            return _box_template(box)
        faces = [mesh_to_ibug(mesh) + offset for mesh in meshes]
        return min(faces, key=lambda points: float(np.linalg.norm(points.mean(0) - center)))


def _box_template(box: np.ndarray) -> np.ndarray:
    """Mean-face landmarks filling `box`: what dlib's predictor gives for a face it cannot see."""
    from talking_heads.landmarks.face_model import MEAN_FACE

    mean = MEAN_FACE[:, :2]
    low, high = mean.min(0), mean.max(0)
    return (box[:2] + (mean - low) / (high - low) * (box[2:] - box[:2])).astype(np.float32)


