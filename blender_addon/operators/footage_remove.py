"""THEADS_OT_footage_remove: remove the selected footage of the shot."""
from __future__ import annotations

import bpy

from .common import OperatorResult, remove_active, shot_named, user_errors


class THEADS_OT_footage_remove(bpy.types.Operator):
    """Remove the selected footage from the shot"""

    bl_idname = "theads.footage_remove"
    bl_label = "Remove Footage"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        shot = context.scene.theads.active()
        return shot is not None and len(shot.footage) > 0

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        remove_active(shot_named(context), "footage", "active_footage")
        return {"FINISHED"}


OPERATOR = THEADS_OT_footage_remove
