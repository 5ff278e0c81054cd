"""Frame files and where they go in the timeline: naming, counting, strip layout."""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

FRAME_PATTERN = "frame_{:06d}.png"  # the pipeline's PNG sequence, 1-based
_FRAME_RE = re.compile(r"^frame_(\d{6})\.png$")


def frame_name(index: int) -> str:
    """File name of the 1-based frame `index`."""
    if index < 1:
        raise ValueError(f"frame indices start at 1, got {index}")
    return FRAME_PATTERN.format(index)


def frames_after(folder: str | Path, count: int) -> list[Path]:
    """Frame files in `folder` numbered past `count`: left over from a longer earlier render."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir()
                  if (match := _FRAME_RE.match(path.name)) and int(match.group(1)) > count)


def png_size(path: str | Path) -> tuple[int, int]:
    """(width, height) of a PNG file, read from its header."""
    with open(path, "rb") as handle:
        header = handle.read(24)
    if len(header) < 24 or header[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@dataclass(frozen=True)
class StripLayout:
    """Where a plate sits in the sequencer: first scene frame, length in frames, channel."""

    frame_start: int
    duration: int
    channel: int

    @property
    def frame_end(self) -> int:
        """The first scene frame after the plate."""
        return self.frame_start + self.duration


@dataclass(frozen=True)
class DriverSpan:
    """The part of a driver clip that a job uses and where it sits in the scene."""

    first: int  # first driver frame used (0-based)
    count: int  # frames used
    scene_start: int  # scene frame that shows the driver frame `first`

    def frames(self) -> tuple[int, int]:
        """The job's [start, stop) driver frames."""
        return (self.first, self.first + self.count)


def clip_span(offset: int, count: int, clip_frames: int, scene_start: int) -> DriverSpan:
    """A video file driver: skip `offset` clip frames, use `count` of them (0: all the rest)."""
    if offset < 0:
        raise ValueError("the frame offset must be 0 or more")
    if offset >= clip_frames:
        raise ValueError(f"the frame offset {offset} is past the clip's end ({clip_frames} frames)")
    rest = clip_frames - offset
    return DriverSpan(offset, rest if count <= 0 else min(count, rest), scene_start)


def strip_span(frame_start: int, offset_start: int, duration: int, offset: int, count: int) -> DriverSpan:
    """A movie strip driver: its visible part (after its own trim), skipping `offset` frames."""
    if offset < 0:
        raise ValueError("the frame offset must be 0 or more")
    if offset >= duration:
        raise ValueError(f"the frame offset {offset} is past the strip's end ({duration} frames)")
    rest = duration - offset
    return DriverSpan(offset_start + offset, rest if count <= 0 else min(count, rest), frame_start + offset_start + offset)


@dataclass(frozen=True)
class ClipTiming:
    """How a clip's frames become plate frames."""

    fps: float | None  # the job's output rate; None: the clip's own (one plate frame per clip frame)
    count: int  # plate frames
    note: str  # what was done, for the shot's last result


def clip_timing(clip_fps: float, scene_fps: float, clip_frames: int, resample: bool) -> ClipTiming:
    """`clip_frames` frames of a `clip_fps` clip in a `scene_fps` scene: resampled to the scene's rate
    (the plate lasts as long as the clip), or one plate frame per clip frame. The count is the
    library's (pipeline.resample): round(frames * scene_fps / clip_fps)."""
    if not (clip_fps > 0 and scene_fps > 0):
        raise ValueError(f"frame rates must be positive, got the clip's {clip_fps} and the scene's {scene_fps}")
    if abs(clip_fps - scene_fps) < 1e-3:
        return ClipTiming(None, clip_frames, "")
    rates = f"{clip_fps:g} fps clip in a {scene_fps:g} fps scene"
    if resample:
        count = max(1, int(round(clip_frames * scene_fps / clip_fps)))
        return ClipTiming(scene_fps, count, f"{rates}: resampled to {count} frames (same duration)")
    return ClipTiming(None, clip_frames, f"{rates}: clip frames kept one to one "
                                         f"(plays {clip_fps / scene_fps:.2f}x slower than the clip)")
