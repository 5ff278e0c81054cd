"""One adversarial training step: update the generator side, then the discriminator.

Shared by meta-learning and fine-tuning. Mixed precision (float16 autocast with gradient
scaling) is used on CUDA when asked; elsewhere everything runs in float32.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from talking_heads.training.episodes import Episodes
from talking_heads.training.state import Tensors, optimizer_from_flat, optimizer_to_flat


@dataclass
class StepResult:
    losses: dict[str, Tensor]  # detached scalars: every weighted loss term and diagnostic
    generated: Tensor  # (B, 3, S, S) the generator's output, detached


def adam(parameters: list[nn.Parameter], lr: float, betas: tuple[float, float], eps: float) -> torch.optim.Adam:
    return torch.optim.Adam(parameters, lr=lr, betas=(float(betas[0]), float(betas[1])), eps=eps)


class AdversarialStep:
    def __init__(self, generator_model: nn.Module, discriminator_model: nn.Module,
                 optimizer_g: torch.optim.Optimizer, optimizer_d: torch.optim.Optimizer,
                 device: torch.device, mixed_precision: bool = False):
        self.generator_model, self.discriminator_model = generator_model, discriminator_model
        self.optimizers = {"optimizer_g": optimizer_g, "optimizer_d": optimizer_d}
        self.mixed_precision = mixed_precision and device.type == "cuda"
        self.device = device
        self.scalers = {name: torch.amp.GradScaler(device.type, enabled=self.mixed_precision)
                        for name in ("scaler_g", "scaler_d")}

    def _autocast(self) -> torch.autocast:
        return torch.autocast(self.device.type, dtype=torch.float16, enabled=self.mixed_precision)

    def _update(self, losses: dict[str, Tensor], optimizer: torch.optim.Optimizer,
                scaler: torch.amp.GradScaler) -> None:
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(sum(losses.values())).backward()
        scaler.step(optimizer)
        scaler.update()

    def __call__(self, batch: Episodes) -> StepResult:
        with self._autocast():
            g_losses, generated, e = self.generator_model(batch)
        self._update(g_losses, self.optimizers["optimizer_g"], self.scalers["scaler_g"])
        generated = generated.detach()
        with self._autocast():
            d_losses, diagnostics = self.discriminator_model(batch, generated, None if e is None else e.detach())
        self._update(d_losses, self.optimizers["optimizer_d"], self.scalers["scaler_d"])
        losses = {name: value.detach().float() for name, value in {**g_losses, **d_losses, **diagnostics}.items()}
        return StepResult(losses, generated.float())

    def state(self) -> tuple[Tensors, dict]:
        """Optimiser and gradient-scaler state (tensors and JSON)."""
        tensors: Tensors = {}
        meta: dict = {}
        for name, optimizer in self.optimizers.items():
            optimizer_tensors, meta[name] = optimizer_to_flat(name, optimizer)
            tensors.update(optimizer_tensors)
        for name, scaler in self.scalers.items():
            meta[name] = scaler.state_dict()
        return tensors, meta

    def load_state(self, tensors: Tensors, meta: dict) -> None:
        for name, optimizer in self.optimizers.items():
            optimizer_from_flat(name, optimizer, tensors, meta[name])
        for name, scaler in self.scalers.items():
            if meta[name]:
                scaler.load_state_dict(meta[name])
