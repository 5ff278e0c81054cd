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
