"""The README's main command runs offline and writes a playable MP4 and a side-by-side."""
from __future__ import annotations

import subprocess
import sys

import numpy as np

from talking_heads import media


def test_demo_writes_a_playable_mp4_and_side_by_side(tmp_path):
    result = subprocess.run([sys.executable, "-m", "talking_heads.cli", "demo", "--duration", "0.6"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "renderer: warp" in result.stderr
    video = media.probe_video(tmp_path / "demo.mp4")
    assert video.size == (512, 512) and video.frame_count == 6 * 15 and video.fps == 25.0
    frames = list(media.VideoReader(tmp_path / "demo.mp4"))
    assert np.abs(frames[0].astype(int) - frames[40].astype(int)).mean() > 0.3
    side = media.probe_video(tmp_path / "demo_side_by_side.mp4")
    assert side.size == (1024, 512) and side.frame_count == video.frame_count
    assert media.read_video_metadata(tmp_path / "demo.mp4")["synthetic"] == "true"
