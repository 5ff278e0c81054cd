"""The neural renderer (the paper): a person model paints frames from landmark sketches."""
from __future__ import annotations

import numpy as np
import torch


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (..., S, S, 3) -> float (..., 3, S, S) in [-1, 1]."""
    tensor = torch.from_numpy(np.ascontiguousarray(images))
    return tensor.movedim(-1, -3).float().div(127.5).sub(1.0)


def tensor_to_images(tensor: torch.Tensor) -> np.ndarray:
    """float (..., 3, S, S) in [-1, 1] -> uint8 (..., S, S, 3)."""
    scaled = tensor.detach().float().clamp(-1.0, 1.0).add(1.0).mul(127.5).round()
    return scaled.to(torch.uint8).movedim(-3, -1).cpu().numpy()
