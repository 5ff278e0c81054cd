"""List views of the shots and of a shot's portraits."""
from __future__ import annotations

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


CLASSES = (THEADS_UL_shots, THEADS_UL_portraits)
