"""Auto-bind: a face mesh (a grid painted with a shared portrait) is rendered from the camera in
a Cycles subprocess, its landmarks detected through the worker and cast back onto the mesh."""
import math
import time

import bpy
import numpy as np
import pytest

from blender_addon.blender.rig_sampler import sample_rig

SIZE = 512
DISTANCE = 1.4  # the 1 m grid nearly fills a 50 mm camera's view


@pytest.fixture
def painted_face(blank, portraits_dir):
    scene = blank
    scene.render.resolution_x = scene.render.resolution_y = SIZE
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.location, camera.rotation_euler = (0.0, -DISTANCE, 0.0), (math.radians(90), 0.0, 0.0)
    scene.collection.objects.link(camera)
    scene.camera = camera
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=128, y_subdivisions=128, size=1.0, rotation=(math.radians(90), 0, 0))
    face = bpy.context.active_object
    material = bpy.data.materials.new("Portrait")
    if bpy.app.version < (5, 0, 0):
        material.use_nodes = True
    nodes, links = material.node_tree.nodes, material.node_tree.links
    nodes.clear()
    texture = nodes.new("ShaderNodeTexImage")
    texture.image = bpy.data.images.load(str(portraits_dir / "s42.jpg"))
    emission, output = nodes.new("ShaderNodeEmission"), nodes.new("ShaderNodeOutputMaterial")
    links.new(texture.outputs["Color"], emission.inputs["Color"])
    links.new(emission.outputs["Emission"], output.inputs["Surface"])
    face.data.materials.append(material)
    return face


def test_auto_bind_finds_the_vertices_under_the_portraits_landmarks(painted_face, worker_python, runtime,
                                                                   portraits_dir, tmp_path):
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "face.blend"))
    assert bpy.ops.theads.auto_bind() == {"FINISHED"}
    assert painted_face.theads.binding == "VERTICES" and len(painted_face.theads.points) == 68

    found = sample_rig(bpy.context, painted_face, 1, 1).points[0]
    portrait = np.array(runtime.ask(bpy.context, "landmarks", 120, image=str(portraits_dir / "s42.jpg"))["points"])
    on_grid = np.stack([portrait[:, 0] / 512 - 0.5, np.zeros(68), 0.5 - portrait[:, 1] / 512], axis=1)
    focal = 50.0 / 36.0 * SIZE
    expected = np.stack([SIZE / 2 + focal * on_grid[:, 0] / DISTANCE, SIZE / 2 - focal * on_grid[:, 2] / DISTANCE], 1)
    errors = np.linalg.norm(found - expected, axis=1)
    assert errors.mean() < 4.0 and np.median(errors) < 4.0, errors


def test_auto_bind_needs_a_camera_and_a_mesh(painted_face):
    bpy.context.scene.camera = None
    with pytest.raises(RuntimeError, match="has no camera"):
        bpy.ops.theads.auto_bind()
    assert painted_face.theads.binding == "NONE"


def test_auto_bind_runs_in_steps_and_cancels_without_a_change(painted_face, tmp_path):
    """What the modal operator drives: a step never waits for the render; cancel kills it."""
    from blender_addon.blender.autobind import AutoBind

    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "face.blend"))
    job = AutoBind(bpy.context, painted_face)
    started = time.monotonic()
    assert job.poll(bpy.context) is False and job.stage == "rendering"
    assert time.monotonic() - started < 0.5
    job.cancel()
    assert job.stage == "cancelled" and job.finished and painted_face.theads.binding == "NONE"
