"""The plate: an image strip in the Video Sequence Editor, updated in place on every render."""
from __future__ import annotations

import os
from pathlib import Path

import bpy

from ..logic.frames import StripLayout, frame_name, png_size
from ..package import PREFIX
from . import compat
from .paths import blend_relative

# new_image reads the file it is given to size the strip, tens of milliseconds on the main
# thread: it is given a name that does not exist, then pointed at the frames and fitted here.
_NOT_READ = ".talking-heads-not-read.png"


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
        strip = compat.strips(editor).new_image(plate_name(shot.name), str(folder / _NOT_READ),
                                                layout.channel, layout.frame_start, fit_method="ORIGINAL")
        shot.plate_strip = strip.name
        _fit(scene, strip, png_size(folder / frame_name(1)))
    _set_frames(strip, folder, count)
    if strip.channel != layout.channel:
        strip.channel = layout.channel
    if strip.frame_start != layout.frame_start:
        strip.frame_start = layout.frame_start
    return strip


def _fit(scene: bpy.types.Scene, strip: bpy.types.Strip, size: tuple[int, int]) -> None:
    """Scale the strip to fit the render frame, as the sequencer's Fit method does."""
    scale = min(scene.render.resolution_x / size[0], scene.render.resolution_y / size[1])
    strip.transform.scale_x = strip.transform.scale_y = scale


def _set_frames(strip: bpy.types.Strip, folder: Path, count: int) -> None:
    directory = blend_relative(folder) + os.sep
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
