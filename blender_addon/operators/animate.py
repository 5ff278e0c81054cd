"""THEADS_OT_animate: render a shot through the worker into its plate and/or texture."""
from __future__ import annotations

import bpy
from bpy.props import StringProperty

from ..blender.runtime import RUNTIME
from ..blender.shot_job import prepare_shot
from ..blender.tasks import AnimateTask
from .common import OperatorResult, report_outcome, shot_named, user_errors

WATCH_INTERVAL_S = 0.2


class THEADS_OT_animate(bpy.types.Operator):
    """Animate the portrait with the shot's driver; Esc cancels and keeps the frames written"""

    bl_idname = "theads.animate"
    bl_label = "Animate"
    bl_options = {"REGISTER"}

    shot: StringProperty(name="Shot", description="The shot to render; empty: the active shot")

    _task: AnimateTask | None = None
    _timer: bpy.types.Timer | None = None

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        task = self._start(context)
        if bpy.app.background:
            RUNTIME.wait()
            return report_outcome(self, task)
        self.report({"INFO"}, f"{task.prepared.shot}: animating in the background; Cancel stops it")
        return {"FINISHED"}

    @user_errors
    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
        if bpy.app.background or context.window is None:
            return self.execute(context)
        self._task = self._start(context)
        manager = context.window_manager
        self._timer = manager.event_timer_add(WATCH_INTERVAL_S, window=context.window)
        manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
        if event.type == "ESC" and event.value == "PRESS":
            RUNTIME.cancel()
        if self._task is None or not self._task.finished:
            return {"PASS_THROUGH"}
        context.window_manager.event_timer_remove(self._timer)
        return report_outcome(self, self._task)

    def _start(self, context: bpy.types.Context) -> AnimateTask:
        shot = shot_named(context, self.shot)
        RUNTIME.worker_python(context)  # fail early when the generator is not installed
        prepared = prepare_shot(context, context.scene, shot)
        return RUNTIME.animate(context, [prepared])


OPERATOR = THEADS_OT_animate
