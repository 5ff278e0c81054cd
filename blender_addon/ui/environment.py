"""The environment report drawn in the preferences and the main panel."""
from __future__ import annotations

import bpy


def draw_environment(layout: bpy.types.UILayout, context: bpy.types.Context) -> None:
    settings = context.window_manager.theads
    layout.operator("theads.check_environment", icon="CHECKMARK" if settings.environment_ok else "QUESTION")
    if settings.environment:
        box = layout.box()
        for line in settings.environment.splitlines():
            box.label(text=line, icon="DOT" if settings.environment_ok else "ERROR")
