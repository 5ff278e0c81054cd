"""THEADS_OT_shot_remove: remove the active shot (its frames, plate and texture stay)."""
from __future__ import annotations

import bpy

from .common import OperatorResult, remove_active


class THEADS_OT_shot_remove(bpy.types.Operator):
    """Remove the active shot from the list; its frames, plate and texture stay"""

    bl_idname = "theads.shot_remove"
    bl_label = "Remove Shot"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return context.scene.theads.active() is not None

    def execute(self, context: bpy.types.Context) -> OperatorResult:
        remove_active(context.scene.theads, "shots", "active_shot")
        return {"FINISHED"}


OPERATOR = THEADS_OT_shot_remove
