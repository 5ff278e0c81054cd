"""THEADS_OT_shot_add: a new shot, its frame range taken from the scene."""
from __future__ import annotations

import bpy

from .common import OperatorResult


class THEADS_OT_shot_add(bpy.types.Operator):
    """Add a shot to the scene's list"""

    bl_idname = "theads.shot_add"
    bl_label = "Add Shot"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> OperatorResult:
        scene = context.scene
        shot = scene.theads.add_shot()
        shot.frame_start, shot.frame_end = scene.frame_start, scene.frame_end
        return {"FINISHED"}


OPERATOR = THEADS_OT_shot_add
