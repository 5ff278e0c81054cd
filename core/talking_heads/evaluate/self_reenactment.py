"""The paper's self-reenactment protocol and its metrics.

For each clip, T shots (1, 8, 32) taken evenly from its first part are the source; every
evaluated held-out frame of its later part is rendered from its own landmarks and compared with
the real frame, both cropped around those landmarks at the crop resolution. A renderer that
paints its whole crop (the warp) works as in the pipeline: in the first source frame's crop, at
the picture's own size, its result then cut at the held-out face crop.

Every clip also gets a row for the frozen renderer (the first source frame, unchanged, cut at
each held-out face crop), the floor
a renderer must beat: it does not depend on T, so it is measured once, at T = 1.

Metrics (`metrics.reconstruction_scores`): SSIM and PSNR; AKD, the mean distance between the
landmarks dlib detects on the generated and on the real crop; the share of generated frames where
dlib finds a face; identity distance, the median L2 distance between dlib's face-recognition
descriptors of the two (and the share of frames under dlib's same-person threshold, 0.6); and the
renderer's frames per second.
"""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from talking_heads import media
from talking_heads.errors import InputError
from talking_heads.evaluate.metrics import describe, reconstruction_scores
from talking_heads.landmarks import CropTransform, LandmarkTrack, crop_for_points, track_input
from talking_heads.landmarks.dlib_detector import DlibDetector
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress, raise_if_cancelled
from talking_heads.synthesis import RendererOptions, create_renderer
from talking_heads.synthesis.base import Person, Renderer, Shot


@dataclass(frozen=True)
class EvalConfig:
    shots: tuple[int, ...] = (1, 8, 32)  # T, the number of source frames
    source_fraction: float = 0.5  # the first part of each clip, where the shots come from
    heldout_frames: int = 32  # held-out frames evaluated, evenly spaced over the later part
    min_heldout: int = 16  # a held-out part shorter than this is reported as too short
    resolution: int = 256
    batch_size: int = 8


@dataclass(frozen=True)
class EvalRow:
    clip: str
    renderer: str
    shots: int  # T actually used (fewer than asked when the first part is short)
    frames: int  # held-out frames evaluated
    ssim: float
    psnr: float
    akd: float  # pixels at the crop resolution; NaN when no face was found on any generated frame
    akd_missed: int  # frames where no face was found (on the generated frame or the real one)
    face_found: float  # share of generated frames where dlib finds a face
    identity_distance: float  # median over the frames
    identity_share: float  # share of frames under metrics.SAME_PERSON_THRESHOLD
    fps: float
    note: str = ""


@dataclass(frozen=True)
class _RealFace:
    """What the metrics compare against in one held-out real crop."""

    image: np.ndarray  # (S, S, 3)
    points: np.ndarray | None  # (68, 2) detected in the crop; None if dlib finds no face there
    identity: np.ndarray | None  # (128,) dlib face descriptor


@dataclass
class _ClipFrames:
    """What a clip contributes: source frames, and held-out real faces with their landmarks."""

    name: str
    sources: list[tuple[np.ndarray, np.ndarray]]  # every candidate source frame (H, W, 3), its (68, 2) landmarks
    real: list[_RealFace]
    crops: list[CropTransform]  # the held-out frames' face crops, where they are compared
    points: np.ndarray  # (N, 68, 2) held-out landmarks in frame pixels (the renderers' input)
    note: str
    heldout: np.ndarray  # (N,) frame numbers of the held-out frames


def _split(track: LandmarkTrack, config: EvalConfig) -> tuple[np.ndarray, np.ndarray, str]:
    """Indices of the candidate source frames and of the evaluated held-out frames."""
    valid = np.flatnonzero(track.valid)
    boundary = int(len(track) * config.source_fraction)
    source = valid[valid < boundary]
    later = valid[valid >= boundary]
    note = "" if len(later) >= config.min_heldout else (
        f"held-out part too short: {len(later)} frames (< {config.min_heldout})")
    count = min(config.heldout_frames, len(later))
    heldout = later[np.linspace(0, len(later) - 1, count).round().astype(int)] if count else later[:0]
    wanted = max(config.shots)
    source = source[np.linspace(0, len(source) - 1, min(wanted, len(source))).round().astype(int)]
    return source, heldout, note


def _clip_frames(clip: Path, detector: DlibDetector, config: EvalConfig) -> _ClipFrames:
    video = media.open_frame_source(clip)
    track, _ = track_input(video, detector)
    source, heldout, note = _split(track, config)
    wanted = set(source.tolist()) | set(heldout.tolist())
    frames = {index: frame for index, frame in enumerate(video.frames(0, max(wanted) + 1 if wanted else 0))
              if index in wanted}
    crops = [crop_for_points(track.points[i], config.resolution) for i in heldout]
    real = [_RealFace(face, *describe(detector, face)) for face in (c.crop(frames[i]) for c, i in zip(crops, heldout))]
    return _ClipFrames(clip.name, [(frames[i], track.points[i]) for i in source], real, crops,
                       track.points[heldout], note, heldout)


def _shots(renderer: Renderer, sources: list[tuple[np.ndarray, np.ndarray]]) -> tuple[CropTransform, list[Shot]]:
    """The source frames cut out by the renderer's crop, as the pipeline cuts a portrait's shots
    (every one at the first one's size); returns the first crop too."""
    crops = [renderer.crop(points) for _, points in sources]
    crops = [dataclasses.replace(crop, size=crops[0].size) for crop in crops]
    return crops[0], [Shot(crop.crop(frame), crop.to_crop(points), crop.shown(frame.shape[:2]))
                      for crop, (frame, points) in zip(crops, sources)]


def _render(person: Person, source_crop: CropTransform, clip: _ClipFrames, config: EvalConfig) -> list[np.ndarray]:
    """Every held-out frame rendered and cut at its face crop. A person that renders its whole
    crop (the warp, the frozen source) renders in the first source frame's crop, as the pipeline
    does; the others in each held-out face crop, at their own resolution."""
    whole = person.covers_background
    size = (config.resolution, config.resolution)
    zoom = person.resolution / config.resolution  # a model of another resolution renders at its own
    inputs = source_crop.to_crop(clip.points) if whole else \
        np.stack([crop.to_crop(points) for crop, points in zip(clip.crops, clip.points)]) * zoom  # (N, 68, 2)
    generated = []
    for begin in range(0, len(inputs), config.batch_size):
        generated.extend(person.render(inputs[begin:begin + config.batch_size]))  # (B, S, S, 3) each
    if whole:  # source crop -> frame -> held-out face crop
        to_frame = np.vstack([source_crop.inverse_matrix, [0, 0, 1]])
        return [cv2.warpAffine(image, crop.matrix @ to_frame, size, flags=cv2.INTER_AREA,
                               borderMode=cv2.BORDER_REPLICATE) for image, crop in zip(generated, clip.crops)]
    return [cv2.resize(image, size, interpolation=cv2.INTER_CUBIC) if image.shape[0] != size[0] else image
            for image in generated]


def _evenly(items: list, count: int) -> list:
    return [items[i] for i in np.linspace(0, len(items) - 1, count).round().astype(int)]


def check_not_trained_on(person: object, clip: _ClipFrames) -> None:
    """A person model trained on this clip's held-out frames would be measured on its training
    data: an InputError naming the frames (person files record the footage they learned from)."""
    for source in getattr(person, "details", {}).get("footage", []):
        if source.get("file") != clip.name:
            continue
        overlap = clip.heldout[(clip.heldout >= source["first"]) & (clip.heldout < source["stop"])]
        if len(overlap):
            raise InputError(f"the person model was trained on frames {source['first']}:{source['stop']} of "
                             f"{clip.name}, which include {len(overlap)} of the held-out frames (from "
                             f"{int(clip.heldout[0])}); train it on the first half only (--frames 0:"
                             f"{int(clip.heldout[0])}) to evaluate it on this clip")


def _evaluate_renderer(clip: _ClipFrames, renderer_name: str, shots: int, config: EvalConfig,
                       options: RendererOptions, detector: DlibDetector) -> EvalRow:
    used = min(shots, len(clip.sources))
    note = clip.note if used == shots else "; ".join(filter(None, [clip.note, f"only {used} source frames"]))
    if not clip.real or not used:
        nan = float("nan")
        return EvalRow(clip.name, renderer_name, used, 0, nan, nan, nan, 0, 0.0, nan, 0.0, nan,
                       note or "no frames to evaluate")
    renderer = create_renderer(renderer_name, options)
    source_crop, shots = _shots(renderer, _evenly(clip.sources, used))
    person = renderer.prepare(shots)
    check_not_trained_on(person, clip)
    start = time.perf_counter()
    generated = _render(person, source_crop, clip, config)
    fps = len(generated) / (time.perf_counter() - start)
    scores = reconstruction_scores([r.image for r in clip.real], [(r.points, r.identity) for r in clip.real],
                                   generated, detector)
    return EvalRow(clip.name, renderer_name, used, len(generated), **scores, fps=fps, note=note)


def _runs(renderers: list[str], config: EvalConfig) -> list[tuple[str, int]]:
    """(renderer, T) of every row of a clip: the frozen floor once, then each renderer at each T."""
    return [("frozen", 1)] + [(name, shots) for name in renderers if name != "frozen" for shots in config.shots]


def evaluate(clips: list[Path], renderers: list[str], config: EvalConfig = EvalConfig(),
             options: RendererOptions = RendererOptions(), progress: ProgressFn = no_progress,
             cancelled: CancelFn = never_cancelled) -> list[EvalRow]:
    """One row per clip, renderer and T, led by each clip's frozen row."""
    detector = DlibDetector()
    rows = []
    runs = _runs(renderers, config)
    for clip_path in clips:
        raise_if_cancelled(cancelled)
        clip = _clip_frames(Path(clip_path), detector, config)
        for renderer_name, shots in runs:
            raise_if_cancelled(cancelled)
            rows.append(_evaluate_renderer(clip, renderer_name, shots, config, options, detector))
            progress(len(rows), len(clips) * len(runs), "evaluate")
    return rows


def format_table(rows: list[EvalRow]) -> str:
    header = (f"{'clip':10} {'renderer':8} {'T':>3} {'frames':>6} {'SSIM':>6} {'PSNR':>6} {'AKD':>6} "
              f"{'missed':>6} {'face':>5} {'ID med':>6} {'ID<0.6':>6} {'fps':>7}  note")
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(f"{row.clip:10} {row.renderer:8} {row.shots:3d} {row.frames:6d} {row.ssim:6.3f} "
                     f"{row.psnr:6.2f} {row.akd:6.2f} {row.akd_missed:6d} {row.face_found:5.0%} "
                     f"{row.identity_distance:6.3f} {row.identity_share:6.0%} {row.fps:7.1f}  {row.note}")
    return "\n".join(lines)


def save_json(rows: list[EvalRow], path: Path, config: EvalConfig) -> Path:
    """Rows as strict JSON (a metric that could not be measured is null)."""
    def clean(row: EvalRow) -> dict:
        return {key: (None if isinstance(value, float) and not np.isfinite(value) else value)
                for key, value in asdict(row).items()}

    with media.atomic_output(path) as temporary:
        temporary.write_text(json.dumps({"config": asdict(config), "rows": [clean(row) for row in rows]}, indent=2))
    return path
