"""Batch shots: a TOML shot list, one table per shot, rendered in order.

    [intro]
    source = "portrait.jpg"          # or a list of photos of the person
    driver = "reference.mp4"         # a clip, a track .npz, or "motion:talk+nod"
    output = "renders/intro"         # a folder (PNG sequence) or a .mp4
    frames = "0:120"                 # optional; any `animate` option by its long name (head_motion,
                                     # batch, no_follow_scale = true, ...), checked as the flag is

Relative paths are resolved against the shot list's folder, and outputs must stay inside it
(unless --allow-outside). A failing shot is reported and the
others still run; shots that finished are recorded beside the list and skipped on a rerun
(unless their options changed).
"""
from __future__ import annotations

import dataclasses
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
from talking_heads.options import from_keys
from talking_heads.pipeline import AnimateJob, AnimateResult, PersonCache, animate
from talking_heads.progress import CancelFn, ProgressFn, never_cancelled, no_progress

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


def shot_job(shot: Shot, base: Path, *, allow_outside: bool = False) -> AnimateJob:
    """The animate job of a shot, read by AnimateJob's own declaration (keys named like the
    `animate` flags); relative paths resolved against the shot list's folder `base`. An output
    outside that folder is refused unless `allow_outside`."""
    job = from_keys(AnimateJob, shot.options, where=f"shot {shot.name!r}: ")
    resolved = {}
    for item in dataclasses.fields(job):
        value = getattr(job, item.name)
        if isinstance(value, Path):
            resolved[item.name] = _resolve(base, value)
        elif isinstance(value, list) and value and isinstance(value[0], Path):
            resolved[item.name] = [_resolve(base, path) for path in value]
    if not job.driver.startswith(MOTION_PREFIX):
        resolved["driver"] = str(_resolve(base, Path(job.driver)))
    job = dataclasses.replace(job, **resolved)
    if not allow_outside:
        for name in ("output", "side_by_side", "track_cache"):
            _check_inside(shot, name, getattr(job, name), base)
    return job


def _resolve(base: Path, value: Path) -> Path:
    return (base / value.expanduser()).resolve()


def _check_inside(shot: Shot, name: str, path: Path | None, base: Path) -> None:
    if path is not None and not path.is_relative_to(base.resolve()):
        raise InputError(f"shot {shot.name!r}: {name} {path} is outside the shot list's folder {base.resolve()}; "
                         f"write it inside, or pass --allow-outside to `talking-heads batch`")


class DoneRecord:
    """Which shots finished, with the fingerprint of their options, kept beside the shot list."""

    def __init__(self, shot_list: Path):
        self.path = shot_list.with_name(f".{shot_list.stem}.done.json")
        self.problem = ""  # why an existing record could not be read (every shot then renders again)
        self.entries: dict[str, str] = {}
        if self.path.is_file():
            try:
                entries = json.loads(self.path.read_text())
            except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
                self.problem = f"{self.path} is unreadable ({error}); every shot renders again"
            else:
                if isinstance(entries, dict) and all(isinstance(v, str) for v in entries.values()):
                    self.entries = entries
                else:
                    self.problem = f"{self.path} is not a record of finished shots; every shot renders again"

    def is_done(self, shot: Shot) -> bool:
        return self.entries.get(shot.name) == shot.fingerprint

    def mark_done(self, shot: Shot) -> None:
        self.entries[shot.name] = shot.fingerprint
        temporary = self.path.with_suffix(".partial")
        temporary.write_text(json.dumps(self.entries, indent=2))
        temporary.replace(self.path)


def run_shots(path: Path, *, only: list[str] | None = None, force: bool = False, allow_outside: bool = False,
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
    if record.problem:
        report(f"warning: {record.problem}")
    detector = functools.cache(lambda: make_detector("auto"))  # one for every shot, made when first needed
    for number, shot in enumerate(shots, 1):
        prefix = f"[{number}/{len(shots)}] {shot.name}"
        if not force and record.is_done(shot):
            outcomes.append(ShotOutcome(shot.name, "skipped", detail="finished in an earlier run"))
            report(f"{prefix}: skipped (finished in an earlier run)")
            continue
        report(f"{prefix}: rendering")
        outcome = _run_shot(shot, path.parent, allow_outside, people, detector,
                            progress(shot.name) if progress else None, cancelled)
        outcomes.append(outcome)
        report(f"{prefix}: {outcome.status}, {outcome.detail}")
        if outcome.status == "done":
            record.mark_done(shot)
        if cancelled():
            break
    return outcomes


def _run_shot(shot: Shot, base: Path, allow_outside: bool, people: PersonCache,
              detector: Callable[[], LandmarkDetector], progress: ProgressFn | None, cancelled: CancelFn) -> ShotOutcome:
    start = time.perf_counter()
    try:
        job = shot_job(shot, base, allow_outside=allow_outside)
        result: AnimateResult = animate(job, people=people, detector=detector(), cancelled=cancelled,
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
