"""Files: existence checks, writable outputs and atomic writes shared by every writer."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from talking_heads.errors import MediaError, OutputError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"})
OUTPUT_VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v"})  # containers of the H.264 videos written


def is_image_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def require_file(path: Path) -> None:
    """Fail clearly when `path` is missing, a folder or empty."""
    if not path.exists():
        raise MediaError(path, "no such file")
    if path.is_dir():
        raise MediaError(path, "is a folder, not a file")
    if path.stat().st_size == 0:
        raise MediaError(path, "the file is empty")


def partial_path(path: Path) -> Path:
    """A temporary sibling of `path`, renamed over it when the write succeeds."""
    return path.with_name(f".{path.stem}.partial{path.suffix}")


def check_writable_folder(folder: Path) -> None:
    if not folder.exists():
        raise OutputError(f"output folder {folder} does not exist; create it first or choose another path")
    if not folder.is_dir():
        raise OutputError(f"{folder} is not a folder")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"cannot write to {folder} (permission denied); choose another output path")


def check_output_path(path: str | Path) -> Path:
    """Validate that a file can be written at `path` before any work starts."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name")
    check_writable_folder(path.parent if str(path.parent) else Path("."))
    return path


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds."""
    path = check_output_path(path)
    temporary = partial_path(path)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
