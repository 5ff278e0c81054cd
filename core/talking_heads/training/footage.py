"""Footage of one person -> training frames: face crops with their landmarks and sketches.

    frames = load_footage([Path("anna.mp4")], detector, resolution=128, span=(0, 200))

Every frame of the footage (within `span` for videos) where a face is found is used, cropped
around its own landmarks exactly as `talking-heads eval` crops held-out frames.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talking_heads import media
from talking_heads.errors import InputError, NoFaceError
from talking_heads.landmarks import LandmarkDetector, crop_for_points, draw_sketches, track_frames
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress, raise_if_cancelled

Span = tuple[int, int | None]  # frames first:stop of each video (stop None: to the end)


@dataclass(frozen=True)
class FootageFrames:
    images: np.ndarray  # (N, S, S, 3) uint8 face crops
    points: np.ndarray  # (N, 68, 2) float32 landmarks in crop pixels
    sketches: np.ndarray  # (N, S, S, 3) uint8 landmark sketches of `points`
    sources: list[dict]  # per input: {"file", "first", "stop", "frames_read", "frames_used"}

    def __len__(self) -> int:
        return len(self.images)


def parse_span(text: str) -> Span:
    """"A:B", "A:" or ":B" -> (A, B or None); frame numbers from 0, B exclusive."""
    first, colon, stop = text.partition(":")
    try:
        span = (int(first) if first.strip() else 0, int(stop) if stop.strip() else None)
    except ValueError:
        span = (-1, None)
    if not colon or span[0] < 0 or (span[1] is not None and span[1] <= span[0]):
        raise InputError(f"--frames takes FIRST:STOP frame numbers (from 0, STOP excluded, e.g. 0:200), got {text!r}")
    return span


def _crops(frames: list[np.ndarray], points: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    transforms = [crop_for_points(p, resolution) for p in points]
    images = np.stack([t.crop(frame) for t, frame in zip(transforms, frames)])
    return images, np.stack([t.to_crop(p) for t, p in zip(transforms, points)]).astype(np.float32)


def load_footage(inputs: list[Path], detector: LandmarkDetector, resolution: int, span: Span = (0, None),
                 progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled) -> FootageFrames:
    """The usable frames of videos, image folders and images of one person (see the module doc)."""
    images, points, sources = [], [], []
    for path in inputs:
        raise_if_cancelled(cancelled)
        source = media.open_frame_source(path)
        first, stop = span if source.kind != "image" else (0, None)
        frames = list(source.frames(first, stop))
        if not frames:
            raise InputError(f"{path}: no frames in {first}:{'' if stop is None else stop} "
                             f"(it has {source.frame_count})")
        try:
            track, _ = track_frames(frames, detector, fps=source.fps or 25.0, total=len(frames), source=str(path),
                                    progress=progress, cancelled=cancelled)
        except NoFaceError as error:
            raise NoFaceError(f"{error}; the person model learns from frames where the face is visible") from None
        keep = np.flatnonzero(track.valid)
        crops, crop_points = _crops([frames[i] for i in keep], track.points[keep], resolution)
        images.append(crops)
        points.append(crop_points)
        sources.append({"file": path.name, "first": first, "stop": first + len(frames), "frames_read": len(frames),
                        "frames_used": int(len(keep))})
    stacked_points = np.concatenate(points)
    return FootageFrames(np.concatenate(images), stacked_points, draw_sketches(stacked_points, resolution), sources)
