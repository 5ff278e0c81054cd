"""Nothing lost, nothing overwritten: outputs that would replace an input are refused before any
work, stale frames never mix with a new render, and a failed video write leaves nothing
unreadable under the requested name."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest

from talking_heads import media
from talking_heads.batch import run_shots
from talking_heads.cli import main
from talking_heads.errors import OutputError
from talking_heads.pipeline import AnimateJob, animate

MOTION = ["--driver", "motion:nod", "--duration", "0.3", "--fps", "10", "--renderer", "warp"]  # 3 frames


@pytest.fixture
def portrait(tmp_path, portraits_dir):
    """A copy of a shared portrait, which a test may try to overwrite."""
    return shutil.copy(portraits_dir / "s42.jpg", tmp_path / "face.jpg")


def animate_cli(*argv) -> int:
    return main(["-q", "animate", *map(str, argv)])


@pytest.mark.parametrize("output, message", [
    ("face.jpg", "would overwrite the portrait"),
    ("clip.mp4", "would overwrite the driver"),
    ("x.png", "neither a video"),
    ("x.txt", "neither a video"),
])
def test_outputs_that_would_lose_data_are_refused_before_any_work(tmp_path, portrait, clips_dir, capsys, output,
                                                                   message):
    clip = shutil.copy(clips_dir / "d11.mp4", tmp_path / "clip.mp4")
    before = {path: path.read_bytes() for path in (portrait, clip)}
    driver = ["--driver", clip] if output == "clip.mp4" else MOTION
    assert animate_cli("--source", portrait, *driver, "-o", tmp_path / output) == 1
    assert message in capsys.readouterr().err
    assert {path: path.read_bytes() for path in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "face.jpg"]  # nothing written


def test_side_by_side_equal_to_the_output_is_refused(tmp_path, portrait, capsys):
    out = tmp_path / "out.mp4"
    assert animate_cli("--source", portrait, *MOTION, "-o", out, "--side-by-side", out) == 1
    assert "--output and --side-by-side name the same file" in capsys.readouterr().err
    assert not out.exists()


def test_frames_written_into_the_portraits_folder_may_not_replace_it(tmp_path, portraits_dir):
    portrait = shutil.copy(portraits_dir / "s42.jpg", tmp_path / "frame_000001.png")
    with pytest.raises(OutputError, match="would overwrite the portrait"):
        animate(AnimateJob([portrait], "motion:nod", tmp_path, renderer="warp"))


def test_a_rerender_replaces_stale_frames_and_mp4_holds_only_this_run(tmp_path, portrait):
    folder = tmp_path / "frames"
    assert animate_cli("--source", portrait, *MOTION[:-2], "--renderer", "warp", "-o", folder) == 0
    assert media.count_finished_frames(folder) == 3
    media.write_image(media.frame_path(folder, 9), media.read_image(media.frame_path(folder, 1)))  # after a gap
    assert animate_cli("--source", portrait, "--driver", "motion:nod", "--duration", "0.2", "--fps", "10",
                       "--renderer", "warp", "-o", folder, "--mp4") == 0
    assert sorted(p.name for p in folder.iterdir()) == ["frame_000001.png", "frame_000002.png"]
    info = media.probe_video(folder.with_suffix(".mp4"))
    assert info.frame_count == 2 and info.fps == 10


FULL_DISK = textwrap.dedent("""
    import resource, signal, sys
    import numpy as np
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))
    from talking_heads.errors import OutputError
    from talking_heads.media import Mp4Writer
    noise = np.random.default_rng(0).integers(0, 256, (40, 256, 256, 3), dtype=np.uint8)  # does not compress
    try:
        with Mp4Writer(sys.argv[1], 25) as writer:
            for frame in noise:
                writer.write(frame)
    except OutputError as error:
        print(error)
        sys.exit(3)
""")


def test_a_write_error_while_encoding_is_an_error_and_leaves_nothing(tmp_path):
    out = tmp_path / "out.mp4"
    result = subprocess.run([sys.executable, "-c", FULL_DISK, str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stderr
    assert f"cannot write {out}" in result.stdout
    assert list(tmp_path.iterdir()) == []  # neither the video nor its temporary file


def test_a_video_that_lacks_frames_written_is_refused(tmp_path, monkeypatch):
    """The check before the rename: a finished file must hold every frame sent to the encoder."""
    import numpy as np

    from talking_heads.media import video

    real = video.probe_video
    monkeypatch.setattr(video, "probe_video", lambda path: real(path).__class__(path, 25.0, 1, (64, 64)))
    with pytest.raises(OutputError, match="cannot write"):
        with media.Mp4Writer(tmp_path / "short.mp4", 25) as writer:
            for _ in range(3):
                writer.write(np.zeros((64, 64, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def write_shots(path, text: str):
    path.write_text(textwrap.dedent(text))
    return path


def test_batch_outputs_outside_the_shot_lists_folder_need_an_explicit_option(tmp_path, portraits_dir):
    folder = tmp_path / "project"
    folder.mkdir()
    shots = write_shots(folder / "shots.toml", f"""
        [escape]
        source = "{portraits_dir / 's42.jpg'}"
        driver = "motion:nod"
        duration = 0.2
        fps = 10
        renderer = "warp"
        output = "../outside"

        [absolute]
        source = "{portraits_dir / 's42.jpg'}"
        driver = "motion:nod"
        output = "{tmp_path / 'elsewhere.mp4'}"
    """)
    outcomes = run_shots(shots, only=["escape", "absolute"], report=lambda line: None)
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert all("outside the shot list's folder" in o.detail and "--allow-outside" in o.detail for o in outcomes)
    assert not (tmp_path / "outside").exists()
    allowed = run_shots(shots, only=["escape"], allow_outside=True, report=lambda line: None)
    assert allowed[0].status == "done" and media.count_finished_frames(tmp_path / "outside") == 2


def test_a_shot_that_would_overwrite_its_input_fails_alone(tmp_path, portraits_dir):
    portrait = shutil.copy(portraits_dir / "s42.jpg", tmp_path / "face.jpg")
    before = portrait.read_bytes()
    shots = write_shots(tmp_path / "shots.toml", """
        [clobber]
        source = "face.jpg"
        driver = "motion:nod"
        output = "face.jpg"

        [fine]
        source = "face.jpg"
        driver = "motion:nod"
        duration = 0.2
        fps = 10
        renderer = "warp"
        output = "fine"
    """)
    outcomes = run_shots(shots, report=lambda line: None)
    assert [o.status for o in outcomes] == ["failed", "done"]
    assert "would overwrite the portrait" in outcomes[0].detail and portrait.read_bytes() == before
