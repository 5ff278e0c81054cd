"""Contact sheets: drivers and the portraits they drive, side by side, zoomed on the head.

One band per driver: its frames at a few moments on top, then one row per portrait: the portrait
itself, then the results at the same moments. Every result of a portrait is cut with one fixed
head box (the portrait's), so a head that moves, tears or smears shows against a still frame.
"""
from __future__ import annotations

import cv2
import numpy as np

from talking_heads.evaluate.cross_identity import CrossReport, Moments
from talking_heads.landmarks.crop import CropConfig, crop_for_points

HEAD = CropConfig(scale=2.2, shift_up=0.12)  # the face with its hair, ears and the top of the neck


def _tile(image: np.ndarray, points: np.ndarray | None, size: int, label: str = "") -> np.ndarray:
    """The head of `image` cut with the box around `points` (the whole image, squeezed, without
    them); what lies beyond the image is dark grey, so nothing made up is shown."""
    if points is None:
        tile = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    else:
        tile = cv2.warpAffine(image, crop_for_points(points, size, HEAD).matrix, (size, size), flags=cv2.INTER_AREA,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(40, 40, 40))
    if label:
        cv2.putText(tile, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(tile, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    return tile


def _row(first: np.ndarray, moments: Moments, box_points: np.ndarray | None, size: int, columns: int) -> np.ndarray:
    tiles = [first] + [_tile(image, box_points, size) for image in moments.images]
    tiles += [np.zeros_like(first)] * (columns + 1 - len(tiles))
    return np.concatenate(tiles, axis=1)


def contact_sheet(report: CrossReport, size: int = 192) -> np.ndarray:
    """The sheet (H, W, 3) of a cross-identity report, tiles of size x size pixels."""
    columns = max([len(m.images) for m in report.drivers] + [1])
    rows = []
    for driver in report.drivers:
        title = np.full((size, size, 3), 40, np.uint8)
        cv2.putText(title, driver.title, (8, size // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
        # The driver's tiles follow its face: the driver is the reference, its own motion is the point.
        tiles = [title] + [_tile(image, points, size) for image, points in zip(driver.images, driver.points)]
        tiles += [np.zeros_like(title)] * (columns + 1 - len(tiles))
        rows.append(np.concatenate(tiles, axis=1))
        for (portrait_name, driver_name), moments in report.results.items():
            if driver_name != driver.title:
                continue
            image, points = report.portraits[portrait_name]
            rows.append(_row(_tile(image, points, size, moments.title), moments, points, size, columns))
    return np.concatenate(rows, axis=0) if rows else np.zeros((size, size, 3), np.uint8)
