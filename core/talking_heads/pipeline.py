"""animate(): portrait + driver -> frames. Used by the CLI, the worker and batch shots.

    portrait -> landmarks -> retargeted driver motion -> stable crops -> renderer -> paste-back -> files

Everything that can be checked is checked before the first frame is rendered; frames then flow
through in batches, so memory does not grow with the driver's length.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from talking_heads import media
from talking_heads.errors import Cancelled, InputError, OutputError
from talking_heads.landmarks import (CropTransform, LandmarkDetector, PasteBack, crop_for_points, detect_largest_face,
                                     draw_sketch, make_detector, stable_crops)
from talking_heads.landmarks.driver import DriverSpec, MotionOptions, driver_motion, resample
from talking_heads.landmarks.retarget import RetargetConfig
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress
from talking_heads.synthesis import RendererOptions, choose_renderer, create_renderer
from talking_heads.synthesis.base import Person, Renderer, Shot
from talking_heads.synthesis.masks import face_mask

log = logging.getLogger(__name__)

FrameCallback = Callable[[int, Path | None], None]


@dataclass
class AnimateJob:
    sources: list[Path]  # 1..K portrait images of the person; the first is the picture that moves
    driver: str  # a video clip, a track file (.npz), or "motion:NAME[+NAME...]"
    output: Path  # a .mp4 file, or a folder for a PNG sequence
    renderer: str = "auto"  # auto | neural | warp
    person: Path | None = None  # a person model file for the neural renderer
    checkpoint: Path | None = None  # a meta-learned checkpoint for the neural renderer
    full_frame: bool = True  # paste back into the portrait; False writes the square crops
    fps: float | None = None  # output frame rate; default: the driver's
    frames: tuple[int, int] | None = None  # [start, stop) frames of the driver
    retarget: RetargetConfig = field(default_factory=RetargetConfig)
    motion_duration: float = 4.0  # seconds per built-in motion
    motion_intensity: float = 1.0
    track_cache: Path | None = None  # where the driver clip's landmark track is cached
    side_by_side: Path | None = None  # also write driver sketch | result to this .mp4
    also_mp4: bool = False  # with a PNG-sequence output, also write OUTPUT.mp4 beside the folder
    device: str = "auto"
    precision: str = "auto"
    batch_size: int = 8
    resume: bool = False  # continue a PNG sequence where it stopped

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        for key, value in data.items():
            if isinstance(value, Path):
                data[key] = str(value)
        data["sources"] = [str(path) for path in self.sources]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> AnimateJob:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown job option(s): {', '.join(unknown)}")
        values = dict(data)
        try:
            values["sources"] = [Path(p) for p in values["sources"]]
            values["output"] = Path(values["output"])
            for key in ("person", "checkpoint", "track_cache", "side_by_side"):
                if values.get(key) is not None:
                    values[key] = Path(values[key])
            if values.get("frames") is not None:
                values["frames"] = tuple(values["frames"])
            values["retarget"] = RetargetConfig(**values.get("retarget", {}))
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(f"malformed job: {error}") from None
        return cls(**values)


@dataclass(frozen=True)
class AnimateResult:
    output: Path
    frames: int  # frames in the output, resumed ones included
    renderer: str
    fps: float
    size: tuple[int, int]  # (W, H)


@dataclass
class Portrait:
    image: np.ndarray  # (H, W, 3) the picture that moves
    points: np.ndarray  # (68, 2) its landmarks
    crop: CropTransform  # its face crop (the first shot's)
    shots: list[Shot]  # every source, cut out by the renderer's crop at the first one's size


class PersonCache:
    """Prepared portraits and persons kept between jobs (the worker's), so re-rendering a
    portrait starts at once: no detection, no model loading, no embedding."""

    def __init__(self, capacity: int = 2):
        self.capacity = capacity
        self._people: dict[tuple, tuple[Portrait, Person]] = {}

    def get(self, key: tuple, prepare: Callable[[], tuple[Portrait, Person]]) -> tuple[Portrait, Person]:
        if key in self._people:
            self._people[key] = self._people.pop(key)  # most recently used last
        else:
            self._people[key] = prepare()
            while len(self._people) > self.capacity:
                self._people.pop(next(iter(self._people)))
        return self._people[key]


# --------------------------------------------------------------------------------------------


def check_job(job: AnimateJob) -> DriverSpec:
    """Validate a job before any work: sources, driver, output. Returns the parsed driver."""
    if not job.sources:
        raise InputError("no portrait given: pass one or more images with --source")
    for source in job.sources:
        if not Path(source).is_file():
            raise InputError(f"portrait {source}: no such file")
    spec = DriverSpec.parse(job.driver)
    if job.batch_size < 1:
        raise InputError(f"batch size must be at least 1, got {job.batch_size}")
    if job.frames is not None and not (0 <= job.frames[0] < job.frames[1]):
        raise InputError(f"frame range {job.frames[0]}:{job.frames[1]} is empty; give START:STOP with START < STOP")
    if is_sequence_output(job.output):
        parent = job.output.parent if str(job.output.parent) else Path(".")
        media.check_output_path(parent / "probe.png")
        if job.output.exists() and not job.output.is_dir():
            raise OutputError(f"{job.output} exists and is not a folder")
    else:
        if job.resume:
            raise InputError("--resume continues a PNG sequence; give a folder as the output")
        media.check_output_path(job.output)
    if job.resume and job.side_by_side is not None:
        raise InputError("--resume cannot be combined with a side-by-side video")
    if job.side_by_side is not None:
        media.check_output_path(job.side_by_side)
    return spec


def is_sequence_output(output: Path) -> bool:
    return output.suffix == "" or output.is_dir()


def load_portrait(sources: list[Path], framing: int | Renderer, detector: LandmarkDetector) -> Portrait:
    """Read and detect the portrait and its other shots, each cut out by the renderer's crop (or
    the square face crop of `framing` pixels); every shot takes the first one's size."""
    images = [media.read_image(path) for path in sources]
    faces = [detect_largest_face(detector, image, Path(path).name) for image, path in zip(images, sources)]
    crops = [framing.crop(face.points) if isinstance(framing, Renderer) else crop_for_points(face.points, framing)
             for face in faces]
    crops = [dataclasses.replace(crop, size=crops[0].size) for crop in crops]
    shots = [Shot(crop.crop(image), crop.to_crop(face.points), crop.shown(image.shape[:2]))
             for crop, image, face in zip(crops, images, faces)]
    return Portrait(images[0], faces[0].points, crops[0], shots)


def animate(job: AnimateJob, *, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled,
            on_frame: FrameCallback | None = None, people: PersonCache | None = None,
            detector: LandmarkDetector | None = None) -> AnimateResult:
    """Render the portrait moving as the driver moves; see AnimateJob for the options.

    `people` and `detector` let a long-lived caller (the worker) keep prepared persons and a
    loaded landmark detector between jobs; without them they are made when first needed.
    """
    spec = check_job(job)
    choice = choose_renderer(job.renderer, person_file=job.person, checkpoint=job.checkpoint)
    log.info("renderer: %s (%s)", choice.name, choice.reason)
    get_detector = functools.cache(lambda: detector or make_detector("auto"))

    def prepare() -> tuple[Portrait, Person]:
        renderer = create_renderer(choice.name, RendererOptions(job.person, job.checkpoint, job.device, job.precision))
        portrait = load_portrait(job.sources, renderer, get_detector())
        return portrait, renderer.prepare(portrait.shots)

    key = (tuple(_file_identity(path) for path in job.sources), choice.name, _file_identity(job.person),
           _file_identity(job.checkpoint), job.device, job.precision)
    portrait, person = (people or PersonCache()).get(key, prepare)
    motion = driver_motion(spec, portrait.points, (portrait.image.shape[1], portrait.image.shape[0]),
                           detector=get_detector, retarget_config=job.retarget,
                           motion=MotionOptions(job.motion_duration, job.motion_intensity, job.fps or 25.0),
                           track_cache=job.track_cache, progress=progress, cancelled=cancelled)
    fps = job.fps or motion.fps
    points = resample(_frame_range(motion.points, job.frames), motion.fps, fps)
    driver_points = resample(_frame_range(motion.driver_points, job.frames), motion.fps, fps)
    skip = media.count_finished_frames(job.output) if job.resume else 0
    if skip:
        log.info("resuming: %d of %d frames already in %s", skip, len(points), job.output)
    frames = render_frames(person, portrait, points, fps, job.full_frame, job.batch_size, skip, cancelled)
    return _write(job, frames, len(points), fps, choice.name, driver_points, progress, on_frame, skip)


def _file_identity(path: Path | None) -> tuple[str, int] | None:
    """A file as a cache key: its resolved path and when it last changed."""
    if path is None or not Path(path).is_file():
        return None if path is None else (str(path), 0)
    return str(Path(path).resolve()), Path(path).stat().st_mtime_ns


def _frame_range(points: np.ndarray, frames: tuple[int, int] | None) -> np.ndarray:
    if frames is None:
        return points
    start, stop = frames
    if start >= len(points):
        raise InputError(f"frame range starts at {start} but the driver has {len(points)} frames")
    return points[start:stop]


def render_frames(person: Person, portrait: Portrait, points: np.ndarray, fps: float, full_frame: bool,
                  batch_size: int, skip: int, cancelled: CancelFn) -> Iterator[np.ndarray]:
    """Yields one output frame per landmark set from `skip` on: the crop, or the portrait with
    the crop pasted back. A person that renders its whole crop, background included (the warp),
    keeps the portrait's own crop: the head moves inside it, its border stays put, and the crop
    replaces its square of the portrait outright, at the portrait's own pixel size. Otherwise the
    crop follows the face, smoothed over time, and only a feathered face mask is pasted back."""
    size = portrait.image.shape[:2]
    if person.covers_background:
        crops = [portrait.crop] * len(points)
        fixed_paste = PasteBack(portrait.crop, size)
    else:
        crops = stable_crops(points, fps, person.resolution)
    for start in range(skip, len(points), batch_size):
        if cancelled():
            return
        batch = range(start, min(start + batch_size, len(points)))
        landmarks = np.stack([crops[t].to_crop(points[t]) for t in batch])  # (B, 68, 2) crop pixels
        rendered = person.render(landmarks)  # (B, S, S, 3)
        for offset, t in enumerate(batch):
            if not full_frame:
                yield rendered[offset]
                continue
            paste = fixed_paste if person.covers_background else \
                PasteBack(crops[t], size, face_mask(landmarks[offset], person.resolution))
            yield paste(rendered[offset], portrait.image)


def _write(job: AnimateJob, frames: Iterator[np.ndarray], total: int, fps: float, renderer: str,
           driver_points: np.ndarray, progress: ProgressFn, on_frame: FrameCallback | None,
           skip: int) -> AnimateResult:
    """Write the frames (after the `skip` already present) to the output and the side-by-side."""
    label = media.SyntheticLabel(renderer=renderer, details={"source": Path(job.sources[0]).name,
                                                             "driver": Path(job.driver).name})
    sequence = is_sequence_output(job.output)
    written, size = skip, (0, 0)
    with ExitStack() as stack:
        output = stack.enter_context(media.PngSequenceWriter(job.output, label, first_index=skip + 1) if sequence
                                     else media.Mp4Writer(job.output, fps, label))
        preview = stack.enter_context(media.Mp4Writer(job.side_by_side, fps, label)) if job.side_by_side else None
        sketches = None  # made at the first frame, whose height they take
        for frame in frames:
            path = output.write(frame)
            if preview is not None:
                if sketches is None:
                    sketches = _driver_sketches(driver_points, fps, frame.shape[0])
                preview.write(np.concatenate([next(sketches), frame], axis=1))
            written += 1
            size = (frame.shape[1], frame.shape[0])
            if on_frame is not None:
                on_frame(written, path if sequence else None)
            progress(written, total, "render")
    if written < total:
        raise Cancelled(f"cancelled after {written} of {total} frames; they are kept in {job.output}")
    if sequence and job.also_mp4:
        encode_sequence(job.output, job.output.with_suffix(".mp4"), fps, label)
    return AnimateResult(job.output, written, renderer, fps, size)


def encode_sequence(folder: Path, path: Path, fps: float, label: media.SyntheticLabel) -> None:
    """Encode a finished PNG sequence as an MP4."""
    with media.Mp4Writer(path, fps, label) as writer:
        for index in range(1, media.count_finished_frames(folder) + 1):
            writer.write(media.read_image(media.frame_path(folder, index)))


def _driver_sketches(driver_points: np.ndarray, fps: float, height: int) -> Iterator[np.ndarray]:
    """The driver's landmark sketch per frame, framed on its face, height x height."""
    crops = stable_crops(driver_points, fps, height)
    for crop, points in zip(crops, driver_points):
        yield draw_sketch(crop.to_crop(points), height)
