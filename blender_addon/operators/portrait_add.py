"""THEADS_OT_portrait_add: add image files, or an image data-block, as portraits of the shot."""
from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import CollectionProperty, StringProperty

from .common import OperatorResult, shot_named, user_errors


class THEADS_OT_portrait_add(bpy.types.Operator):
    """Add portrait images of the person (files, or an image already in the blend file)"""

    bl_idname = "theads.portrait_add"
    bl_label = "Add Portrait"
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(subtype="FILE_PATH")
    directory: StringProperty(subtype="DIR_PATH", options={"SKIP_SAVE"})
    files: CollectionProperty(type=bpy.types.OperatorFileListElement, options={"SKIP_SAVE"})
    image: StringProperty(name="Image", description="An image data-block instead of files", options={"SKIP_SAVE"})
    filter_image: bpy.props.BoolProperty(default=True, options={"HIDDEN", "SKIP_SAVE"})
    filter_folder: bpy.props.BoolProperty(default=True, options={"HIDDEN", "SKIP_SAVE"})

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
        if self.image:
            return self.execute(context)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        shot = shot_named(context)
        if self.image:
            image = bpy.data.images.get(self.image)
            if image is None:
                self.report({"ERROR"}, f"no image named '{self.image}' in the blend file")
                return {"CANCELLED"}
            shot.portraits.add().image = image
        else:
            for path in self._paths():
                shot.portraits.add().filepath = bpy.path.relpath(path) if bpy.data.filepath else path
        shot.active_portrait = len(shot.portraits) - 1
        return {"FINISHED"}

    def _paths(self) -> list[str]:
        if self.files and self.directory:
            return [str(Path(self.directory) / item.name) for item in self.files if item.name]
        return [self.filepath] if self.filepath else []


OPERATOR = THEADS_OT_portrait_add
