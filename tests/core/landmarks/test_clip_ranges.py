"""A clip driver with a frame range is tracked only where the range needs it (plus the first
second, for the neutral frame), and the track cache keeps serving later runs."""
from __future__ import annotations

import numpy as np

from talking_heads.landmarks.driver import DriverSpec, driver_motion, frames_to_track

PORTRAIT = np.array([[100 + 3 * (i % 17), 120 + 2 * (i // 17)] for i in range(68)], np.float32)  # any 68 points


def test_the_frames_to_track_are_the_used_ones_widened_and_the_first_second():
    assert frames_to_track(None, 78, 25.0, 0.0) == [(0, 78)]
    assert frames_to_track((60, 70), 78, 25.0, 0.0) == [(0, 25), (47, 78)]  # 13 frames of warm-up before
    assert frames_to_track((60, 70), 200, 25.0, 0.2) == [(0, 25), (32, 98)]  # + 3 sigma of smoothing
    assert frames_to_track((10, 20), 78, 25.0, 0.0) == [(0, 33)]  # overlapping: merged
    assert frames_to_track((60, 70), 200, 25.0, 0.0, neutral_frame=5) == [(5, 6), (47, 83)]


def test_a_range_tracks_only_what_it_needs_and_the_cache_serves_it_again(tmp_path, clips_dir, dlib_detector):
    clip, cache = DriverSpec.parse(str(clips_dir / "d0.mp4")), tmp_path / "d0.track.npz"
    made = []

    def detector():
        made.append(1)
        return dlib_detector

    part = driver_motion(clip, PORTRAIT, (256, 256), detector=detector, track_cache=cache, frames=(60, 70))
    assert part.first == 60 and part.points.shape == (10, 68, 2)
    with np.load(cache) as data:
        assert np.flatnonzero(~data["tracked"]).tolist() == list(range(25, 47))  # never read by the detector

    count = len(made)
    again = driver_motion(clip, PORTRAIT, (256, 256), detector=detector, track_cache=cache, frames=(62, 66))
    assert len(made) == count and np.allclose(again.points, part.points[2:6])  # from the cache

    whole = driver_motion(clip, PORTRAIT, (256, 256), detector=lambda: dlib_detector, track_cache=tmp_path / "all.npz")
    assert np.abs(part.points - whole.points[60:70]).max() < 0.75  # the same motion (one frame apart: ~1 px)
