"""Frame naming and where a result sits in the timeline."""
import pytest

from blender_addon.logic.frames import (ClipTiming, StripLayout, clip_span, clip_timing, frame_name, frames_after,
                                        png_size, strip_span)


def test_frames_are_named_like_the_pipelines_png_sequences():
    assert frame_name(1) == "frame_000001.png" and frame_name(123) == "frame_000123.png"
    with pytest.raises(ValueError):
        frame_name(0)


def test_frames_past_a_count_are_found(tmp_path):
    for index in (1, 2, 3, 5):
        (tmp_path / frame_name(index)).write_bytes(b"")
    (tmp_path / "frame_7.png").write_bytes(b"")  # not ours
    assert [path.name for path in frames_after(tmp_path, 2)] == ["frame_000003.png", "frame_000005.png"]
    assert frames_after(tmp_path / "missing", 0) == []


def test_a_clip_span_skips_the_offset_and_stops_at_the_clips_end():
    span = clip_span(offset=10, count=0, clip_frames=78, scene_start=101)
    assert (span.first, span.count, span.scene_start, span.frames()) == (10, 68, 101, (10, 78))
    assert clip_span(10, 20, 78, 1).frames() == (10, 30)
    assert clip_span(70, 20, 78, 1).count == 8
    with pytest.raises(ValueError, match="past the clip's end"):
        clip_span(78, 0, 78, 1)


def test_a_movie_strip_span_starts_where_its_visible_part_does():
    # a strip placed at frame 50 whose first 5 frames are trimmed, 40 frames visible
    span = strip_span(frame_start=50, offset_start=5, duration=40, offset=3, count=0)
    assert (span.first, span.count, span.scene_start) == (8, 37, 58)
    assert StripLayout(58, 37, 2).frame_end == 95


def test_png_size_reads_the_header(tmp_path, portraits_dir):
    import struct
    import zlib

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * 7 for _ in range(3))  # 7x3 RGB, filter byte per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 7, 3, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    (tmp_path / "a.png").write_bytes(png)
    assert png_size(tmp_path / "a.png") == (7, 3)
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(portraits_dir / "s42.jpg")


def test_a_clip_at_another_rate_is_resampled_to_the_scene_or_kept_frame_for_frame():
    resampled = clip_timing(30.0, 24.0, 90, resample=True)  # 3 s of clip
    assert (resampled.fps, resampled.count) == (24.0, 72) and "resampled to 72 frames" in resampled.note
    kept = clip_timing(30.0, 24.0, 90, resample=False)
    assert (kept.fps, kept.count) == (None, 90) and "one to one" in kept.note
    assert clip_timing(25.0, 25.0, 78, resample=True) == ClipTiming(None, 78, "")
    with pytest.raises(ValueError, match="positive"):
        clip_timing(0.0, 24.0, 10, resample=True)
