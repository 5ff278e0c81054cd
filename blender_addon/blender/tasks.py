"""Commands in flight: their events are applied on Blender's main thread, never on a reader thread."""
from __future__ import annotations

import queue
import time
from collections.abc import Callable
from pathlib import Path

import bpy

from ..logic.frames import StripLayout, frames_after
from ..logic.job_state import JobState, JobStatus
from ..logic.protocol import EXIT, Event
from . import plate, texture
from .shot_job import PreparedShot

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


class AnimateTask(Task):
    """An animate job: progress, and the plate and texture growing as frames are written."""

    def __init__(self, job_id: str, route: queue.Queue[Event], prepared: PreparedShot):
        super().__init__(job_id, route)
        self.prepared = prepared
        self.state = JobState(job_id, label=prepared.shot, total=prepared.layout.duration)
        self.shown_frames = 0
        self.last_refresh = 0.0

    def handle(self, event: Event) -> None:
        self.state.apply(event)
        self.finished = self.state.finished
        self.worker_died = self.state.worker_died

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
            shot.status = self.state.message.splitlines()[0] if self.state.message else ""

    def shot(self) -> bpy.types.PropertyGroup | None:
        scene = bpy.data.scenes.get(self.prepared.scene)
        return scene.theads.shots.get(self.prepared.shot) if scene is not None else None

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
