"""Builds the ready-made 68-point face rig: a landmark mesh with shape keys on a head bone."""
from __future__ import annotations

import math

import bpy
import numpy as np
from mathutils import Euler, Matrix, Vector

from ..logic import rig_geometry
from ..logic.projection import project_points
from ..logic.rig_view import face_view
from .rig_sampler import camera_matrices, scene_render_size, world_landmarks
from ..package import PREFIX

HEAD_BONE = "head"
CAMERA_DISTANCE = 0.65  # metres in front of the face for a camera that frames it (50 mm lens)
FRAMED_FACE_FRACTION = 0.4  # face height over frame height when the rig is framed in an existing camera


def add_landmark_rig(context: bpy.types.Context, name: str = "Face") -> tuple[bpy.types.Object, bpy.types.Object]:
    """(armature, mesh) at the 3D cursor, the armature active; the mesh is bound to its 68 landmarks."""
    scene = context.scene
    armature = bpy.data.objects.new(f"{PREFIX} {name} Rig", bpy.data.armatures.new(f"{PREFIX} {name} Rig"))
    mesh = _landmark_mesh(f"{PREFIX} {name} Landmarks")
    for obj in (armature, mesh):
        scene.collection.objects.link(obj)
    armature.location = scene.cursor.location
    _add_head_bone(context, armature)
    mesh.parent = armature
    modifier = mesh.modifiers.new("Armature", "ARMATURE")
    modifier.object = armature
    mesh.vertex_groups.new(name=HEAD_BONE).add(list(range(rig_geometry.NUM_POINTS)), 1.0, "REPLACE")
    mesh.theads.bind_vertices(list(range(rig_geometry.NUM_POINTS)))
    for obj in context.view_layer.objects:
        obj.select_set(False)
    armature.select_set(True)
    context.view_layer.objects.active = armature
    return armature, mesh


def add_camera_for(context: bpy.types.Context, rig: bpy.types.Object) -> bpy.types.Object:
    """A scene camera looking at the rig's face from the front."""
    camera = bpy.data.objects.new(f"{PREFIX} Face Camera", bpy.data.cameras.new(f"{PREFIX} Face Camera"))
    camera.location = rig.location + Vector((0.0, -CAMERA_DISTANCE, -0.03))
    camera.rotation_euler = (math.radians(90.0), 0.0, 0.0)
    context.scene.collection.objects.link(camera)
    context.scene.camera = camera
    return camera


def frame_in_camera(context: bpy.types.Context, armature: bpy.types.Object, mesh: bpy.types.Object,
                    camera: bpy.types.Object) -> float:
    """Put the rig in front of `camera`, facing it, its face centred and FRAMED_FACE_FRACTION of
    the frame high (a perspective camera: at that distance; an orthographic one: scaled).
    Returns the face's height as a fraction of the frame height."""
    scene = context.scene
    to_camera = Euler((-math.pi / 2, 0.0, 0.0)).to_matrix().to_4x4()  # rig front (-Y) toward the camera (+Z)
    centre = Vector(rig_geometry.neutral_points().mean(axis=0).tolist())
    placed = camera.matrix_world.normalized()

    def place(distance: float) -> float:
        armature.matrix_world = placed @ Matrix.Translation((0.0, 0.0, -distance)) @ to_camera @ \
            Matrix.Translation(-centre) @ Matrix.Diagonal((*armature.scale, 1.0))
        context.view_layer.update()
        return _face_fraction(context, mesh)

    scene_camera, scene.camera = scene.camera, camera
    try:
        fraction = place(1.0)
        if camera.data.type == "ORTHO":
            armature.scale *= FRAMED_FACE_FRACTION / fraction
            return place(1.0)
        return place(fraction / FRAMED_FACE_FRACTION)
    finally:
        scene.camera = scene_camera


def _face_fraction(context: bpy.types.Context, mesh: bpy.types.Object) -> float:
    """The rig face's projected height over the frame height."""
    scene = context.scene
    depsgraph = context.evaluated_depsgraph_get()
    size = scene_render_size(scene)
    view, projection = camera_matrices(scene, depsgraph, size)
    pixels, _ = project_points(world_landmarks(mesh, depsgraph), view, projection, size)
    return face_view(pixels, rig_geometry.nose_ratio()).height / size[1]


def _add_head_bone(context: bpy.types.Context, armature: bpy.types.Object) -> None:
    """Edit bones exist only in edit mode: enter it on the new armature alone, then leave."""
    head, tail = rig_geometry.head_bone()
    context.view_layer.objects.active = armature
    with context.temp_override(active_object=armature, object=armature, selected_objects=[armature]):
        bpy.ops.object.mode_set(mode="EDIT")
        bone = armature.data.edit_bones.new(HEAD_BONE)
        bone.head, bone.tail = Vector(head), Vector(tail)
        bpy.ops.object.mode_set(mode="OBJECT")
    armature.data.display_type = "STICK"
    armature.show_in_front = True


def _landmark_mesh(name: str) -> bpy.types.Object:
    neutral = rig_geometry.neutral_points()
    data = bpy.data.meshes.new(name)
    data.from_pydata(neutral.tolist(), rig_geometry.edges(), [])
    mesh = bpy.data.objects.new(name, data)
    mesh.shape_key_add(name="Basis", from_mix=False)
    for key_name, delta in rig_geometry.shape_key_deltas().items():
        key = mesh.shape_key_add(name=key_name, from_mix=False)
        key.data.foreach_set("co", (neutral + delta).astype(np.float32).ravel())
        key.slider_max = 1.5
        key.value = 0.0
    mesh.show_in_front = True
    mesh.hide_render = True
    return mesh
