"""THEADS_OT_portrait_preview: the active portrait with its detected landmarks, for a quick check."""
from __future__ import annotations

from pathlib import Path

import bpy
import numpy as np

from ..blender.runtime import RUNTIME
from ..blender.shot_job import cache_folder, output_folder, portrait_paths
from ..logic.drawing import blender_rows, draw_dots, preview_size
from ..logic.errors import UserError
from ..logic.protocol import Event
from ..package import PREFIX
from .common import OperatorResult, shot_named, user_errors

PREVIEW_NAME = f"{PREFIX} Portrait Preview"
DETECT_TIMEOUT_S = 300


class THEADS_OT_portrait_preview(bpy.types.Operator):
    """Detect the landmarks of the shot's first portrait and show them on it"""

    bl_idname = "theads.portrait_preview"
    bl_label = "Preview Landmarks"

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        shot = shot_named(context)
        source = portrait_paths(shot, cache_folder(output_folder(shot)))[0]
        if bpy.app.background:
            paint_preview(source, RUNTIME.ask(context, "landmarks", DETECT_TIMEOUT_S, image=source))
            return {"FINISHED"}
        RUNTIME.request(context, "landmarks", lambda event: on_landmarks(source, event), image=source)
        self.report({"INFO"}, "detecting the landmarks...")
        return {"FINISHED"}


def on_landmarks(source: str, event: Event) -> None:
    settings = bpy.data.window_managers[0].theads
    if event.kind == "done":
        try:
            paint_preview(source, event.get("result") or {})
            settings.status = f"landmarks found on {Path(source).name}"
        except UserError as error:
            settings.status = str(error)
    else:
        settings.status = str(event.get("message") or "the generator stopped; see the console")


def paint_preview(source: str, result: dict) -> bpy.types.Image:
    """The portrait, downscaled, with a dot on each landmark, as the image PREVIEW_NAME."""
    points, size = np.asarray(result.get("points", []), np.float64), tuple(result.get("size", (0, 0)))
    if points.shape != (68, 2) or not all(size):
        raise UserError(f"no face found on {source}")
    width, height = preview_size(size)
    original = bpy.data.images.load(source, check_existing=False)
    try:
        original.scale(width, height)
        pixels = np.empty(width * height * 4, np.float32)
        original.pixels.foreach_get(pixels)
    finally:
        bpy.data.images.remove(original)
    top_down = blender_rows(pixels.reshape(height, width, 4))
    painted = blender_rows(draw_dots(top_down, points * (width / size[0]), radius=max(1, width // 128)))
    preview = bpy.data.images.get(PREVIEW_NAME)
    if preview is None or tuple(preview.size) != (width, height):
        if preview is not None:
            bpy.data.images.remove(preview)
        preview = bpy.data.images.new(PREVIEW_NAME, width, height, alpha=True)
    preview.pixels.foreach_set(np.ascontiguousarray(painted).ravel())
    preview.update()
    preview.preview_ensure()
    return preview


OPERATOR = THEADS_OT_portrait_preview
