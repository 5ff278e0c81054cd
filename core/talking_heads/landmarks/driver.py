"""Drivers: what moves the portrait. A video clip, a saved track, or built-in motions.

    spec = DriverSpec.parse("clip.mp4" | "track.npz" | "motion:talk+nod")
    points, fps = driver_motion(spec, portrait_points, portrait_size, ...)   # (T, 68, 2) portrait pixels
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talking_heads import media
from talking_heads.errors import InputError
from talking_heads.landmarks.detect import LandmarkDetector
from talking_heads.landmarks.motions import MOTIONS, procedural_motion
from talking_heads.landmarks.retarget import RetargetConfig, retarget
from talking_heads.landmarks.track import LandmarkTrack, track_input
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress

log = logging.getLogger(__name__)

MOTION_PREFIX = "motion:"


@dataclass(frozen=True)
class DriverSpec:
    kind: str  # "clip", "track" or "motion"
    path: Path | None = None
    motions: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> DriverSpec:
        """Validate a driver given by the user; fails before any work starts."""
        if text.startswith(MOTION_PREFIX):
            names = tuple(name.strip() for name in text[len(MOTION_PREFIX):].split("+"))
            unknown = [name for name in names if name not in MOTIONS]
            if unknown or not names:
                raise InputError(f"unknown motion {', '.join(unknown) or '(none)'}: built-in motions are "
                                 f"{', '.join(MOTIONS)}; join several with '+', e.g. motion:talk+nod")
            return cls("motion", motions=names)
        path = Path(text)
        if not path.is_file():
            raise InputError(f"driver {path}: no such file (give a video clip, a track .npz or motion:NAME)")
        if path.suffix.lower() == ".npz":
            return cls("track", path=path)
        if media.is_video_path(path):
            return cls("clip", path=path)
        raise InputError(f"driver {path}: not a video clip or a track file (.npz); "
                         f"videos end in {', '.join(sorted(media.VIDEO_SUFFIXES))}")


@dataclass(frozen=True)
class MotionOptions:
    duration: float = 4.0  # seconds per built-in motion
    intensity: float = 1.0
    fps: float = 25.0  # frame rate of built-in motions
    seed: int = 0


@dataclass(frozen=True)
class DriverMotion:
    points: np.ndarray  # (T, 68, 2) landmarks in portrait pixels
    fps: float
    driver_points: np.ndarray  # (T, 68, 2) the driver's own landmarks (for previews)


def load_clip_track(clip: Path, detector: Callable[[], LandmarkDetector], cache: Path | None = None,
                    progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled) -> LandmarkTrack:
    """The landmark track of a clip, reusing `cache` when it was made from this same clip (same
    path, size and frame rate, and written after the clip last changed)."""
    if cache is not None and cache.is_file():
        try:
            cached = LandmarkTrack.load(cache)
        except InputError as error:
            log.warning("ignoring the cached track (%s)", error)
        else:
            info = media.probe_video(clip, exact_count=False)
            if (Path(cached.source).resolve() == clip.resolve() and cached.size == info.size
                    and abs(cached.fps - info.fps) < 1e-6 and cache.stat().st_mtime_ns >= clip.stat().st_mtime_ns):
                log.info("driver: reusing the landmark track cached in %s", cache)
                return cached
    track, report = track_input(clip, detector(), progress=progress, cancelled=cancelled)
    track.source = str(clip.resolve())
    log.info("driver: %s", report.summary())
    if cache is not None:
        track.save(cache)
    return track


def driver_motion(spec: DriverSpec, portrait_points: np.ndarray, portrait_size: tuple[int, int], *,
                  detector: Callable[[], LandmarkDetector], retarget_config: RetargetConfig = RetargetConfig(),
                  motion: MotionOptions = MotionOptions(), track_cache: Path | None = None,
                  progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled) -> DriverMotion:
    """The portrait's landmarks for every frame, moved as the driver moves."""
    if spec.kind == "motion":
        tracks = [procedural_motion(name, portrait_points, fps=motion.fps, duration=motion.duration,
                                    intensity=motion.intensity, image_size=portrait_size, seed=motion.seed + index)
                  for index, name in enumerate(spec.motions)]
        points = np.concatenate([track.points for track in tracks])
        return DriverMotion(points, motion.fps, points)
    if spec.kind == "clip":
        track = load_clip_track(spec.path, detector, track_cache, progress, cancelled)
    else:
        track = LandmarkTrack.load(spec.path)
    return DriverMotion(retarget(portrait_points, track, retarget_config), track.fps, track.points)


def resample(points: np.ndarray, fps: float, new_fps: float) -> np.ndarray:
    """Resample a landmark sequence (T, 68, 2) in time, keeping its duration."""
    if abs(fps - new_fps) < 1e-6 or len(points) < 2:
        return points
    count = max(1, int(round(len(points) * new_fps / fps)))
    times = np.arange(count) * fps / new_fps
    before = np.clip(np.floor(times).astype(int), 0, len(points) - 1)
    after = np.clip(before + 1, 0, len(points) - 1)
    weight = (times - before)[:, None, None]
    return ((1 - weight) * points[before] + weight * points[after]).astype(np.float32)
