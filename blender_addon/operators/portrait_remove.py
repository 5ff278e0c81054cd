"""THEADS_OT_portrait_remove: remove the active portrait of the shot."""
from __future__ import annotations

import bpy

from .common import RemovesActiveItem


class THEADS_OT_portrait_remove(RemovesActiveItem, bpy.types.Operator):
    """Remove the selected portrait from the shot"""

    bl_idname = "theads.portrait_remove"
    bl_label = "Remove Portrait"
    items = "portraits"
    active = "active_portrait"


OPERATOR = THEADS_OT_portrait_remove
