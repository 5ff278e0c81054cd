"""animate(): portrait + driver -> frames. Used by the CLI, the worker and batch shots.

    portrait -> landmarks -> retargeted driver motion -> stable crops -> renderer -> paste-back -> files

Everything that can be checked is checked before the first frame is rendered; frames then flow
through in batches, so memory does not grow with the driver's length.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import os
import typing
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talking_heads import media
from talking_heads.devices import DeviceName, PrecisionName
from talking_heads.errors import Cancelled, InputError, OutputError
from talking_heads.landmarks import (CropTransform, LandmarkDetector, PasteBack, crop_for_points, detect_largest_face,
                                     draw_sketch, make_detector, stable_crops)
from talking_heads.landmarks.detect import BACKENDS
from talking_heads.landmarks.driver import MOTION_PREFIX, DriverSpec, MotionOptions, driver_motion, resample
from talking_heads.landmarks.motions import MOTIONS
from talking_heads.landmarks.retarget import RetargetConfig
from talking_heads.options import Options, check, option
from talking_heads.provenance.signing import CERT_VARIABLE, KEY_VARIABLE, load_identity
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress, raise_if_cancelled
from talking_heads.synthesis import RENDERERS, RendererOptions, choose_renderer, create_renderer
from talking_heads.synthesis.base import Person, Renderer, Shot
from talking_heads.synthesis.masks import face_mask

log = logging.getLogger(__name__)

FrameCallback = Callable[[int, Path | None], None]
DEVICES = typing.get_args(DeviceName)
PRECISIONS = typing.get_args(PrecisionName)
MAX_FPS = 240.0  # output frame rates above this are refused (a typo, not a wish)
MAX_MOTION_SECONDS = 600.0  # longest built-in motion


def parse_frame_range(text: str) -> tuple[int, int]:
    """"START:STOP" (START may be left out) -> (start, stop)."""
    start, _, stop = text.partition(":")
    try:
        return int(start or 0), int(stop)
    except ValueError:
        raise ValueError(f"expected START:STOP frame numbers, got {text!r}") from None


def _check_frame_range(frames: tuple[int, int]) -> str | None:
    if not 0 <= frames[0] < frames[1]:
        return f"frame range {frames[0]}:{frames[1]} is empty; give START:STOP with 0 <= START < STOP"
    return None


def check_device(name: str) -> str | None:
    kind, _, index = name.partition(":")
    if name in DEVICES or (kind == "cuda" and index.isdigit()):
        return None
    return f"unknown device {name!r}: use {', '.join(DEVICES)} (or cuda:N)"


@dataclass
class AnimateJob(Options):
    """The options of `animate` (the CLI's flags, a shot's keys, the worker's job object)."""

    sources: list[Path] = option(flag="source", metavar="IMG",
                                 help="one or more photos of the person; the first is the picture that moves")
    driver: str = option(metavar="DRIVER", help="a video clip, a track file (.npz) or motion:NAME "
                                                f"({', '.join(MOTIONS)}; join with +)")
    output: Path = option(short="-o", help="an .mp4 file, or a folder for a PNG sequence (frame_000001.png, ...)")
    renderer: str = option("auto", choices=RENDERERS,
                           help="neural needs a person file or checkpoint; warp needs nothing")
    person: Path | None = option(None, help="person model (.safetensors) for the neural renderer")
    checkpoint: Path | None = option(None, help="meta-learned checkpoint for the neural renderer")
    full_frame: bool = option(True, negative="crop",
                              help="paste the result back into the portrait; --crop writes the renderer's square "
                                   "crops instead (the warp's: the whole head at the portrait's own size)")
    fps: float | None = option(None, above=0, at_most=MAX_FPS, help="output frame rate (default: the driver's)")
    frames: tuple[int, int] | None = option(None, parse=parse_frame_range, check=_check_frame_range,
                                            metavar="START:STOP", help="START:STOP frames of the driver to use")
    retarget: RetargetConfig = option(default_factory=RetargetConfig, flatten=True,
                                      help="how the driver's motion is moved onto the portrait")
    motion_duration: float = option(4.0, flag="duration", above=0, at_most=MAX_MOTION_SECONDS,
                                    help="seconds per built-in motion")
    motion_intensity: float = option(1.0, flag="intensity", at_least=0, at_most=4, help="built-in motion intensity")
    track_cache: Path | None = option(None, help="cache the driver clip's landmarks in this .npz")
    side_by_side: Path | None = option(None, help="also write the driver sketch beside the result (.mp4)")
    also_mp4: bool = option(False, flag="mp4", help="with a folder output, also write FOLDER.mp4")
    device: str = option("auto", check=check_device, help="auto, cuda, mps or cpu")
    precision: str = option("auto", choices=PRECISIONS, help="auto, float32, float16 or bfloat16")
    batch_size: int = option(8, flag="batch", at_least=1, at_most=1024, help="frames rendered at once")
    resume: bool = option(False, help="continue a PNG sequence where it stopped")
    backend: str = option("auto", choices=BACKENDS, help="landmark detector for the portrait and a driver clip: "
                          "mediapipe (fit for commercial work), fan, dlib, or auto (the first whose model is here)")
    watermark: bool = option(True, help="embed the invisible watermark in every frame; --no-watermark leaves it "
                                        "out (the metadata label and content credentials stay)")
    signing_cert: Path | None = option(None, metavar="PEM", help="the studio's certificate chain that signs the "
                                       f"content credentials (default: ${CERT_VARIABLE}, else this installation's "
                                       "own key, not a trusted signer)")
    signing_key: Path | None = option(None, metavar="PEM",
                                      help=f"the private key of --signing-cert (default: ${KEY_VARIABLE})")


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
    """Validate a job before any work: every option's type and limits, the sources, the driver,
    and outputs that can be written without overwriting an input. Returns the parsed driver."""
    check(job)
    if not job.sources:
        raise InputError("no portrait given: pass one or more images with --source")
    for source in job.sources:
        if not Path(source).is_file():
            raise InputError(f"portrait {source}: no such file")
    spec = DriverSpec.parse(job.driver)
    _check_no_overwrite(job)
    if is_sequence_output(job.output):
        parent = job.output.parent if str(job.output.parent) else Path(".")
        media.check_output_path(parent / "probe.png")
        if job.output.exists() and not job.output.is_dir():
            raise OutputError(f"{job.output} exists and is not a folder")
    else:
        if job.resume:
            raise InputError("--resume continues a PNG sequence; give a folder as the output")
        _check_video_output(job.output, "the output")
    if job.resume and job.side_by_side is not None:
        raise InputError("--resume cannot be combined with a side-by-side video")
    if job.side_by_side is not None:
        _check_video_output(job.side_by_side, "--side-by-side")
    load_identity(job.signing_cert, job.signing_key)
    return spec


def _check_video_output(path: Path, what: str) -> None:
    if path.suffix.lower() not in media.OUTPUT_VIDEO_SUFFIXES:
        raise OutputError(f"{what} {path} is neither a video ({', '.join(sorted(media.OUTPUT_VIDEO_SUFFIXES))}) "
                          f"nor a folder: end it in .mp4, or give a name without an extension for a PNG sequence")
    media.check_output_path(path)


def written_files(job: AnimateJob) -> dict[str, Path]:
    """What the job writes, by the option that names it (a folder output: the folder)."""
    outputs = {"--output": job.output}
    if job.side_by_side is not None:
        outputs["--side-by-side"] = job.side_by_side
    if job.also_mp4 and is_sequence_output(job.output):
        outputs["--mp4"] = job.output.with_suffix(".mp4")
    if job.track_cache is not None:
        outputs["--track-cache"] = job.track_cache
    return outputs


def _check_no_overwrite(job: AnimateJob) -> None:
    """No output may be an input or another output; a PNG-sequence folder may not hold an input's name."""
    inputs = {f"portrait {path}": path for path in job.sources}
    if not job.driver.startswith(MOTION_PREFIX):
        inputs[f"driver {job.driver}"] = Path(job.driver)
    for name in ("person", "checkpoint", "signing_cert", "signing_key"):  # the other files it reads
        if getattr(job, name) is not None:
            inputs[f"--{name.replace('_', '-')} {getattr(job, name)}"] = getattr(job, name)
    outputs = written_files(job)
    for option_name, path in outputs.items():
        for other_name, other in outputs.items():
            if other_name < option_name and _same_file(path, other):
                raise OutputError(f"{other_name} and {option_name} name the same file {path}; "
                                  "give them different names")
        for what, source in inputs.items():
            if option_name == "--track-cache" and what.startswith("driver"):
                continue  # a track file given as the driver is the cache of its own landmarks
            if _same_file(path, source):
                raise OutputError(f"{option_name} {path} would overwrite the {what}; choose another output name")
            if option_name == "--output" and is_sequence_output(path) and _same_file(Path(source).parent, path) \
                    and media.is_frame_name(Path(source).name):
                raise OutputError(f"the frames written into {path} would overwrite the {what}; "
                                  "choose another output folder")


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same resolved path, or (both existing) the same inode."""
    a, b = Path(a).expanduser(), Path(b).expanduser()
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


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
    get_detector = functools.cache(lambda: detector if detector is not None and job.backend in ("auto", detector.name)
                                   else make_detector(job.backend))

    def prepare() -> tuple[Portrait, Person]:
        renderer = create_renderer(choice.name, RendererOptions(job.person, job.checkpoint, job.device, job.precision))
        portrait = load_portrait(job.sources, renderer, get_detector())
        return portrait, renderer.prepare(portrait.shots)

    key = (tuple(_file_identity(path) for path in job.sources), choice.name, _file_identity(job.person),
           _file_identity(job.checkpoint), job.device, job.precision, job.backend)
    portrait, person = (people or PersonCache()).get(key, prepare)
    raise_if_cancelled(cancelled)  # a Ctrl-C while the portrait was read stops here, before the driver
    motion = driver_motion(spec, portrait.points, (portrait.image.shape[1], portrait.image.shape[0]),
                           detector=get_detector, retarget_config=job.retarget,
                           motion=MotionOptions(job.motion_duration, job.motion_intensity, job.fps or 25.0),
                           track_cache=job.track_cache, frames=job.frames, progress=progress, cancelled=cancelled)
    raise_if_cancelled(cancelled)
    fps = job.fps or motion.fps
    points = resample(_frame_range(motion.points, job.frames, motion.first), motion.fps, fps)
    driver_points = resample(_frame_range(motion.driver_points, job.frames, motion.first), motion.fps, fps)
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


def _frame_range(points: np.ndarray, frames: tuple[int, int] | None, first: int = 0) -> np.ndarray:
    """The driver frames [start, stop) of `points`, whose first is driver frame `first`."""
    if frames is None:
        return points
    start, stop = frames[0] - first, frames[1] - first
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
    driver_file = [("driver", Path(job.driver))] if Path(job.driver).is_file() else []
    label = media.SyntheticLabel(renderer=renderer, details={"source": Path(job.sources[0]).name,
                                                             "driver": Path(job.driver).name},
                                 inputs=(("portrait", Path(job.sources[0])), *driver_file), watermark=job.watermark,
                                 signing=load_identity(job.signing_cert, job.signing_key))
    log.info("content credentials: %s", label.signing.describe())
    sequence = is_sequence_output(job.output)
    written, size = skip, (0, 0)
    with ExitStack() as stack:
        output = stack.enter_context(media.PngSequenceWriter(job.output, label, first_index=skip + 1) if sequence
                                     else media.Mp4Writer(job.output, fps, label))
        if sequence and output.replaced:
            log.info("removed %d frames of an earlier render from %s", output.replaced, job.output)
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
        encode_sequence(job.output, written, job.output.with_suffix(".mp4"), fps, label)
    return AnimateResult(job.output, written, renderer, fps, size)


def encode_sequence(folder: Path, frames: int, path: Path, fps: float, label: media.SyntheticLabel) -> None:
    """Encode frames 1..`frames` of a finished PNG sequence as an MP4."""
    with media.Mp4Writer(path, fps, label) as writer:
        for index in range(1, frames + 1):
            writer.write(media.read_image(media.frame_path(folder, index)))


def _driver_sketches(driver_points: np.ndarray, fps: float, height: int) -> Iterator[np.ndarray]:
    """The driver's landmark sketch per frame, framed on its face, height x height."""
    crops = stable_crops(driver_points, fps, height)
    for crop, points in zip(crops, driver_points):
        yield draw_sketch(crop.to_crop(points), height)
