"""Turns a shot (its settings in the blend file) into a worker job (animate, or person: fine-tune
the shot's person on its portraits or train it on footage) and where its result goes.

Everything is checked here, before anything changes: a bad shot raises UserError. The only
things written are cache files: the rig's landmark track and copies of packed portraits.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bpy

from ..logic import job_args
from ..logic.errors import UserError
from ..logic import rig_geometry, rig_view
from ..logic.frames import DriverSpan, StripLayout, clip_span, clip_timing, strip_span
from ..logic.track_file import write_track
from ..props.preferences import compute
from . import compat, rig_sampler

DEFAULT_OUTPUT = "//talking_heads"  # beside the blend file


@dataclass(frozen=True)
class PreparedShot:
    scene: str  # the 3D scene the shot belongs to
    shot: str
    job: dict[str, Any]  # the animate job, as AnimateJob.to_dict() writes it
    folder: Path  # the frames
    output: str  # PLATE, TEXTURE or BOTH
    layout: StripLayout  # where the plate goes (duration: the expected frame count)
    plate_scene: str  # the scene whose sequencer gets the plate
    texture_target: str | None  # object to texture, or None: a new plane
    note: str = ""  # added to the shot's last result, e.g. how the clip was timed
    warnings: tuple[str, ...] = ()  # shown before the job starts, e.g. a rig face too small to drive well


@dataclass(frozen=True)
class PreparedPerson:
    scene: str
    shot: str
    job: dict[str, Any]  # the job, as PersonJob.to_dict() or FootageJob.to_dict() writes it
    path: Path  # the person file
    steps: int | None  # None: a time budget stops it
    command: str = "person"  # the worker's command: person (fine-tune) or train_person (footage)


@dataclass(frozen=True)
class DriverPlan:
    driver: str
    fps: float | None
    frames: tuple[int, int] | None
    scene_start: int
    count: int
    track_cache: str = ""
    motion_duration: float = 4.0
    note: str = ""
    warnings: tuple[str, ...] = ()


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "shot"


def absolute(path: str) -> str:
    return str(Path(bpy.path.abspath(path)).resolve()) if path else ""


def beside_blend_file(path: str, what: str, choose: str) -> Path:
    """An absolute path; a `//` path needs the blend file to be saved (it is relative to it)."""
    if path.startswith("//") and not bpy.data.filepath:
        raise UserError(f"the blend file is not saved, so there is no folder beside it for {what}: "
                        f"save it first, or {choose}")
    return Path(absolute(path))


def output_folder(shot: bpy.types.PropertyGroup) -> Path:
    return beside_blend_file(shot.output_folder or f"{DEFAULT_OUTPUT}/{safe_name(shot.name)}", "the frames",
                             "choose an output folder in the Output panel")


def person_path(shot: bpy.types.PropertyGroup) -> Path:
    """Where Fine-tune Person saves the shot's person file."""
    default = f"{DEFAULT_OUTPUT}/people/{safe_name(shot.name)}{job_args.PERSON_SUFFIX}"
    return beside_blend_file(shot.finetune_output or default, "the person file",
                             "choose where it goes (Save as, in the Portrait or Person from Footage panel)")


def saved_training(shot: bpy.types.PropertyGroup) -> bool:
    """Whether a training run of the shot's person file was saved (Resume continues it)."""
    try:
        path = person_path(shot)
    except UserError:  # an unsaved blend file: nothing saved beside it either
        return False
    return (job_args.training_folder(str(path)) / job_args.TRAINING_STATE).is_file()


def cache_folder(folder: Path) -> Path:
    """Landmark tracks and portrait copies: beside the blend file, else beside the frames."""
    if bpy.data.filepath:
        return Path(absolute(f"{DEFAULT_OUTPUT}/cache"))
    return folder.parent / "cache"


def frame_range(scene: bpy.types.Scene, shot: bpy.types.PropertyGroup) -> tuple[int, int]:
    if shot.use_scene_range:
        return scene.frame_start, scene.frame_end
    return shot.frame_start, shot.frame_end


def portrait_paths(shot: bpy.types.PropertyGroup, cache: Path) -> list[str]:
    paths = [_portrait_path(item, cache) for item in shot.portraits if item.image or item.filepath]
    return job_args.check_sources(paths)


def _portrait_path(item: bpy.types.PropertyGroup, cache: Path) -> str:
    image = item.image
    if image is None:
        return absolute(item.filepath)
    if image.packed_file is not None:
        suffix = Path(image.filepath).suffix or ".png"
        target = cache / f"portrait-{safe_name(image.name)}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(image.packed_file.data))
        return str(target)
    if image.source != "FILE" or not image.filepath:
        raise UserError(f"the image '{image.name}' has no file: save it as an image file first")
    return absolute(image.filepath)


def plan_driver(context: bpy.types.Context, scene: bpy.types.Scene, shot: bpy.types.PropertyGroup,
                cache: Path) -> DriverPlan:
    if shot.driver == "MOTION":
        start, end = frame_range(scene, shot)
        count = _range_count(start, end)
        fps = rig_sampler.scene_fps(scene)
        return DriverPlan(job_args.motion_driver(shot.motion), fps, None, start, count,
                          motion_duration=count / fps)
    if shot.driver == "RIG":
        return _plan_rig(context, scene, shot, cache)
    return _plan_video(context, scene, shot, cache)


def _range_count(start: int, end: int) -> int:
    if end < start:
        raise UserError(f"the frame range {start}..{end} is empty: the end must not come before the start")
    return end - start + 1


def _plan_rig(context: bpy.types.Context, scene: bpy.types.Scene, shot: bpy.types.PropertyGroup,
              cache: Path) -> DriverPlan:
    start, end = frame_range(scene, shot)
    _range_count(start, end)
    track = rig_sampler.sample_rig(context, shot.rig, start, end)
    path = write_track(cache / f"{safe_name(shot.name)}-rig.npz", track.points, track.valid, track.size,
                       track.fps, track.source)
    warnings = rig_view.view_warnings(track.points, track.valid, track.size, start, rig_geometry.nose_ratio())
    return DriverPlan(str(path), track.fps, None, start, len(track.points),
                      warnings=tuple(f"the rig '{shot.rig.name}' {warning}" for warning in warnings))


def _plan_video(context: bpy.types.Context, scene: bpy.types.Scene, shot: bpy.types.PropertyGroup,
                cache: Path) -> DriverPlan:
    try:
        path, span, clip_fps = _video_span(context, shot)
    except ValueError as error:
        raise UserError(str(error)) from None
    digest = hashlib.sha1(path.encode()).hexdigest()[:8]
    timing = clip_timing(clip_fps, rig_sampler.scene_fps(scene), span.count, shot.clip_timing == "RESAMPLE")
    return DriverPlan(path, timing.fps, span.frames(), span.scene_start, timing.count,
                      track_cache=str(cache / f"{safe_name(Path(path).stem)}-{digest}.track.npz"), note=timing.note)


def _video_span(context: bpy.types.Context, shot: bpy.types.PropertyGroup) -> tuple[str, DriverSpan, float]:
    """The clip's file, the part of it used (from a movie strip, or a file) and its frame rate."""
    if shot.video_source == "STRIP":
        strip = compat.find_strip(compat.sequencer_scene(context), shot.video_strip)
        if strip is None or strip.type != "MOVIE":
            raise UserError(f"no movie strip named '{shot.video_strip}' in the sequencer: choose one in the Driver panel")
        path = _existing_video(strip.filepath)
        return path, strip_span(int(strip.frame_start), int(strip.frame_offset_start),
                                int(strip.frame_final_duration), shot.frame_offset, shot.frame_count), float(strip.fps)
    path = _existing_video(shot.video_path)
    frames, fps = _clip_frames(path)
    return path, clip_span(shot.frame_offset, shot.frame_count, frames, shot.frame_start), fps


def _existing_video(path: str) -> str:
    full = absolute(path)
    if not full or not Path(full).is_file():
        raise UserError(f"the driver video {full or '(none chosen)'} was not found: choose an existing video file")
    return full


def _clip_frames(path: str) -> tuple[int, float]:
    """The clip's frame count and frame rate, read by Blender's own video decoder."""
    clip = bpy.data.movieclips.load(path, check_existing=False)
    try:
        return int(clip.frame_duration), float(clip.fps)
    finally:
        bpy.data.movieclips.remove(clip)


def texture_target(context: bpy.types.Context, shot: bpy.types.PropertyGroup) -> str | None:
    if shot.texture_object is not None:
        return shot.texture_object.name
    active = context.active_object
    return active.name if active is not None and active.type == "MESH" and active.select_get() else None


def prepare_shot(context: bpy.types.Context, scene: bpy.types.Scene, shot: bpy.types.PropertyGroup) -> PreparedShot:
    """Everything the job needs, checked; UserError names the first problem."""
    if not any(item.image or item.filepath for item in shot.portraits):
        job_args.check_sources([])
    folder = output_folder(shot)
    cache = cache_folder(folder)
    sources = portrait_paths(shot, cache)
    plan = plan_driver(context, scene, shot, cache)
    job = job_args.animate_job(
        sources=sources, driver=plan.driver, output=str(folder), renderer=shot.renderer,
        person=absolute(shot.person_file) if shot.person_mode == "PERSON_FILE" else "",
        full_frame=shot.full_frame, fps=plan.fps, frames=plan.frames,
        retarget=job_args.Retarget(shot.expression, shot.head_motion, shot.follow_position, shot.follow_scale,
                                   shot.smoothing),
        motion_duration=plan.motion_duration, motion_intensity=shot.motion_intensity,
        track_cache=plan.track_cache, compute=compute(context))
    return PreparedShot(scene.name, shot.name, job, folder, shot.output,
                        StripLayout(plan.scene_start, plan.count, shot.channel),
                        compat.sequencer_scene(context).name, texture_target(context, shot), plan.note, plan.warnings)


def prepare_person(context: bpy.types.Context, scene: bpy.types.Scene, shot: bpy.types.PropertyGroup) -> PreparedPerson:
    """The person job of the shot's portraits, checked; UserError names the first problem."""
    if not any(item.image or item.filepath for item in shot.portraits):
        job_args.check_sources([])
    path = person_path(shot)
    sources = portrait_paths(shot, cache_folder(path.parent))
    job = job_args.person_job(sources=sources, output=str(path), finetune_steps=shot.finetune_steps,
                              content_loss=shot.finetune_loss, device=compute(context).device)
    return PreparedPerson(scene.name, shot.name, job, path, shot.finetune_steps)


def prepare_training(context: bpy.types.Context, scene: bpy.types.Scene, shot: bpy.types.PropertyGroup,
                     resume: bool) -> PreparedPerson:
    """The train_person job of the shot's footage, checked; UserError names the first problem."""
    if not any(item.filepath for item in shot.footage):
        job_args.check_footage([])
    path = person_path(shot)
    by_steps = shot.train_budget == "STEPS"
    job = job_args.train_person_job(
        footage=[absolute(item.filepath) for item in shot.footage if item.filepath], output=str(path),
        config=None if shot.train_size == "AUTO" else shot.train_size, checkpoint=absolute(shot.train_checkpoint),
        steps=shot.train_steps if by_steps else None, minutes=None if by_steps else shot.train_minutes,
        span=(shot.train_first_frame, shot.train_stop_frame or None), content_loss=shot.finetune_loss,
        device=compute(context).device, resume=resume)
    return PreparedPerson(scene.name, shot.name, job, path, job["steps"], command="train_person")
