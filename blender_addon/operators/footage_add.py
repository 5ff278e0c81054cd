"""THEADS_OT_footage_add: add video files or an image folder as footage of the shot's person."""
from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import BoolProperty, CollectionProperty, StringProperty

from .common import OperatorResult, shot_named, user_errors


class THEADS_OT_footage_add(bpy.types.Operator):
    """Add footage of the person to train their person model on: video files, or a folder of
    images (open the folder and add it with no file selected)"""

    bl_idname = "theads.footage_add"
    bl_label = "Add Footage"
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(subtype="FILE_PATH")
    directory: StringProperty(subtype="DIR_PATH", options={"SKIP_SAVE"})
    files: CollectionProperty(type=bpy.types.OperatorFileListElement, options={"SKIP_SAVE"})
    filter_movie: BoolProperty(default=True, options={"HIDDEN", "SKIP_SAVE"})
    filter_image: BoolProperty(default=True, options={"HIDDEN", "SKIP_SAVE"})
    filter_folder: BoolProperty(default=True, options={"HIDDEN", "SKIP_SAVE"})

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        shot = shot_named(context)
        for path in self._paths():
            shot.footage.add().filepath = bpy.path.relpath(path) if bpy.data.filepath else path
        shot.active_footage = len(shot.footage) - 1
        return {"FINISHED"}

    def _paths(self) -> list[str]:
        """The files chosen; none chosen in a folder: the folder (its images)."""
        chosen = [str(Path(self.directory) / item.name) for item in self.files if item.name] if self.directory else []
        if chosen:
            return chosen
        if self.filepath and not Path(self.filepath).is_dir():
            return [self.filepath]
        folder = self.directory or self.filepath
        return [str(Path(folder))] if folder else []


OPERATOR = THEADS_OT_footage_add
