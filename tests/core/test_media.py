"""Reading and writing images, videos and frame sequences, and their errors."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from talking_heads import media
from talking_heads.errors import MediaError, OutputError


@pytest.fixture
def colour_image() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)


def test_reads_a_real_portrait(portraits_dir):
    image = media.read_image(portraits_dir / "s12.jpg")
    assert image.shape == (500, 375, 3) and image.dtype == np.uint8


def test_grayscale_becomes_rgb(tmp_path, colour_image):
    Image.fromarray(colour_image[..., 0]).save(tmp_path / "gray.png")
    image = media.read_image(tmp_path / "gray.png")
    assert image.shape == (40, 60, 3)
    np.testing.assert_array_equal(image[..., 2], colour_image[..., 0])


def test_rgba_is_composited_over_black(tmp_path, colour_image):
    alpha = np.zeros((40, 60, 1), np.uint8)
    alpha[:, 30:] = 255
    Image.fromarray(np.concatenate([colour_image, alpha], -1), "RGBA").save(tmp_path / "rgba.png")
    image = media.read_image(tmp_path / "rgba.png")
    assert image.shape == (40, 60, 3)
    assert image[:, :30].max() == 0
    np.testing.assert_array_equal(image[:, 30:], colour_image[:, 30:])


def test_sixteen_bit_is_scaled_to_eight(tmp_path):
    gray16 = (np.arange(40 * 60).reshape(40, 60) * 27).astype(np.uint16)
    Image.fromarray(gray16).save(tmp_path / "deep.png")
    image = media.read_image(tmp_path / "deep.png")
    assert image.dtype == np.uint8
    np.testing.assert_array_equal(image[..., 0], (gray16 >> 8).astype(np.uint8))


def test_exif_orientation_is_applied(tmp_path):
    rows, cols = np.mgrid[0:40, 0:60]
    colour_image = np.stack([cols * 4, rows * 6, np.full_like(rows, 128)], -1).astype(np.uint8)
    pil = Image.fromarray(colour_image)
    exif = pil.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    pil.save(tmp_path / "rotated.jpg", exif=exif, quality=100)
    image = media.read_image(tmp_path / "rotated.jpg")
    assert image.shape == (60, 40, 3)
    expected = np.rot90(colour_image, -1).astype(int)
    assert np.abs(image.astype(int) - expected).mean() < 3


@pytest.mark.parametrize("make,problem", [
    (lambda p: None, "no such file"),
    (lambda p: p.write_text("this is not a picture"), "cannot be decoded as an image"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.mkdir(), "is a folder"),
])
def test_bad_images_name_the_file_and_the_problem(tmp_path, make, problem):
    path = tmp_path / "portrait.jpg"
    make(path)
    with pytest.raises(MediaError, match=problem) as error:
        media.read_image(path)
    assert "portrait.jpg" in str(error.value)


def test_video_is_streamed_with_its_properties(clips_dir):
    with media.VideoReader(clips_dir / "d0.mp4") as video:
        assert (video.info.frame_count, video.info.fps, video.info.size) == (78, 25.0, (512, 512))
        frames = list(video.frames(10, 13))
    assert len(frames) == 3 and frames[0].shape == (512, 512, 3)
    assert not np.array_equal(frames[0], frames[2])


def test_non_square_video_keeps_width_and_height(clips_dir):
    with media.VideoReader(clips_dir / "d9.mp4") as video:
        assert video.info.size == (512, 480)
        assert next(iter(video)).shape == (480, 512, 3)


def test_truncated_and_empty_videos_get_clear_errors(tmp_path, clips_dir):
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes((clips_dir / "d0.mp4").read_bytes()[:200_000])
    with pytest.raises(MediaError, match="cut.mp4: cannot be read as a video: the file is truncated"):
        media.probe_video(truncated)
    import subprocess

    import imageio_ffmpeg

    zero = tmp_path / "zero.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "color=s=64x64:r=25",
                    "-frames:v", "0", "-c:v", "libx264", str(zero)], check=True)
    with pytest.raises(MediaError, match="zero.mp4: .*no frames"):
        media.probe_video(zero)


def test_mp4_round_trip_with_synthetic_label(tmp_path):
    frames = [np.full((64, 80, 3), 40 * i, np.uint8) for i in range(5)]
    label = media.SyntheticLabel(renderer="warp")
    with media.Mp4Writer(tmp_path / "out.mp4", fps=24, label=label) as writer:
        for frame in frames:
            writer.write(frame)
    info = media.probe_video(tmp_path / "out.mp4")
    assert (info.frame_count, info.fps, info.size) == (5, 24.0, (80, 64))
    decoded = list(media.VideoReader(tmp_path / "out.mp4"))
    assert np.abs(decoded[3].astype(int) - 120).mean() < 3
    tags = media.read_video_metadata(tmp_path / "out.mp4")
    assert "Synthetic media" in tags["comment"] and tags["synthetic"] == "true" and tags["renderer"] == "warp"
    assert not list(tmp_path.glob(".*partial*"))


def test_png_sequence_is_numbered_labelled_and_resumable(tmp_path, colour_image):
    folder = tmp_path / "frames"
    # without the watermark, the pixels come back exactly (the watermark has its own tests)
    with media.PngSequenceWriter(folder, media.SyntheticLabel(renderer="neural", watermark=False)) as writer:
        for _ in range(3):
            writer.write(colour_image)
    assert sorted(p.name for p in folder.iterdir()) == ["frame_000001.png", "frame_000002.png", "frame_000003.png"]
    np.testing.assert_array_equal(media.read_image(folder / "frame_000002.png"), colour_image)
    text = media.read_png_text(folder / "frame_000001.png")
    assert text["synthetic"] == "true" and text["renderer"] == "neural"
    (folder / "frame_000005.png").write_bytes(b"")  # not consecutive: not counted
    assert media.count_finished_frames(folder) == 3


def test_outputs_in_missing_folders_are_refused_before_work(tmp_path, colour_image):
    with pytest.raises(OutputError, match="does not exist"):
        media.check_output_path(tmp_path / "missing" / "out.mp4")
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        media.write_image(blocker / "out.png", colour_image)


def test_frame_sources_of_a_folder_and_an_image(tmp_path, colour_image):
    for index in range(3):
        media.write_image(tmp_path / f"{index}.png", colour_image)
    folder = media.open_frame_source(tmp_path)
    assert (folder.kind, folder.frame_count) == ("folder", 3)
    assert len(list(folder.frames())) == 3
    single = media.open_frame_source(tmp_path / "0.png")
    assert (single.kind, single.frame_count, len(list(single.frames()))) == ("image", 1, 1)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MediaError, match="no images"):
        media.open_frame_source(empty)


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG file whose header declares width x height pixels (its data is a few rows)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width * 3 + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_an_image_declaring_huge_dimensions_is_refused_before_decoding(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_declaring(30000, 30000))
    assert bomb.stat().st_size < 10_000
    with pytest.raises(MediaError, match=r"bomb.png: declares 30000x30000 pixels \(900 megapixels\), above the limit "
                                         r"of 100 megapixels.*TALKING_HEADS_MAX_PIXELS=900000000"):
        media.read_image(bomb)
    small = tmp_path / "small.png"
    media.write_image(small, np.zeros((64, 64, 3), np.uint8))
    monkeypatch.setenv("TALKING_HEADS_MAX_PIXELS", "1000")  # the limit is the user's to change
    with pytest.raises(MediaError, match="above the limit of 0.001 megapixels"):
        media.read_image(small)
    monkeypatch.setenv("TALKING_HEADS_MAX_PIXELS", "4096")
    assert media.read_image(small).shape == (64, 64, 3)


def test_ctrl_c_interrupts_a_long_decode_at_once(tmp_path):
    """A signal handler runs only between bytecodes: a decode is a single long C call, so it runs
    on a helper thread while the main thread stays ready for Ctrl-C."""
    import os
    import signal
    import threading
    import time

    import cv2

    from talking_heads.media.images import _interruptible

    data = cv2.imencode(".png", np.zeros((6000, 6000, 3), np.uint8))[1]  # 108 MB of pixels to decode
    finished = threading.Event()

    def long_decode():
        cv2.imdecode(data, cv2.IMREAD_UNCHANGED)  # one C call that never checks for signals
        finished.set()

    threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGINT)).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _interruptible(long_decode)
    interrupted_after = time.monotonic() - started
    assert not finished.is_set()  # interrupted while the decode was still running
    assert finished.wait(60)  # (the abandoned decode ends on its own)
    assert interrupted_after < time.monotonic() - started


def _vfr_clip(path) -> None:
    """60 frames: 30 dark ones at 10 fps (3 s), then 30 bright ones at 30 fps (1 s)."""
    import subprocess

    import imageio_ffmpeg

    cfr = path.with_name("cfr.mp4")
    with media.Mp4Writer(cfr, 30) as writer:
        for value in [20] * 30 + [230] * 30:
            writer.write(np.full((64, 64, 3), value, np.uint8))
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(cfr), "-vf",
                    "setpts='if(lt(N,30),N/10,3+(N-30)/30)/TB'", "-fps_mode", "vfr", "-c:v", "libx264", str(path)],
                   check=True)


def test_a_variable_frame_rate_video_is_read_by_its_timestamps(tmp_path):
    clip = tmp_path / "vfr.mp4"
    _vfr_clip(clip)
    info = media.probe_video(clip)
    assert info.variable_rate and info.fps == 30 and info.frame_count == 120  # 4 s at 30 fps
    with media.VideoReader(clip) as video:
        brightness = [frame.mean() for frame in video]
    assert len(brightness) == 120
    assert max(brightness[:88]) < 60 and min(brightness[92:]) > 200  # 3 s dark, then 1 s bright


def test_a_truncated_video_says_how_many_frames_could_be_read(tmp_path, clips_dir):
    import subprocess

    import imageio_ffmpeg

    indexed_first = tmp_path / "faststart.mp4"  # the index at the start: a cut file still opens
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(clips_dir / "d0.mp4"), "-c",
                    "copy", "-movflags", "+faststart", str(indexed_first)], check=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(indexed_first.read_bytes()[: indexed_first.stat().st_size * 6 // 10])
    with pytest.raises(MediaError, match=r"cut.mp4: the file is truncated: only \d+ of the 78 frames its header "
                                         "promises can be read"):
        media.probe_video(cut)
    promised = media.VideoInfo(cut, 25.0, 78, (512, 512))  # as a quick probe that does not count would say
    with pytest.raises(MediaError, match=r"ended early: \d+ of the 78 frames"):
        with media.VideoReader(cut, promised) as video:
            list(video)
