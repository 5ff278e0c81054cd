"""An invisible watermark in every frame: "synthetic, made by Talking Heads", readable after the
frame is re-encoded or rescaled.

The mark is the `invisible-watermark` package's DWT-DCT-SVD code: in the Haar approximation of the
chroma, each 4x4 block's largest singular value is quantised to carry one bit. It is applied to a
copy of the frame squeezed to a fixed working size, and only the change it makes is scaled back up
and added to the frame. Whatever size the frame is later shown at, squeezing it to the working
size again finds the same blocks, so the mark survives rescaling (not cropping, which moves the
blocks). Embedding and reading are the package's arithmetic on all blocks at once (tests check
them against the package's own encoder and decoder, which loop in Python and cost ~0.3 s a
frame). Each of the 32 payload bits is repeated in about thirty blocks scattered over the picture;
a frame is marked when nearly all bits agree with the payload.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import pywt

TOOL_ID = b"TH"  # Talking Heads
SYNTHETIC = b"S"  # the content is synthetic


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


PAYLOAD = TOOL_ID + SYNTHETIC + bytes([_crc8(TOOL_ID + SYNTHETIC)])  # 32 bits
PAYLOAD_BITS = np.unpackbits(np.frombuffer(PAYLOAD, np.uint8))  # (32,) 0/1
WORK_SIZE = 256  # side of the square working copy the mark lives in
_CHANNEL = 1  # U of YUV: chroma, where the change is least visible
STEP = 48.0  # quantisation step of the singular values (the package's default: 36)
_BLOCK = 4
_CLIP_MARGIN = 4  # pixel values this close to 0 or 255 count as clipped
MATCH_THRESHOLD = 29  # of 32 bits; an unmarked image passes by chance with p ~ 1e-6
SEARCH_THRESHOLD = 30  # for each guessed crop (p ~ 1e-7 each, ~1e-5 over the whole search)


@dataclass(frozen=True)
class Framing:
    """Where a picture sits in the frame that was marked: a crop keeping `kept` of each side,
    its top-left corner at `start` (fractions of the marked frame's width and height)."""

    kept: float = 1.0
    start: tuple[float, float] = (0.0, 0.0)

    def describe(self) -> str:
        return f"in a crop keeping {self.kept:.1%} of each side"


WHOLE = Framing()
SEARCH_FRAMES = 3
# Crops guessed when the whole frame does not read: 2.5% steps down to 75% kept, at either edge or
# centred on each axis (the mark tolerates about a step's error in either).
CROP_SEARCH = tuple(Framing(kept, (fx * (1 - kept), fy * (1 - kept)))
                    for kept in np.arange(0.975, 0.74, -0.025) for fx in (0.0, 0.5, 1.0) for fy in (0.0, 0.5, 1.0))


@dataclass(frozen=True)
class WatermarkReading:
    """What the watermark detector saw in one image or averaged over a video's frames."""

    matching_bits: int  # payload bits read as written, of PAYLOAD_BITS.size
    frames: int  # frames read
    framing: Framing = WHOLE  # where the marked frame was found (a guessed crop, or the whole)

    @property
    def found(self) -> bool:
        return self.matching_bits >= (MATCH_THRESHOLD if self.framing == WHOLE else SEARCH_THRESHOLD)

    def describe(self) -> str:
        share = f"{self.matching_bits}/{PAYLOAD_BITS.size} payload bits"
        where = "" if self.framing == WHOLE else f", {self.framing.describe()}"
        if self.found:
            return (f"found: synthetic, made by Talking Heads (tool id {TOOL_ID.decode()}; {share}, "
                    f"{self.frames} frame(s){where})")
        return f"not found ({share} match; {MATCH_THRESHOLD} needed, {self.frames} frame(s) read)"


def _working_copy(image: np.ndarray, framing: Framing = WHOLE) -> tuple[np.ndarray, np.ndarray]:
    """The image squeezed to the working size (placed where `framing` says it was in the marked
    frame): its U channel (float32, S x S) and which of its blocks can carry a bit (N,): inside
    the picture, and not where it is clipped to black or white, since the mark cannot push those
    pixels further (a white backdrop would read every bit as 0)."""
    side = 2 * _BLOCK  # a block of the half-size approximation covers 8x8 pixels
    content = max(1, round(WORK_SIZE * framing.kept))
    small = cv2.resize(image, (content, content), interpolation=cv2.INTER_AREA)
    inside = np.ones((WORK_SIZE, WORK_SIZE), np.float32)
    if framing != WHOLE:
        scale = WORK_SIZE * framing.kept / content
        place = np.array([[scale, 0, framing.start[0] * WORK_SIZE], [0, scale, framing.start[1] * WORK_SIZE]])
        inside = cv2.warpAffine(np.ones(small.shape[:2], np.float32), place, (WORK_SIZE, WORK_SIZE),
                                flags=cv2.INTER_NEAREST)
        small = cv2.warpAffine(small, place, (WORK_SIZE, WORK_SIZE), flags=cv2.INTER_LINEAR)
    chroma = cv2.cvtColor(small, cv2.COLOR_RGB2YUV)[..., _CHANNEL].astype(np.float32)
    clipped = ((small <= _CLIP_MARGIN) | (small >= 255 - _CLIP_MARGIN)).any(axis=-1) | (inside < 1)
    share = clipped.astype(np.float32).reshape(WORK_SIZE // side, side, WORK_SIZE // side, side).mean(axis=(1, 3))
    outside = (inside < 1).reshape(WORK_SIZE // side, side, WORK_SIZE // side, side).any(axis=(1, 3))
    return chroma, (share.reshape(-1) < 0.25) & ~outside.reshape(-1)


def _blocks(approximation: np.ndarray) -> np.ndarray:
    """(N, 4, 4) blocks of the approximation, row-major, as the package walks them."""
    rows, cols = (side // _BLOCK for side in approximation.shape)
    blocks = approximation[: rows * _BLOCK, : cols * _BLOCK].reshape(rows, _BLOCK, cols, _BLOCK).swapaxes(1, 2)
    return blocks.reshape(-1, _BLOCK, _BLOCK).astype(np.float64)


def _unblock(blocks: np.ndarray, like: np.ndarray) -> np.ndarray:
    rows, cols = (side // _BLOCK for side in like.shape)
    result = like.copy()
    result[: rows * _BLOCK, : cols * _BLOCK] = blocks.reshape(rows, cols, _BLOCK, _BLOCK).swapaxes(1, 2).reshape(
        rows * _BLOCK, cols * _BLOCK)
    return result


# U = 0.492 (B - Y) with Y = 0.299 R + 0.587 G + 0.114 B: a change dU is made by this RGB change,
# the smallest one (least-squares) that leaves Y and V unchanged.
_RGB2YUV = np.array([[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]], np.float32)
_U_TO_RGB = np.linalg.pinv(_RGB2YUV)[:, _CHANNEL]  # (3,)


def embed(image: np.ndarray) -> np.ndarray:
    """The RGB uint8 image (H, W, 3) with the payload embedded invisibly."""
    chroma, usable = _working_copy(image)
    approximation, _ = pywt.dwt2(chroma, "haar")  # (S/2, S/2)
    change = embed_blocks(approximation, usable, scattered_bits(usable.size)) - approximation
    change = pywt.idwt2((change, (None, None, None)), "haar")  # (S, S) change of U
    height, width = image.shape[:2]
    change = cv2.resize(change.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.add(image, cv2.merge([change * float(c) for c in _U_TO_RGB]), dtype=cv2.CV_8U)  # rounds, saturates


def scattered_bits(count: int) -> np.ndarray:
    """(count,) which payload bit each block carries: scattered over the picture by an integer
    hash, so that a clipped backdrop or a flat area takes a few blocks of every bit rather than
    all blocks of some (the package's k mod 32 puts each bit in vertical stripes)."""
    k = np.arange(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        k = (k + np.uint64(0x9E3779B97F4A7C15)) * np.uint64(0xBF58476D1CE4E5B9)
        k = (k ^ (k >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (k >> np.uint64(59)).astype(np.int64)  # the top 5 bits: 0..31


def embed_blocks(approximation: np.ndarray, usable: np.ndarray | None = None,
                 bit_of_block: np.ndarray | None = None) -> np.ndarray:
    """The package's `EmbedDwtDctSvd.encode_frame`, on every usable block at once: each block
    carries its bit (`bit_of_block`; default: the package's k mod 32) in its largest singular
    value, quantised to a quarter (bit 0) or three quarters (bit 1) of a step. The package's DCT
    leaves singular values unchanged, so it is left out."""
    blocks = _blocks(approximation)
    largest, left, right = _top_singular(blocks)
    if bit_of_block is None:
        bit_of_block = np.arange(len(blocks)) % PAYLOAD_BITS.size
    bits = PAYLOAD_BITS[bit_of_block]
    target = (largest // STEP + 0.25 + 0.5 * bits) * STEP  # (N,)
    if usable is not None:
        target = np.where(usable, target, largest)
    blocks = blocks + (target - largest)[:, None, None] * left[:, :, None] * right[:, None, :]
    return _unblock(blocks, approximation)


def _top_singular(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Largest singular value (N,) and its left and right singular vectors (N, 4) of each block,
    from the eigen-decomposition of B^T B (twice as fast as a full SVD of 4x4 blocks)."""
    values, vectors = np.linalg.eigh(np.swapaxes(blocks, 1, 2) @ blocks)
    largest = np.sqrt(np.maximum(values[:, -1], 0.0))
    right = vectors[:, :, -1]
    left = (blocks @ right[:, :, None])[:, :, 0] / np.maximum(largest, 1e-12)[:, None]
    return largest, left, right


def block_votes(approximation: np.ndarray) -> np.ndarray:
    """(N,) bool: the bit each block reads, as the package's `EmbedDwtDctSvd.decode_frame` does."""
    largest = _top_singular(_blocks(approximation))[0]
    return (largest % STEP) > 0.5 * STEP


def bit_scores(image: np.ndarray, framing: Framing = WHOLE) -> np.ndarray:
    """(32,) float: the share of usable blocks that read each payload bit as 1 (0.5: no vote)."""
    chroma, usable = _working_copy(image, framing)
    votes = block_votes(pywt.dwt2(chroma, "haar")[0])
    bit_of_block = scattered_bits(len(votes))
    ones = np.bincount(bit_of_block[usable], weights=votes[usable], minlength=PAYLOAD_BITS.size)
    counts = np.bincount(bit_of_block[usable], minlength=PAYLOAD_BITS.size)
    return np.where(counts > 0, ones / np.maximum(counts, 1), 0.5).astype(np.float32)


def detect(images: Iterable[np.ndarray], search_crops: bool = False) -> WatermarkReading:
    """Read the watermark from one or more frames (RGB uint8), averaging their votes. With
    `search_crops`, pictures that do not read whole are tried as crops of the marked frame that
    kept its aspect (CROP_SEARCH: 81 guesses, each as costly as a read, on up to SEARCH_FRAMES
    of the frames)."""
    frames = list(images)
    reading = _read(frames, WHOLE)
    if reading.found or not search_crops or not frames:
        return reading
    sample = frames[:: max(1, len(frames) // SEARCH_FRAMES)][:SEARCH_FRAMES]
    return max((_read(sample, framing) for framing in CROP_SEARCH), key=lambda r: r.matching_bits)


def _read(frames: list[np.ndarray], framing: Framing) -> WatermarkReading:
    if not frames:
        return WatermarkReading(0, 0)
    average = np.mean([bit_scores(frame, framing) for frame in frames], axis=0)
    return WatermarkReading(int(((average > 0.5) == PAYLOAD_BITS.astype(bool)).sum()), len(frames), framing)
