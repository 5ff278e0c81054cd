"""`talking-heads animate` as a user runs it: options, Ctrl-C keeping the frames, resume."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from talking_heads import media
from talking_heads.cli import main


def test_crop_frames_and_fps_options(tmp_path, portraits_dir, clips_dir, warp_crop_side):
    out = tmp_path / "crops.mp4"
    assert main(["-q", "animate", "--source", str(portraits_dir / "s5.jpg"), "--driver", str(clips_dir / "d0.mp4"),
                 "--frames", "5:17", "--crop", "--fps", "12.5", "--expression", "0.5", "--no-follow-position",
                 "-o", str(out)]) == 0
    info = media.probe_video(out)
    side = warp_crop_side(portraits_dir / "s5.jpg")
    assert (info.size, info.fps, info.frame_count) == ((side, side), 12.5, 6)


def test_bad_frame_range_is_a_usage_error(tmp_path, portraits_dir, capsys):
    try:
        main(["animate", "--source", str(portraits_dir / "s5.jpg"), "--driver", "motion:talk",
              "--frames", "ten", "-o", str(tmp_path / "x.mp4")])
    except SystemExit as stop:
        assert stop.code == 2
    assert "START:STOP" in capsys.readouterr().err


def test_ctrl_c_stops_cleanly_and_resume_finishes(tmp_path, portraits_dir):
    folder = tmp_path / "frames"
    command = [sys.executable, "-m", "talking_heads.cli", "-q", "animate", "--source", str(portraits_dir / "s42.jpg"),
               "--driver", "motion:idle", "--duration", "12", "--renderer", "warp", "-o", str(folder), "--resume"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while media.count_finished_frames(folder) < 10 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert 10 <= media.count_finished_frames(folder) < 300 and "they are kept in" in stderr
    assert not list(folder.glob(".*partial*")), "a half-written frame was left behind"
    assert subprocess.run(command, capture_output=True, text=True).returncode == 0
    assert media.count_finished_frames(folder) == 300


@pytest.mark.parametrize("argv, message", [
    (["--fps", "-1"], "argument --fps: must be above 0, got -1"),
    (["--fps", "0"], "argument --fps: must be above 0, got 0"),
    (["--fps", "nan"], "argument --fps: must be a finite number, got nan"),
    (["--fps", "inf"], "argument --fps: must be a finite number, got inf"),
    (["--fps", "1e9"], "argument --fps: must be at most 240"),
    (["--duration", "1e12"], "argument --duration: must be at most 600"),
    (["--expression", "nan"], "argument --expression: must be a finite number"),
    (["--batch", "0"], "argument --batch: must be at least 1"),
    (["--frames", "9:3"], "argument --frames: frame range 9:3 is empty"),
    (["--device", "gpu"], "argument --device: unknown device 'gpu'"),
])
def test_numeric_and_choice_options_are_checked_before_any_work(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        main(["animate", "--source", "face.jpg", "--driver", "motion:talk", "-o", str(tmp_path / "out"), *argv])
    assert stop.value.code == 2 and message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
