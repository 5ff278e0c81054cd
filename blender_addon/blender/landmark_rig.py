"""Builds the ready-made 68-point face rig: a landmark mesh with shape keys on a head bone."""
from __future__ import annotations

import math

import bpy
import numpy as np
from mathutils import Vector

from ..logic import rig_geometry
from ..package import PREFIX

HEAD_BONE = "head"
CAMERA_DISTANCE = 0.65  # metres in front of the face for a camera that frames it (50 mm lens)


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
