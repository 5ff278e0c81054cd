"""Commands in flight: their events are applied on Blender's main thread, never on a reader thread."""
from __future__ import annotations

import queue
import time
from collections.abc import Callable
from pathlib import Path

import bpy

from ..logic.frames import StripLayout, frames_after
from ..logic.job_state import JobState, JobStatus, PersonState, TrainingState
from ..logic.protocol import EXIT, Event
from . import plate, texture
from .shot_job import PreparedPerson, PreparedShot

OUTPUT_REFRESH_S = 0.5  # how often a running job's plate and texture grow to the frames written


class Task:
    """One command's events, drained from its queue by the runtime's timer."""

    def __init__(self, job_id: str, route: queue.Queue[Event]):
        self.job_id = job_id
        self.route = route
        self.finished = False
        self.worker_died = False

    def handle(self, event: Event) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        """Periodic main-thread work while running (cheap)."""

    def finish(self) -> None:
        """Called once, on the main thread, after the last event."""


class RequestTask(Task):
    """A short command (ping, landmarks): `on_result(event)` gets its done, error or exit event."""

    def __init__(self, job_id: str, route: queue.Queue[Event], on_result: Callable[[Event], None]):
        super().__init__(job_id, route)
        self.on_result = on_result
        self.result: Event | None = None

    def handle(self, event: Event) -> None:
        if event.kind in ("done", "error", EXIT):
            self.result = event
            self.finished = True
            self.worker_died = event.kind == EXIT

    def finish(self) -> None:
        if self.result is not None:
            self.on_result(self.result)


class JobTask(Task):
    """A long job (animate, person) whose progress the UI shows; one runs at a time."""

    def __init__(self, job_id: str, route: queue.Queue[Event], state: JobState, scene: str, shot: str):
        super().__init__(job_id, route)
        self.state = state
        self.scene, self.shot_name = scene, shot
        self.cancel_sent = False

    def handle(self, event: Event) -> None:
        self.state.apply(event)
        self.finished = self.state.finished
        self.worker_died = self.state.worker_died

    def shot(self) -> bpy.types.PropertyGroup | None:
        """The job's shot; None when the user deleted it or its scene meanwhile."""
        scene = bpy.data.scenes.get(self.scene)
        return scene.theads.shots.get(self.shot_name) if scene is not None else None

    def show_status(self, shot: bpy.types.PropertyGroup) -> None:
        """The outcome's first line as the shot's last result."""
        if self.state.status is JobStatus.FAILED:
            show_failure(shot, self.state.message)
        else:
            shot.status = self.state.message.splitlines()[0] if self.state.message else ""

    def outcome(self) -> str:
        """How the job ended, for a report."""
        return self.state.status_text()


class AnimateTask(JobTask):
    """An animate job: progress, and the plate and texture growing as frames are written."""

    def __init__(self, job_id: str, route: queue.Queue[Event], prepared: PreparedShot):
        super().__init__(job_id, route, JobState(job_id, label=prepared.shot, total=prepared.layout.duration),
                         prepared.scene, prepared.shot)
        self.prepared = prepared
        self.shown_frames = 0
        self.last_refresh = 0.0

    def outcome(self) -> str:
        written = self.state.frames_written and self.state.status is not JobStatus.FAILED
        note = f"; {self.prepared.note}" if self.prepared.note and self.state.status is JobStatus.DONE else ""
        return self.state.status_text() + (f" in {self.prepared.folder}" if written else "") + note

    def show_status(self, shot: bpy.types.PropertyGroup) -> None:
        super().show_status(shot)
        if self.prepared.note and self.state.status is JobStatus.DONE:
            shot.status += f"; {self.prepared.note}"

    def refresh(self) -> None:
        now = time.monotonic()
        if now - self.last_refresh >= OUTPUT_REFRESH_S and self.state.frames_written > self.shown_frames:
            self.last_refresh = now
            self.show_frames(self.state.frames_written)

    def finish(self) -> None:
        count = self.state.frames_written
        if self.state.status is JobStatus.DONE:
            for stale in frames_after(self.prepared.folder, count):
                stale.unlink(missing_ok=True)
        self.show_frames(count)
        shot = self.shot()
        if shot is not None:
            self.show_status(shot)

    def show_frames(self, count: int) -> None:
        """Update (or make) the plate and texture to show `count` frames; skipped when the user
        deleted the shot or its scene meanwhile."""
        shot = self.shot()
        if shot is None or count < 1:
            return
        self.shown_frames = count
        prepared = self.prepared
        if prepared.output in ("PLATE", "BOTH"):
            plate_scene = bpy.data.scenes.get(prepared.plate_scene) or bpy.data.scenes[prepared.scene]
            layout = StripLayout(prepared.layout.frame_start, count, prepared.layout.channel)
            plate.update_plate(plate_scene, shot, Path(prepared.folder), count, layout)
        if prepared.output in ("TEXTURE", "BOTH"):
            target = bpy.data.objects.get(prepared.texture_target) if prepared.texture_target else None
            texture.update_texture(bpy.data.scenes[prepared.scene], shot, Path(prepared.folder), count,
                                   prepared.layout.frame_start, target)


class PersonTask(JobTask):
    """A person job (fine-tune on the portraits, or train on footage): its progress; once the
    person file is saved (by a train job, also when it was stopped), the shot uses it."""

    STATES = {"person": PersonState, "train_person": TrainingState}  # by worker command

    def __init__(self, job_id: str, route: queue.Queue[Event], prepared: PreparedPerson):
        state = self.STATES[prepared.command](job_id, label=prepared.shot, total=prepared.steps)
        super().__init__(job_id, route, state, prepared.scene, prepared.shot)
        self.prepared = prepared
        self.note = ""

    def finish(self) -> None:
        shot = self.shot()
        if shot is None:
            return
        if self.state.result.get("output"):  # only a done event has a result
            self.note = use_person_file(shot, self.state.result["output"])
        self.show_status(shot)

    def outcome(self) -> str:
        return self.state.status_text() + self.note


def show_failure(shot: bpy.types.PropertyGroup, reason: str) -> None:
    """A job that failed, before it started or while it ran: the reason is the shot's last result."""
    shot.status = "Failed: " + (reason.strip().splitlines() or ["unknown reason"])[0]


def use_person_file(shot: bpy.types.PropertyGroup, path: str) -> str:
    """Make the shot's person model the person file (rendered by the neural renderer); what changed."""
    shot.person_mode = "PERSON_FILE"
    shot.person_file = bpy.path.relpath(path) if bpy.data.filepath else path
    if shot.renderer == "warp":
        shot.renderer = "neural"
        return "; the shot now uses it, with the neural renderer"
    return "; the shot now uses it"
