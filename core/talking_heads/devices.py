"""Device and precision selection: `auto` picks cuda, then mps, then cpu."""
from __future__ import annotations

from typing import Literal

import torch

from talking_heads.errors import InputError

DeviceName = Literal["auto", "cuda", "mps", "cpu"]
PrecisionName = Literal["auto", "float32", "float16", "bfloat16"]


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device for a user's choice; a clear error when it is not available."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("device 'cuda' was asked for but this PyTorch sees no CUDA GPU; "
                         "use --device cpu, or install a CUDA build of torch==2.13.0")
    if name == "mps" and not torch.backends.mps.is_available():
        raise InputError("device 'mps' was asked for but is not available on this machine; use --device cpu")
    if name.split(":")[0] not in ("cuda", "mps", "cpu"):
        raise InputError(f"unknown device {name!r}: use auto, cuda, mps or cpu")
    return torch.device(name)


def resolve_precision(name: str, device: torch.device) -> torch.dtype:
    """Inference dtype: `auto` is half precision on GPUs and float32 on the CPU."""
    table = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
    if name == "auto":
        return torch.float16 if device.type in ("cuda", "mps") else torch.float32
    if name not in table:
        raise InputError(f"unknown precision {name!r}: use auto, float32, float16 or bfloat16")
    if table[name] is torch.float16 and device.type == "cpu":
        raise InputError("float16 is not supported on the CPU; use bfloat16 or float32")
    return table[name]
