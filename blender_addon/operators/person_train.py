"""THEADS_OT_person_train: train the shot's person model on footage of the person and save it."""
from __future__ import annotations

import bpy
from bpy.props import BoolProperty, StringProperty

from ..blender.runtime import RUNTIME
from ..blender.shot_job import prepare_training
from ..blender.tasks import PersonTask
from .common import StartsJob, shot_named


class THEADS_OT_person_train(StartsJob, bpy.types.Operator):
    """Train a person model on footage of the person (from scratch, or from a meta-learned
    checkpoint) and save it as a person file; the shot then uses it. Esc stops the training and
    saves what it has learnt; Resume continues it"""

    bl_idname = "theads.person_train"
    bl_label = "Train Person from Footage"
    bl_options = {"REGISTER"}

    shot: StringProperty(name="Shot", description="The shot whose person to train; empty: the active shot")
    resume: BoolProperty(name="Resume", description="Continue the training run saved beside the person file")

    doing = "training the person"

    def start(self, context: bpy.types.Context) -> PersonTask:
        shot = shot_named(context, self.shot)
        RUNTIME.worker_python(context)  # fail early when the generator is not installed
        prepared = prepare_training(context, context.scene, shot, self.resume)
        return RUNTIME.person(context, prepared)


OPERATOR = THEADS_OT_person_train
