"""Training state beyond the weights, as tensors (for safetensors) plus JSON-ready values.

Optimisers, gradient scalers and the random generators of python, numpy and torch: what a
resumed run needs so that its next step equals the uninterrupted run's. No pickles.
"""
from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

Tensors = dict[str, torch.Tensor]


def optimizer_to_flat(prefix: str, optimizer: torch.optim.Optimizer) -> tuple[Tensors, dict]:
    """An optimiser's state: tensors under `prefix.<param>.<name>`, the rest as JSON."""
    state = optimizer.state_dict()
    tensors: Tensors = {}
    scalars: dict[str, dict[str, Any]] = {}
    for param, values in state["state"].items():
        for name, value in values.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}.{param}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(param), {})[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def optimizer_from_flat(prefix: str, optimizer: torch.optim.Optimizer, tensors: Tensors, meta: dict) -> None:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith(f"{prefix}."):
            param, name = key[len(prefix) + 1:].split(".", 1)
            state.setdefault(int(param), {})[name] = value
    for param, values in meta["scalars"].items():
        state.setdefault(int(param), {}).update(values)
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def rng_to_flat() -> tuple[Tensors, dict]:
    """The global random states of python, numpy and torch (and CUDA when present)."""
    version, keys, gauss = random.getstate()
    name, np_keys, position, has_gauss, cached = np.random.get_state(legacy=True)
    tensors = {"rng.torch": torch.get_rng_state(), "rng.numpy": torch.from_numpy(np_keys.astype(np.int64))}
    if torch.cuda.is_available():
        for index, cuda_state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{index}"] = cuda_state
    meta = {"python": [version, list(keys), gauss], "numpy": [name, int(position), int(has_gauss), float(cached)]}
    return tensors, meta


def rng_from_flat(tensors: Tensors, meta: dict) -> None:
    version, keys, gauss = meta["python"]
    random.setstate((version, tuple(keys), gauss))
    name, position, has_gauss, cached = meta["numpy"]
    np.random.set_state((name, tensors["rng.numpy"].numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(tensors["rng.torch"])
    cuda_keys = sorted((k for k in tensors if k.startswith("rng.cuda.")), key=lambda k: int(k.rsplit(".", 1)[1]))
    cuda_states = [tensors[key] for key in cuda_keys]
    if cuda_states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda_states[: torch.cuda.device_count()])
