"""THEADS_OT_auto_bind: bind an existing face mesh's 68 landmarks automatically."""
from __future__ import annotations

from pathlib import Path

import bpy
import numpy as np

from ..blender.autobind import auto_bind
from ..blender.runtime import RUNTIME
from ..logic.errors import UserError
from .common import OperatorResult, user_errors

DETECT_TIMEOUT_S = 300


class THEADS_OT_auto_bind(bpy.types.Operator):
    """Find the active face mesh's 68 landmark vertices: render it from the scene camera, detect
    the landmarks on the render and cast rays back onto the mesh (takes a few seconds)"""

    bl_idname = "theads.auto_bind"
    bl_label = "Auto-bind"
    bl_options = {"REGISTER", "UNDO"}

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        obj = context.active_object

        def detect(image: Path) -> tuple[np.ndarray, tuple[int, int]]:
            result = RUNTIME.ask(context, "landmarks", DETECT_TIMEOUT_S, image=str(image))
            if len(result.get("points", [])) != 68:
                raise UserError("the generator returned no landmarks for the render")
            return np.asarray(result["points"], np.float64), tuple(result["size"])

        auto_bind(context, obj, detect)
        shot = context.scene.theads.active()
        if shot is not None and shot.driver == "RIG" and shot.rig is None:
            shot.rig = obj
        self.report({"INFO"}, f"'{obj.name}' is bound to 68 landmarks")
        return {"FINISHED"}


OPERATOR = THEADS_OT_auto_bind
