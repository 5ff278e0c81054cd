"""`talking-heads landmarks`: real inputs, the preview, and every kind of bad input."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from talking_heads import media
from talking_heads.cli import main
from talking_heads.landmarks import LandmarkTrack


def test_video_to_track_and_preview(clips_dir, tmp_path):
    out, preview = tmp_path / "d0.npz", tmp_path / "preview.mp4"
    assert main(["-q", "landmarks", str(clips_dir / "d0.mp4"), "-o", str(out), "--backend", "dlib",
                 "--preview", str(preview)]) == 0
    track = LandmarkTrack.load(out)
    assert len(track) == 78 and track.valid.all() and track.size == (512, 512)
    info = media.probe_video(preview)
    assert info.frame_count == 78 and info.size == (1024, 512)
    frame = next(iter(media.VideoReader(preview)))
    assert frame[:, 512:].max() > 200, "the sketch half of the preview is empty"


def test_single_image_and_folder_of_images(portraits_dir, tmp_path):
    assert main(["-q", "landmarks", str(portraits_dir / "s4.jpg"), "-o", str(tmp_path / "one.npz")]) == 0
    assert len(LandmarkTrack.load(tmp_path / "one.npz")) == 1
    folder = tmp_path / "frames"
    folder.mkdir()
    with media.VideoReader(sorted(portraits_dir.parent.glob("clips/d11.mp4"))[0]) as video:
        for index, frame in enumerate(video.frames(0, 5)):
            media.write_image(folder / f"{index:03d}.png", frame)
    assert main(["-q", "landmarks", str(folder), "-o", str(tmp_path / "seq.npz"), "--fps", "12"]) == 0
    track = LandmarkTrack.load(tmp_path / "seq.npz")
    assert len(track) == 5 and track.fps == 12.0 and track.valid.all()


def _truncated(tmp_path, clips_dir):
    path = tmp_path / "truncated.mp4"
    path.write_bytes((clips_dir / "d3.mp4").read_bytes()[:100_000])
    return path


def _zero_frames(tmp_path, clips_dir):
    import imageio_ffmpeg

    path = tmp_path / "empty.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "color=s=64x64:r=25",
                    "-frames:v", "0", "-c:v", "libx264", str(path)], check=True)
    return path


def _text_as_jpg(tmp_path, clips_dir):
    path = tmp_path / "photo.jpg"
    path.write_text("hello")
    return path


def _no_face(tmp_path, clips_dir):
    path = tmp_path / "wall.png"
    media.write_image(path, np.full((200, 300, 3), 90, np.uint8))
    return path


@pytest.mark.parametrize("make_input,message", [
    (lambda tmp, clips: tmp / "missing.mp4", "missing.mp4: no such file"),
    (_text_as_jpg, "photo.jpg: cannot be decoded as an image"),
    (_truncated, "truncated.mp4: cannot be read as a video"),
    (_zero_frames, "empty.mp4: .*no frames"),
    (_no_face, "no face found"),
])
def test_bad_inputs_get_a_clear_error_and_leave_no_track(tmp_path, clips_dir, capsys, make_input, message):
    source = make_input(tmp_path, clips_dir)
    out = tmp_path / "out" / "track.npz"
    out.parent.mkdir()
    assert main(["-q", "landmarks", str(source), "-o", str(out), "--backend", "dlib"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "Traceback" not in error
    import re

    assert re.search(message, error), error
    assert list(out.parent.iterdir()) == []


def test_unwritable_output_is_refused_before_any_work(tmp_path, clips_dir, capsys):
    assert main(["-q", "landmarks", str(clips_dir / "d6.mp4"), "-o", str(tmp_path / "nowhere" / "t.npz")]) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a usage error, as every option's own check
        main(["-q", "landmarks", str(clips_dir / "d6.mp4"), "-o", str(tmp_path / "t.txt")])
    assert ".npz" in capsys.readouterr().err


def test_console_script_prints_errors_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "talking_heads.cli", "landmarks", str(tmp_path / "nope.jpg"),
                             "-o", str(tmp_path / "t.npz")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "nope.jpg: no such file" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("argv, message", [
    (["-o", "track.txt"], "argument -o/--output: a track file ends in .npz"),
    (["-o", "t.npz", "--fps", "nan"], "argument --fps: must be a finite number"),
    (["-o", "t.npz", "--fps", "0"], "argument --fps: must be above 0"),
    (["-o", "t.npz", "--beta", "-1"], "argument --beta: must be at least 0"),
])
def test_options_are_checked_before_any_work(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        main(["landmarks", str(tmp_path / "clip.mp4"), *argv])
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_the_preview_may_not_overwrite_the_input(tmp_path, clips_dir, capsys):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes((clips_dir / "d0.mp4").read_bytes())
    before = clip.read_bytes()
    assert main(["-q", "landmarks", str(clip), "-o", str(tmp_path / "t.npz"), "--preview", str(clip)]) == 1
    assert "would overwrite the input" in capsys.readouterr().err and clip.read_bytes() == before
