"""Add Landmark Rig in a scene that has a camera frames the face in it; a rig driver that the
camera sees too small or turned away gets a warning with the measure before anything renders."""
import math

import bpy
import numpy as np
import pytest
from mathutils import Vector

from blender_addon.blender.rig_sampler import sample_rig
from blender_addon.blender.shot_job import prepare_shot
from blender_addon.logic.rig_geometry import nose_ratio
from blender_addon.logic.rig_view import face_view


@pytest.fixture
def filmed(make_shot):
    """A shot whose scene already has its own camera, somewhere, looking somewhere."""
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y, scene.frame_start, scene.frame_end = 1280, 720, 1, 2
    camera = bpy.data.objects.new("Shot Camera", bpy.data.cameras.new("Shot Camera"))
    camera.location, camera.rotation_euler = (4.0, -6.0, 1.7), (math.radians(80), 0.0, math.radians(30))
    scene.collection.objects.link(camera)
    scene.camera = camera
    shot = make_shot("Rig", driver="RIG")
    bpy.ops.theads.add_landmark_rig()
    return scene, camera, shot


def test_the_rig_is_framed_facing_the_scene_camera(filmed):
    scene, camera, shot = filmed
    assert scene.camera == camera and [o.name for o in bpy.data.objects if o.type == "CAMERA"] == ["Shot Camera"]
    track = sample_rig(bpy.context, shot.rig, 1, 1)
    view = face_view(track.points[0], nose_ratio())
    assert abs(view.height / 720 - 0.4) < 0.01 and view.turn_deg < 2
    assert np.allclose(track.points[0].mean(axis=0), (640, 360), atol=0.1 * 720)
    assert prepare_shot(bpy.context, scene, shot).warnings == ()


def test_a_rig_seen_from_far_away_or_from_behind_gets_a_warning(filmed):
    scene, camera, shot = filmed
    backwards = camera.matrix_world.to_3x3() @ Vector((0.0, 0.0, 1.0))  # away from what it looks at
    camera.location += 25.0 * backwards
    warnings = prepare_shot(bpy.context, scene, shot).warnings
    assert len(warnings) == 1 and warnings[0].startswith("the rig 'TH Face Landmarks' face is only ")
    height = float(warnings[0].split("face is only ")[1].split(" px")[0])
    assert 5 < height < 0.15 * 720 and "at frame 1" in warnings[0]

    camera.location -= 25.0 * backwards
    shot.rig.parent.rotation_euler.rotate_axis("Z", math.radians(180))  # the head turns its back
    warnings = prepare_shot(bpy.context, scene, shot).warnings
    assert len(warnings) == 1 and "face is turned 1" in warnings[0] and "degrees away from the camera" in warnings[0]


def test_without_a_camera_the_rig_gets_its_own_face_camera_that_sees_it_well(make_shot):
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 2
    shot = make_shot("Rig", driver="RIG")
    bpy.ops.theads.add_landmark_rig()
    assert scene.camera.name == "TH Face Camera"
    assert prepare_shot(bpy.context, scene, shot).warnings == ()
    view = face_view(sample_rig(bpy.context, shot.rig, 1, 1).points[0], nose_ratio())
    assert view.height > 0.3 * scene.render.resolution_y and view.turn_deg < 2
