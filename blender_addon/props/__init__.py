"""Property groups: one per data-block type (preferences, object, scene, window manager)."""
from __future__ import annotations

import bpy

from . import object, preferences, scene, window

_MODULES = (preferences, object, scene, window)


def register() -> None:
    for module in _MODULES:
        for cls in module.CLASSES:
            bpy.utils.register_class(cls)
    bpy.types.Object.theads = bpy.props.PointerProperty(type=object.THeadsObjectSettings)
    bpy.types.Scene.theads = bpy.props.PointerProperty(type=scene.THeadsSceneSettings)
    bpy.types.WindowManager.theads = bpy.props.PointerProperty(type=window.THeadsWindowSettings)


def unregister() -> None:
    del bpy.types.WindowManager.theads
    del bpy.types.Scene.theads
    del bpy.types.Object.theads
    for module in reversed(_MODULES):
        for cls in reversed(module.CLASSES):
            bpy.utils.unregister_class(cls)
