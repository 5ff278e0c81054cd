"""Cross-identity evaluation: portraits driven by clips of other people, with no ground truth.

Each portrait is animated by each driver clip through the real pipeline (`pipeline.animate`, full
frame) with each renderer. The frozen row, the floor, is the portrait itself, unchanged, once per
driver frame (through the pipeline the frozen renderer would also show the paste-back's
resampling, which belongs to the renderers' rows). Every result frame is measured against the
portrait and the driver frame it was made from:

- identity distance: dlib face descriptor of the result vs the portrait's (median over every
  `identity_every`-th frame);
- motion transfer: correlation over time of mouth opening, eye opening and head yaw / pitch / roll
  between the driver's and the result's landmarks, both detected per frame by dlib;
- head integrity: SSIM of the hair, forehead and ears around the face after bringing the frame
  back onto the portrait (`metrics.head_integrity`; median over frames);
- sharpness: detail around the eyes and brows relative to the portrait's (median);
- jitter: the result's landmark acceleration (the driver's own beside it).
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from talking_heads import media
from talking_heads.evaluate import metrics
from talking_heads.evaluate.metrics import SIGNALS
from talking_heads.landmarks.dlib_detector import DlibDetector
from talking_heads.landmarks.detect import detect_largest_face
from talking_heads.pipeline import AnimateJob, animate
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress, raise_if_cancelled


@dataclass(frozen=True)
class CrossConfig:
    frames: tuple[int, int] | None = None  # [start, stop) of every driver clip; None: all of it
    sheet_moments: int = 4  # result frames kept per portrait and driver for the contact sheet
    identity_every: int = 5  # frames between identity measurements (dlib's descriptor is slow)


@dataclass(frozen=True)
class CrossRow:
    portrait: str
    driver: str
    renderer: str
    frames: int  # result frames measured
    missed: int  # result frames where dlib found no face
    identity_distance: float  # median; under 0.6 counts as the same person
    mouth: float  # correlation of mouth opening, driver vs result
    eyes: float  # correlation of eye opening
    pose: float  # mean correlation of yaw, pitch and roll
    head_integrity: float  # median SSIM around the face, 1 = the head intact
    sharpness: float  # median eye-and-brow detail relative to the portrait's
    jitter: float  # result landmarks: mean acceleration, thousandths of the eye-corner distance per frame squared
    driver_jitter: float  # the same for the driver's landmarks


@dataclass(frozen=True)
class Moments:
    """A few frames of one clip or result, for the contact sheet."""

    title: str
    images: list[np.ndarray]  # (H, W, 3) each
    points: list[np.ndarray | None]  # (68, 2) detected on each, None where no face was found


@dataclass
class CrossReport:
    rows: list[CrossRow]
    portraits: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # name -> image, (68, 2) points
    drivers: list[Moments] = field(default_factory=list)  # one per driver clip
    results: dict[tuple[str, str], Moments] = field(default_factory=dict)  # (portrait, driver) -> the last renderer's


@dataclass(frozen=True)
class _Portrait:
    """What a result is compared with."""

    name: str
    image: np.ndarray  # (H, W, 3)
    points: np.ndarray  # (68, 2)
    identity: np.ndarray  # (128,) dlib face descriptor
    face_size: float  # pixels, the face box's width: where to search the result frames


@dataclass(frozen=True)
class _Driver:
    """A driver clip over the frame range: its raw per-frame landmarks."""

    name: str
    points: np.ndarray  # (T, 68, 2), zeros where no face was found
    valid: np.ndarray  # (T,) bool
    moments: Moments


def _landmarks_per_frame(frames: list[np.ndarray], detector: DlibDetector) -> list[np.ndarray | None]:
    """Raw per-frame detection (no tracking, no smoothing), searched at the last face's size."""
    found, hint = [], None
    for frame in frames:
        faces = detector.detect(frame, hint) or (detector.detect(frame) if hint else [])
        found.append(faces[0].points if faces else None)
        hint = float(faces[0].box[2] - faces[0].box[0]) if faces else hint
    return found


def _moment_indices(count: int, moments: int) -> list[int]:
    return np.linspace(0, count - 1, min(moments, count)).round().astype(int).tolist() if count else []


def _driver(clip: Path, config: CrossConfig, detector: DlibDetector) -> _Driver:
    start, stop = config.frames or (0, None)
    frames = list(media.open_frame_source(clip).frames(start, stop))
    found = _landmarks_per_frame(frames, detector)
    points = np.stack([p if p is not None else np.zeros((68, 2), np.float32) for p in found])
    keep = _moment_indices(len(frames), config.sheet_moments)
    moments = Moments(clip.name, [frames[i] for i in keep], [found[i] for i in keep])
    return _Driver(clip.name, points, np.array([p is not None for p in found], bool), moments)


def _portrait(path: Path, detector: DlibDetector) -> _Portrait:
    image = media.read_image(path)
    size = float(np.subtract(*detect_largest_face(detector, image, path.name).box[[2, 0]]))
    # Found again as result frames are (searched at that size), so a still frame measures as still.
    face = detector.detect(image, size)[0]
    return _Portrait(path.name, image, face.points, detector.identity_descriptor(image, face.box), size)


class _ResultMeter:
    """Measures result frames one at a time as the pipeline writes them."""

    def __init__(self, portrait: _Portrait, detector: DlibDetector, keep: list[int], identity_every: int):
        self.portrait, self.detector, self.keep, self.identity_every = portrait, detector, set(keep), identity_every
        self.points: list[np.ndarray | None] = []  # per frame, None where no face was found
        self.identity: list[float] = []
        self.integrity: list[float] = []
        self.sharpness: list[float] = []
        self.kept = Moments("", [], [])

    def repeat(self, frame: np.ndarray, count: int) -> None:
        """Measure one frame shown `count` times (the detector is deterministic: measured once)."""
        self(frame)
        first = len(self.points) - 1
        for index in range(first + 1, first + count):
            self.points.append(self.points[first])
            if self.points[first] is not None:
                if index % self.identity_every == 0:
                    self.identity.append(self.identity[-1])
                self.integrity.append(self.integrity[-1])
                self.sharpness.append(self.sharpness[-1])
            if index in self.keep:
                self.kept.images.append(frame)
                self.kept.points.append(self.points[first])

    def __call__(self, frame: np.ndarray) -> None:
        portrait = self.portrait
        faces = self.detector.detect(frame, portrait.face_size)
        points = faces[0].points if faces else None
        if points is not None:
            if len(self.points) % self.identity_every == 0:
                identity = self.detector.identity_descriptor(frame, faces[0].box)
                self.identity.append(float(np.linalg.norm(identity - portrait.identity)))
            self.integrity.append(metrics.head_integrity(frame, points, portrait.image, portrait.points))
            self.sharpness.append(metrics.sharpness(frame, points, portrait.image, portrait.points))
        if len(self.points) in self.keep:
            self.kept.images.append(frame)
            self.kept.points.append(points)
        self.points.append(points)


def _render(portrait: Path, clip: Path, renderer: str, config: CrossConfig, folder: Path,
            meter: _ResultMeter, frames: int, cancelled: CancelFn) -> None:
    """Animate through the pipeline into a PNG sequence, measuring and deleting each frame; the
    frozen floor is the portrait itself, `frames` times."""
    if renderer == "frozen":
        meter.repeat(meter.portrait.image, frames)
        return

    def measure(index: int, path: Path | None) -> None:
        meter(media.read_image(path))
        path.unlink()

    # The pipeline's landmarks by dlib too, so the figures do not depend on which models are installed.
    job = AnimateJob(sources=[portrait], driver=str(clip), output=folder / f"{renderer}-{portrait.stem}-{clip.stem}",
                     renderer=renderer, frames=config.frames, track_cache=folder / f"{clip.stem}.npz", backend="dlib")
    animate(job, on_frame=measure, cancelled=cancelled, detector=meter.detector)


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def _finite_median(values: list[float]) -> float:
    """The median of the values that could be measured (NaN when none could)."""
    return _median([value for value in values if np.isfinite(value)])


def _row(portrait: _Portrait, driver: _Driver, renderer: str, meter: _ResultMeter) -> CrossRow:
    count = min(len(meter.points), len(driver.points))
    found = np.array([p is not None for p in meter.points[:count]], bool)
    both = found & driver.valid[:count]
    correlations, result_jitter = dict.fromkeys(SIGNALS, float("nan")), float("nan")
    if both.sum() >= 3:
        result_points = np.stack([meter.points[i] for i in np.flatnonzero(both)])  # (N, 68, 2)
        driven, shown = metrics.motion_signals(driver.points[:count][both]), metrics.motion_signals(result_points)
        correlations = {name: metrics.correlation(driven[name], shown[name]) for name in SIGNALS}
        result_jitter = metrics.jitter(result_points)
    pose = float(np.mean([correlations[name] for name in ("yaw", "pitch", "roll")]))
    return CrossRow(portrait.name, driver.name, renderer, count, int(count - found.sum()), _median(meter.identity),
                    correlations["mouth"], correlations["eyes"], pose, _median(meter.integrity),
                    _median(meter.sharpness), result_jitter,
                    metrics.jitter(driver.points[:count][driver.valid[:count]]))


def evaluate_cross_identity(portraits: list[Path], drivers: list[Path], renderers: list[str],
                            config: CrossConfig = CrossConfig(), progress: ProgressFn = no_progress,
                            cancelled: CancelFn = never_cancelled) -> CrossReport:
    """One row per driver, portrait and renderer (the frozen floor first), plus the moments
    the contact sheet shows."""
    detector = DlibDetector()
    runs = ["frozen"] + [name for name in renderers if name != "frozen"]
    people = [_portrait(Path(path), detector) for path in portraits]
    report = CrossReport([], {person.name: (person.image, person.points) for person in people})
    total = len(people) * len(drivers) * len(runs)
    with tempfile.TemporaryDirectory(prefix="cross-identity-") as temporary:
        for clip in map(Path, drivers):
            raise_if_cancelled(cancelled)
            driver = _driver(clip, config, detector)
            report.drivers.append(driver.moments)
            keep = _moment_indices(len(driver.points), config.sheet_moments)
            for portrait_path, portrait in zip(map(Path, portraits), people):
                for renderer in runs:
                    meter = _ResultMeter(portrait, detector, keep, config.identity_every)
                    _render(portrait_path, clip, renderer, config, Path(temporary), meter, len(driver.points),
                            cancelled)
                    report.rows.append(_row(portrait, driver, renderer, meter))
                    progress(len(report.rows), total, "cross-identity")
                # The sheet shows the last renderer measured (the frozen one is the portrait itself).
                report.results[(portrait.name, clip.name)] = Moments(f"{portrait.name}, {runs[-1]}:",
                                                                     meter.kept.images, meter.kept.points)
    return report


_COLUMNS = (("portrait", "portrait", "{:10}", "{:10}"), ("driver", "driver", "{:8}", "{:8}"),
            ("renderer", "renderer", "{:8}", "{:8}"), ("frames", "frames", "{:>6}", "{:6d}"),
            ("missed", "missed", "{:>6}", "{:6d}"), ("identity_distance", "ID dist", "{:>7}", "{:7.3f}"),
            ("mouth", "mouth r", "{:>7}", "{:7.2f}"), ("eyes", "eyes r", "{:>6}", "{:6.2f}"),
            ("pose", "pose r", "{:>6}", "{:6.2f}"), ("head_integrity", "head", "{:>6}", "{:6.3f}"),
            ("sharpness", "sharp", "{:>6}", "{:6.2f}"), ("jitter", "jitter", "{:>6}", "{:6.2f}"),
            ("driver_jitter", "drv jit", "{:>7}", "{:7.2f}"))


def format_table(rows: list[CrossRow]) -> str:
    """Rows as a text table: correlations (r) of driver and result, head integrity (SSIM around
    the face), sharpness relative to the portrait, jitter in thousandths of the face scale."""
    header = " ".join(title_format.format(title) for _, title, title_format, _ in _COLUMNS)
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(" ".join(value_format.format(getattr(row, name)) for name, _, _, value_format in _COLUMNS))
    return "\n".join(lines)


SUMMARY_FIGURES = ("head_integrity", "mouth", "identity_distance", "sharpness", "eyes", "pose", "jitter")
TARGETS = {"head_integrity": ">= 0.75", "mouth": ">= 0.9", "identity_distance": "< 0.35", "sharpness": ">= 0.5"}


def summary(rows: list[CrossRow]) -> dict[str, dict[str, float]]:
    """Per renderer, the medians over portraits and drivers of the summary figures."""
    figures = SUMMARY_FIGURES
    by_renderer: dict[str, dict[str, float]] = {}
    for renderer in dict.fromkeys(row.renderer for row in rows):
        mine = [row for row in rows if row.renderer == renderer]
        by_renderer[renderer] = {name: _finite_median([getattr(row, name) for row in mine]) for name in figures}
    return by_renderer


def format_summary(rows: list[CrossRow]) -> str:
    """The medians over the pairs, a column per renderer, with the targets the warp aims at."""
    medians = summary(rows)
    lines = [f"{'median over pairs':18} " + " ".join(f"{name:>8}" for name in medians) + "   target"]
    for figure in SUMMARY_FIGURES:
        values = " ".join(f"{by_figure[figure]:8.3f}" for by_figure in medians.values())
        lines.append(f"{figure:18} {values}   {TARGETS.get(figure, '')}".rstrip())
    return "\n".join(lines)


def save_json(report: CrossReport, path: Path, config: CrossConfig) -> Path:
    """Rows and summary as strict JSON (a metric that could not be measured is null)."""
    def clean(values: dict) -> dict:
        return {key: (None if isinstance(value, float) and not np.isfinite(value) else value)
                for key, value in values.items()}

    data = {"config": asdict(config), "rows": [clean(asdict(row)) for row in report.rows],
            "summary": {name: clean(values) for name, values in summary(report.rows).items()}}
    with media.atomic_output(path) as temporary:
        temporary.write_text(json.dumps(data, indent=2))
    return path
