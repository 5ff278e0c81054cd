"""Paths the add-on stores in a blend file, relative to it (`//...`) once it is saved, so that a
project folder can move to another machine or a render farm node."""
from __future__ import annotations

import os
from pathlib import Path

import bpy

from ..package import PREFIX

SHOT_PATHS = ("video_path", "person_file", "output_folder", "finetune_output")


def blend_relative(path: str | Path, blend: str | None = None) -> str:
    """`path` relative to the blend file (`//...`) when it is saved (or to `blend`), else absolute;
    a path on another drive stays absolute."""
    blend = bpy.data.filepath if blend is None else blend
    full = bpy.path.abspath(str(path)) if str(path).startswith("//") else str(path)
    if not blend:
        return full
    try:
        return bpy.path.relpath(full, start=str(Path(blend).parent))
    except ValueError:  # Windows: another drive
        return full


def _rebased(value: str, old_blend: str, new_blend: str) -> str:
    """A path of one of the add-on's own properties, relative to `new_blend` (a `//` path is read
    relative to `old_blend`, where it was saved; Blender does not remap add-on properties)."""
    if value.startswith("//"):
        if not old_blend:
            return value
        value = bpy.path.abspath(value, start=str(Path(old_blend).parent))
    return blend_relative(value, new_blend)


def _relative_inputs(shot: bpy.types.PropertyGroup, old_blend: str, new_blend: str) -> None:
    """The shot's own file choices, as Blender's "Default relative paths" preference asks."""
    for name in SHOT_PATHS:
        value = getattr(shot, name)
        if value and (rebased := _rebased(value, old_blend, new_blend)) != value:
            setattr(shot, name, rebased)
    for portrait in shot.portraits:
        if portrait.filepath and (rebased := _rebased(portrait.filepath, old_blend, new_blend)) != portrait.filepath:
            portrait.filepath = rebased


def _relative_outputs(shot: bpy.types.PropertyGroup, base: str) -> None:
    """The shot's plate and texture, relative to `base`: the file Blender remaps relative paths
    from while it saves (the blend's current path; the new one when it was never saved)."""
    for scene in bpy.data.scenes:
        editor = scene.sequence_editor
        strip = _find(editor, shot.plate_strip) if editor is not None else None
        if strip is not None and strip.type == "IMAGE":
            relative = blend_relative(bpy.path.abspath(strip.directory).rstrip("/\\"), base) + os.sep
            if strip.directory != relative:
                strip.directory = relative
    image = shot.texture_image
    if image is not None and image.name.startswith(PREFIX) and image.filepath:
        relative = blend_relative(bpy.path.abspath(image.filepath), base)
        if image.filepath != relative:
            image.filepath = relative


@bpy.app.handlers.persistent
def make_paths_relative(filepath: str, *_: object) -> None:
    """save_pre handler (`filepath`: where the blend file is written, also by Save As): the
    add-on's plates and textures point at their frames relative to the blend file, and so do the
    shots' files when Blender's "Default relative paths" preference is on."""
    if not filepath:
        return
    current = bpy.data.filepath
    inputs_too = bpy.context.preferences.filepaths.use_relative_paths
    for scene in bpy.data.scenes:
        for shot in scene.theads.shots:
            if inputs_too:
                _relative_inputs(shot, current, filepath)
            _relative_outputs(shot, current or filepath)


def _find(editor: bpy.types.SequenceEditor, name: str) -> bpy.types.Strip | None:
    strips = editor.strips_all if hasattr(editor, "strips_all") else editor.sequences_all
    return strips.get(name) if name else None


def register() -> None:
    if make_paths_relative not in bpy.app.handlers.save_pre:
        bpy.app.handlers.save_pre.append(make_paths_relative)


def unregister() -> None:
    if make_paths_relative in bpy.app.handlers.save_pre:
        bpy.app.handlers.save_pre.remove(make_paths_relative)
