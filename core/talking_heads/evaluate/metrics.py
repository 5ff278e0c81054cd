"""Metrics that need no ground truth: motion signals, head integrity, sharpness, jitter, identity.

All take landmarks (68, 2) or tracks (T, 68, 2) in pixels of the image they were detected on.
"""
from __future__ import annotations

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from talking_heads.landmarks.dlib_detector import DlibDetector
from talking_heads.landmarks.face_model import face_scale
from talking_heads.landmarks.pose import fit_pose, rotation_angles, similarity
from talking_heads.landmarks.retarget import eye_opening, mouth_opening
from talking_heads.landmarks.topology import BROWS, LEFT_EYE, RIGHT_EYE, RIGID

SAME_PERSON_THRESHOLD = 0.6  # dlib's identity distance under which two faces are the same person
SIGNALS = ("mouth", "eyes", "yaw", "pitch", "roll")
INTEGRITY_FACE_WIDTH = 160.0  # pixels: head integrity is measured with the face this wide
_EYES_AND_BROWS = list(BROWS + RIGHT_EYE + LEFT_EYE)


def describe(detector: DlibDetector, image: np.ndarray,
             face_size_hint: float | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Landmarks (68, 2) and identity descriptor (128,) of the largest face (None, None without
    one). `face_size_hint` (pixels), when known, makes the search faster."""
    faces = detector.detect(image, face_size_hint)
    if not faces:
        return None, None
    return faces[0].points, detector.identity_descriptor(image, faces[0].box)


def reconstruction_scores(real: list[np.ndarray], real_faces: list[tuple[np.ndarray | None, np.ndarray | None]],
                          generated: list[np.ndarray], detector: DlibDetector) -> dict[str, float | int]:
    """Generated frames against the real frames they reconstruct, each (S, S, 3) uint8, with the
    real frames' `describe` results: SSIM and PSNR (means), AKD (mean landmark distance, pixels),
    akd_missed (frames without a face on either side), face_found (share of generated frames
    where dlib finds one), identity_distance (median dlib distance) and identity_share (share
    under SAME_PERSON_THRESHOLD)."""
    ssim = [structural_similarity(r, g, channel_axis=2, data_range=255) for r, g in zip(real, generated)]
    mse = [np.mean((r.astype(np.float64) - g.astype(np.float64)) ** 2) for r, g in zip(real, generated)]
    distances, identities, found = [], [], 0
    for (real_points, real_identity), image in zip(real_faces, generated):
        points, identity = describe(detector, image)
        found += points is not None
        if real_points is not None and points is not None:
            distances.append(np.linalg.norm(real_points - points, axis=-1).mean())
            identities.append(np.linalg.norm(real_identity - identity))
    nan = float("nan")
    return {"ssim": float(np.mean(ssim)), "psnr": float(np.mean([10 * np.log10(255.0 ** 2 / max(m, 1e-10))
                                                                 for m in mse])),
            "akd": float(np.mean(distances)) if distances else nan, "akd_missed": len(generated) - len(distances),
            "face_found": found / max(len(generated), 1),
            "identity_distance": float(np.median(identities)) if identities else nan,
            "identity_share": float(np.mean(np.array(identities) < SAME_PERSON_THRESHOLD)) if identities else 0.0}


def motion_signals(points: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame mouth and eye opening (face units) and head yaw, pitch and roll (radians,
    relative to the first frame). points (T, 68, 2) -> name -> (T,)."""
    scale = face_scale(points)
    angles = rotation_angles(fit_pose(points, points[0]).rotation)  # (T, 3)
    return {"mouth": mouth_opening(points) / scale, "eyes": eye_opening(points) / scale,
            "yaw": angles[:, 0], "pitch": angles[:, 1], "roll": angles[:, 2]}


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two signals (T,); 0 when either does not move (nothing transferred)."""
    if len(a) < 3 or a.std() < 1e-6 or b.std() < 1e-6:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def jitter(points: np.ndarray) -> float:
    """Mean landmark acceleration in thousandths of the face scale (about the eye-corner distance)
    per frame squared. points (T, 68, 2)."""
    if len(points) < 3:
        return float("nan")
    acceleration = np.linalg.norm(points[2:] - 2 * points[1:-1] + points[:-2], axis=-1).mean(axis=-1)  # (T-2,)
    return float(1000 * np.mean(acceleration / face_scale(points[1:-1])))


def _face_width(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[16] - points[0]))


def _integrity_frame(points: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The similarity (2, 3) that scales a face to INTEGRITY_FACE_WIDTH and frames its head
    (hair above, ears beside), and the canvas size (W, H)."""
    zoom = INTEGRITY_FACE_WIDTH / _face_width(points)
    width, height = int(1.8 * INTEGRITY_FACE_WIDTH), int(2.0 * INTEGRITY_FACE_WIDTH)
    centre = (points[0] + points[16]) / 2  # the face's horizontal middle at the ears' height
    shift = np.array([width / 2, 0.5 * height]) - zoom * centre
    return np.array([[zoom, 0.0, shift[0]], [0.0, zoom, shift[1]]]), (width, height)


def _around_the_face(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W) bool: the head around the face: an ellipse from the ears to the hair above the
    forehead, minus the face below the brows (its landmark hull, widened by a tenth of the face
    width so that a talking mouth and jaw do not count)."""
    width = INTEGRITY_FACE_WIDTH
    centre = (points[0] + points[16]) / 2 - [0, 0.2 * width]
    mask = np.zeros((size[1], size[0]), np.uint8)
    cv2.ellipse(mask, (int(centre[0]), int(centre[1])), (int(0.68 * width), int(0.85 * width)), 0, 0, 360, 1, -1)
    face = np.zeros_like(mask)
    cv2.fillConvexPoly(face, cv2.convexHull(points.round().astype(np.int32)), 1)
    margin = int(round(0.1 * width))
    face = cv2.dilate(face, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
    return (mask > 0) & (face == 0)


def head_integrity(frame: np.ndarray, points: np.ndarray, portrait: np.ndarray, portrait_points: np.ndarray) -> float:
    """SSIM of the hair, forehead, ears and neck top around the face between a result frame and
    the portrait, after bringing the frame back onto the portrait with the similarity that maps
    its rigid landmarks onto the portrait's, at a face width of about 160 pixels.

    A head that moved as one piece comes back in register (near 1); a face that slid over a
    still head, a seam or smeared hair do not. frame, portrait (H, W, 3); points (68, 2) each.
    """
    a, b = similarity(points[list(RIGID)], portrait_points[list(RIGID)])  # frame -> portrait
    to_portrait = np.array([[a.real, -a.imag, b.real], [a.imag, a.real, b.imag]])
    to_canvas, size = _integrity_frame(portrait_points)
    frame_to_canvas = to_canvas @ np.vstack([to_portrait, [0, 0, 1]])
    grey = [cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) for image in (frame, portrait)]
    inside = [cv2.warpAffine(np.ones_like(image), matrix, size, flags=cv2.INTER_NEAREST).astype(bool)
              for image, matrix in zip(grey, (frame_to_canvas, to_canvas))]
    result, reference = (cv2.warpAffine(image, matrix, size, flags=cv2.INTER_AREA)
                         for image, matrix in zip(grey, (frame_to_canvas, to_canvas)))
    canvas_points = portrait_points @ to_canvas[:, :2].T + to_canvas[:, 2]
    region = _around_the_face(canvas_points, size) & inside[0] & inside[1]
    if region.sum() < 100:
        return float("nan")
    # A little blur first: landmark noise of a pixel must not count, a torn or smeared head must.
    result, reference = (cv2.GaussianBlur(image, (0, 0), 1.0) for image in (result, reference))
    _, ssim_map = structural_similarity(result, reference, data_range=255, gaussian_weights=True, sigma=1.5,
                                        use_sample_covariance=False, full=True)
    return float(ssim_map[region].mean())


def eye_detail(image: np.ndarray, points: np.ndarray) -> float:
    """Mean squared Laplacian of the grey image over the box around the eyes and brows."""
    box = points[_EYES_AND_BROWS]
    margin = 0.08 * _face_width(points)
    x0, y0 = np.maximum(np.floor(box.min(axis=0) - margin).astype(int), 0)
    x1, y1 = np.ceil(box.max(axis=0) + margin).astype(int)
    grey = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float((cv2.Laplacian(grey, cv2.CV_32F) ** 2).mean()) if grey.size else float("nan")


def sharpness(frame: np.ndarray, points: np.ndarray, portrait: np.ndarray, portrait_points: np.ndarray) -> float:
    """Detail around the eyes and brows of a result frame relative to the portrait's (1 = as sharp)."""
    return eye_detail(frame, points) / max(eye_detail(portrait, portrait_points), 1e-9)
