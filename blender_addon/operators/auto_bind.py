"""THEADS_OT_auto_bind: bind an existing face mesh's 68 landmarks automatically, in the background
(modal: progress in the header, Esc cancels); background mode waits for it."""
from __future__ import annotations

import time

import bpy

from ..blender.autobind import AutoBind
from ..blender.runtime import RUNTIME
from .common import WATCH_INTERVAL_S, OperatorResult, user_errors

WAIT_INTERVAL_S = 0.05


class THEADS_OT_auto_bind(bpy.types.Operator):
    """Find the active face mesh's 68 landmark vertices: render it from the scene camera, detect
    the landmarks on the render and cast rays back onto the mesh. Runs in the background (a few
    seconds to a minute); Esc cancels"""

    bl_idname = "theads.auto_bind"
    bl_label = "Auto-bind"
    bl_options = {"REGISTER", "UNDO"}

    _job: AutoBind | None = None
    _timer: bpy.types.Timer | None = None

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        job = AutoBind(context, context.active_object)
        try:
            while not job.poll(context):
                RUNTIME.tick()  # background mode has no timers: drive the worker's events here
                time.sleep(WAIT_INTERVAL_S)
        except KeyboardInterrupt:
            job.cancel()
            raise
        return self._finish(context, job)

    @user_errors
    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
        if bpy.app.background or context.window is None:
            return self.execute(context)
        self._job = AutoBind(context, context.active_object)
        manager = context.window_manager
        self._timer = manager.event_timer_add(WATCH_INTERVAL_S, window=context.window)
        manager.modal_handler_add(self)
        self._show(context, f"Auto-bind '{self._job.object_name}': rendering... (Esc cancels)")
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
        job = self._job
        if event.type == "ESC" and event.value == "PRESS":
            job.cancel()
        elif event.type != "TIMER" or not job.poll(context):
            if not job.finished:
                seconds = time.monotonic() - job.started
                self._show(context, f"Auto-bind '{job.object_name}': {job.stage} ({seconds:.0f} s; Esc cancels)")
                return {"PASS_THROUGH"}
        context.window_manager.event_timer_remove(self._timer)
        self._show(context, None)
        return self._finish(context, job)

    def _finish(self, context: bpy.types.Context, job: AutoBind) -> OperatorResult:
        if job.stage == "cancelled":
            self.report({"WARNING"}, f"Auto-bind of '{job.object_name}' cancelled: nothing changed")
            return {"CANCELLED"}
        if job.stage == "failed":
            self.report({"ERROR"}, job.error)
            return {"CANCELLED"}
        shot = context.scene.theads.active()
        if shot is not None and shot.driver == "RIG" and shot.rig is None:
            shot.rig = bpy.data.objects[job.object_name]
        self.report({"INFO"}, f"'{job.object_name}' is bound to 68 landmarks")
        return {"FINISHED"}

    @staticmethod
    def _show(context: bpy.types.Context, text: str | None) -> None:
        if context.area is not None:
            context.area.header_text_set(text)
        context.workspace.status_text_set(text)


OPERATOR = THEADS_OT_auto_bind
