"""List views of the shots and of a shot's portraits and footage."""
from __future__ import annotations

from pathlib import Path

import bpy


class THEADS_UL_shots(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0, flt_flag=0):
        row = layout.row(align=True)
        row.prop(item, "name", text="", emboss=False, icon="SEQUENCE")
        row.label(text=item.driver.title())


class THEADS_UL_portraits(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0, flt_flag=0):
        if item.image is not None:
            layout.label(text=item.image.name, icon="IMAGE_DATA")
        else:
            layout.label(text=bpy.path.basename(item.filepath) or "(no file)", icon="FILE_IMAGE")


class THEADS_UL_footage(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0, flt_flag=0):
        name = bpy.path.basename(item.filepath.rstrip("/\\")) or "(no file)"
        layout.label(text=name, icon="FILE_MOVIE" if Path(item.filepath).suffix else "FILE_FOLDER")


CLASSES = (THEADS_UL_shots, THEADS_UL_portraits, THEADS_UL_footage)
