"""The plate: an image strip in the Video Sequence Editor, updated in place on every render."""
from __future__ import annotations

import os
from pathlib import Path

import bpy

from ..logic.frames import StripLayout, frame_name
from ..package import PREFIX
from . import compat


def plate_name(shot_name: str) -> str:
    return f"{PREFIX} {shot_name}"


def update_plate(scene: bpy.types.Scene, shot: bpy.types.PropertyGroup, folder: Path,
                 count: int, layout: StripLayout) -> bpy.types.Strip | None:
    """Show frames 1..count of `folder` from `layout.frame_start` on `layout.channel`; reuse the
    shot's strip when it still exists. Nothing is made before the first frame exists."""
    if count < 1:
        return None
    strip = compat.find_strip(scene, shot.plate_strip)
    if strip is None or strip.type != "IMAGE":
        editor = scene.sequence_editor or scene.sequence_editor_create()
        strip = compat.strips(editor).new_image(plate_name(shot.name), str(folder / frame_name(1)),
                                                layout.channel, layout.frame_start, fit_method="FIT")
        shot.plate_strip = strip.name
    _set_frames(strip, folder, count)
    if strip.channel != layout.channel:
        strip.channel = layout.channel
    if strip.frame_start != layout.frame_start:
        strip.frame_start = layout.frame_start
    return strip


def _set_frames(strip: bpy.types.Strip, folder: Path, count: int) -> None:
    directory = str(folder) + os.sep
    changed = strip.directory != directory
    if changed:
        strip.directory = directory
    elements = strip.elements
    while len(elements) > count:
        elements.pop(len(elements) - 1)
    if elements[0].filename != frame_name(1):
        elements[0].filename = frame_name(1)
    for index in range(len(elements) + 1, count + 1):
        elements.append(frame_name(index))
    compat.invalidate_strip(strip)
