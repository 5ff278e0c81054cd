"""Portraits from files or image data-blocks (packed too), and the landmark preview."""
import bpy
import numpy as np

from blender_addon.blender import compat
from blender_addon.logic.drawing import DOT_COLOUR
from blender_addon.operators.portrait_preview import PREVIEW_NAME


def test_portraits_from_files_and_data_blocks(blank, portraits_dir):
    bpy.ops.theads.shot_add()
    bpy.ops.theads.portrait_add(directory=str(portraits_dir), files=[{"name": "s1.jpg"}, {"name": "s42.jpg"}])
    image = bpy.data.images.load(str(portraits_dir / "s4.jpg"))
    bpy.ops.theads.portrait_add(image=image.name)
    shot = blank.theads.active()
    assert [bpy.path.basename(p.filepath) for p in shot.portraits][:2] == ["s1.jpg", "s42.jpg"]
    assert shot.portraits[2].image == image and shot.active_portrait == 2
    bpy.ops.theads.portrait_remove()
    assert len(shot.portraits) == 2 and shot.active_portrait == 1
    assert [bpy.path.basename(p.filepath) for p in shot.portraits] == ["s1.jpg", "s42.jpg"]


def test_removing_shots_keeps_the_active_one_in_range(blank):
    for _ in range(3):
        bpy.ops.theads.shot_add()
    settings = blank.theads
    names = [shot.name for shot in settings.shots]
    settings.active_shot = 2
    bpy.ops.theads.shot_remove()
    assert [shot.name for shot in settings.shots] == names[:2] and settings.active_shot == 1
    settings.active_shot = 0
    bpy.ops.theads.shot_remove()
    assert [shot.name for shot in settings.shots] == [names[1]] and settings.active_shot == 0


def test_a_packed_image_data_block_animates(make_shot, portraits_dir, tmp_path):
    bpy.context.scene.frame_end = 3
    shot = make_shot("Packed")
    image = bpy.data.images.load(str(portraits_dir / "s42.jpg"))
    image.pack()
    image.filepath = str(tmp_path / "elsewhere" / "s42.jpg")  # the file is only in the blend file
    shot.portraits.clear()
    shot.portraits.add().image = image
    assert bpy.ops.theads.animate() == {"FINISHED"}
    assert compat.all_strips(bpy.context.scene.sequence_editor)[shot.plate_strip].frame_final_duration == 3


def test_the_preview_marks_the_detected_landmarks(make_shot, runtime, portraits_dir):
    make_shot()
    assert bpy.ops.theads.portrait_preview() == {"FINISHED"}
    preview = bpy.data.images[PREVIEW_NAME]
    width, height = preview.size
    assert (width, height) == (256, 256)  # s42.jpg is 512x512
    pixels = np.empty(width * height * 4, np.float32)
    preview.pixels.foreach_get(pixels)
    top_down = pixels.reshape(height, width, 4)[::-1]
    points = np.array(runtime.ask(bpy.context, "landmarks", 120, image=str(portraits_dir / "s42.jpg"))["points"]) / 2
    marked = [np.allclose(top_down[int(round(y)), int(round(x))], DOT_COLOUR, atol=0.01) for x, y in points]
    assert all(marked)
    assert not np.allclose(top_down[5, 5], DOT_COLOUR, atol=0.01)
