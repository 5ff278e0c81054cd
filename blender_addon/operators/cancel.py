"""THEADS_OT_cancel: stop the running job; the frames written stay."""
from __future__ import annotations

import bpy

from ..blender.runtime import RUNTIME
from .common import OperatorResult


class THEADS_OT_cancel(bpy.types.Operator):
    """Stop the running job and the shots waiting after it; the frames written are kept
    (a cancelled Fine-tune Person writes nothing; a stopped Train Person from Footage saves what
    it has learnt)"""

    bl_idname = "theads.cancel"
    bl_label = "Cancel"

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return RUNTIME.job is not None or bool(RUNTIME.pending)

    def execute(self, context: bpy.types.Context) -> OperatorResult:
        if not RUNTIME.cancel():
            self.report({"WARNING"}, "no job is running")
            return {"CANCELLED"}
        self.report({"INFO"}, "cancelling: the frames written so far are kept")
        return {"FINISHED"}


OPERATOR = THEADS_OT_cancel
