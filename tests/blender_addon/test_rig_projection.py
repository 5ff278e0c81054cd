"""Rig projection: a known mesh before a known camera lands on the expected pixels, and shape
keys, bones and empties move the landmarks as they should (evaluated depsgraph)."""
import math

import bpy
import numpy as np
import pytest

from blender_addon.blender.rig_sampler import sample_rig

SIZE = (640, 480)
DISTANCE = 2.0
FOCAL_PX = 50.0 / 36.0 * SIZE[0]  # 50 mm lens on a 36 mm wide sensor
GRID = np.array([(x, 0.0, z) for z in np.linspace(0.15, -0.15, 4) for x in np.linspace(-0.2, 0.2, 17)])  # (68, 3)


def expected_pixels(points: np.ndarray) -> np.ndarray:
    """Pinhole projection by hand: the camera at y = -2 looks along +y, x right, z up."""
    depth = points[:, 1] + DISTANCE
    return np.stack([SIZE[0] / 2 + FOCAL_PX * points[:, 0] / depth, SIZE[1] / 2 - FOCAL_PX * points[:, 2] / depth], 1)


@pytest.fixture
def stage(blank):
    scene = blank
    scene.render.resolution_x, scene.render.resolution_y, scene.render.resolution_percentage = *SIZE, 100
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.data.lens, camera.data.sensor_width, camera.data.sensor_fit = 50.0, 36.0, "HORIZONTAL"
    camera.location, camera.rotation_euler = (0.0, -DISTANCE, 0.0), (math.radians(90), 0.0, 0.0)
    scene.collection.objects.link(camera)
    scene.camera = camera
    mesh = bpy.data.meshes.new("Face")
    mesh.from_pydata(GRID.tolist(), [], [])
    face = bpy.data.objects.new("Face", mesh)
    scene.collection.objects.link(face)
    face.theads.bind_vertices(list(range(68)))
    return scene, face


def test_a_known_mesh_projects_to_the_expected_pixels(stage):
    scene, face = stage
    track = sample_rig(bpy.context, face, 1, 3)
    assert track.size == SIZE and track.points.shape == (3, 68, 2) and track.valid.all()
    np.testing.assert_allclose(track.points[0], expected_pixels(GRID), atol=0.05)
    assert track.fps == scene.render.fps / scene.render.fps_base


def test_a_shape_key_moves_its_landmark_where_it_is_keyed(stage):
    scene, face = stage
    face.shape_key_add(name="Basis")
    key = face.shape_key_add(name="raise")
    key.data[5].co.z += 0.1
    key.value = 0.0
    key.keyframe_insert("value", frame=1)
    key.value = 1.0
    key.keyframe_insert("value", frame=10)
    scene.frame_set(4)
    track = sample_rig(bpy.context, face, 1, 10)
    assert scene.frame_current == 4  # restored
    raised = GRID.copy()
    raised[5, 2] += 0.1
    np.testing.assert_allclose(track.points[0], expected_pixels(GRID), atol=0.05)
    np.testing.assert_allclose(track.points[9], expected_pixels(raised), atol=0.05)
    assert 0 < expected_pixels(GRID)[5, 1] - track.points[4, 5, 1] < FOCAL_PX * 0.1 / DISTANCE


def test_an_armature_bone_carries_the_landmarks(stage):
    scene, face = stage
    armature = bpy.data.objects.new("Rig", bpy.data.armatures.new("Rig"))
    scene.collection.objects.link(armature)
    bpy.context.view_layer.objects.active = armature
    bpy.ops.object.mode_set(mode="EDIT")
    bone = armature.data.edit_bones.new("head")
    bone.head, bone.tail = (0.0, 0.0, -0.3), (0.0, 0.0, 0.3)  # pointing up: its local y is world z
    bpy.ops.object.mode_set(mode="OBJECT")
    face.modifiers.new("Armature", "ARMATURE").object = armature
    face.vertex_groups.new(name="head").add(list(range(68)), 1.0, "REPLACE")
    pose = armature.pose.bones["head"]
    pose.location = (0.0, 0.0, 0.0)
    pose.keyframe_insert("location", frame=1)
    pose.location = (0.0, 0.1, 0.0)
    pose.keyframe_insert("location", frame=5)
    track = sample_rig(bpy.context, face, 1, 5)
    np.testing.assert_allclose(track.points[4], expected_pixels(GRID + [0.0, 0.0, 0.1]), atol=0.05)
    np.testing.assert_allclose(track.points[0], expected_pixels(GRID), atol=0.05)


def test_empties_and_bones_bind_like_vertices(stage):
    scene, face = stage
    empties = []
    for index, point in enumerate(GRID):
        empty = bpy.data.objects.new(f"lm{index}", None)
        empty.location = point
        scene.collection.objects.link(empty)
        empties.append(empty)
    holder = bpy.data.objects.new("Landmarks", None)
    scene.collection.objects.link(holder)
    holder.theads.bind_empties(empties)
    empties[0].location.x += 0.05
    track = sample_rig(bpy.context, holder, 1, 1)
    moved = GRID.copy()
    moved[0, 0] += 0.05
    np.testing.assert_allclose(track.points[0], expected_pixels(moved), atol=0.05)

    armature = bpy.data.objects.new("Bones", bpy.data.armatures.new("Bones"))
    scene.collection.objects.link(armature)
    bpy.context.view_layer.objects.active = armature
    bpy.ops.object.mode_set(mode="EDIT")
    for index, point in enumerate(GRID):
        bone = armature.data.edit_bones.new(f"lm{index}")
        bone.head, bone.tail = point, point + [0.0, 0.0, 0.01]
    bpy.ops.object.mode_set(mode="OBJECT")
    armature.theads.bind_bones([f"lm{index}" for index in range(68)])
    armature.location.z = 0.02
    track = sample_rig(bpy.context, armature, 1, 1)
    np.testing.assert_allclose(track.points[0], expected_pixels(GRID + [0.0, 0.0, 0.02]), atol=0.05)
