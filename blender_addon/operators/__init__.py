"""Operators, one per file."""
from __future__ import annotations

import bpy

from . import (add_landmark_rig, animate, auto_bind, cancel, check_environment, footage_add, footage_remove,
               person_finetune, person_train, portrait_add, portrait_preview, portrait_remove, render_all_shots,
               shot_add, shot_remove)

_MODULES = (add_landmark_rig, animate, auto_bind, cancel, check_environment, footage_add, footage_remove,
            person_finetune, person_train, portrait_add, portrait_preview, portrait_remove, render_all_shots,
            shot_add, shot_remove)
CLASSES = tuple(module.OPERATOR for module in _MODULES)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister() -> None:
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
