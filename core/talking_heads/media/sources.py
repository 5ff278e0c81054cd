"""Any input as frames: an image, a folder of images (a frame sequence) or a video."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talking_heads.errors import MediaError
from talking_heads.media.files import IMAGE_SUFFIXES, is_image_path, is_video_path, require_file
from talking_heads.media.images import read_image
from talking_heads.media.video import VideoInfo, VideoReader, probe_video


@dataclass(frozen=True)
class FrameSource:
    """Frames of an image, a folder of images or a video, re-readable and streamed."""

    path: Path
    frame_count: int
    fps: float | None  # None for still images and folders: the caller chooses
    kind: str  # "image", "folder" or "video"
    video: VideoInfo | None = None

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        if self.kind == "video":
            with VideoReader(self.path, self.video) as video:
                yield from video.frames(start, stop)
        elif self.kind == "folder":
            for image_path in images_in_folder(self.path)[start:stop]:
                yield read_image(image_path)
        elif start == 0 and (stop is None or stop > 0):
            yield read_image(self.path)


def images_in_folder(folder: Path) -> list[Path]:
    images = sorted(p for p in folder.iterdir() if is_image_path(p))
    if not images:
        raise MediaError(folder, f"the folder holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return images


def open_frame_source(path: str | Path) -> FrameSource:
    """Probe an input path; fails clearly if it is missing, empty or unreadable."""
    path = Path(path)
    if path.is_dir():
        return FrameSource(path, len(images_in_folder(path)), None, "folder")
    require_file(path)
    if is_video_path(path):
        info = probe_video(path)
        return FrameSource(path, info.frame_count, info.fps, "video", info)
    read_image(path)  # validate now, not halfway through a job
    return FrameSource(path, 1, None, "image")
