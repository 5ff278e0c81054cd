"""Dataset preparation: videos -> evenly sampled face crops with their landmarks (see dataset.py).

Resumable: a video whose folder is complete and verified is skipped on a rerun; an interrupted
one (left as a `.partial` folder) is done again.
"""
from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talking_heads import media
from talking_heads.errors import InputError, NoFaceError, OutputError
from talking_heads.landmarks import LandmarkDetector, TrackerConfig, stable_crops, track_frames
from talking_heads.models.config import MAX_RESOLUTION
from talking_heads.options import Options, option
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress, raise_if_cancelled
from talking_heads.training import dataset as fmt

log = logging.getLogger(__name__)


def _check_resolution(side: int) -> str | None:
    return None if side & (side - 1) == 0 else f"the crop side must be a power of two (the model's), got {side}"


@dataclass(frozen=True)
class PrepareConfig(Options):
    """How each video is sampled and cropped (the `prepare-data` flags of the same names)."""

    frames: int = option(32, at_least=1, at_most=10_000, help="frames sampled evenly from each video")
    resolution: int = option(256, at_least=8, at_most=MAX_RESOLUTION, check=_check_resolution,
                             help="crop side in pixels, the model's resolution (64 for --config tiny)")


@dataclass(frozen=True)
class PrepareReport:
    prepared: list[str]
    skipped: list[str]  # already complete
    failed: list[str]  # no face or unreadable: "name: why"
    total_videos: int  # usable videos in the dataset after this run


def find_videos(inputs: list[Path]) -> dict[str, Path]:
    """Video files of the inputs (files, or folders searched recursively), by unique dataset name."""
    named: list[tuple[str, Path]] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(p for p in item.rglob("*") if p.is_file() and media.is_video_path(p))
            named += [("_".join(p.relative_to(item).with_suffix("").parts), p) for p in found]
        elif item.is_file() and media.is_video_path(item):
            named.append((item.stem, item))
        elif not item.exists():
            raise InputError(f"{item}: no such file or folder")
        else:
            raise InputError(f"{item}: not a video ({', '.join(sorted(media.VIDEO_SUFFIXES))})")
    if not named:
        raise InputError(f"no videos found in {', '.join(map(str, inputs))} "
                         f"(looked for {', '.join(sorted(media.VIDEO_SUFFIXES))})")
    counts: dict[str, int] = {}
    for name, _ in named:
        counts[name] = counts.get(name, 0) + 1
    return {_unique_name(name, path, counts[name] > 1): path for name, path in named}


def _unique_name(name: str, path: Path, clashes: bool) -> str:
    if not clashes:
        return name
    return f"{name}-{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]}"


def sample_indices(frame_count: int, count: int) -> np.ndarray:
    """`count` frame numbers spread evenly over a video (all of them when it is shorter)."""
    return np.unique(np.linspace(0, frame_count - 1, min(count, frame_count)).round().astype(int))


def crop_video(path: Path, detector: LandmarkDetector, config: PrepareConfig,
               cancelled: CancelFn = never_cancelled) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sampled face crops of one video: frames (N,S,S,3) uint8, landmarks (N,68,2) crop px, frame numbers (N,)."""
    source = media.open_frame_source(path)
    wanted = sample_indices(source.frame_count, config.frames)
    wanted_set = set(wanted.tolist())
    frames = [frame for number, frame in enumerate(source.frames(0, int(wanted[-1]) + 1)) if number in wanted_set]
    raise_if_cancelled(cancelled)
    # Sampled frames are far apart: no temporal smoothing and no reuse of the last face box.
    tracker = TrackerConfig(smooth=False, max_box_reuse=0)
    track, _ = track_frames(frames, detector, fps=source.fps or 25.0, source=str(path), config=tracker,
                            cancelled=cancelled)
    keep = np.flatnonzero(track.valid)
    if len(keep) < fmt.MIN_FRAMES:
        raise NoFaceError(f"{path}: a face was found in only {len(keep)} of {len(frames)} sampled frames")
    sampled_fps = (source.fps or 25.0) * len(wanted) / source.frame_count
    crops = stable_crops(track.points[keep], sampled_fps, config.resolution)
    images = np.stack([crop.crop(frames[i]) for crop, i in zip(crops, keep)])
    points = np.stack([crop.to_crop(track.points[i]) for crop, i in zip(crops, keep)])
    return images, points.astype(np.float32), wanted[keep]


def _settings(config: PrepareConfig) -> dict:
    return {"frames_requested": config.frames, "resolution": config.resolution}


def write_video(root: Path, name: str, source: Path, arrays: tuple[np.ndarray, np.ndarray, np.ndarray],
                config: PrepareConfig, backend: str) -> None:
    """Write one video folder under a temporary name, then rename it into place."""
    images, points, numbers = arrays
    partial = root / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    np.save(partial / fmt.FRAMES_FILE, images, allow_pickle=False)
    np.save(partial / fmt.LANDMARKS_FILE, points, allow_pickle=False)
    checksums = {name: fmt.sha256_of(partial / name) for name in (fmt.FRAMES_FILE, fmt.LANDMARKS_FILE)}
    record = {**_settings(config), "source": str(source), "frames": len(images), "frame_numbers": numbers.tolist(),
              "landmarks": backend, "sha256": checksums}
    fmt.write_json(partial / fmt.VIDEO_FILE, record)
    shutil.rmtree(root / name, ignore_errors=True)
    partial.rename(root / name)


def _open_output(root: Path, config: PrepareConfig) -> None:
    if root.exists() and not root.is_dir():
        raise OutputError(f"{root} exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    index = root / fmt.INDEX_FILE
    if index.is_file():
        existing = fmt.read_json(index).get("resolution")
        if existing != config.resolution:
            raise OutputError(f"{root} holds a dataset at {existing}x{existing}, not {config.resolution}x"
                              f"{config.resolution}; choose another output folder or --resolution {existing}")


def prepare_dataset(inputs: list[Path], output: Path, detector: LandmarkDetector,
                    config: PrepareConfig = PrepareConfig(), progress: ProgressFn = no_progress,
                    cancelled: CancelFn = never_cancelled) -> PrepareReport:
    """Prepare (or complete) a dataset from videos; see the module docstring."""
    videos = find_videos(inputs)
    _open_output(output, config)
    prepared, skipped, failed = [], [], []
    for done, (name, path) in enumerate(videos.items()):
        raise_if_cancelled(cancelled)
        if fmt.video_is_complete(output / name, _settings(config)):
            skipped.append(name)
        else:
            try:
                write_video(output, name, path, crop_video(path, detector, config, cancelled), config, detector.name)
                prepared.append(name)
            except InputError as error:  # no face, unreadable, or frames of changing size
                log.warning("skipping %s: %s", path, error)
                failed.append(f"{name}: {error}")
        fmt.write_index(output, config.resolution)
        progress(done + 1, len(videos), "videos")
    names = fmt.write_index(output, config.resolution)
    if not names:
        raise InputError(f"none of the {len(videos)} videos gave usable face crops "
                         f"({'; '.join(failed)}); use videos with one clearly visible face")
    return PrepareReport(prepared, skipped, failed, len(names))
