"""Auto-bind: find a face mesh's 68 landmark vertices by rendering it from the camera,
detecting the landmarks on the render (through the worker) and casting rays back onto it,
without blocking Blender."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bpy
import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from ..logic.errors import UserError
from ..logic.projection import pixel_rays
from ..logic.protocol import Event
from ..package import ADDON_DIR
from .rig_sampler import camera_matrices, scene_render_size
from .runtime import RUNTIME

RENDER_LONGEST_SIDE = 640
RENDER_TIMEOUT_S = 300


def render_command(blend: Path, out: Path, obj: bpy.types.Object) -> list[str]:
    script = str(ADDON_DIR / "render_child.py")
    args = [str(out), obj.name, str(RENDER_LONGEST_SIDE)]
    if bpy.app.binary_path:
        return [bpy.app.binary_path, "-b", str(blend), "--factory-startup", "--python-exit-code", "1",
                "-P", script, "--", *args]
    return [sys.executable, script, "--", str(blend), *args]  # the bpy module


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
    origins, directions = pixel_rays(pixels, view, projection, size)
    for number, (origin, direction) in enumerate(zip(origins, directions)):
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


class AutoBind:
    """Auto-bind in steps that never block Blender: a Cycles render of the object alone from the
    scene camera in a subprocess, the landmarks of that render from the worker, then the rays cast
    back onto the mesh. `poll` advances it (from a modal operator's timer, or a loop in background
    mode); `cancel` stops it."""

    def __init__(self, context: bpy.types.Context, obj: bpy.types.Object | None):
        if obj is None or obj.type != "MESH":
            raise UserError("Auto-bind needs a mesh: select the face mesh and make it active")
        if context.scene.camera is None:
            raise UserError(f"the scene '{context.scene.name}' has no camera: add one that sees the face")
        self.object_name = obj.name
        self.stage = "rendering"  # then "detecting", "bound", "failed" or "cancelled"
        self.error = ""
        self.started = time.monotonic()
        self._folder = tempfile.TemporaryDirectory(prefix="theads-bind-")
        blend, self._image = Path(self._folder.name) / "autobind.blend", Path(self._folder.name) / "autobind.png"
        bpy.ops.wm.save_as_mainfile(filepath=str(blend), copy=True, check_existing=False)
        self._log = Path(self._folder.name) / "render.log"
        with open(self._log, "w", encoding="utf-8") as log:  # a file, not a pipe: a full pipe would stall it
            self._render = subprocess.Popen(render_command(blend, self._image, obj), stdout=log,
                                            stderr=subprocess.STDOUT)
        self._landmarks: Event | None = None

    @property
    def finished(self) -> bool:
        return self.stage in ("bound", "failed", "cancelled")

    def poll(self, context: bpy.types.Context) -> bool:
        """Advance when the current step is done; True once finished (see `stage` and `error`)."""
        if self.stage == "rendering":
            self._poll_render(context)
        elif self.stage == "detecting" and self._landmarks is not None:
            self._bind(context, self._landmarks)
        if self.finished:
            self._folder.cleanup()
        return self.finished

    def cancel(self) -> None:
        if self._render.poll() is None:
            self._render.kill()
            self._render.wait()
        if not self.finished:
            self.stage = "cancelled"
            self._folder.cleanup()

    def _poll_render(self, context: bpy.types.Context) -> None:
        if self._render.poll() is None:
            if time.monotonic() - self.started > RENDER_TIMEOUT_S:
                self._render.kill()
                self._render.wait()
                self._fail(f"the render of '{self.object_name}' for Auto-bind took over {RENDER_TIMEOUT_S} s")
            return
        output = self._log.read_text(encoding="utf-8", errors="replace")
        if self._render.returncode != 0 or not self._image.is_file():
            tail = "\n".join(output.strip().splitlines()[-6:])
            self._fail(f"the render of '{self.object_name}' for Auto-bind failed (exit code "
                       f"{self._render.returncode}): {tail}")
            return
        self.stage = "detecting"
        try:
            RUNTIME.request(context, "landmarks", self._on_landmarks, image=str(self._image))
        except UserError as error:
            self._fail(str(error))

    def _on_landmarks(self, event: Event) -> None:
        self._landmarks = event

    def _bind(self, context: bpy.types.Context, event: Event) -> None:
        result = event.get("result") or {}
        if event.kind != "done" or len(result.get("points", [])) != 68:
            self._fail(str(event.get("message") or "the generator found no landmarks on the render of "
                                                   f"'{self.object_name}': frame the whole face in the camera"))
            return
        obj = bpy.data.objects.get(self.object_name)
        if obj is None or obj.type != "MESH":
            self._fail(f"'{self.object_name}' was deleted during Auto-bind")
            return
        size = scene_render_size(context.scene)
        scaled = np.asarray(result["points"], np.float64) * (np.array(size) / np.array(result["size"]))
        try:
            obj.theads.bind_vertices(nearest_vertices(context, obj, scaled, size))
        except UserError as error:
            self._fail(str(error))
            return
        self.stage = "bound"

    def _fail(self, message: str) -> None:
        self.stage, self.error = "failed", message
