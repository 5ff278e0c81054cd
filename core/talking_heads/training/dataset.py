"""The training dataset on disk: per video, cropped frames and their landmarks, plus an index.

    DATASET/
      index.json            {"format": "talking-heads-dataset", "version": 1, "resolution": S,
                             "videos": ["name", ...]}   (sorted; a video's position is its index)
      NAME/
        frames.npy          (N, S, S, 3) uint8 RGB face crops
        landmarks.npy       (N, 68, 2) float32 landmarks in crop pixels
        video.json          source, sampled frame numbers, settings, sha256 of both arrays

A video folder exists only when it is complete: it is written as `.NAME.partial/` and renamed.
Only plain `.npy` arrays and JSON are read (never pickles).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talking_heads.errors import InputError
from talking_heads.landmarks.topology import NUM_POINTS

FORMAT = "talking-heads-dataset"
VERSION = 1
INDEX_FILE = "index.json"
VIDEO_FILE = "video.json"
FRAMES_FILE = "frames.npy"
LANDMARKS_FILE = "landmarks.npy"
MIN_FRAMES = 2  # an episode needs a target and at least one other frame


@dataclass(frozen=True)
class VideoClip:
    """The prepared frames of one video (memory-mapped, read on demand)."""

    name: str
    frames: np.ndarray  # (N, S, S, 3) uint8
    landmarks: np.ndarray  # (N, 68, 2) float32, crop pixels

    def __len__(self) -> int:
        return len(self.frames)


@dataclass(frozen=True)
class Dataset:
    path: Path
    resolution: int
    videos: list[VideoClip]

    @property
    def names(self) -> list[str]:
        return [video.name for video in self.videos]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, data: dict) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(json.dumps(data, indent=1))
    os.replace(temporary, path)


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a readable JSON file ({error})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    return data


def load_arrays(folder: Path, resolution: int, mmap: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The frames and landmarks of one video folder, checked for shape and type."""
    mode = "r" if mmap else None
    try:
        frames = np.load(folder / FRAMES_FILE, mmap_mode=mode, allow_pickle=False)
        landmarks = np.load(folder / LANDMARKS_FILE, mmap_mode=mode, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise InputError(f"{folder}: unreadable arrays ({error}); prepare this video again") from None
    count = len(frames)
    if frames.dtype != np.uint8 or frames.shape[1:] != (resolution, resolution, 3):
        raise InputError(f"{folder}: frames are {frames.dtype} {frames.shape}, expected uint8 (N, {resolution}, "
                         f"{resolution}, 3); prepare this video again")
    if landmarks.dtype != np.float32 or landmarks.shape != (count, NUM_POINTS, 2):
        raise InputError(f"{folder}: landmarks are {landmarks.dtype} {landmarks.shape}, expected float32 "
                         f"({count}, 68, 2); prepare this video again")
    return frames, landmarks


def video_is_complete(folder: Path, settings: dict) -> bool:
    """A prepared video folder with the given settings whose arrays match their checksums."""
    if not (folder / VIDEO_FILE).is_file():
        return False
    try:
        record = read_json(folder / VIDEO_FILE)
        if any(record.get(key) != value for key, value in settings.items()):
            return False
        load_arrays(folder, settings["resolution"])
        checksums = record.get("sha256", {})
        return all(checksums.get(name) == sha256_of(folder / name) for name in (FRAMES_FILE, LANDMARKS_FILE))
    except (InputError, OSError):
        return False


def write_index(root: Path, resolution: int) -> list[str]:
    """List every complete video folder of a dataset in its index; returns the names."""
    names = sorted(entry.name for entry in root.iterdir()
                   if entry.is_dir() and not entry.name.startswith(".") and (entry / VIDEO_FILE).is_file())
    write_json(root / INDEX_FILE, {"format": FORMAT, "version": VERSION, "resolution": resolution, "videos": names})
    return names


def _not_a_dataset(path: Path, why: str) -> InputError:
    return InputError(f"{path}: {why}; prepare a dataset first with "
                      f"`talking-heads prepare-data VIDEO_OR_FOLDER... -o {path}`")


def load_dataset(path: str | Path) -> Dataset:
    """Open a prepared dataset; a clear error when it holds no usable videos."""
    root = Path(path)
    if not (root / INDEX_FILE).is_file():
        raise _not_a_dataset(root, f"not a prepared dataset (no {INDEX_FILE})")
    index = read_json(root / INDEX_FILE)
    if index.get("format") != FORMAT or index.get("version") != VERSION:
        raise _not_a_dataset(root, f"{INDEX_FILE} is not a {FORMAT} version {VERSION} index")
    resolution = int(index["resolution"])
    videos = []
    for name in index.get("videos", []):
        frames, landmarks = load_arrays(root / name, resolution)
        if len(frames) >= MIN_FRAMES:
            videos.append(VideoClip(name, frames, landmarks))
    if not videos:
        raise _not_a_dataset(root, f"no usable videos (each needs at least {MIN_FRAMES} frames with a face)")
    return Dataset(root, resolution, videos)
