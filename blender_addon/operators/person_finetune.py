"""THEADS_OT_person_finetune: fine-tune the shot's person on its portraits and save a person file."""
from __future__ import annotations

import bpy
from bpy.props import StringProperty

from ..blender.runtime import RUNTIME
from ..blender.shot_job import prepare_person
from ..blender.tasks import PersonTask
from .common import StartsJob, shot_named


class THEADS_OT_person_finetune(StartsJob, bpy.types.Operator):
    """Fine-tune the person model on the shot's portraits (the paper's FT) and save it as a person
    file that other shots can reuse; the shot then uses it. Esc cancels and writes nothing"""

    bl_idname = "theads.person_finetune"
    bl_label = "Fine-tune Person"
    bl_options = {"REGISTER"}

    shot: StringProperty(name="Shot", description="The shot whose person to fine-tune; empty: the active shot")

    doing = "fine-tuning the person"

    def start(self, context: bpy.types.Context) -> PersonTask:
        shot = shot_named(context, self.shot)
        RUNTIME.worker_python(context)  # fail early when the generator is not installed
        prepared = prepare_person(context, context.scene, shot)
        return RUNTIME.person(context, prepared)


OPERATOR = THEADS_OT_person_finetune
