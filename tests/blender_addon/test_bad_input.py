"""Bad input in the panel shows a clear message in Blender and changes nothing."""
import re
import sys

import bpy
import pytest
from blender_addon.blender import compat


def snapshot() -> tuple:
    scene = bpy.context.scene
    strips = len(compat.all_strips(scene.sequence_editor)) if scene.sequence_editor else 0
    shot = scene.theads.active()
    return (strips, len(bpy.data.objects), len(bpy.data.images), len(bpy.data.materials), scene.frame_current,
            shot.plate_strip, shot.texture_object)


def animate_fails(message: str) -> None:
    """The operator fails with `message`, which becomes the shot's last result; nothing else changes."""
    before = snapshot()
    with pytest.raises(RuntimeError, match=message):
        bpy.ops.theads.animate()
    assert snapshot() == before
    status = bpy.context.scene.theads.active().status
    assert status.startswith("Failed: ") and re.search(message, status.splitlines()[0]), status


def test_no_shot(blank):
    with pytest.raises(RuntimeError, match="no shot: add one"):
        bpy.ops.theads.animate()


def test_no_portrait(make_shot):
    shot = make_shot()
    shot.portraits.clear()
    animate_fails("no portrait: add one or more images of the person")


def test_a_portrait_file_that_is_gone(make_shot, tmp_path):
    make_shot().portraits[0].filepath = str(tmp_path / "gone.jpg")
    animate_fails("portrait image not found")


def test_no_camera_for_a_rig(make_shot):
    make_shot(driver="RIG", output="BOTH")
    bpy.ops.theads.add_landmark_rig(add_camera=False)
    animate_fails("has no camera")


def test_a_rig_that_is_not_bound(make_shot):
    shot = make_shot(driver="RIG")
    bpy.ops.theads.add_landmark_rig()
    bpy.ops.mesh.primitive_monkey_add()
    shot.rig = bpy.context.active_object
    animate_fails("has no bound landmarks: use Add Landmark Rig, or Auto-bind")


def test_a_missing_video_file(make_shot, tmp_path):
    make_shot(driver="VIDEO").video_path = str(tmp_path / "missing.mp4")
    animate_fails("the driver video .*missing.mp4 was not found")


def test_a_missing_movie_strip(make_shot):
    shot = make_shot(driver="VIDEO")
    shot.video_source, shot.video_strip = "STRIP", "gone"
    animate_fails("no movie strip named 'gone'")


def test_an_unsaved_file_without_an_output_folder(make_shot):
    make_shot().output_folder = ""
    animate_fails("save it first, or choose an output folder")


def test_the_worker_environment_not_found(make_shot, prefs, tmp_path):
    make_shot()
    prefs.python_env = str(tmp_path / "nowhere" / ".venv")
    try:
        animate_fails("no Python found at .*nowhere")
        with pytest.raises(RuntimeError, match="no Python found"):
            bpy.ops.theads.check_environment()
        assert "no Python found" in bpy.context.window_manager.theads.environment
    finally:
        prefs.python_env = ""


def test_check_environment_names_the_device_and_what_is_missing(blank, worker_python, runtime):
    assert bpy.ops.theads.check_environment() == {"FINISHED"}
    report = bpy.context.window_manager.theads.environment.splitlines()
    assert report[0] == f"Python: {worker_python} (from $TALKING_HEADS_PYTHON)"
    assert report[1].startswith("Device: ") and any(line.startswith("Renderers: ") and "warp" in line for line in report)
    assert bpy.context.window_manager.theads.environment_ok


@pytest.mark.parametrize("case", ["missing", "no library"])
def test_a_bad_talking_heads_python_is_an_error_naming_it(make_shot, runtime, monkeypatch, tmp_path, case):
    """Never replaced by the project's .venv: the variable and its fix are named, nothing renders."""
    make_shot()
    runtime.stop_worker()
    if case == "missing":
        monkeypatch.setenv("TALKING_HEADS_PYTHON", str(tmp_path / "gone" / "bin" / "python"))
        expected = r"\$TALKING_HEADS_PYTHON is .*gone.* where there is no Python: set \$TALKING_HEADS_PYTHON to"
    else:  # Blender's own python, without the library on its path
        monkeypatch.setenv("TALKING_HEADS_PYTHON", sys.executable)
        monkeypatch.delenv("PYTHONPATH", raising=False)
        expected = (r"\(from \$TALKING_HEADS_PYTHON\) has no Talking Heads library .*"
                    r"set \$TALKING_HEADS_PYTHON to the .venv folder")
    animate_fails(expected)
    with pytest.raises(RuntimeError, match=expected):
        bpy.ops.theads.check_environment()
    assert "TALKING_HEADS_PYTHON" in bpy.context.window_manager.theads.environment
    assert runtime.client is None
