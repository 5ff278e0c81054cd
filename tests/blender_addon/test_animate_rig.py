"""Add Landmark Rig, keyframe its jaw, Animate with the warp renderer: a plate with one image per
frame of the range, and the generated mouth opens where the jaw opens."""
import bpy
import numpy as np
from addon_helpers import mouth_opening

from blender_addon.blender import compat
from blender_addon.logic.frames import frame_name


def test_a_keyframed_jaw_opens_the_generated_mouth(make_shot, runtime):
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 12
    scene.render.resolution_x = scene.render.resolution_y = 512
    shot = make_shot("Rig", driver="RIG")
    bpy.ops.theads.add_landmark_rig()
    assert scene.camera is not None and shot.rig is not None and shot.rig.theads.binding == "VERTICES"
    jaw = shot.rig.data.shape_keys.key_blocks["jaw_open"]
    for frame, value in ((1, 0.0), (4, 0.0), (9, 1.0), (12, 1.0)):
        jaw.value = value
        jaw.keyframe_insert("value", frame=frame)

    assert bpy.ops.theads.animate() == {"FINISHED"}

    strip = compat.all_strips(scene.sequence_editor)[shot.plate_strip]
    assert (strip.type, strip.frame_final_start, strip.frame_final_duration, strip.channel) == ("IMAGE", 1, 12, 2)
    assert [element.filename for element in strip.elements] == [frame_name(i) for i in range(1, 13)]
    folder = bpy.path.abspath(strip.directory)
    closed, opened = (np.array(runtime.ask(bpy.context, "landmarks", 120, image=f"{folder}/{frame_name(i)}")["points"])
                      for i in (2, 11))
    assert mouth_opening(opened) > mouth_opening(closed) + 8  # pixels of a 512-pixel portrait

    assert bpy.ops.theads.animate() == {"FINISHED"}  # again: the same strip, updated in place
    assert len(compat.all_strips(scene.sequence_editor)) == 1 and compat.all_strips(scene.sequence_editor)[0] == strip
