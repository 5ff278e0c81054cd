"""Batch shots: a TOML shot list, one table per shot, rendered in order.

    [intro]
    source = "portrait.jpg"          # or a list of photos of the person
    driver = "reference.mp4"         # a clip, a track .npz, or "motion:talk+nod"
    output = "renders/intro"         # a folder (PNG sequence) or a .mp4
    frames = "0:120"                 # optional; any `animate` option by its long name

Relative paths are resolved against the shot list's folder. A failing shot is reported and the
others still run; shots that finished are recorded beside the list and skipped on a rerun
(unless their options changed).
"""
from __future__ import annotations

import functools
import hashlib
import json
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from talking_heads.errors import InputError, TalkingHeadsError
from talking_heads.landmarks import LandmarkDetector, make_detector
from talking_heads.landmarks.driver import MOTION_PREFIX
from talking_heads.landmarks.retarget import RetargetConfig
from talking_heads.pipeline import AnimateJob, AnimateResult, PersonCache, animate
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress

_PATH_KEYS = ("output", "person", "checkpoint", "track_cache", "side_by_side")
_RETARGET_KEYS = {"expression", "head_motion", "follow_position", "follow_scale", "smoothing", "neutral_frame"}
_RENAMED = {"crop": ("full_frame", lambda crop: not crop), "duration": ("motion_duration", float),
            "intensity": ("motion_intensity", float), "batch": ("batch_size", int), "mp4": ("also_mp4", bool)}


@dataclass(frozen=True)
class Shot:
    name: str
    options: dict  # the shot's table as written

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.options, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ShotOutcome:
    name: str
    status: str  # "done", "skipped" or "failed"
    frames: int = 0
    seconds: float = 0.0
    detail: str = ""  # the output, or the error


def read_shot_list(path: Path) -> list[Shot]:
    if not path.is_file():
        raise InputError(f"{path}: no such shot list")
    try:
        tables = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a valid TOML shot list ({error})") from None
    shots = [Shot(name, options) for name, options in tables.items() if isinstance(options, dict)]
    if not shots:
        raise InputError(f"{path}: no shots; write one [table] per shot with source, driver and output")
    return shots


def _resolve(base: Path, value: str) -> Path:
    return (base / Path(value).expanduser()).resolve()


def shot_job(shot: Shot, base: Path) -> AnimateJob:
    """The animate job of a shot; paths resolved against the shot list's folder."""
    try:
        return _shot_job(shot, base)
    except (TypeError, ValueError, AttributeError) as error:
        message = str(error).replace("AnimateJob.__init__() got an ", "").replace("RetargetConfig.__init__() got an ", "")
        raise InputError(f"shot {shot.name!r}: {message}") from None


def _shot_job(shot: Shot, base: Path) -> AnimateJob:
    options = dict(shot.options)
    missing = [key for key in ("source", "driver", "output") if key not in options]
    if missing:
        raise InputError(f"shot {shot.name!r} lacks {', '.join(missing)}")
    sources = options.pop("source")
    values: dict = {"sources": [_resolve(base, s) for s in ([sources] if isinstance(sources, str) else sources)]}
    driver = str(options.pop("driver"))
    values["driver"] = driver if driver.startswith(MOTION_PREFIX) else str(_resolve(base, driver))
    retarget = {key: options.pop(key) for key in list(options) if key in _RETARGET_KEYS}
    values["retarget"] = RetargetConfig(**retarget)
    if "frames" in options:
        frames = options.pop("frames")
        start, _, stop = frames.partition(":") if isinstance(frames, str) else (frames[0], ":", frames[1])
        values["frames"] = (int(start or 0), int(stop))
    for key, value in options.items():
        name, convert = _RENAMED.get(key, (key, lambda v: v))
        values[name] = _resolve(base, value) if name in _PATH_KEYS else convert(value)
    return AnimateJob(**values)


class DoneRecord:
    """Which shots finished, with the fingerprint of their options, kept beside the shot list."""

    def __init__(self, shot_list: Path):
        self.path = shot_list.with_name(f".{shot_list.stem}.done.json")
        self.entries: dict[str, str] = json.loads(self.path.read_text()) if self.path.is_file() else {}

    def is_done(self, shot: Shot) -> bool:
        return self.entries.get(shot.name) == shot.fingerprint

    def mark_done(self, shot: Shot) -> None:
        self.entries[shot.name] = shot.fingerprint
        temporary = self.path.with_suffix(".partial")
        temporary.write_text(json.dumps(self.entries, indent=2))
        temporary.replace(self.path)


def run_shots(path: Path, *, only: list[str] | None = None, force: bool = False,
              report: Callable[[str], None] = print, progress: Callable[[str], ProgressFn] | None = None,
              cancelled: CancelFn = never_cancelled) -> list[ShotOutcome]:
    """Render the shots of a shot list in order; never stops at a failing shot."""
    path = Path(path)
    shots = read_shot_list(path)
    if only:
        unknown = sorted(set(only) - {shot.name for shot in shots})
        if unknown:
            raise InputError(f"{path}: no shot named {', '.join(unknown)}")
        shots = [shot for shot in shots if shot.name in only]
    record, people, outcomes = DoneRecord(path), PersonCache(), []
    detectors = functools.cache(make_detector)  # one per backend for every shot, made when first needed
    for number, shot in enumerate(shots, 1):
        prefix = f"[{number}/{len(shots)}] {shot.name}"
        if not force and record.is_done(shot):
            outcomes.append(ShotOutcome(shot.name, "skipped", detail="finished in an earlier run"))
            report(f"{prefix}: skipped (finished in an earlier run)")
            continue
        report(f"{prefix}: rendering")
        outcome = _run_shot(shot, path.parent, people, detectors, progress(shot.name) if progress else None,
                            cancelled)
        outcomes.append(outcome)
        report(f"{prefix}: {outcome.status}, {outcome.detail}")
        if outcome.status == "done":
            record.mark_done(shot)
        if cancelled():
            break
    return outcomes


def _run_shot(shot: Shot, base: Path, people: PersonCache, detectors: Callable[[str], LandmarkDetector],
              progress: ProgressFn | None, cancelled: CancelFn) -> ShotOutcome:
    start = time.perf_counter()
    try:
        job = shot_job(shot, base)
        result: AnimateResult = animate(job, people=people, detector=detectors(job.backend), cancelled=cancelled,
                                        progress=progress or no_progress)
    except TalkingHeadsError as error:  # Cancelled included: the frames written are kept
        return ShotOutcome(shot.name, "failed", seconds=time.perf_counter() - start, detail=str(error))
    return ShotOutcome(shot.name, "done", result.frames, time.perf_counter() - start,
                       f"{result.frames} frames by {result.renderer} -> {result.output}")


def summary_table(outcomes: list[ShotOutcome]) -> str:
    width = max([4] + [len(o.name) for o in outcomes])
    lines = [f"{'shot':{width}}  {'status':7} {'frames':>6} {'seconds':>7}  detail"]
    lines += [f"{o.name:{width}}  {o.status:7} {o.frames:6d} {o.seconds:7.1f}  {o.detail}" for o in outcomes]
    done = sum(o.status == "done" for o in outcomes)
    failed = sum(o.status == "failed" for o in outcomes)
    lines.append(f"{done} done, {sum(o.status == 'skipped' for o in outcomes)} skipped, {failed} failed")
    return "\n".join(lines)
