"""Fixtures of the renderer tests."""
from __future__ import annotations

import pytest

from talking_heads import media
from talking_heads.landmarks import detect_largest_face, make_detector
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.warp import WarpConfig, WarpRenderer


@pytest.fixture(scope="module")
def head_shot(portraits_dir) -> Shot:
    """The portrait cut out by the warp's own crop (the whole moving head), scaled to 384 pixels."""
    image = media.read_image(portraits_dir / "s42.jpg")
    points = detect_largest_face(make_detector("dlib"), image).points
    crop = WarpRenderer(WarpConfig(max_resolution=384)).crop(points)
    return Shot(crop.crop(image), crop.to_crop(points))
