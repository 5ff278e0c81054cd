"""The FAN backend: face-alignment's 2D-FAN landmark network with its S3FD face detector.

This is the paper's own landmark source. Its weights download on first use into the torch hub
cache, or can be placed there beforehand (see `weights_folder()`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from talking_heads.errors import WeightsError
from talking_heads.landmarks.detect import LandmarkDetector

FAN_FILES = {
    "2DFAN4-11f355bf06.pth.tar": "https://www.adrianbulat.com/downloads/python-fan/2DFAN4-11f355bf06.pth.tar",
    "s3fd-619a316812.pth": "https://www.adrianbulat.com/downloads/python-fan/s3fd-619a316812.pth",
}


def weights_folder() -> Path:
    """Where face-alignment looks for (and downloads) its weights."""
    import torch.hub

    return Path(torch.hub.get_dir()) / "checkpoints"


def weights_available() -> bool:
    folder = weights_folder()
    return all((folder / name).is_file() for name in FAN_FILES)


class FanDetector(LandmarkDetector):
    name = "fan"

    def __init__(self, device: str = "cpu", compile: bool = False):
        import face_alignment

        try:
            self._model = face_alignment.FaceAlignment(
                face_alignment.LandmarksType.TWO_D, device=device, flip_input=False,
                face_detector="sfd", compile=compile)
        except (OSError, RuntimeError) as error:  # urllib's URLError is an OSError
            listing = "\n".join(f"  {name}  <- {url}" for name, url in FAN_FILES.items())
            raise WeightsError(
                f"the FAN landmark weights could not be loaded ({error}). They download on first use; "
                f"without internet, place these files in {weights_folder()}:\n{listing}\n"
                "or use --backend dlib, which needs no download.") from None

    def find_boxes(self, image: np.ndarray, face_size_hint: float | None = None) -> list[np.ndarray]:
        detections = self._model.face_detector.detect_from_image(image.copy())
        return [np.asarray(d[:4], np.float32) for d in detections]

    def landmarks_in_box(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        points = self._model.get_landmarks_from_image(image, detected_faces=[np.append(box, 1.0)])
        return np.asarray(points[0][:, :2], np.float32)
