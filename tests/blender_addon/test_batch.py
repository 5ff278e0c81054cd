"""Headless batch rendering of a blend file's shots, as a render farm runs it."""
import os
import subprocess
import sys
from pathlib import Path

import bpy

from addon_helpers import finished_frames
from blender_addon.blender import compat

BATCH = Path(__file__).resolve().parents[2] / "blender_addon" / "batch.py"


def run_batch(blend: Path, *args: str) -> subprocess.CompletedProcess:
    """The bpy module's form of `blender -b FILE.blend --python-exit-code 1 -P batch.py -- ARGS`."""
    return subprocess.run([sys.executable, str(BATCH), "--", str(blend), *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)


def test_two_shots_render_and_a_bad_one_is_reported(make_shot, tmp_path):
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 6
    first, second = make_shot("Opening"), make_shot("Reply")
    second.motion = "nod"
    bad = make_shot("Broken", driver="VIDEO")
    bad.video_path = str(tmp_path / "lost.mp4")
    blend = tmp_path / "shots.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))

    result = run_batch(blend, "--save")
    assert result.returncode == 1, result.stdout + result.stderr
    assert finished_frames(tmp_path / "Opening") == 6 and finished_frames(tmp_path / "Reply") == 6
    assert "shot 'Broken' FAILED: the driver video" in result.stderr
    assert "2 of 3 shots rendered; failed: Broken" in result.stdout

    bpy.ops.wm.open_mainfile(filepath=str(blend))  # --save kept the plates in the blend file
    plates = {strip.name: strip.frame_final_duration for strip in compat.all_strips(bpy.context.scene.sequence_editor)}
    assert plates == {"TH Opening": 6, "TH Reply": 6}


def test_one_named_shot_renders_alone(make_shot, tmp_path):
    bpy.context.scene.frame_end = 3
    make_shot("Only")
    make_shot("Other")
    blend = tmp_path / "two.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    assert run_batch(blend, "--shot", "Only").returncode == 0
    assert finished_frames(tmp_path / "Only") == 3 and not (tmp_path / "Other").exists()
    missing = run_batch(blend, "--shot", "Nope")
    assert missing.returncode == 1 and "no shot named Nope" in missing.stderr
