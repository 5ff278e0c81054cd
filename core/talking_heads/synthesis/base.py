"""The renderer interface shared by the neural (paper) and warp (classical) renderers.

    person = renderer.prepare(shots)            # a person from 1..K source crops
    frames = person.render(landmarks)           # (B, 68, 2) crop pixels -> (B, S, S, 3) uint8
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Shot:
    """One source image of the person, cropped to the renderer's square resolution."""

    image: np.ndarray  # (S, S, 3) uint8 RGB crop
    points: np.ndarray  # (68, 2) float32 landmarks in crop pixels


class Person(ABC):
    """A renderable identity: paints the person in any pose given as landmarks."""

    resolution: int  # S, the side of the square crops it renders
    # True when a render reproduces the whole crop, background included (the warp), so the whole
    # crop is pasted back; False when only the face is to be trusted (the neural generator).
    covers_background: bool = False

    @abstractmethod
    def render(self, landmarks: np.ndarray) -> np.ndarray:
        """landmarks (B, 68, 2) float32 in crop pixels -> frames (B, S, S, 3) uint8 RGB."""


class Renderer(ABC):
    name: str
    resolution: int  # side of the square crops its shots must have

    @abstractmethod
    def prepare(self, shots: list[Shot]) -> Person:
        """Build a person from 1..K shots (all at the same resolution)."""
