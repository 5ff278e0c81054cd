"""THEADS_OT_animate: render a shot through the worker into its plate and/or texture."""
from __future__ import annotations

import bpy
from bpy.props import StringProperty

from ..blender.runtime import RUNTIME
from ..blender.shot_job import prepare_shot
from ..blender.tasks import AnimateTask
from .common import OperatorResult, WatchesJobs, report_outcome, shot_named, user_errors


class THEADS_OT_animate(WatchesJobs, bpy.types.Operator):
    """Animate the portrait with the shot's driver; Esc cancels and keeps the frames written"""

    bl_idname = "theads.animate"
    bl_label = "Animate"
    bl_options = {"REGISTER"}

    shot: StringProperty(name="Shot", description="The shot to render; empty: the active shot")

    _task: AnimateTask | None = None

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
        return self.watch(context)

    def jobs_ended(self) -> OperatorResult:
        return report_outcome(self, self._task)

    def _start(self, context: bpy.types.Context) -> AnimateTask:
        shot = shot_named(context, self.shot)
        RUNTIME.worker_python(context)  # fail early when the generator is not installed
        prepared = prepare_shot(context, context.scene, shot)
        return RUNTIME.animate(context, [prepared])


OPERATOR = THEADS_OT_animate
