"""Renderers behind one interface: neural (the paper) and warp (classical, no weights), plus
the frozen baseline (the source unchanged) that evaluations measure them against.

`choose_renderer` resolves `auto`: neural when a person file or meta-learned checkpoint is given
or configured (`weights/meta.safetensors`, or the TALKING_HEADS_CHECKPOINT variable), warp otherwise.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from talking_heads.errors import InputError
from talking_heads.synthesis.base import Person, Renderer, Shot

RENDERERS = ("auto", "neural", "warp")  # what users render with; `create_renderer` also makes "frozen"
WEIGHTS_FOLDER = Path(__file__).resolve().parents[3] / "weights"
CHECKPOINT_VARIABLE = "TALKING_HEADS_CHECKPOINT"


@dataclass(frozen=True)
class RendererOptions:
    person_file: Path | None = None
    checkpoint: Path | None = None
    device: str = "auto"
    precision: str = "auto"


@dataclass(frozen=True)
class RendererChoice:
    name: str
    reason: str


def configured_checkpoint() -> Path | None:
    """The meta-learned checkpoint configured for this installation, if any."""
    if os.environ.get(CHECKPOINT_VARIABLE):
        return Path(os.environ[CHECKPOINT_VARIABLE])
    default = WEIGHTS_FOLDER / "meta.safetensors"
    return default if default.is_file() else None


def choose_renderer(requested: str, person_file: Path | None = None, checkpoint: Path | None = None) -> RendererChoice:
    if requested not in RENDERERS:
        raise InputError(f"unknown renderer {requested!r}: use one of {', '.join(RENDERERS)}")
    if requested == "warp":
        return RendererChoice("warp", "asked for")
    if person_file is not None:
        return RendererChoice("neural", f"person model {person_file}")
    if checkpoint is not None:
        return RendererChoice("neural", f"checkpoint {checkpoint}")
    configured = configured_checkpoint()
    if configured is not None:
        return RendererChoice("neural", f"configured checkpoint {configured}")
    if requested == "neural":
        raise InputError(
            "the neural renderer needs trained weights and none were found: pass --person PERSON.safetensors "
            "(made by `talking-heads person`) or --checkpoint META.safetensors (made by `talking-heads train`), "
            f"or put a meta-learned checkpoint at {WEIGHTS_FOLDER / 'meta.safetensors'} "
            f"(or set {CHECKPOINT_VARIABLE}); see docs/training.md. The warp renderer needs no weights.")
    return RendererChoice("warp", "no neural weights found, the warp renderer needs none")


def create_renderer(name: str, options: RendererOptions = RendererOptions()) -> Renderer:
    if name == "warp":
        from talking_heads.synthesis.warp import WarpRenderer

        return WarpRenderer()
    if name == "frozen":
        from talking_heads.synthesis.frozen import FrozenRenderer

        return FrozenRenderer()
    from talking_heads.synthesis.neural import NeuralRenderer

    return NeuralRenderer(person_file=options.person_file,
                          checkpoint=options.checkpoint or configured_checkpoint(),
                          device=options.device, precision=options.precision)


__all__ = ["Person", "RENDERERS", "Renderer", "RendererChoice", "RendererOptions", "Shot", "choose_renderer",
           "create_renderer"]
