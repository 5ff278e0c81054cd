"""Outputs rendered once for the provenance tests: a PNG sequence with its MP4 and side-by-side."""
from __future__ import annotations

from pathlib import Path

import pytest

from talking_heads.pipeline import AnimateJob, animate


@pytest.fixture(scope="module")
def portrait(portraits_dir: Path) -> Path:
    return portraits_dir / "s42.jpg"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, portrait: Path, clips_dir: Path) -> Path:
    """A folder with frames/ (PNG sequence), frames.mp4 and sbs.mp4 rendered by the warp renderer."""
    folder = tmp_path_factory.mktemp("rendered")
    animate(AnimateJob([portrait], str(clips_dir / "d0.mp4"), folder / "frames", renderer="warp", frames=(0, 8),
                       also_mp4=True, side_by_side=folder / "sbs.mp4"))
    return folder
