"""The manifest of known downloadable weight files (`weights/manifest.toml`): find, verify, download.

Standard library only, so that `install.py --weights` can use it before torch is installed.
"""
from __future__ import annotations

import hashlib
import os
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from talking_heads.errors import WeightsError

PROJECT_WEIGHTS = Path(__file__).resolve().parents[2] / "weights"
MANIFEST = PROJECT_WEIGHTS / "manifest.toml"
WEIGHTS_ENV = "TALKING_HEADS_WEIGHTS"  # an extra folder to look in first
INSTALL_HINT = "python install.py --weights"
CHUNK = 1 << 20


@dataclass(frozen=True)
class ManifestEntry:
    """One downloadable file: where it comes from and how to recognise it."""

    name: str  # key in the manifest, e.g. "vgg19"
    file: str  # file name on disk
    url: str
    size: int | None  # bytes; None when not pinned
    sha256: str | None  # hex digest; None when not pinned
    description: str = ""

    @property
    def pinned(self) -> bool:
        return self.size is not None and self.sha256 is not None


def read_manifest(path: Path = MANIFEST) -> dict[str, ManifestEntry]:
    """Every entry of a manifest file, by name."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise WeightsError(f"cannot read the weights manifest {path}: {error}") from error
    entries = {}
    for name, table in data.items():
        try:
            entries[name] = ManifestEntry(name=name, file=table["file"], url=table["url"],
                                          size=table.get("size") or None, sha256=table.get("sha256") or None,
                                          description=table.get("description", ""))
        except (KeyError, TypeError) as error:
            raise WeightsError(f"{path}: entry [{name}] needs `file` and `url` ({error})") from error
    return entries


def manifest_entry(name: str, path: Path = MANIFEST) -> ManifestEntry:
    entries = read_manifest(path)
    if name not in entries:
        raise WeightsError(f"{path} has no entry [{name}]; known: {sorted(entries)}")
    return entries[name]


def torch_cache_dir() -> Path:
    """torch's download cache for model files (what torch.hub uses), computed without torch."""
    cache = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    return Path(os.environ.get("TORCH_HOME", str(Path(cache) / "torch"))) / "hub" / "checkpoints"


def search_dirs() -> list[Path]:
    """Where weight files are looked for: $TALKING_HEADS_WEIGHTS, the project's weights/, torch's cache."""
    extra = os.environ.get(WEIGHTS_ENV)
    return ([Path(extra)] if extra else []) + [PROJECT_WEIGHTS, torch_cache_dir()]


def find_file(entry: ManifestEntry, dirs: list[Path] | None = None) -> Path:
    """The path of a manifest file on this machine; a WeightsError saying how to get it if absent."""
    dirs = search_dirs() if dirs is None else dirs
    for folder in dirs:
        candidate = Path(folder) / entry.file
        if candidate.is_file():
            if entry.size is not None and candidate.stat().st_size != entry.size:
                raise WeightsError(f"{candidate} has {candidate.stat().st_size} bytes, expected {entry.size} "
                                   f"(an interrupted download?). Delete it and run `{INSTALL_HINT}`.")
            return candidate
    looked = ", ".join(str(d) for d in dirs)
    raise WeightsError(f"weights file {entry.file} ({entry.description or entry.name}) not found; looked in "
                       f"{looked}. Download it with `{INSTALL_HINT}` (source: {entry.url}), or put the file "
                       f"in one of those folders.")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(path: str | Path, sha256: str | None, size: int | None) -> None:
    """Raise WeightsError unless the file has this size and SHA-256 (None: not checked)."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path} does not exist")
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise WeightsError(f"{path} has {actual_size} bytes, expected {size}: incomplete or a different file. "
                           f"Delete it and download it again (`{INSTALL_HINT}`).")
    if sha256 is not None:
        actual = file_sha256(path)
        if actual != sha256.lower():
            raise WeightsError(f"{path} has SHA-256 {actual}, expected {sha256}: corrupt or a different "
                               f"file. Delete it and download it again (`{INSTALL_HINT}`).")


def download(entry: ManifestEntry, folder: Path = PROJECT_WEIGHTS,
             report: Callable[[str], None] = print) -> Path:
    """Download one manifest file into `folder` (skipped when a verified copy is there) and verify it."""
    target = Path(folder) / entry.file
    if target.is_file():
        verify_file(target, entry.sha256, entry.size)
        report(f"{entry.file}: present" + (", verified" if entry.pinned else " (not pinned, not verified)"))
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    report(f"{entry.file}: downloading {entry.url}")
    try:
        with urllib.request.urlopen(entry.url, timeout=60) as response, open(partial, "wb") as out:
            while chunk := response.read(CHUNK):
                out.write(chunk)
        verify_file(partial, entry.sha256, entry.size)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise WeightsError(f"could not download {entry.url}: {error}. Check the connection and run "
                           f"`{INSTALL_HINT}` again, or download the file by hand into {folder}.") from error
    except WeightsError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    if not entry.pinned:
        report(f"{entry.file}: downloaded, {target.stat().st_size} bytes, SHA-256 {file_sha256(target)} "
               "(this file is not pinned in the manifest, so it could not be verified)")
    return target
