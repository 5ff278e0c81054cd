"""The square face crop around the landmarks, its inverse, and paste-back.

A crop is an axis-aligned similarity (scale and translation) from the full frame to a square
of `size` pixels: the paper's face crop (`crop_for_points`) or a larger one around the whole
moving head at the picture's own pixel size (`head_crop`, the warp's). In a video the crop boxes
are smoothed over time so the crop does not jump with every frame's landmark noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talking_heads.landmarks.face_model import HEAD, MEAN_FACE, HeadShape
from talking_heads.landmarks.pose import apply_similarity, similarity
from talking_heads.landmarks.topology import RIGID


@dataclass(frozen=True)
class CropConfig:
    scale: float = 1.8  # crop side over the landmarks' extent (max of width and height)
    shift_up: float = 0.12  # centre moved up by this fraction of the side, to include the forehead
    smoothing_seconds: float = 0.4  # sigma of the Gaussian that smooths boxes over time


@dataclass(frozen=True)
class CropTransform:
    """Maps full-frame pixels to the pixels of a size x size crop centred on (cx, cy)."""

    cx: float
    cy: float
    side: float  # crop side in full-frame pixels
    size: int  # crop side in output pixels

    @property
    def zoom(self) -> float:
        return self.size / self.side

    @property
    def matrix(self) -> np.ndarray:
        """(2, 3) forward affine: frame -> crop."""
        z = self.zoom
        return np.array([[z, 0.0, -(self.cx - self.side / 2) * z], [0.0, z, -(self.cy - self.side / 2) * z]])

    @property
    def inverse_matrix(self) -> np.ndarray:
        """(2, 3) inverse affine: crop -> frame."""
        s = 1.0 / self.zoom
        return np.array([[s, 0.0, self.cx - self.side / 2], [0.0, s, self.cy - self.side / 2]])

    def to_crop(self, points: np.ndarray) -> np.ndarray:
        """Frame pixels (..., 2) -> crop pixels."""
        return ((points - [self.cx - self.side / 2, self.cy - self.side / 2]) * self.zoom).astype(np.float32)

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Crop pixels (..., 2) -> frame pixels."""
        return (points / self.zoom + [self.cx - self.side / 2, self.cy - self.side / 2]).astype(np.float32)

    def shown(self, frame_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """The box (x0, y0, x1, y1) of crop pixels that lie inside a frame of (H, W) pixels."""
        height, width = frame_size
        low, high = self.to_crop(np.array([[0.0, 0.0], [width, height]]))
        x0, y0 = np.clip(np.floor(low), 0, self.size).astype(int)
        x1, y1 = np.clip(np.ceil(high), 0, self.size).astype(int)
        return int(x0), int(y0), int(x1), int(y1)

    def crop(self, frame: np.ndarray) -> np.ndarray:
        """Cut the crop out of a frame (H, W, C); outside the frame, the frame is mirrored."""
        interpolation = cv2.INTER_AREA if self.zoom < 1 else cv2.INTER_CUBIC
        return cv2.warpAffine(frame, self.matrix, (self.size, self.size), flags=interpolation,
                              borderMode=cv2.BORDER_REFLECT_101)

    def paste(self, crop: np.ndarray, frame: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Paste a crop (size, size, 3) back into a copy of `frame`.

        mask: optional (size, size) float in [0, 1], the crop's opacity (a feathered face mask);
        without one the whole crop square replaces the frame.
        """
        return PasteBack(self, frame.shape[:2], mask)(crop, frame)


class PasteBack:
    """Pastes crops into frames of one size through one crop transform and one opacity mask.

    Everything but the crop's pixels is prepared once (where the crop lands and its opacity
    there), so build one per frame when the crop or the mask changes, or one for a whole
    sequence when they do not.
    """

    def __init__(self, crop: CropTransform, frame_size: tuple[int, int], mask: np.ndarray | None = None):
        height, width = frame_size
        corners = crop.to_frame(np.array([[0, 0], [crop.size, crop.size]], np.float32))
        x0, y0 = np.clip(np.floor(corners[0]).astype(int), 0, [width, height])
        x1, y1 = np.clip(np.ceil(corners[1]).astype(int), 0, [width, height])
        self.region = (slice(int(y0), int(y1)), slice(int(x0), int(x1)))
        self.roi_size = (int(x1 - x0), int(y1 - y0))
        self.empty = x1 <= x0 or y1 <= y0
        self.to_roi = crop.inverse_matrix - np.array([[0, 0, x0], [0, 0, y0]])
        opacity = np.ones((crop.size, crop.size), np.float32) if mask is None else np.clip(mask, 0, 1)
        # (h, w) float32 weights of the crop and of the frame; outside the crop the opacity is zero.
        self.weight = np.zeros((0, 0), np.float32) if self.empty else cv2.warpAffine(
            opacity.astype(np.float32), self.to_roi, self.roi_size, flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
        self.frame_weight = 1.0 - self.weight
        shift = -self.to_roi[:, 2]  # where the region's first pixel lies in the crop
        whole = crop.zoom == 1.0 and np.allclose(shift, np.round(shift), atol=1e-6)
        self.copy_from = (int(round(shift[1])), int(round(shift[0]))) if whole and mask is None else None

    def __call__(self, crop: np.ndarray, frame: np.ndarray) -> np.ndarray:
        result = frame.copy()
        if self.empty:
            return result
        if self.copy_from is not None:  # a whole-pixel shift and no mask: the crop's pixels as they are
            (cy, cx), (height, width) = self.copy_from, result[self.region].shape[:2]
            result[self.region] = crop[cy:cy + height, cx:cx + width]
            return result
        warped = cv2.warpAffine(crop, self.to_roi, self.roi_size, flags=cv2.INTER_CUBIC,
                                borderMode=cv2.BORDER_REPLICATE)
        result[self.region] = cv2.blendLinear(warped, np.ascontiguousarray(result[self.region]), self.weight,
                                              self.frame_weight)
        return result


def face_box(points: np.ndarray, config: CropConfig = CropConfig()) -> np.ndarray:
    """Crop box (cx, cy, side) around landmarks. points (..., 68, 2) -> (..., 3)."""
    low, high = points.min(axis=-2), points.max(axis=-2)
    side = (high - low).max(axis=-1) * config.scale
    centre = (low + high) / 2
    return np.concatenate([centre[..., :1], centre[..., 1:] - config.shift_up * side[..., None], side[..., None]], -1)


def crop_for_points(points: np.ndarray, size: int, config: CropConfig = CropConfig()) -> CropTransform:
    """The crop of one image around its (68, 2) landmarks."""
    cx, cy, side = face_box(points, config)
    return CropTransform(float(cx), float(cy), float(side), size)


def stable_crops(points: np.ndarray, fps: float, size: int, config: CropConfig = CropConfig()) -> list[CropTransform]:
    """One crop per frame of a track (T, 68, 2), smoothed over time so it does not jitter."""
    boxes = face_box(points, config)
    sigma = config.smoothing_seconds * fps
    if sigma > 0 and len(boxes) > 1:
        radius = int(3 * sigma)
        kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
        kernel /= kernel.sum()
        padded = np.pad(boxes, ((radius, radius), (0, 0)), mode="edge")
        boxes = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(3)], axis=1)
    return [CropTransform(float(cx), float(cy), float(side), size) for cx, cy, side in boxes]


def head_crop(points: np.ndarray, max_size: int, head: HeadShape = HEAD, multiple: int = 16) -> CropTransform:
    """The square around the whole moving head of a face (68, 2), its fade into the background
    included (`face_model.HeadShape`), at the picture's own pixel size: a whole-pixel origin and a
    zoom of 1, so cutting it out and pasting it back resample nothing. A side over `max_size`
    is scaled down to it. Sides are rounded up to a multiple of `multiple` pixels."""
    to_picture, offset = similarity(MEAN_FACE[list(RIGID), :2], np.asarray(points, np.float64)[list(RIGID)])
    centre = apply_similarity(to_picture, offset, np.array([head.region_centre]))[0]
    side = int(np.ceil(2 * head.reach * abs(to_picture) / multiple)) * multiple
    left, top = np.round(centre - side / 2)
    size = min(side, max_size)
    return CropTransform(float(left + side / 2), float(top + side / 2), float(side), size)
