"""Face and 68-point landmark detection behind one interface, with pluggable backends.

    detector = make_detector("auto")     # mediapipe or FAN when their models are present, else dlib
    faces = detector.detect(image)       # every face, largest first
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

import numpy as np

from talking_heads.errors import InputError, NoFaceError, WeightsError

log = logging.getLogger(__name__)

BackendName = Literal["auto", "fan", "mediapipe", "dlib"]
BACKENDS: tuple[str, ...] = ("auto", "fan", "mediapipe", "dlib")


@dataclass(frozen=True)
class Face:
    box: np.ndarray  # (4,) float32: x0, y0, x1, y1 in pixels of the image
    points: np.ndarray  # (68, 2) float32: x, y in pixels of the image

    @property
    def area(self) -> float:
        return float(max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1]))


class LandmarkDetector(ABC):
    """A face detector plus a 68-point landmark regressor."""

    name: str

    @abstractmethod
    def find_boxes(self, image: np.ndarray, face_size_hint: float | None = None) -> list[np.ndarray]:
        """Face boxes (4,) in an RGB uint8 image. `face_size_hint` (pixels) lets a tracker
        search at the scale where it expects the face, which is faster."""

    @abstractmethod
    def landmarks_in_box(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        """The (68, 2) landmarks of the face inside `box`."""

    def detect(self, image: np.ndarray, face_size_hint: float | None = None) -> list[Face]:
        """Every face in the image, largest first."""
        faces = [Face(box.astype(np.float32), self.landmarks_in_box(image, box).astype(np.float32))
                 for box in self.find_boxes(image, face_size_hint)]
        return sorted(faces, key=lambda face: face.area, reverse=True)


def detect_largest_face(detector: LandmarkDetector, image: np.ndarray, name: str = "image") -> Face:
    """The largest face of an image; says so when there were several, fails clearly on none."""
    faces = detector.detect(image)
    if not faces:
        raise NoFaceError(
            f"no face found in {name} by the {detector.name} detector; use a frontal portrait where the "
            "face is at least 80 pixels wide, or try another backend (--backend fan)")
    if len(faces) > 1:
        log.warning("%s: %d faces found, using the largest", name, len(faces))
    return faces[0]


def make_detector(backend: str = "auto", device: str = "cpu") -> LandmarkDetector:
    """Build a detection backend. `auto` picks the first one whose model is already here:
    mediapipe (Apache-2.0 model: fit for commercial work), then FAN (when its weights are also
    sound: a corrupt file gives a warning and dlib), then dlib (embedded; its model's training
    data exclude commercial use)."""
    from talking_heads.landmarks import dlib_detector, fan_detector, mediapipe_detector

    if backend not in BACKENDS:
        raise InputError(f"unknown landmark backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if backend == "auto":
        backend = "mediapipe" if mediapipe_detector.model_available() else (
            "fan" if fan_detector.weights_available() else "dlib")
        why = {"mediapipe": f"its model is in {mediapipe_detector.model_path().parent}",
               "fan": "its weights are present",
               "dlib": f"no MediaPipe model in {mediapipe_detector.model_path().parent} nor FAN weights in "
                       f"{fan_detector.weights_folder()}; dlib's model is not for commercial work, "
                       "--backend mediapipe downloads one that is"}[backend]
        log.info("landmarks: using the %s backend (%s)", backend, why)
        if backend == "fan":
            try:
                return fan_detector.FanDetector(device=device)
            except WeightsError as error:
                log.warning("landmarks: the FAN backend cannot be used, using dlib instead: %s", error)
                return dlib_detector.DlibDetector()
    if backend == "mediapipe":
        return mediapipe_detector.MediapipeDetector()
    if backend == "fan":
        return fan_detector.FanDetector(device=device)
    return dlib_detector.DlibDetector()
