"""Cancelling keeps the frames written; a killed worker is reported, what it wrote stays, and the
next job starts a new worker and runs."""
import os
import signal
import threading
import time
from pathlib import Path

import bpy
import pytest

from addon_helpers import finished_frames
from blender_addon.blender import compat


def when_frames_exist(folder: Path, count: int, action) -> threading.Thread:
    """Run `action` on another thread once `count` frames are in `folder` (as a user pressing Esc)."""

    def watch() -> None:
        deadline = time.monotonic() + 120
        while finished_frames(folder) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        action()

    thread = threading.Thread(target=watch)
    thread.start()
    return thread


def long_shot(make_shot, name: str):
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 200
    return make_shot(name)


def test_cancel_keeps_the_frames_written_in_the_plate(make_shot, runtime):
    shot = long_shot(make_shot, "Cancelled")
    folder = Path(shot.output_folder)
    watcher = when_frames_exist(folder, 2, runtime.cancel)
    assert bpy.ops.theads.animate() == {"FINISHED"}  # cancelling is not an error
    watcher.join()
    kept = finished_frames(folder)
    strip = compat.all_strips(bpy.context.scene.sequence_editor)[shot.plate_strip]
    assert 2 <= kept < 200 and strip.frame_final_duration == len(strip.elements) == kept
    assert "cancelled" in shot.status


def test_a_killed_worker_is_reported_and_the_next_job_runs(make_shot, runtime):
    shot = long_shot(make_shot, "Killed")
    folder = Path(shot.output_folder)
    runtime.worker(bpy.context)
    first_pid = runtime.client.pid
    watcher = when_frames_exist(folder, 2, lambda: os.kill(first_pid, signal.SIGKILL))
    with pytest.raises(RuntimeError, match=r"stopped unexpectedly \(exit code -9\).*frames written are kept"):
        bpy.ops.theads.animate()
    watcher.join()
    strip = compat.all_strips(bpy.context.scene.sequence_editor)[shot.plate_strip]
    assert strip.frame_final_duration >= 2  # what it wrote is in the plate

    bpy.context.scene.frame_end = 5
    assert bpy.ops.theads.animate() == {"FINISHED"}
    assert runtime.client.pid != first_pid and strip.frame_final_duration == 5
