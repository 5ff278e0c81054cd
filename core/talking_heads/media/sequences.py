"""Frame sequences: numbered PNGs (`frame_000001.png`, ...), each written atomically, resumable."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Self

import numpy as np

from talking_heads.errors import OutputError
from talking_heads.media.files import check_writable_folder
from talking_heads.media.images import write_image
from talking_heads.media.labels import SyntheticLabel

FRAME_PATTERN = "frame_{index:06d}.png"
_FRAME_RE = re.compile(r"^frame_(\d{6})\.png$")


def is_frame_name(name: str) -> bool:
    """Whether a file name is one of a sequence's frames (frame_000001.png)."""
    return _FRAME_RE.match(name) is not None


def frame_path(folder: str | Path, index: int) -> Path:
    """The file of frame `index` (1-based, as Blender numbers image sequences)."""
    return Path(folder) / FRAME_PATTERN.format(index=index)


def count_finished_frames(folder: str | Path) -> int:
    """Number of consecutive frames 1..N already in `folder` (for resuming a sequence)."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    present = {int(m.group(1)) for name in os.listdir(folder) if (m := _FRAME_RE.match(name))}
    count = 0
    while count + 1 in present:
        count += 1
    return count


def remove_frames(folder: str | Path, first_index: int) -> int:
    """Remove the frames numbered `first_index` and above from `folder`; returns how many."""
    folder = Path(folder)
    stale = [folder / name for name in os.listdir(folder)
             if (m := _FRAME_RE.match(name)) and int(m.group(1)) >= first_index]
    for path in stale:
        try:
            path.unlink()
        except OSError as error:
            raise OutputError(f"cannot replace the earlier frame {path}: {error.strerror or error}") from None
    return len(stale)


class PngSequenceWriter:
    """Writes numbered PNG frames (`frame_000001.png`, ...) into a folder, each atomically.

    Frames of an earlier render numbered `first_index` or above are removed when it opens, so
    the folder never mixes this render's frames with stale ones (which a video made from the
    folder would include)."""

    def __init__(self, folder: str | Path, label: SyntheticLabel | None = None, first_index: int = 1):
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise OutputError(f"{self.folder} exists and is not a folder")
        parent = self.folder.parent if str(self.folder.parent) else Path(".")
        if not self.folder.exists():
            check_writable_folder(parent)
            self.folder.mkdir()
        check_writable_folder(self.folder)
        self.replaced = remove_frames(self.folder, first_index)  # frames of an earlier render
        self.label = label
        self.next_index = first_index
        self.frame_count = 0

    def write(self, frame: np.ndarray) -> Path:
        path = write_image(frame_path(self.folder, self.next_index), frame, self.label)
        self.next_index += 1
        self.frame_count += 1
        return path

    def close(self) -> None:
        """Nothing to finish: every frame is complete when `write` returns."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
