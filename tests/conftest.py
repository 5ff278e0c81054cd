"""Shared fixtures: the real test footage in ../shared/data (beside the project folder)."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _require(path: Path) -> Path:
    """The suite fails, never skips, without its footage: a green run must have tested something."""
    if not path.exists():
        pytest.fail(f"test footage not found: {path} (the shared data folder beside the project folder; "
                    "the tests need its clips and portraits)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _require(SHARED_DATA)


@pytest.fixture(scope="session")
def clips_dir(shared_data: Path) -> Path:
    return _require(shared_data / "clips")


@pytest.fixture(scope="session")
def portraits_dir(shared_data: Path) -> Path:
    return _require(shared_data / "portraits")


@pytest.fixture(scope="session", autouse=True)
def private_config_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Outputs are signed with a key made once per installation in the user's config folder:
    the tests make theirs in a temporary folder, never in the user's."""
    import os

    folder = tmp_path_factory.mktemp("config")
    os.environ["XDG_CONFIG_HOME"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def warp_crop_side():
    """The side of the warp renderer's crop of a portrait (the square around the whole moving
    head, at the portrait's own pixel size): what `--crop` writes with the warp."""
    from talking_heads import media
    from talking_heads.landmarks import detect_largest_face, make_detector
    from talking_heads.synthesis.warp import WarpRenderer

    def side(portrait: Path) -> int:
        face = detect_largest_face(make_detector("dlib"), media.read_image(portrait))
        return WarpRenderer().crop(face.points).size

    return side


def load_module(path: Path, name: str) -> ModuleType:
    """A Python file that is no importable module (a benchmark script, a conftest), loaded by path."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def module_at():
    """`load_module` for tests (conftest modules share one name, so tests cannot import this one)."""
    return load_module
