"""The FAN backend: face-alignment's 2D-FAN landmark network with its S3FD face detector.

This is the paper's own landmark source. Its weights download on first use into the torch hub
cache, or can be placed there beforehand (see `weights_folder()`). They are pickled files, so
before loading, each file's SHA-256 must start with the digits in its name (the torch hub
convention), and every load runs torch's weights-only unpickler, which builds tensors and
nothing else: a crafted file cannot run code, a corrupt one is a clear `WeightsError`.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from talking_heads.errors import WeightsError
from talking_heads.landmarks.detect import LandmarkDetector

FAN_FILES = {
    "2DFAN4-11f355bf06.pth.tar": "https://www.adrianbulat.com/downloads/python-fan/2DFAN4-11f355bf06.pth.tar",
    "s3fd-619a316812.pth": "https://www.adrianbulat.com/downloads/python-fan/s3fd-619a316812.pth",
}
DETECTOR_FILE = "s3fd-619a316812.pth"
FORCE_WEIGHTS_ONLY = "TORCH_FORCE_WEIGHTS_ONLY_LOAD"  # torch.load then ignores weights_only=False
LOAD_ERRORS = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, KeyError, zipfile.BadZipFile)


def weights_folder() -> Path:
    """Where face-alignment looks for (and downloads) its weights."""
    import torch.hub

    return Path(torch.hub.get_dir()) / "checkpoints"


def weights_available() -> bool:
    folder = weights_folder()
    return all((folder / name).is_file() for name in FAN_FILES)


def digest_prefix(name: str) -> str:
    """The leading hex digits of a file's SHA-256 that its torch hub name carries ("s3fd-619a316812.pth")."""
    return re.search(r"-([0-9a-f]{8,})\.", name).group(1)


def check_weight_file(path: Path) -> None:
    """A clear error unless the file is the published one (its SHA-256 starts with its name's digits)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    expected = digest_prefix(path.name)
    if not digest.hexdigest().startswith(expected):
        raise WeightsError(
            f"{path} is corrupt or not the published FAN weight file (its SHA-256 is {digest.hexdigest()[:16]}..., "
            f"expected {expected}...); delete it and place the file from {FAN_FILES[path.name]} there, "
            "or use --backend dlib")


@contextlib.contextmanager
def tensors_only_loading() -> Iterator[None]:
    """Every torch.load inside uses the weights-only unpickler, whatever its caller asked for."""
    previous = os.environ.get(FORCE_WEIGHTS_ONLY)
    os.environ[FORCE_WEIGHTS_ONLY] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[FORCE_WEIGHTS_ONLY]
        else:
            os.environ[FORCE_WEIGHTS_ONLY] = previous


def fetch_missing_weights(folder: Path) -> None:
    """Download the weight files that are not in `folder` yet (torch hub checks their digests)."""
    import torch.hub

    for name, url in FAN_FILES.items():
        if (folder / name).is_file():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        try:
            torch.hub.download_url_to_file(url, str(folder / name), hash_prefix=digest_prefix(name))
        except (OSError, RuntimeError) as error:  # urllib's URLError is an OSError; a digest mismatch a RuntimeError
            listing = "\n".join(f"  {file}  <- {link}" for file, link in FAN_FILES.items())
            raise WeightsError(
                f"the FAN landmark weights could not be loaded ({error}). They download on first use; "
                f"without internet, place these files in {folder}:\n{listing}\n"
                "or use --backend dlib, which needs no download.") from None


class FanDetector(LandmarkDetector):
    name = "fan"

    def __init__(self, device: str = "cpu", compile: bool = False):
        import face_alignment

        folder = weights_folder()
        fetch_missing_weights(folder)
        for name in FAN_FILES:
            check_weight_file(folder / name)
        try:
            with tensors_only_loading():
                self._model = face_alignment.FaceAlignment(
                    face_alignment.LandmarksType.TWO_D, device=device, flip_input=False, face_detector="sfd",
                    face_detector_kwargs={"path_to_detector": str(folder / DETECTOR_FILE)}, compile=compile)
        except LOAD_ERRORS as error:
            raise WeightsError(f"the FAN landmark weights in {folder} could not be loaded as tensors ({error}); "
                               "delete them and download them again, or use --backend dlib") from None

    def find_boxes(self, image: np.ndarray, face_size_hint: float | None = None) -> list[np.ndarray]:
        detections = self._model.face_detector.detect_from_image(image.copy())
        return [np.asarray(d[:4], np.float32) for d in detections]

    def landmarks_in_box(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        points = self._model.get_landmarks_from_image(image, detected_faces=[np.append(box, 1.0)])
        return np.asarray(points[0][:, :2], np.float32)
