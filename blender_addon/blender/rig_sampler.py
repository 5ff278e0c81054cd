"""Projects a rig's 68 bound landmarks through the scene camera, frame by frame.

The evaluated depsgraph is read at every frame, so shape keys, bones, constraints and
modifiers all count. Points are in render pixels, origin top-left.
"""
from __future__ import annotations

from dataclasses import dataclass

import bpy
import numpy as np

from ..logic.errors import UserError
from ..logic.projection import project_points, render_size
from ..logic.track_file import NUM_POINTS


@dataclass
class RigTrack:
    points: np.ndarray  # (T, 68, 2) float32 render pixels
    valid: np.ndarray  # (T,) bool: every landmark in front of the camera
    size: tuple[int, int]
    fps: float
    source: str


def scene_fps(scene: bpy.types.Scene) -> float:
    return scene.render.fps / scene.render.fps_base


def scene_render_size(scene: bpy.types.Scene) -> tuple[int, int]:
    render = scene.render
    return render_size(render.resolution_x, render.resolution_y, render.resolution_percentage)


def check_rig(scene: bpy.types.Scene, rig: bpy.types.Object | None) -> bpy.types.Object:
    """The rig object, or UserError saying what is missing."""
    if rig is None:
        raise UserError("no face rig chosen: pick an object with bound landmarks in the Driver panel "
                        "(Add Landmark Rig makes one)")
    if scene.camera is None:
        raise UserError(f"the scene '{scene.name}' has no camera: the rig's landmarks are seen through the "
                        "scene camera; add a camera and make it the scene camera")
    settings = rig.theads
    if settings.binding == "NONE" or len(settings.points) != NUM_POINTS:
        raise UserError(f"the rig '{rig.name}' has no bound landmarks: use Add Landmark Rig, or Auto-bind "
                        "to bind this mesh")
    if settings.binding == "VERTICES":
        if rig.type != "MESH":
            raise UserError(f"'{rig.name}' is bound by vertices but is not a mesh")
        count = len(rig.data.vertices)
        bad = [p.vertex for p in settings.points if not 0 <= p.vertex < count]
        if bad:
            raise UserError(f"the rig '{rig.name}' is bound to vertices it no longer has ({bad[:3]}...): bind it again")
    if settings.binding == "BONES" and rig.type != "ARMATURE":
        raise UserError(f"'{rig.name}' is bound by bones but is not an armature")
    if settings.binding == "EMPTIES" and any(p.empty is None for p in settings.points):
        raise UserError(f"some of the rig '{rig.name}' landmark empties were deleted: bind it again")
    return rig


def world_landmarks(rig: bpy.types.Object, depsgraph: bpy.types.Depsgraph) -> np.ndarray:
    """(68, 3) world positions of the bound landmarks in the evaluated scene."""
    settings = rig.theads
    evaluated = rig.evaluated_get(depsgraph)
    if settings.binding == "VERTICES":
        mesh = evaluated.data
        if len(mesh.vertices) != len(rig.data.vertices):
            raise UserError(f"the modifiers of '{rig.name}' change its vertex count: disable topology-changing "
                            "modifiers (Subdivision, Decimate) in the viewport, or bind empties instead")
        coords = np.empty(len(mesh.vertices) * 3, np.float32)
        mesh.vertices.foreach_get("co", coords)
        indices = np.array([p.vertex for p in settings.points])
        local = coords.reshape(-1, 3)[indices]
    elif settings.binding == "BONES":
        local = np.array([evaluated.pose.bones[p.bone].head for p in settings.points], np.float64)
    else:
        return np.array([p.empty.evaluated_get(depsgraph).matrix_world.translation for p in settings.points])
    matrix = np.array(evaluated.matrix_world)
    return local @ matrix[:3, :3].T + matrix[:3, 3]


def camera_matrices(scene: bpy.types.Scene, depsgraph: bpy.types.Depsgraph,
                    size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    camera = scene.camera.evaluated_get(depsgraph)
    render = scene.render
    projection = camera.calc_matrix_camera(depsgraph, x=size[0], y=size[1],
                                           scale_x=render.pixel_aspect_x, scale_y=render.pixel_aspect_y)
    return np.array(camera.matrix_world.inverted()), np.array(projection)


def sample_rig(context: bpy.types.Context, rig: bpy.types.Object, frame_start: int, frame_end: int) -> RigTrack:
    """Landmarks of every frame in [frame_start, frame_end]; the current frame is restored."""
    scene = context.scene
    check_rig(scene, rig)
    if frame_end < frame_start:
        raise UserError(f"the frame range {frame_start}..{frame_end} is empty: the end must not come before the start")
    size = scene_render_size(scene)
    count = frame_end - frame_start + 1
    points = np.zeros((count, NUM_POINTS, 2), np.float32)
    valid = np.zeros(count, bool)
    current = scene.frame_current, scene.frame_subframe
    try:
        for index, frame in enumerate(range(frame_start, frame_end + 1)):
            scene.frame_set(frame)
            depsgraph = context.evaluated_depsgraph_get()
            view, projection = camera_matrices(scene, depsgraph, size)
            points[index], in_front = project_points(world_landmarks(rig, depsgraph), view, projection, size)
            valid[index] = bool(in_front.all())
    finally:
        scene.frame_set(current[0], subframe=current[1])
    if not valid.any():
        raise UserError(f"the rig '{rig.name}' is behind the camera in every frame {frame_start}..{frame_end}: "
                        "point the scene camera at the face")
    return RigTrack(points, valid, size, scene_fps(scene), f"blender rig {rig.name}")
