"""The frozen baseline: the first shot, unchanged, whatever the landmarks."""
from __future__ import annotations

import numpy as np
import pytest

from talking_heads.errors import InputError
from talking_heads.synthesis import create_renderer
from talking_heads.synthesis.base import Shot


def test_the_frozen_renderer_returns_the_first_shot_for_any_landmarks():
    rng = np.random.default_rng(0)
    shots = [Shot(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8), rng.uniform(0, 256, (68, 2)).astype(np.float32))
             for _ in range(2)]
    person = create_renderer("frozen").prepare(shots)
    frames = person.render(rng.uniform(0, 256, (3, 68, 2)).astype(np.float32))
    assert frames.shape == (3, 256, 256, 3) and frames.dtype == np.uint8
    assert all(np.array_equal(frame, shots[0].image) for frame in frames)
    assert person.covers_background and person.resolution == 256


def test_the_frozen_renderer_needs_a_shot():
    with pytest.raises(InputError, match="at least one"):
        create_renderer("frozen").prepare([])
