"""Drivers: what moves the portrait. A video clip, a saved track, or built-in motions.

    spec = DriverSpec.parse("clip.mp4" | "track.npz" | "motion:talk+nod")
    points, fps = driver_motion(spec, portrait_points, portrait_size, ...)   # (T, 68, 2) portrait pixels
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talking_heads import media
from talking_heads.errors import InputError
from talking_heads.landmarks.detect import LandmarkDetector
from talking_heads.landmarks.motions import MOTIONS, procedural_motion
from talking_heads.landmarks.retarget import RetargetConfig, retarget
from talking_heads.landmarks.topology import NUM_POINTS
from talking_heads.landmarks.track import LandmarkTrack, track_frames
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
    first: int = 0  # the driver frame of points[0]: a clip driver with a frame range gives only those frames


NEUTRAL_SPAN_S = 1.0  # retarget.choose_neutral_frame looks at the driver's first second
WARM_UP_S = 0.5  # tracked before a used range, so the tracker's temporal filter has settled
Ranges = list[tuple[int, int]]  # sorted, disjoint [start, stop) clip frame ranges


def frames_to_track(frames: tuple[int, int] | None, total: int, fps: float, smoothing_s: float,
                    neutral_frame: int | None = None) -> Ranges:
    """The clip frames a job needs tracked: the used ones, widened by the warm-up and the
    smoothing's reach (3 sigma), plus the first second (where the neutral frame is chosen) or the
    neutral frame given; every frame when no range is used."""
    if frames is None:
        return [(0, total)]
    margin = math.ceil(fps * (WARM_UP_S + 3 * smoothing_s))
    used = (max(0, frames[0] - margin), min(total, frames[1] + margin))
    neutral = (0, min(total, math.ceil(fps * NEUTRAL_SPAN_S))) if neutral_frame is None else \
        (neutral_frame, neutral_frame + 1)
    merged: Ranges = []
    for start, stop in sorted([neutral, used]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


def _position(ranges: Ranges, frame: int) -> int:
    """Where clip frame `frame` sits in the ranges' frames laid end to end."""
    before = 0
    for start, stop in ranges:
        if start <= frame < stop:
            return before + frame - start
        before += stop - start
    raise InputError(f"frame {frame} is past the clip's end")


@dataclass
class _TrackedClip:
    """The track cache: landmarks of a clip's frames as far as they were tracked."""

    track: LandmarkTrack  # every frame of the clip; those not tracked are zeros, not valid
    tracked: np.ndarray  # (N,) bool

    @classmethod
    def read(cls, cache: Path | None, clip: Path, info: media.VideoInfo) -> _TrackedClip | None:
        """The cache when it was made from this same clip (same path, size and frame rate, and
        written after the clip last changed); a whole-clip track file counts as all tracked."""
        if cache is None or not cache.is_file():
            return None
        try:
            track = LandmarkTrack.load(cache)
            with np.load(cache, allow_pickle=False) as data:
                tracked = data["tracked"] if "tracked" in data.files else np.ones(len(track), bool)
        except (InputError, ValueError, OSError) as error:
            log.warning("ignoring the cached track (%s)", error)
            return None
        if (Path(track.source).resolve() != clip.resolve() or track.size != info.size
                or abs(track.fps - info.fps) > 1e-6 or cache.stat().st_mtime_ns < clip.stat().st_mtime_ns
                or tracked.shape != (len(track),)):
            return None
        return cls(track, tracked.astype(bool))

    def write(self, cache: Path) -> None:
        track = self.track
        with media.atomic_output(cache) as temporary, open(temporary, "wb") as handle:
            np.savez(handle, points=track.points, valid=track.valid, size=np.array(track.size, np.int32),
                     fps=np.float64(track.fps), source=np.str_(track.source), tracked=self.tracked)

    def covers(self, ranges: Ranges) -> bool:
        return all(stop <= len(self.tracked) and self.tracked[start:stop].all() for start, stop in ranges)

    def add(self, start: int, part: LandmarkTrack) -> None:
        """Tracked frames from `start` on; a part that ends early marks the clip's true end."""
        stop = start + len(part)
        if stop > len(self.tracked):
            grow = stop - len(self.tracked)
            self.track = LandmarkTrack(np.concatenate([self.track.points, np.zeros((grow, *part.points.shape[1:]),
                                                                                  np.float32)]),
                                       np.concatenate([self.track.valid, np.zeros(grow, bool)]),
                                       part.size, part.fps, part.source)
            self.tracked = np.concatenate([self.tracked, np.zeros(grow, bool)])
        self.track.points[start:stop], self.track.valid[start:stop] = part.points, part.valid
        self.tracked[start:stop] = True

    def end_at(self, count: int) -> None:
        self.track, self.tracked = self.track.slice(0, count), self.tracked[:count]

    def select(self, ranges: Ranges) -> LandmarkTrack:
        """The ranges' frames laid end to end."""
        pick = np.concatenate([np.arange(start, min(stop, len(self.tracked))) for start, stop in ranges])
        track = self.track
        return LandmarkTrack(track.points[pick], track.valid[pick], track.size, track.fps, track.source)


def load_clip_track(clip: Path, detector: Callable[[], LandmarkDetector], cache: Path | None = None,
                    progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled,
                    ranges: Ranges | None = None, info: media.VideoInfo | None = None) -> LandmarkTrack:
    """The landmark track of a clip's frames in `ranges` (all frames: None), laid end to end. Only
    frames not in `cache` are tracked; the cache keeps every frame tracked so far. `info`: the
    clip's probe with its exact frame count, when the caller has it."""
    info = info or media.probe_video(clip)
    ranges = ranges or [(0, info.frame_count)]
    known = _TrackedClip.read(cache, clip, info)
    if known is not None and known.covers(ranges):
        log.info("driver: reusing the landmark track cached in %s", cache)
        return known.select(ranges)
    if known is None:
        empty = LandmarkTrack(np.zeros((0, NUM_POINTS, 2), np.float32), np.zeros(0, bool), info.size, info.fps,
                              str(clip.resolve()))
        known = _TrackedClip(empty, np.zeros(0, bool))
    missing = [(start, stop) for start, stop in ranges if not known.covers([(start, stop)])]
    total, done = sum(stop - start for start, stop in missing), 0
    for start, stop in missing:
        frames = itertools.islice(media.open_frame_source(clip).frames(), start, stop)  # decoded, not detected
        def part_progress(index: int, _: int | None, stage: str, before: int = done) -> None:
            progress(before + index, total, stage)

        part, report = track_frames(frames, detector(), fps=info.fps, total=total, source=str(clip.resolve()),
                                    cancelled=cancelled, progress=part_progress)
        log.info("driver: frames %d..%d: %s", start, start + len(part), report.summary())
        known.add(start, part)
        if len(part) < stop - start:
            known.end_at(start + len(part))
        done += stop - start
    if cache is not None:
        known.write(cache)
    return known.select(ranges)


def driver_motion(spec: DriverSpec, portrait_points: np.ndarray, portrait_size: tuple[int, int], *,
                  detector: Callable[[], LandmarkDetector], retarget_config: RetargetConfig = RetargetConfig(),
                  motion: MotionOptions = MotionOptions(), track_cache: Path | None = None,
                  frames: tuple[int, int] | None = None,
                  progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled) -> DriverMotion:
    """The portrait's landmarks for every frame, moved as the driver moves. A clip driver with
    `frames` ([start, stop)) is tracked only where those frames need it and gives only them."""
    if spec.kind == "motion":
        tracks = [procedural_motion(name, portrait_points, fps=motion.fps, duration=motion.duration,
                                    intensity=motion.intensity, image_size=portrait_size, seed=motion.seed + index)
                  for index, name in enumerate(spec.motions)]
        points = np.concatenate([track.points for track in tracks])
        return DriverMotion(points, motion.fps, points)
    if spec.kind == "clip":
        return _clip_motion(spec.path, portrait_points, detector, retarget_config, track_cache, frames, progress,
                            cancelled)
    track = LandmarkTrack.load(spec.path)
    return DriverMotion(retarget(portrait_points, track, retarget_config), track.fps, track.points)


def _clip_motion(clip: Path, portrait_points: np.ndarray, detector: Callable[[], LandmarkDetector],
                 config: RetargetConfig, track_cache: Path | None, frames: tuple[int, int] | None,
                 progress: ProgressFn, cancelled: CancelFn) -> DriverMotion:
    info = media.probe_video(clip)  # the exact frame count: the ranges are in it, and the cache is sized by it
    if frames is not None and frames[0] >= info.frame_count:
        raise InputError(f"frame range starts at {frames[0]} but the driver has {info.frame_count} frames")
    ranges = frames_to_track(frames, info.frame_count, info.fps, config.smoothing, config.neutral_frame)
    track = load_clip_track(clip, detector, track_cache, progress, cancelled, ranges, info)
    if frames is None:
        return DriverMotion(retarget(portrait_points, track, config), track.fps, track.points)
    if config.neutral_frame is not None:
        config = dataclasses.replace(config, neutral_frame=_position(ranges, config.neutral_frame))
    moved = retarget(portrait_points, track, config)
    first = _position(ranges, frames[0])
    range_stop = next(stop for start, stop in ranges if start <= frames[0] < stop)
    used = slice(first, first + min(frames[1], range_stop) - frames[0])  # clipped to the clip's end like a slice
    return DriverMotion(moved[used], track.fps, track.points[used], first=frames[0])


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
