"""Session state shown in the UI (never saved in the blend file): job progress, environment report."""
from __future__ import annotations

import bpy
from bpy.props import BoolProperty, FloatProperty, StringProperty


class THeadsWindowSettings(bpy.types.PropertyGroup):
    busy: BoolProperty(name="Busy", default=False)
    progress: FloatProperty(name="Progress", min=0.0, max=1.0, subtype="FACTOR")
    status: StringProperty(name="Status")
    environment: StringProperty(name="Environment", description="What 'Check environment' found, one line each")
    environment_ok: BoolProperty(default=False)


CLASSES = (THeadsWindowSettings,)
