"""THEADS_OT_animate: render a shot through the worker into its plate and/or texture."""
from __future__ import annotations

import bpy
from bpy.props import StringProperty

from ..blender.runtime import RUNTIME
from ..blender.shot_job import prepare_shot
from ..blender.tasks import AnimateTask, show_failure
from ..logic.errors import UserError
from .common import StartsJob, shot_named


class THEADS_OT_animate(StartsJob, bpy.types.Operator):
    """Animate the portrait with the shot's driver; Esc cancels and keeps the frames written"""

    bl_idname = "theads.animate"
    bl_label = "Animate"
    bl_options = {"REGISTER"}

    shot: StringProperty(name="Shot", description="The shot to render; empty: the active shot")

    doing = "animating"

    def start(self, context: bpy.types.Context) -> AnimateTask:
        shot = shot_named(context, self.shot)
        try:
            RUNTIME.worker_python(context)  # fail early when the generator is not installed
            prepared = prepare_shot(context, context.scene, shot)
            for warning in prepared.warnings:
                self.report({"WARNING"}, f"{shot.name}: {warning}")
            return RUNTIME.animate(context, [prepared])
        except UserError as error:
            show_failure(shot, str(error))
            raise


OPERATOR = THEADS_OT_animate
