"""The frozen renderer: a baseline that returns the source unchanged, whatever the landmarks.

Every evaluation table carries it as the floor: a figure that a frozen portrait also reaches
says nothing about a renderer.
"""
from __future__ import annotations

import numpy as np

from talking_heads.errors import InputError
from talking_heads.synthesis.base import Person, Renderer, Shot


class FrozenPerson(Person):
    covers_background = True  # the whole crop is the source's, background included

    def __init__(self, image: np.ndarray):
        self.image = image  # (S, S, 3) the first shot
        self.resolution = image.shape[0]

    def render(self, landmarks: np.ndarray) -> np.ndarray:
        """landmarks (B, 68, 2) -> (B, S, S, 3): the first shot B times."""
        return np.repeat(self.image[None], len(landmarks), axis=0)


class FrozenRenderer(Renderer):
    name = "frozen"

    def __init__(self, resolution: int = 256):
        self.resolution = resolution

    def prepare(self, shots: list[Shot]) -> Person:
        if not shots:
            raise InputError("the frozen renderer needs at least one source shot")
        return FrozenPerson(shots[0].image)
