"""What a person model learns from footage, one step at a time (used by `training.person_model`).

    ScratchLearner: a new generator and the person's AdaIN parameters psi, learned directly with
                    the content loss (no embedder: one person needs none; no meta-learned start).
    MetaLearner:    the paper's fine-tuning from a meta-learned checkpoint (`training.finetune`):
                    generator, psi' and discriminator, content + adversarial + feature matching.

Both take a batch of target frames and their sketches (B, 3, S, S) in [-1, 1], and give the
person as trained so far and their state (tensors + JSON) for resuming.
"""
from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import torch
from torch import Tensor, nn

from talking_heads.models import Generator, ModelConfig, OptimConfig
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.neural import NeuralPerson, NeuralRenderer
from talking_heads.training.episodes import Episodes
from talking_heads.training.finetune import FinetuneConfig, Finetuner
from talking_heads.training.state import Tensors, optimizer_from_flat, optimizer_to_flat
from talking_heads.weights import load_state

CPU_FLAGS_FILE = Path("/proc/cpuinfo")


class Learner(Protocol):
    model_config: ModelConfig
    device: torch.device

    def step(self, target: Tensor, sketch: Tensor) -> dict[str, float]: ...

    def render(self, sketch: Tensor) -> Tensor: ...

    def person(self, details: dict) -> NeuralPerson: ...

    def state(self) -> tuple[Tensors, dict]: ...

    def load_state(self, tensors: Tensors, meta: dict) -> None: ...


def native_bfloat16() -> bool:
    """Whether this CPU computes in bfloat16 natively (AVX512-BF16 or AMX); elsewhere bfloat16
    autocast is emulated and slower than float32."""
    try:
        flags = CPU_FLAGS_FILE.read_text(errors="replace")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def training_autocast(device: torch.device) -> torch.dtype | None:
    """The autocast dtype for training on `device`: bfloat16 where it is native, else none."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if device.type == "cpu":
        return torch.bfloat16 if native_bfloat16() else None
    return None


def initial_psi(generator: Generator) -> Tensor:
    """psi (P,) with every AdaIN scale 1 and bias 0: plain instance norm to start from."""
    psi = torch.zeros(generator.num_adain_params)
    for layer in generator.adain_layers():
        psi[layer.offset:layer.offset + layer.channels] = 1.0
    return psi


def module_state(modules: dict[str, nn.Module]) -> Tensors:
    return {f"{name}.{key}": value for name, module in modules.items() for key, value in module.state_dict().items()}


def load_module_state(modules: dict[str, nn.Module], tensors: Tensors, source: str) -> None:
    for name, module in modules.items():
        prefix = f"{name}."
        load_state(module, {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}, source)


class ScratchLearner:
    """A new generator (no spectral norm) and psi, trained with Adam on the content loss."""

    def __init__(self, model_config: ModelConfig, content_loss: nn.Module, lr: float, device: torch.device,
                 autocast: torch.dtype | None, seed: int = 0):
        torch.manual_seed(seed)
        self.model_config = replace(model_config, spectral_norm=False)
        self.device, self.autocast = device, autocast
        self.generator = Generator(self.model_config).to(device)
        self.generator.projection.requires_grad_(False)  # psi is learned directly; P is not used
        self.psi = nn.Parameter(initial_psi(self.generator).to(device))  # (P,)
        self.content_loss = content_loss.to(device)
        trained = [p for name, p in self.generator.named_parameters() if not name.startswith("projection")]
        self.optimizer = torch.optim.Adam([*trained, self.psi], lr=lr)

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.autocast is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast)

    def step(self, target: Tensor, sketch: Tensor) -> dict[str, float]:
        """One Adam step on a batch: target, sketch (B, 3, S, S) -> the losses."""
        self.generator.train()
        with self._autocast():
            generated = self.generator(sketch, self.psi[None])  # (B, 3, S, S)
        loss = self.content_loss(target, generated.float())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {"content": loss.item()}

    @torch.no_grad()
    def render(self, sketch: Tensor) -> Tensor:
        """sketch (B, 3, S, S) -> generated (B, 3, S, S), float32."""
        with self._autocast():
            return self.generator(sketch, self.psi[None]).float()

    def person(self, details: dict) -> NeuralPerson:
        generator = Generator(self.model_config)
        generator.load_state_dict({k: v.detach().cpu() for k, v in self.generator.state_dict().items()})
        return NeuralPerson(generator.eval(), self.psi.detach().cpu(), "cpu", details=details)

    def state(self) -> tuple[Tensors, dict]:
        tensors, optimizer_meta = optimizer_to_flat("optimizer", self.optimizer)
        return {**tensors, **module_state({"generator": self.generator}), "psi": self.psi.detach()}, \
            {"optimizer": optimizer_meta}

    def load_state(self, tensors: Tensors, meta: dict) -> None:
        load_module_state({"generator": self.generator}, tensors, "the training state")
        with torch.no_grad():
            self.psi.copy_(tensors["psi"])
        optimizer_from_flat("optimizer", self.optimizer, tensors, meta["optimizer"])


class MetaLearner:
    """The paper's fine-tuning (G', psi', D', w') from a meta-learned checkpoint."""

    def __init__(self, renderer: NeuralRenderer, shots: list[Shot], content_loss: str, device: str,
                 optim: OptimConfig = OptimConfig()):
        self.model_config = renderer.model_config
        config = FinetuneConfig(steps=1, content_loss=content_loss, optim=optim)
        self.finetuner = Finetuner(renderer, shots, config, device=device)
        self.device = self.finetuner.device
        self.modules = {"generator": self.finetuner.generator, "discriminator": self.finetuner.discriminator,
                        "identity": self.finetuner.identity, "columns": self.finetuner.columns}

    def step(self, target: Tensor, sketch: Tensor) -> dict[str, float]:
        video = torch.zeros(len(target), dtype=torch.long, device=target.device)
        result = self.finetuner.step(Episodes(target=target, target_sketch=sketch, video=video))
        self.finetuner.steps_done += 1
        return {name: value.item() for name, value in result.losses.items()}

    @torch.no_grad()
    def render(self, sketch: Tensor) -> Tensor:
        generator = self.finetuner.generator
        was_training = generator.training
        psi = self.finetuner.identity.psi.value[None]
        generated = generator.eval()(sketch, psi).float()
        generator.train(was_training)
        return generated

    def person(self, details: dict) -> NeuralPerson:
        person = self.finetuner.person(device="cpu")
        person.details.update(details)
        return person

    def state(self) -> tuple[Tensors, dict]:
        tensors, meta = self.finetuner.step.state()
        return {**tensors, **module_state(self.modules)}, meta

    def load_state(self, tensors: Tensors, meta: dict) -> None:
        load_module_state(self.modules, tensors, "the training state")
        self.finetuner.step.load_state(tensors, meta)

