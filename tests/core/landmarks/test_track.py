"""Tracking on the shared clips, the track file, smoothing and gap filling."""
from __future__ import annotations

import numpy as np
import pytest

from talking_heads import media
from talking_heads.errors import InputError
from talking_heads.landmarks import LandmarkSmoothing, LandmarkTrack, OneEuroConfig, TrackerConfig, track_input
from talking_heads.landmarks.retarget import mouth_opening
from talking_heads.landmarks.smoothing import fill_gaps, smooth_landmarks
from talking_heads.landmarks.topology import INNER_LIPS, LEFT_EYE, OUTER_LIPS, RIGHT_EYE

_LIPS_AND_EYES = list(OUTER_LIPS + INNER_LIPS + RIGHT_EYE + LEFT_EYE)
_OTHERS = sorted(set(range(68)) - set(_LIPS_AND_EYES))

CLIPS = ["d0", "d3", "d6", "d9", "d10", "d11", "d12", "d14"]


@pytest.fixture(scope="module")
def raw_d3(clips_dir, dlib_detector) -> LandmarkTrack:
    track, _ = track_input(clips_dir / "d3.mp4", dlib_detector, config=TrackerConfig(smooth=False))
    return track


@pytest.mark.parametrize("clip", CLIPS)
def test_every_shared_clip_has_a_face_in_98_percent_of_frames(clips_dir, dlib_detector, clip, tmp_path):
    path = clips_dir / f"{clip}.mp4"
    info = media.probe_video(path)
    track, report = track_input(path, dlib_detector)
    assert len(track) == info.frame_count == report.frames
    assert track.size == info.size and track.fps == pytest.approx(info.fps)
    assert track.valid.mean() >= 0.98, report.summary()
    # The landmarks sit inside the frame on the face, not at a constant position.
    assert (track.points[track.valid] >= -20).all() and (track.points[track.valid] <= max(info.size) + 20).all()
    assert track.points[:, :, 1].std() > 0.5
    saved = track.save(tmp_path / f"{clip}.npz")
    loaded = LandmarkTrack.load(saved)
    np.testing.assert_array_equal(loaded.points, track.points)
    np.testing.assert_array_equal(loaded.valid, track.valid)
    assert (loaded.size, loaded.fps, loaded.source) == (track.size, track.fps, track.source)


def _jitter(points: np.ndarray) -> float:
    """Mean landmark acceleration, pixels per frame squared. points (T, N, 2)."""
    return float(np.linalg.norm(points[2:] - 2 * points[1:-1] + points[:-2], axis=-1).mean())


def _uniform(config: OneEuroConfig) -> LandmarkSmoothing:
    return LandmarkSmoothing(head=config, shape=config, lips_and_eyes=config)


def _lag(raw: np.ndarray, smoothed: np.ndarray, signal) -> int:
    """Frames by which the smoothed signal trails the raw one: the shift that best correlates
    their frame-to-frame velocities."""
    velocity_raw, velocity_smooth = np.diff(signal(raw)), np.diff(signal(smoothed))
    scores = [np.corrcoef(velocity_raw[: len(velocity_raw) - s], velocity_smooth[s:])[0, 1] for s in range(6)]
    return int(np.argmax(scores))


def test_smoothing_cuts_jitter_with_at_most_two_frames_of_lag(raw_d3):
    """The head and face outline lose three quarters of their jitter; the lips and eyelids, which
    are smoothed lightly so that speech and blinks keep their speed, lose a third of theirs."""
    raw, smoothed = raw_d3.points, smooth_landmarks(raw_d3.points, raw_d3.valid, raw_d3.fps)
    assert _jitter(raw[:, _OTHERS]) / _jitter(smoothed[:, _OTHERS]) >= 3.0
    assert _jitter(raw[:, _LIPS_AND_EYES]) / _jitter(smoothed[:, _LIPS_AND_EYES]) >= 1.5
    head_x = lambda p: p.mean(axis=1)[:, 0]  # noqa: E731
    head_y = lambda p: p.mean(axis=1)[:, 1]  # noqa: E731
    mouth = lambda p: p[:, 57, 1] - p[:, 51, 1]  # noqa: E731
    for signal in (head_x, head_y, mouth):
        assert _lag(raw_d3.points, smoothed, signal) <= 2


def test_smoothing_parameters_are_honoured(raw_d3):
    points, valid, fps = raw_d3.points, raw_d3.valid, raw_d3.fps
    gentle = smooth_landmarks(points, valid, fps, _uniform(OneEuroConfig(min_cutoff=5.0, beta=10.0)))
    strong = smooth_landmarks(points, valid, fps, _uniform(OneEuroConfig(min_cutoff=0.3, beta=0.1)))
    assert _jitter(strong) < _jitter(gentle) < _jitter(raw_d3.points)
    lips_gentle = smooth_landmarks(raw_d3.points, raw_d3.valid, raw_d3.fps,
                                   LandmarkSmoothing(lips_and_eyes=OneEuroConfig(min_cutoff=8.0, beta=30.0)))
    default = smooth_landmarks(raw_d3.points, raw_d3.valid, raw_d3.fps)
    assert _jitter(default[:, _LIPS_AND_EYES]) < _jitter(lips_gentle[:, _LIPS_AND_EYES])
    np.testing.assert_allclose(lips_gentle[:, _OTHERS], default[:, _OTHERS])


def test_fast_speech_keeps_its_mouth_opening(clips_dir, dlib_detector):
    """On fast speech (d9, frames 100-250) the smoothed mouth opening follows the raw per-frame
    detection with a correlation of at least 0.9 and keeps at least 85% of its spread; smoothing
    the lips like the head (as before) damps it to about 0.7."""
    frames = list(media.open_frame_source(clips_dir / "d9.mp4").frames(100, 250))
    from talking_heads.landmarks import track_frames

    raw, _ = track_frames(frames, dlib_detector, fps=30.0, config=TrackerConfig(smooth=False))
    smoothed, _ = track_frames(frames, dlib_detector, fps=30.0)
    raw_opening, opening = mouth_opening(raw.points), mouth_opening(smoothed.points)
    assert np.corrcoef(raw_opening, opening)[0, 1] >= 0.9
    assert opening.std() / raw_opening.std() >= 0.85
    like_the_head = mouth_opening(smooth_landmarks(raw.points, raw.valid, raw.fps, _uniform(OneEuroConfig())))
    assert np.corrcoef(raw_opening, like_the_head)[0, 1] < 0.8


def test_short_gaps_are_interpolated_long_ones_held(raw_d3):
    points = raw_d3.points[:100].copy()
    valid = np.ones(100, bool)
    valid[10:15] = False  # short gap: interpolated
    valid[40:90] = False  # long gap: held
    filled, interpolated, held = fill_gaps(points, valid, max_gap=25)
    assert (interpolated, held) == (5, 50)
    np.testing.assert_allclose(filled[12], (points[9] * 3 + points[15] * 3) / 6, atol=1e-4)
    np.testing.assert_array_equal(filled[50], points[39])
    np.testing.assert_array_equal(filled[85], points[90])


def test_a_missing_face_is_reported_and_filled(clips_dir, dlib_detector):
    """Black out frames of a real clip: they are reported as faceless and filled (the last
    box is not reused on them, since they no longer look like the face)."""
    source = media.open_frame_source(clips_dir / "d12.mp4")
    frames = [frame.copy() for frame in source.frames(0, 60)]
    for frame in frames[20:26]:
        frame[:] = 0
    from talking_heads.landmarks import track_frames

    track, report = track_frames(frames, dlib_detector, fps=25.0)
    assert report.without_face == 6 and report.interpolated == 6
    assert not track.valid[20:26].any() and track.valid[:20].all()
    assert "6 frames had no face" in report.summary()


@pytest.mark.parametrize("content,problem", [
    (b"not a track", "not a readable landmark track"),
    (None, "lacks"),
])
def test_bad_track_files_get_clear_errors(tmp_path, content, problem):
    path = tmp_path / "track.npz"
    if content is None:
        np.savez(path, something=np.zeros(3))
    else:
        path.write_bytes(content)
    with pytest.raises(InputError, match=problem):
        LandmarkTrack.load(path)


def test_track_validation():
    with pytest.raises(InputError, match="shape"):
        LandmarkTrack(np.zeros((4, 5, 2)), np.ones(4, bool), (64, 64), 25.0)
    with pytest.raises(InputError, match="NaN"):
        LandmarkTrack(np.full((1, 68, 2), np.nan), np.ones(1, bool), (64, 64), 25.0)


@pytest.mark.parametrize("change, message", [
    ({"size": np.int32(512)}, "size must be"),
    ({"size": np.array([512, 0])}, "size must be"),
    ({"fps": np.float64(1e9)}, "at most 1000 fps"),
    ({"fps": np.float64("nan")}, "frame rate must be above 0"),
    ({"fps": np.array([25.0, 30.0])}, "not a readable landmark track"),
])
def test_corrupt_track_files_are_refused_naming_the_file(tmp_path, change, message):
    fields = {"points": np.zeros((3, 68, 2), np.float32), "valid": np.ones(3, bool),
              "size": np.array([512, 512], np.int32), "fps": np.float64(25), **change}
    path = tmp_path / "bad.npz"
    np.savez(path, **fields)
    with pytest.raises(InputError, match=f"bad.npz: .*{message}"):
        LandmarkTrack.load(path)
