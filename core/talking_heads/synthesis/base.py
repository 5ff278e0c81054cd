"""The renderer interface shared by the neural (paper) and warp (classical) renderers.

    crop = renderer.crop(points)                # where a picture's shot is cut: (68, 2) picture pixels
    person = renderer.prepare(shots)            # a person from 1..K source crops
    frames = person.render(landmarks)           # (B, 68, 2) crop pixels -> (B, S, S, 3) uint8

The neural renderer works on the paper's square face crop of a fixed size; the warp works on a
larger square around the whole moving head at the picture's own pixel size, so its crops differ in
size from picture to picture (`Person.resolution` tells each person's).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from talking_heads.landmarks.crop import CropTransform, crop_for_points


@dataclass(frozen=True)
class Shot:
    """One source image of the person, cut out by the renderer's square crop."""

    image: np.ndarray  # (S, S, 3) uint8 RGB crop
    points: np.ndarray  # (68, 2) float32 landmarks in crop pixels
    # (x0, y0, x1, y1) crop pixels that show the picture; where the crop reaches beyond it, what is
    # there (made up: mirrored picture) is never shown and need not be rendered. None: all of it.
    shown: tuple[int, int, int, int] | None = None


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
    resolution: int  # side of the square face crops it renders (one whose `crop` works at the picture's own
    # size, the warp, renders crops of any size and names the paper's 256 here)

    def crop(self, points: np.ndarray) -> CropTransform:
        """The crop of a picture whose face has landmarks (68, 2) in picture pixels, for its shot
        and for pasting frames back."""
        return crop_for_points(points, self.resolution)

    @abstractmethod
    def prepare(self, shots: list[Shot]) -> Person:
        """Build a person from 1..K shots (all crops of the same size)."""
