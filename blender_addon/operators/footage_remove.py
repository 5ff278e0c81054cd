"""THEADS_OT_footage_remove: remove the selected footage of the shot."""
from __future__ import annotations

import bpy

from .common import RemovesActiveItem


class THEADS_OT_footage_remove(RemovesActiveItem, bpy.types.Operator):
    """Remove the selected footage from the shot"""

    bl_idname = "theads.footage_remove"
    bl_label = "Remove Footage"
    items = "footage"
    active = "active_footage"


OPERATOR = THEADS_OT_footage_remove
