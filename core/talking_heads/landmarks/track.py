"""Landmark tracks: per-frame 68-point landmarks of one face, their file format and tracking.

A track file is an `.npz` with `points` (T, 68, 2) float32 in pixels of the source frames,
`valid` (T,) bool (a face was seen in that frame), `size` (W, H), `fps` and `source` (str).
"""
from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from talking_heads import media
from talking_heads.errors import InputError, NoFaceError
from talking_heads.landmarks.detect import LandmarkDetector
from talking_heads.landmarks.smoothing import LandmarkSmoothing, fill_gaps, smooth_landmarks
from talking_heads.landmarks.topology import NUM_POINTS
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress, raise_if_cancelled

log = logging.getLogger(__name__)

MAX_TRACK_FPS = 1000.0  # a track's frame rate above this is a corrupt file, not a camera


@dataclass
class LandmarkTrack:
    points: np.ndarray  # (T, 68, 2) float32, pixels of the source frames
    valid: np.ndarray  # (T,) bool
    size: tuple[int, int]  # (width, height) of the source frames
    fps: float
    source: str = ""

    def __post_init__(self) -> None:
        self.points = np.asarray(self.points, np.float32)
        self.valid = np.asarray(self.valid, bool)
        if self.points.ndim != 3 or self.points.shape[1:] != (NUM_POINTS, 2):
            raise InputError(f"landmark points must have shape (T, 68, 2), got {self.points.shape}")
        if self.valid.shape != (len(self.points),):
            raise InputError(f"valid mask has shape {self.valid.shape}, expected ({len(self.points)},)")
        if not np.isfinite(self.points).all():
            raise InputError("landmark points contain NaN or infinite values")
        if not (0 < self.fps <= MAX_TRACK_FPS):
            raise InputError(f"frame rate must be above 0 and at most {MAX_TRACK_FPS:g} fps, got {self.fps}")
        size = np.asarray(self.size)
        if size.shape != (2,) or not np.issubdtype(size.dtype, np.number) or not (size >= 1).all() \
                or not (size <= 100_000).all():
            raise InputError(f"size must be (width, height) in pixels, got {self.size!r}")
        self.size = (int(size[0]), int(size[1]))

    def __len__(self) -> int:
        return len(self.points)

    def slice(self, start: int, stop: int | None) -> LandmarkTrack:
        return LandmarkTrack(self.points[start:stop], self.valid[start:stop], self.size, self.fps, self.source)

    def save(self, path: str | Path) -> Path:
        """Write the track file atomically: an interrupted save leaves no file behind."""
        path = Path(path)
        if path.suffix.lower() != ".npz":
            raise InputError(f"a track file must end in .npz, got {path.name}")
        with media.atomic_output(path) as temporary, open(temporary, "wb") as handle:
            np.savez(handle, points=self.points, valid=self.valid, size=np.array(self.size, np.int32),
                     fps=np.float64(self.fps), source=np.str_(self.source))
        return path

    @classmethod
    def load(cls, path: str | Path) -> LandmarkTrack:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no such track file")
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = {"points", "valid", "size", "fps"} - set(data.files)
                if missing:
                    raise InputError(f"{path}: not a landmark track, it lacks {', '.join(sorted(missing))}")
                return cls(points=data["points"], valid=data["valid"], size=data["size"], fps=float(data["fps"]),
                           source=str(data["source"]) if "source" in data.files else "")
        except (zipfile.BadZipFile, ValueError, TypeError, OSError, EOFError) as error:
            raise InputError(f"{path}: not a readable landmark track file ({error})") from None
        except InputError as error:
            if str(error).startswith(str(path)):
                raise
            raise InputError(f"{path}: {error}") from None


@dataclass(frozen=True)
class TrackerConfig:
    smoothing: LandmarkSmoothing = field(default_factory=LandmarkSmoothing)
    smooth: bool = True
    detect_every: int = 5  # frames between face detections while the face keeps its look
    max_box_reuse: int = 12  # frames the last face box is kept when detection misses
    max_gap: int = 25  # longest run of faceless frames filled by interpolation


@dataclass(frozen=True)
class TrackingReport:
    frames: int
    without_face: int  # frames where no face was seen
    interpolated: int  # of those, filled by interpolation between neighbours
    held: int  # of those, filled by holding the nearest frame
    backend: str

    def summary(self) -> str:
        text = f"{self.frames} frames, landmarks by {self.backend}"
        if self.without_face:
            text += (f"; {self.without_face} frames had no face ({self.interpolated} interpolated, "
                     f"{self.held} held from the nearest frame)")
        return text


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    x0, y0 = np.maximum(a[:2], b[:2])
    x1, y1 = np.minimum(a[2:], b[2:])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _landmark_frame(points: np.ndarray) -> np.ndarray:
    """(cx, cy, extent) of a landmark set."""
    low, high = points.min(axis=0), points.max(axis=0)
    return np.array([*(low + high) / 2, max(high - low)], np.float32)


def _thumbnail(frame: np.ndarray, box: np.ndarray, side: int = 32) -> np.ndarray | None:
    """A small grey patch of the box, normalised to zero mean and unit variance (None if flat)."""
    height, width = frame.shape[:2]
    x0, y0 = np.clip(np.floor(box[:2]).astype(int), 0, [width, height])
    x1, y1 = np.clip(np.ceil(box[2:]).astype(int), 0, [width, height])
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    patch = cv2.resize(cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY), (side, side),
                       interpolation=cv2.INTER_AREA).astype(np.float32)
    spread = patch.std()
    return (patch - patch.mean()) / spread if spread > 2.0 else None


class _FaceTracker:
    """Follows one face through consecutive frames.

    Between detections the face box follows the landmarks, as long as it still looks like the
    face last detected (normalised cross-correlation of small grey patches). The detector runs
    every `detect_every` frames, or sooner when the look changes, at the scale where the face is
    expected; of several faces it keeps the one that continues the track. When detection misses,
    the box is kept for up to `max_box_reuse` frames while it still looks like the face.
    """

    def __init__(self, detector: LandmarkDetector, config: TrackerConfig, min_similarity: float = 0.6):
        self.detector = detector
        self.config = config
        self.min_similarity = min_similarity
        self.box: np.ndarray | None = None
        self.box_in_landmark_units: np.ndarray | None = None  # detector box relative to the landmarks
        self.appearance: np.ndarray | None = None  # thumbnail of the last detected face
        self.since_detection = 0
        self.misses = 0

    def step(self, frame: np.ndarray) -> np.ndarray | None:
        similar = self._looks_like_last_face(frame)
        boxes = []
        if not similar or self.since_detection >= self.config.detect_every:
            boxes = self._detect(frame)
            if not boxes:
                self.misses += 1
        if boxes:
            box = self._continuing(boxes)
            self.since_detection = self.misses = 0
            self.appearance = _thumbnail(frame, box)
        elif similar and self.misses <= self.config.max_box_reuse:
            box = self.box
            self.since_detection += 1
        else:
            self.box = None
            return None
        points = self.detector.landmarks_in_box(frame, box)
        cx, cy, extent = _landmark_frame(points)
        if boxes:
            self.box_in_landmark_units = (box - [cx, cy, cx, cy]) / extent
        self.box = np.array([cx, cy, cx, cy], np.float32) + self.box_in_landmark_units * extent
        return points

    def _detect(self, frame: np.ndarray) -> list[np.ndarray]:
        hint = None if self.box is None else float(self.box[2] - self.box[0])
        boxes = self.detector.find_boxes(frame, hint)
        return boxes if boxes or hint is None else self.detector.find_boxes(frame)

    def _looks_like_last_face(self, frame: np.ndarray) -> bool:
        if self.box is None or self.appearance is None:
            return False
        current = _thumbnail(frame, self.box)
        return current is not None and float((current * self.appearance).mean()) >= self.min_similarity

    def _continuing(self, boxes: list[np.ndarray]) -> np.ndarray:
        if self.box is not None:
            overlaps = [_iou(box, self.box) for box in boxes]
            if max(overlaps) > 0:
                return boxes[int(np.argmax(overlaps))]
        return max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))


def track_frames(frames: Iterable[np.ndarray], detector: LandmarkDetector, *, fps: float, total: int | None = None,
                 source: str = "", config: TrackerConfig = TrackerConfig(), progress: ProgressFn = no_progress,
                 cancelled: CancelFn = never_cancelled) -> tuple[LandmarkTrack, TrackingReport]:
    """Track the landmarks of one face through a frame sequence (streamed, one frame at a time)."""
    tracker = _FaceTracker(detector, config)
    points: list[np.ndarray] = []
    valid: list[bool] = []
    size: tuple[int, int] | None = None
    for index, frame in enumerate(frames):
        raise_if_cancelled(cancelled)
        frame_size = (frame.shape[1], frame.shape[0])
        if size is None:
            size = frame_size
        elif frame_size != size:
            raise InputError(f"{source or 'input'}: frame {index} is {frame_size[0]}x{frame_size[1]}, "
                             f"the first was {size[0]}x{size[1]}; a sequence must keep one size")
        found = tracker.step(frame)
        valid.append(found is not None)
        points.append(found if found is not None else np.zeros((NUM_POINTS, 2), np.float32))
        progress(index + 1, total, "landmarks")
    if size is None:
        raise InputError(f"{source or 'input'}: no frames to track")
    valid_mask = np.array(valid)
    if not valid_mask.any():
        raise NoFaceError(f"{source or 'input'}: no face found in any of its {len(valid)} frames "
                          f"(detector: {detector.name})")
    stacked = np.stack(points)
    if config.smooth:
        stacked = smooth_landmarks(stacked, valid_mask, fps, config.smoothing)
    stacked, interpolated, held = fill_gaps(stacked, valid_mask, config.max_gap)
    report = TrackingReport(len(valid), int((~valid_mask).sum()), interpolated, held, detector.name)
    if report.without_face:
        log.warning("%s: %s", source or "input", report.summary())
    return LandmarkTrack(stacked, valid_mask, size, fps, source), report


def track_input(path: str | Path | media.FrameSource, detector: LandmarkDetector, *, fps: float = 25.0,
                config: TrackerConfig = TrackerConfig(), progress: ProgressFn = no_progress,
                cancelled: CancelFn = never_cancelled) -> tuple[LandmarkTrack, TrackingReport]:
    """Track an image, a folder of images (a frame sequence at `fps`) or a video, given by its
    path or as an already opened frame source."""
    source = path if isinstance(path, media.FrameSource) else media.open_frame_source(path)
    return track_frames(source.frames(), detector, fps=source.fps or fps, total=source.frame_count,
                        source=str(source.path), config=config, progress=progress, cancelled=cancelled)
