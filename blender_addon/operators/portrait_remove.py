"""THEADS_OT_portrait_remove: remove the active portrait of the shot."""
from __future__ import annotations

import bpy

from .common import OperatorResult, remove_active, shot_named, user_errors


class THEADS_OT_portrait_remove(bpy.types.Operator):
    """Remove the selected portrait from the shot"""

    bl_idname = "theads.portrait_remove"
    bl_label = "Remove Portrait"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        shot = context.scene.theads.active()
        return shot is not None and len(shot.portraits) > 0

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        shot = shot_named(context)
        remove_active(shot, "portraits", "active_portrait")
        return {"FINISHED"}


OPERATOR = THEADS_OT_portrait_remove
