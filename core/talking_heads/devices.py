"""Device and precision selection: `auto` picks cuda, then mps, then cpu."""
from __future__ import annotations

import functools
import logging
from typing import Literal

import torch

from talking_heads.errors import InputError

log = logging.getLogger(__name__)

NATIVE_BFLOAT16_FLAGS = {"avx512_bf16", "amx_bf16"}  # /proc/cpuinfo flags of bfloat16 arithmetic units

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
    """Inference dtype: `auto` is half precision on GPUs, bfloat16 on CPUs that compute it natively
    (AVX-512 BF16 or AMX: renders about 1.8x faster, frames about 60 dB PSNR from float32's) and
    float32 on other CPUs, where bfloat16 is emulated and slower than float32."""
    table = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
    if name == "auto":
        if device.type in ("cuda", "mps"):
            return torch.float16
        if device.type == "cpu" and cpu_has_native_bfloat16():
            log.info("precision: bfloat16 (this CPU computes it natively)")
            return torch.bfloat16
        return torch.float32
    if name not in table:
        raise InputError(f"unknown precision {name!r}: use auto, float32, float16 or bfloat16")
    if table[name] is torch.float16 and device.type == "cpu":
        raise InputError("float16 is not supported on the CPU; use bfloat16 or float32")
    return table[name]


@functools.cache
def cpu_has_native_bfloat16() -> bool:
    """Whether this CPU has bfloat16 arithmetic (AVX-512 BF16 or AMX) and oneDNN to use it. Asks
    torch's CPU probe; where that probe is missing, reads the CPU flags of /proc/cpuinfo."""
    if not torch.backends.mkldnn.is_available():
        return False
    probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    answers = [bool(probe()) for probe in probes if callable(probe)]
    return any(answers) if answers else bool(cpu_flags() & NATIVE_BFLOAT16_FLAGS)


def cpu_flags() -> set[str]:
    """The CPU's feature flags as Linux lists them (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()
