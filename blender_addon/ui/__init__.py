"""The panels (Sequencer and 3D viewport sidebars), lists and the status bar progress."""
from __future__ import annotations

import bpy

from . import lists, panels, statusbar

CLASSES = (*lists.CLASSES, *panels.CLASSES)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    statusbar.register()


def unregister() -> None:
    statusbar.unregister()
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
