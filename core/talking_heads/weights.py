"""Checkpoints: tensors in `PATH.safetensors` (nothing executable) plus `PATH.json` beside it.

    save_checkpoint("runs/meta/step_1000", generator.state_dict(),
                    {"kind": "generator", "architecture": config.to_dict(), "step": 1000})
    tensors, config = load_checkpoint("runs/meta/step_1000", kind="generator",
                                      architecture=config.to_dict())
    load_state(generator, tensors, "runs/meta/step_1000")

The JSON holds {"format": "talking-heads", "version": 1, "kind": ..., "architecture": {...}, ...}.
Known downloadable files are listed in `weights/manifest.toml` (see talking_heads.manifest).
"""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from talking_heads.errors import WeightsError
from talking_heads.manifest import ManifestEntry, find_file, manifest_entry, read_manifest, verify_file

FORMAT = "talking-heads"
VERSION = 1
SUFFIXES = (".safetensors", ".json")
MAX_HEADER_BYTES = 100_000_000

__all__ = ["ManifestEntry", "checkpoint_paths", "find_file", "load_checkpoint", "load_state", "manifest_entry",
           "read_manifest", "save_checkpoint", "verify_file"]


def checkpoint_paths(path: str | Path) -> tuple[Path, Path]:
    """PATH (with or without a suffix) -> (PATH.safetensors, PATH.json)."""
    path = Path(path)
    base = path.with_suffix("") if path.suffix in SUFFIXES else path
    return base.with_name(base.name + ".safetensors"), base.with_name(base.name + ".json")


def _unshared(tensors: dict[str, Tensor]) -> dict[str, Tensor]:
    """Contiguous CPU tensors, each with its own storage (safetensors refuses shared memory)."""
    seen, out = set(), {}
    for name, tensor in tensors.items():
        tensor = tensor.detach().cpu().contiguous()
        if tensor.untyped_storage().data_ptr() in seen:
            tensor = tensor.clone()
        seen.add(tensor.untyped_storage().data_ptr())
        out[name] = tensor
    return out


def save_checkpoint(path: str | Path, tensors: dict[str, Tensor], config: dict) -> Path:
    """Write PATH.safetensors and PATH.json; `config` needs "kind" and "architecture"."""
    if not isinstance(config.get("kind"), str) or not isinstance(config.get("architecture"), dict):
        raise ValueError("a checkpoint config needs a 'kind' string and an 'architecture' dict")
    tensor_path, json_path = checkpoint_paths(path)
    tensor_path.parent.mkdir(parents=True, exist_ok=True)
    header = {"format": FORMAT, "version": VERSION, **config}
    for target, write in ((tensor_path, lambda p: save_file(_unshared(tensors), str(p))),
                          (json_path, lambda p: p.write_text(json.dumps(header, indent=2) + "\n"))):
        partial = target.with_name(target.name + ".part")
        write(partial)
        os.replace(partial, target)
    return tensor_path


def _read_config(json_path: Path) -> dict:
    if not json_path.is_file():
        raise WeightsError(f"{json_path} is missing: a checkpoint is a .safetensors file with its .json "
                           "config beside it; copy both")
    try:
        config = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WeightsError(f"{json_path} is not a readable JSON checkpoint config ({error})") from error
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise WeightsError(f"{json_path} is not a Talking Heads checkpoint config (no \"format\": \"{FORMAT}\")")
    if config.get("version", 0) > VERSION:
        raise WeightsError(f"{json_path} has format version {config['version']}; this Talking Heads reads "
                           f"up to {VERSION}: update Talking Heads")
    return config


def _check_config(config: dict, source: Path, kind: str | None, architecture: dict | None) -> None:
    if kind is not None and config.get("kind") != kind:
        raise WeightsError(f"{source} holds a {config.get('kind')!r} checkpoint, a {kind!r} one is needed")
    if architecture is not None and config.get("architecture") != architecture:
        theirs = config.get("architecture") or {}
        differ = sorted(k for k in set(theirs) | set(architecture) if theirs.get(k) != architecture.get(k))
        details = ", ".join(f"{k}: file {theirs.get(k)!r} vs needed {architecture.get(k)!r}" for k in differ)
        raise WeightsError(f"{source} is a checkpoint of another architecture ({details})")


def _check_safetensors_header(path: Path) -> None:
    """Recognise files that are not safetensors (e.g. a PyTorch pickle) before parsing them."""
    with open(path, "rb") as stream:
        head = stream.read(9)
    if len(head) == 9 and struct.unpack("<Q", head[:8])[0] <= MAX_HEADER_BYTES and head[8:9] == b"{":
        return
    if head[:2] == b"PK" or head[:1] == b"\x80":
        raise WeightsError(f"{path} is a PyTorch pickle file, not safetensors; pickles can run code and "
                           "are never loaded. Convert it to safetensors in a trusted environment.")
    raise WeightsError(f"{path} is not a safetensors file (bad header)")


def load_checkpoint(path: str | Path, kind: str | None = None,
                    architecture: dict | None = None) -> tuple[dict[str, Tensor], dict]:
    """Read PATH.safetensors and PATH.json -> (tensors, config). Checks the kind and the
    architecture when given, and reports missing, corrupt or foreign files as WeightsError."""
    given = Path(path)
    if given.suffix not in SUFFIXES and given.is_file():
        raise WeightsError(f"{given} is not a {'person file' if kind == 'person' else 'checkpoint'}: those are "
                           "NAME.safetensors files (tensors) with NAME.json beside them, as `talking-heads person` "
                           "and `talking-heads train` write them")
    tensor_path, json_path = checkpoint_paths(path)
    if not tensor_path.is_file():
        raise WeightsError(f"checkpoint {tensor_path} not found")
    config = _read_config(json_path)
    _check_config(config, json_path, kind, architecture)
    _check_safetensors_header(tensor_path)
    try:
        tensors = load_file(str(tensor_path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise WeightsError(f"{tensor_path} is corrupt or truncated ({error}); copy or train it again") from error
    _check_finite(tensors, tensor_path)
    return tensors, config


def _check_finite(tensors: dict[str, Tensor], source: Path) -> None:
    """Refuse NaN or infinite parameters: they would render black or garbage frames."""
    broken = [name for name, tensor in tensors.items()
              if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())]
    if broken:
        raise WeightsError(f"{source} holds NaN or infinite values in {len(broken)} tensor(s) (first: {broken[0]}); "
                           "the training that made it diverged: use an earlier checkpoint or train again")


def load_state(module: nn.Module, tensors: dict[str, Tensor], source: str | Path) -> nn.Module:
    """Load tensors into a module; a checkpoint of another architecture is a clear WeightsError."""
    own = module.state_dict()
    missing = sorted(set(own) - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    wrong = sorted(k for k in set(own) & set(tensors) if own[k].shape != tensors[k].shape)
    if missing or unexpected or wrong:
        parts = [f"{label} {names[:5]}{' ...' if len(names) > 5 else ''}" for label, names in
                 (("missing", missing), ("unexpected", unexpected), ("of another shape", wrong)) if names]
        raise WeightsError(f"{source} does not fit this {type(module).__name__} (a checkpoint of another "
                           f"architecture?): tensors {'; '.join(parts)}")
    with torch.no_grad():
        module.load_state_dict(tensors)
    return module
