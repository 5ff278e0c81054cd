"""A tiny dataset prepared once per session from real clips, and helpers for tiny runs."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from talking_heads.landmarks import make_detector
from talking_heads.training import distributed
from talking_heads.training.prepare import PrepareConfig, prepare_dataset
from training_helpers import CLIPS, FRAMES, RESOLUTION


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models gain nothing from threads, and one thread keeps their speed steady on a busy CPU
    (and the float rounding the same in every run of a module, which exact-resume tests compare)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def detector():
    return make_detector("dlib")


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory, clips_dir: Path, detector) -> Path:
    """Three clips, 12 evenly sampled frames each, 64x64 crops."""
    output = tmp_path_factory.mktemp("dataset") / "faces"
    prepare_dataset([clips_dir / name for name in CLIPS], output, detector, PrepareConfig(FRAMES, RESOLUTION))
    return output


@pytest.fixture(scope="session")
def cpu_process() -> distributed.Processes:
    return distributed.start("cpu")
