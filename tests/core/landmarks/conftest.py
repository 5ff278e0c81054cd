from __future__ import annotations

import pytest

from talking_heads.landmarks import LandmarkDetector, make_detector


@pytest.fixture(scope="session")
def dlib_detector() -> LandmarkDetector:
    return make_detector("dlib")
