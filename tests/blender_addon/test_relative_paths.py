"""A saved blend file points at its plates and textures relative to itself, so its folder can
move (another machine, a render farm node) and still render."""
import shutil

import bpy
import numpy as np

from blender_addon.blender import compat


def rendered_frame(path) -> np.ndarray:
    """The scene's render of the current frame (the sequencer), as an (H, W, 4) float array."""
    scene = bpy.context.scene
    scene.render.filepath = str(path)
    scene.render.image_settings.file_format = "PNG"
    bpy.ops.render.render(write_still=True)
    image = bpy.data.images.load(str(path))
    try:
        return np.array(image.pixels[:]).reshape(image.size[1], image.size[0], -1)
    finally:
        bpy.data.images.remove(image)


def test_a_moved_project_folder_still_renders_its_plate_and_texture(make_shot, tmp_path):
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 3
    scene.render.resolution_x, scene.render.resolution_y, scene.render.resolution_percentage = 160, 120, 100
    project = tmp_path / "project"
    shot = make_shot("Face", output="BOTH")
    shot.output_folder = str(project / "frames")
    assert bpy.ops.theads.animate() == {"FINISHED"}  # before the first save: absolute paths
    bpy.ops.wm.save_as_mainfile(filepath=str(project / "film.blend"))

    strip = compat.all_strips(scene.sequence_editor)[shot.plate_strip]
    assert strip.directory.startswith("//frames"), strip.directory
    assert shot.texture_image.filepath.startswith("//frames"), shot.texture_image.filepath
    assert shot.output_folder == "//frames"
    scene.frame_set(2)
    here = rendered_frame(tmp_path / "here.png")
    assert here[..., :3].std() > 0.05  # the portrait, not an empty frame

    bpy.ops.wm.save_mainfile()
    shutil.copytree(project, tmp_path / "moved")
    shutil.rmtree(project)
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "moved" / "film.blend"))
    scene = bpy.context.scene
    shot = scene.theads.shots["Face"]
    image = bpy.path.abspath(shot.texture_image.filepath)
    assert image.startswith(str(tmp_path / "moved")) and (tmp_path / "moved" / "frames" / "frame_000001.png").is_file()
    scene.frame_set(2)
    moved = rendered_frame(tmp_path / "moved.png")
    assert np.abs(moved - here).max() < 1e-3  # the same frame, read from the moved folder
