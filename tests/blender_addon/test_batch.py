"""Headless batch rendering of a blend file's shots, as a render farm runs it."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import bpy
import pytest

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
    assert "2 of 3 shots rendered: Opening, Reply" in result.stdout
    assert "failed: Broken: the driver video" in result.stderr

    bpy.ops.wm.open_mainfile(filepath=str(blend))  # --save kept the plates in the blend file
    plates = {strip.name: strip.frame_final_duration for strip in compat.all_strips(bpy.context.scene.sequence_editor)}
    assert plates == {"TH Opening": 6, "TH Reply": 6}


def test_one_named_shot_renders_alone(make_shot, tmp_path):
    bpy.context.scene.frame_end = 3
    make_shot("Only")
    make_shot("Other")
    blend = tmp_path / "two.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    listed = run_batch(blend, "--list")
    assert listed.returncode == 0 and "Only\tScene\nOther\tScene\n" in listed.stdout
    assert run_batch(blend, "--shot", "Only").returncode == 0
    assert finished_frames(tmp_path / "Only") == 3 and not (tmp_path / "Other").exists()
    missing = run_batch(blend, "--shot", "Nope")
    assert missing.returncode == 2 and "no shot named 'Nope'" in missing.stderr
    assert "its shots: 'Only' (scene 'Scene'), 'Other' (scene 'Scene')" in missing.stderr


SAVE_PREFERENCES = """
import os, sys
import bpy
import addon_utils
sys.path.insert(0, sys.argv[1])
addon_utils.enable("blender_addon", default_set=True, handle_error=None)
prefs = bpy.context.preferences.addons["blender_addon"].preferences
prefs.python_env, prefs.device, prefs.batch_size = sys.argv[2], "cpu", 3
bpy.ops.wm.save_userpref()
sys.stdout.flush()
os._exit(0)
"""


def logging_python(folder: Path, python: Path) -> tuple[Path, Path]:
    """A python that runs `python` and logs the commands the worker is sent, and that log."""
    log, wrapper = folder / "commands.jsonl", folder / "logging-python"
    wrapper.write_text(f'#!/bin/sh\nif [ "$1" = "-m" ]; then tee -a "{log}" | "{python}" "$@"; '
                       f'else exec "{python}" "$@"; fi\n')
    wrapper.chmod(0o755)
    return wrapper, log


def test_the_saved_preferences_reach_the_workers_job(make_shot, worker_python, tmp_path):
    """Preferences saved in a fresh user folder: the batch prints and uses them (the python,
    the device and the batch size reach the job the worker is sent)."""
    config = tmp_path / "config"
    env = dict(os.environ, BLENDER_USER_CONFIG=str(config))
    wrapper, log = logging_python(tmp_path, worker_python)
    subprocess.run([sys.executable, "-c", SAVE_PREFERENCES, str(BATCH.parents[1]), str(wrapper)], env=env,
                   check=True, timeout=120, capture_output=True)
    assert (config / "userpref.blend").is_file()
    bpy.context.scene.frame_end = 2
    make_shot("Prefs")
    blend = tmp_path / "prefs.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))

    result = subprocess.run([sys.executable, str(BATCH), str(blend)], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    head = result.stdout.splitlines()[:4]
    assert any("blender_addon" in line and "(enabled in the preferences)" in line for line in head), head
    assert any(f"Python {wrapper} (from the add-on's preferences)" in line for line in head), head
    assert any("device cpu, precision auto, batch size 3, checkpoint (the library default), signing certificate (none)"
               in line for line in head), head
    jobs = [json.loads(line)["job"] for line in log.read_text().splitlines() if '"animate"' in line]
    assert [(job["device"], job["batch_size"]) for job in jobs] == [("cpu", 3)]
    assert finished_frames(tmp_path / "Prefs") == 2


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_cancels_the_batch_keeping_the_frames_written(make_shot, tmp_path, number):
    """SIGINT to the batch's process group (as Ctrl-C in its terminal), or SIGTERM to the batch
    alone (as a farm manager sends it): the running shot stops with its frames kept and shown by
    its plate, the next shot does not start, the blend file is not saved despite --save, and the
    exit status says it was interrupted."""
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 400
    make_shot("Long")
    make_shot("Next")
    blend = tmp_path / "long.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    saved = blend.stat().st_mtime_ns

    batch = subprocess.Popen([sys.executable, str(BATCH), str(blend), "--save"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=dict(os.environ), start_new_session=True)
    deadline = time.monotonic() + 240
    while finished_frames(tmp_path / "Long") < 3 and batch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if number == signal.SIGINT:
        os.killpg(batch.pid, number)
    else:
        os.kill(batch.pid, number)
    stdout, stderr = batch.communicate(timeout=120)

    assert batch.returncode == 128 + number, stdout + stderr
    written = finished_frames(tmp_path / "Long")
    assert 3 <= written < 400
    assert f"interrupted: Long: cancelled; the {written} frames written are kept; its plate 'TH Long' shows " \
           f"{written} frames" in stderr
    assert "not started: Next" in stderr and not (tmp_path / "Next").exists()
    assert "NOT saved" in stderr and blend.stat().st_mtime_ns == saved
    assert "Traceback" not in stdout + stderr


def test_argument_mistakes_are_explained(tmp_path):
    missing = subprocess.run([sys.executable, str(BATCH), str(tmp_path / "gone.blend")], capture_output=True,
                             text=True, timeout=120)
    assert missing.returncode == 2 and f"the blend file {tmp_path / 'gone.blend'} was not found" in missing.stderr
    none = subprocess.run([sys.executable, str(BATCH), "--shot", "A"], capture_output=True, text=True, timeout=120)
    assert none.returncode == 2 and "no blend file given: python batch.py FILE.blend" in none.stderr


def test_blenders_argument_order_works_with_the_bpy_module(make_shot, tmp_path):
    make_shot("Only")
    blend = tmp_path / "order.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    result = subprocess.run([sys.executable, str(BATCH), str(blend), "--", "--shot", "Nope"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "no shot named 'Nope'" in result.stderr and "its shots: 'Only'" in result.stderr


def test_a_bad_talking_heads_python_stops_the_batch_before_it_starts(make_shot, tmp_path):
    make_shot("Any")
    blend = tmp_path / "any.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    env = dict(os.environ, TALKING_HEADS_PYTHON=str(tmp_path / "nowhere" / "python"))
    result = subprocess.run([sys.executable, str(BATCH), str(blend)], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 2 and "$TALKING_HEADS_PYTHON is " in result.stderr and "nowhere" in result.stderr
    assert not (tmp_path / "Any").exists()
