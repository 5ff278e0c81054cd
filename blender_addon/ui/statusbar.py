"""A progress bar in Blender's status bar while a job runs."""
from __future__ import annotations

import bpy


def draw_progress(self: bpy.types.Header, context: bpy.types.Context) -> None:
    settings = context.window_manager.theads
    if settings.busy:
        self.layout.progress(factor=settings.progress, text=f"Talking Heads: {settings.status}")


def register() -> None:
    bpy.types.STATUSBAR_HT_header.append(draw_progress)


def unregister() -> None:
    bpy.types.STATUSBAR_HT_header.remove(draw_progress)
