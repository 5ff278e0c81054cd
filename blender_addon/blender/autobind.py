"""Auto-bind: find a face mesh's 68 landmark vertices by rendering it from the camera,
detecting the landmarks on the render (through the worker) and casting rays back onto it."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import bpy
import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from ..logic.errors import UserError
from ..logic.projection import pixel_ray
from ..package import ADDON_DIR
from .rig_sampler import camera_matrices, scene_render_size

RENDER_LONGEST_SIDE = 640
RENDER_TIMEOUT_S = 300


def render_command(blend: Path, out: Path, obj: bpy.types.Object) -> list[str]:
    script = str(ADDON_DIR / "render_child.py")
    args = [str(out), obj.name, str(RENDER_LONGEST_SIDE)]
    if bpy.app.binary_path:
        return [bpy.app.binary_path, "-b", str(blend), "--factory-startup", "--python-exit-code", "1",
                "-P", script, "--", *args]
    return [sys.executable, script, "--", str(blend), *args]  # the bpy module


def render_object(obj: bpy.types.Object, folder: Path) -> Path:
    """A Cycles (CPU) render of the object alone from the scene camera, made in a subprocess."""
    blend, out = folder / "autobind.blend", folder / "autobind.png"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend), copy=True, check_existing=False)
    result = subprocess.run(render_command(blend, out, obj), capture_output=True, text=True,
                            timeout=RENDER_TIMEOUT_S)
    if result.returncode != 0 or not out.is_file():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-6:])
        raise UserError(f"the render of '{obj.name}' for Auto-bind failed (exit code {result.returncode}): {tail}")
    return out


def nearest_vertices(context: bpy.types.Context, obj: bpy.types.Object, pixels: np.ndarray,
                     size: tuple[int, int]) -> list[int]:
    """For each render pixel (68, 2), the vertex of `obj` nearest to where its camera ray meets it."""
    depsgraph = context.evaluated_depsgraph_get()
    evaluated = obj.evaluated_get(depsgraph)
    mesh = evaluated.data
    if len(mesh.vertices) != len(obj.data.vertices):
        raise UserError(f"the modifiers of '{obj.name}' change its vertex count: disable them for Auto-bind")
    tree = BVHTree.FromObject(obj, depsgraph)
    view, projection = camera_matrices(context.scene, depsgraph, size)
    to_local = evaluated.matrix_world.inverted()
    indices, missed = [], []
    for number, pixel in enumerate(pixels):
        origin, direction = pixel_ray(tuple(pixel), view, projection, size)
        local_origin = to_local @ Vector(origin)
        local_direction = (to_local.to_3x3() @ Vector(direction)).normalized()
        location, _, face, _ = tree.ray_cast(local_origin, local_direction)
        if location is None:
            missed.append(number)
            continue
        polygon = mesh.polygons[face]
        indices.append(min(polygon.vertices, key=lambda v: (mesh.vertices[v].co - location).length))
    if missed:
        raise UserError(f"{len(missed)} landmarks (e.g. {missed[:4]}) fall outside '{obj.name}' as the camera "
                        "sees it: frame the whole face in the camera and try again")
    return indices


Detector = Callable[[Path], tuple[np.ndarray, tuple[int, int]]]


def auto_bind(context: bpy.types.Context, obj: bpy.types.Object, detect: Detector) -> list[int]:
    """Bind `obj`'s 68 landmark vertices; `detect(png_path) -> (points (68, 2), (W, H))` finds
    the landmarks on the render."""
    if obj is None or obj.type != "MESH":
        raise UserError("Auto-bind needs a mesh: select the face mesh and make it active")
    if context.scene.camera is None:
        raise UserError(f"the scene '{context.scene.name}' has no camera: add one that sees the face")
    with tempfile.TemporaryDirectory(prefix="theads-bind-") as folder:
        image = render_object(obj, Path(folder))
        points, rendered = detect(image)
    size = scene_render_size(context.scene)
    scaled = np.asarray(points, np.float64) * (np.array(size) / np.array(rendered))
    indices = nearest_vertices(context, obj, scaled, size)
    obj.theads.bind_vertices(indices)
    return indices
