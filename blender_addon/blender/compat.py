"""Differences between Blender 4.2, 4.5 and 5.0 in one place."""
from __future__ import annotations

import bpy

# Options of file path properties: 4.5 and later warn when a path without this option holds "//"
BLEND_RELATIVE_PATH = {"PATH_SUPPORTS_BLEND_RELATIVE"} if bpy.app.version >= (4, 5, 0) else set()


def sequencer_scene(context: bpy.types.Context) -> bpy.types.Scene:
    """The scene whose sequencer the user edits: 5.0 may show another scene's (`sequencer_scene`)."""
    return getattr(context, "sequencer_scene", None) or context.scene


def strips(editor: bpy.types.SequenceEditor) -> bpy.types.bpy_prop_collection:
    """Top-level strips: `strips` in 5.0, `sequences` in 4.2 and 4.5."""
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def all_strips(editor: bpy.types.SequenceEditor) -> bpy.types.bpy_prop_collection:
    """Every strip, inside meta strips too."""
    return editor.strips_all if hasattr(editor, "strips_all") else editor.sequences_all


def find_strip(scene: bpy.types.Scene, name: str) -> bpy.types.Strip | None:
    editor = scene.sequence_editor
    if editor is None or not name:
        return None
    return all_strips(editor).get(name)


def use_material_nodes(material: bpy.types.Material) -> None:
    """Materials always have nodes in 5.0; 4.x needs them switched on."""
    if bpy.app.version < (5, 0, 0) and not material.use_nodes:
        material.use_nodes = True


def invalidate_strip(strip: bpy.types.Strip) -> None:
    """Make the sequencer read the strip's files again (they were rewritten)."""
    invalidate = getattr(strip, "invalidate_cache", None)
    if invalidate is not None:
        invalidate("RAW")
