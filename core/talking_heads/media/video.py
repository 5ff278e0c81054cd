"""Videos: probed and streamed frame by frame (never whole in memory); H.264 MP4 written
with the provenance label in its metadata."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import imageio_ffmpeg
import numpy as np

from talking_heads.errors import MediaError, OutputError
from talking_heads.media.files import check_output_path, partial_path, require_file
from talking_heads.media.images import check_pixel_count, checked_rgb8
from talking_heads.media.labels import SyntheticLabel


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    fps: float  # frames per second as read: a variable-rate video is read resampled to this constant rate
    frame_count: int  # frames as read
    size: tuple[int, int]  # (width, height)
    variable_rate: bool = False  # frames are read at `fps` by their timestamps (duplicated or dropped)


MAX_READ_FPS = 240.0  # a variable-rate video is read at its base rate, at most this
_RATES = re.compile(r"Video:.*?(?:([\d.]+) fps, )?([\d.]+)(k?) tbr")


_FFMPEG_DIAGNOSES = (
    ("moov atom not found", "the file is truncated or incomplete (its index is missing)"),
    ("matches no streams", "it contains no video stream, so no frames"),
    ("does not contain any stream", "it contains no video stream, so no frames"),
    ("Invalid data found", "invalid data: not a video, or a corrupt one"),
)


def _ffmpeg_error_message(error: Exception) -> str:
    """The meaningful line of an ffmpeg failure, in words a user understands."""
    text = str(error)
    for needle, diagnosis in _FFMPEG_DIAGNOSES:
        if needle in text:
            return diagnosis
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def probe_video(path: str | Path, exact_count: bool = True) -> VideoInfo:
    """Frame rate, frame count and size of a video, without decoding its pixels. The exact count
    reads the whole file's packets (and refuses a truncated file, saying how many of the frames
    its header promises can be read); without it the count is estimated from the duration.
    A variable-frame-rate video is described as read: resampled by its frames' timestamps to
    its base rate, so that what is made from it lasts as long as the clip."""
    path = Path(path)
    require_file(path)
    try:
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        reader.close()
        promised = round(meta["duration"] * meta["fps"])  # what the container's header says
        frame_count = imageio_ffmpeg.count_frames_and_secs(str(path))[0] if exact_count else promised
    except (RuntimeError, OSError, StopIteration) as error:
        raise MediaError(path, f"cannot be read as a video: {_ffmpeg_error_message(error)}") from None
    if frame_count <= 0:
        raise MediaError(path, "the video contains no frames")
    if exact_count and frame_count < promised - max(2, 0.02 * promised):
        raise MediaError(path, f"the file is truncated: only {frame_count} of the {promised} frames its header "
                               "promises can be read; use a complete copy, or re-encode it to keep what is left")
    width, height = meta["size"]
    check_pixel_count(path, int(width), int(height))
    base_rate = _base_rate(path, float(meta["fps"]))
    if base_rate is not None:  # variable frame rate: read resampled to the base rate
        return VideoInfo(path, base_rate, max(1, round(meta["duration"] * base_rate)), (int(width), int(height)),
                         variable_rate=True)
    return VideoInfo(path=path, fps=float(meta["fps"]), frame_count=int(frame_count), size=(int(width), int(height)))


def _base_rate(path: Path, average_fps: float) -> float | None:
    """The stream's base frame rate when it differs from its average (a variable frame rate), else None."""
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                            capture_output=True, text=True, errors="replace")
    match = _RATES.search(result.stderr)
    if match is None:
        return None
    base = float(match.group(2)) * (1000 if match.group(3) else 1)
    if not 0 < base <= MAX_READ_FPS or abs(base - average_fps) <= 0.01 * base:
        return None
    return base


class VideoReader:
    """Streams the frames of a video as uint8 HxWx3 RGB arrays.

    >>> with VideoReader("clip.mp4") as video:
    ...     for frame in video: ...
    """

    def __init__(self, path: str | Path, info: VideoInfo | None = None):
        self.info = info if info is not None else probe_video(path)
        self._generator: Iterator[bytes] | None = None

    @property
    def path(self) -> Path:
        return self.info.path

    def __len__(self) -> int:
        return self.info.frame_count

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Frames `start` (inclusive) to `stop` (exclusive); decoding is sequential."""
        self.close()
        width, height = self.info.size
        resample = ["-vf", f"fps={self.info.fps!r}"] if self.info.variable_rate else []
        generator = imageio_ffmpeg.read_frames(str(self.path), pix_fmt="rgb24", output_params=resample)
        self._generator = generator
        read = 0
        try:
            next(generator)
            for index, buffer in enumerate(generator):
                if stop is not None and index >= stop:
                    break
                read = index + 1
                if index >= start:
                    yield np.frombuffer(buffer, np.uint8).reshape(height, width, 3)
        except (RuntimeError, OSError) as error:
            raise MediaError(self.path, f"decoding failed after {read} of its {len(self)} frames "
                                        f"({_ffmpeg_error_message(error)})") from None
        finally:
            generator.close()
        wanted = len(self) if stop is None else min(stop, len(self))
        if read < wanted - (2 if self.info.variable_rate else 0):
            raise MediaError(self.path, f"the video ended early: {read} of the {len(self)} frames it promises could "
                                        "be read (a truncated or damaged file); use a complete copy")

    def __iter__(self) -> Iterator[np.ndarray]:
        return self.frames()

    def close(self) -> None:
        if self._generator is not None:
            self._generator.close()
            self._generator = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Mp4Writer:
    """Writes frames to an H.264 MP4 with the provenance label in its metadata; with a label, the
    frames are watermarked and the finished file carries signed content credentials.

    Frames go to a temporary file that is renamed when the writer closes, also after an error
    or a cancel elsewhere, so the frames already written are kept as a playable video. Before
    the rename the file is checked to hold every frame written; a write error (a full disk)
    or a file that fails that check is an OutputError, and the temporary file is removed:
    nothing unreadable is ever left under the requested name.
    """

    def __init__(self, path: str | Path, fps: float, label: SyntheticLabel | None = None, quality_crf: int = 18):
        self.path = check_output_path(path)
        self.fps = fps
        self.label = label
        self.crf = quality_crf
        self.frame_count = 0
        self._temporary = partial_path(self.path)
        self._encoder = None
        self._size: tuple[int, int] | None = None

    def _open(self, width: int, height: int) -> None:
        metadata: list[str] = []
        if self.label is not None:
            text = self.label.as_text()
            metadata = ["-metadata", f"comment={text['Description']}", "-metadata", f"description={text['Description']}",
                        "-metadata", f"encoded_by={text['Software']}", "-metadata", "synthetic=true",
                        "-metadata", f"renderer={self.label.renderer}", "-movflags", "+use_metadata_tags+faststart"]
        self._encoder = imageio_ffmpeg.write_frames(
            str(self._temporary), size=(width, height), fps=self.fps, codec="libx264", pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p", macro_block_size=1, quality=None, ffmpeg_log_level="error",
            output_params=["-crf", str(self.crf), "-preset", "veryfast", *metadata],
        )
        self._encoder.send(None)
        self._size = (width, height)

    def write(self, frame: np.ndarray) -> None:
        frame = checked_rgb8(frame)
        height, width = frame.shape[:2]
        even = frame[: height - height % 2, : width - width % 2]  # yuv420p needs even sizes
        if self._encoder is None:
            self._open(even.shape[1], even.shape[0])
        elif (even.shape[1], even.shape[0]) != self._size:
            raise ValueError(f"frame size {width}x{height} differs from the video's {self._size}")
        if self.label is not None:
            even = self.label.mark(even)
        try:
            self._encoder.send(np.ascontiguousarray(even))
        except (OSError, RuntimeError):
            self._discard()
            raise OutputError(f"cannot write {self.path}: {_write_failure(self.path)}") from None
        self.frame_count += 1

    def close(self) -> None:
        """Finish the file (a writer that received no frame leaves nothing behind); OutputError,
        and nothing under the name, when the finished file does not hold every frame written."""
        if self._encoder is None:
            return
        encoder, self._encoder = self._encoder, None
        try:
            encoder.close()
            written = probe_video(self._temporary).frame_count
        except (OSError, RuntimeError, MediaError):
            written = -1
        if written != self.frame_count:
            self._temporary.unlink(missing_ok=True)
            raise OutputError(f"cannot write {self.path}: {_write_failure(self.path)}")
        if self.label is not None:
            self.label.seal(self._temporary, self.path.name)
        os.replace(self._temporary, self.path)

    def _discard(self) -> None:
        """Stop the encoder and remove its unfinished file."""
        encoder, self._encoder = self._encoder, None
        if encoder is not None:
            try:
                encoder.close()
            except (OSError, RuntimeError):
                pass
        self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()
            return
        try:  # keep what was written, without hiding the error that stopped the writing
            self.close()
        except OutputError:
            pass


def _write_failure(path: Path) -> str:
    """Why writing a video failed, in words a user can act on."""
    try:
        free = shutil.disk_usage(path.parent if str(path.parent) else ".").free
    except OSError:
        free = None
    if free is not None and free < 16 * 2**20:
        return f"the disk is full ({free // 1024} KiB free); free some space or write elsewhere"
    return "the encoder stopped before the video was complete (disk full, a size limit, or the folder was removed)"


def read_video_metadata(path: str | Path) -> dict[str, str]:
    """Container metadata tags of a video (read through the bundled ffmpeg)."""
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path), "-f", "ffmetadata", "-"],
                            capture_output=True, text=True)
    tags: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith(";"):
            tags[key.strip()] = value.strip()
    return tags
