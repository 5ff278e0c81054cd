"""A shared clip drives a shared portrait into a plate and a texture: the frame counts and the
timing match the clip, and its landmark track is cached beside the blend file."""
import os
import subprocess

import bpy
import pytest
from addon_helpers import finished_frames
from blender_addon.blender import compat

CLIP_FRAMES = 78  # d0.mp4: 78 frames at 25 fps


@pytest.fixture
def saved(make_shot, tmp_path):
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "film.blend"))
    return tmp_path


def texture_timing(shot):
    node = shot.texture_object.active_material.node_tree.nodes["TH Frames"]
    return node.image_user.frame_start, node.image_user.frame_duration, node.image.source


def test_a_movie_strip_drives_a_plate_and_a_texture_in_step_with_it(saved, make_shot, clips_dir):
    scene = bpy.context.scene
    editor = scene.sequence_editor_create()
    clip = compat.strips(editor).new_movie("driver", str(clips_dir / "d0.mp4"), 1, 20)
    assert clip.frame_final_duration == CLIP_FRAMES
    shot = make_shot("Clip", driver="VIDEO", output="BOTH")
    shot.video_source, shot.video_strip, shot.channel = "STRIP", "driver", 3

    assert bpy.ops.theads.animate() == {"FINISHED"}

    plate = compat.all_strips(editor)[shot.plate_strip]
    assert (plate.frame_final_start, plate.frame_final_duration, plate.channel) == (20, CLIP_FRAMES, 3)
    assert plate.frame_final_end == clip.frame_final_end
    assert texture_timing(shot) == (20, CLIP_FRAMES, "SEQUENCE")
    caches = sorted((saved / "talking_heads" / "cache").glob("d0-*.track.npz"))
    assert len(caches) == 1  # beside the blend file
    cached_at = caches[0].stat().st_mtime_ns

    shot.frame_offset, shot.frame_count = 30, 16  # part of the clip: no new detection, the cache is reused
    assert bpy.ops.theads.animate() == {"FINISHED"}
    assert (plate.frame_final_start, plate.frame_final_duration) == (50, 16)
    assert texture_timing(shot) == (50, 16, "SEQUENCE")
    assert caches[0].stat().st_mtime_ns == cached_at
    assert sorted(p.name for p in (saved / "Clip").glob("frame_*.png"))[-1] == "frame_000016.png"  # no stale frames
    assert len(compat.all_strips(editor)) == 2 and len([o for o in bpy.data.objects if o.name.startswith("TH")]) == 1


def test_a_video_file_starts_where_the_shot_says(saved, make_shot, clips_dir):
    shot = make_shot("File", driver="VIDEO")
    shot.video_path, shot.frame_start, shot.frame_offset, shot.frame_count = str(clips_dir / "d0.mp4"), 7, 70, 0
    assert bpy.ops.theads.animate() == {"FINISHED"}
    plate = compat.all_strips(bpy.context.scene.sequence_editor)[shot.plate_strip]
    assert (plate.frame_final_start, plate.frame_final_duration) == (7, CLIP_FRAMES - 70)


MAKE_30_FPS = """
import itertools, sys
from talking_heads import media
with media.Mp4Writer(sys.argv[2], 30.0) as writer:
    for frame in itertools.islice(media.open_frame_source(sys.argv[1]).frames(), 45):
        writer.write(frame)
"""


@pytest.fixture(scope="module")
def clip_30_fps(tmp_path_factory, worker_python, clips_dir):
    """1.5 s of d0.mp4 as a 30 fps clip (45 frames)."""
    path = tmp_path_factory.mktemp("clips") / "fast.mp4"
    subprocess.run([str(worker_python), "-c", MAKE_30_FPS, str(clips_dir / "d0.mp4"), str(path)], check=True,
                   env=dict(os.environ), timeout=120)
    return path


def test_a_30_fps_clip_in_a_24_fps_scene_lasts_as_long_as_the_clip(saved, make_shot, clip_30_fps):
    scene = bpy.context.scene
    shot = make_shot("Fast", driver="VIDEO")
    scene.render.fps, scene.render.fps_base = 24, 1.0
    shot.video_path = str(clip_30_fps)
    assert bpy.ops.theads.animate() == {"FINISHED"}
    plate = compat.all_strips(scene.sequence_editor)[shot.plate_strip]
    assert plate.frame_final_duration == 36 == finished_frames(saved / "Fast")  # 1.5 s at 24 fps
    assert "30 fps clip in a 24 fps scene: resampled to 36 frames" in shot.status

    shot.clip_timing = "FRAMES"  # one plate frame per clip frame
    assert bpy.ops.theads.animate() == {"FINISHED"}
    assert plate.frame_final_duration == 45 == finished_frames(saved / "Fast")
    assert "clip frames kept one to one" in shot.status
