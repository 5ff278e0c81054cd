"""Images: any common format in, uint8 HxWx3 RGB out; PNGs written with their label."""
from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from PIL import Image, PngImagePlugin

from talking_heads.errors import InputError, MediaError, OutputError
from talking_heads.media.files import check_output_path, partial_path, require_file
from talking_heads.media.labels import SyntheticLabel

_EXIF_ORIENTATION = 0x0112
MAX_PIXELS_VARIABLE = "TALKING_HEADS_MAX_PIXELS"
DEFAULT_MAX_PIXELS = 100_000_000  # 100 megapixels: about 0.3 GB decoded, far above any portrait's need
T = TypeVar("T")


def max_pixels() -> int:
    """The largest image or video frame read, in pixels: $TALKING_HEADS_MAX_PIXELS or 100 million."""
    text = os.environ.get(MAX_PIXELS_VARIABLE, "")
    try:
        return int(text) if text else DEFAULT_MAX_PIXELS
    except ValueError:
        raise InputError(f"{MAX_PIXELS_VARIABLE} must be a whole number of pixels, got {text!r}") from None


def check_pixel_count(path: Path, width: int, height: int) -> None:
    """Refuse an image or video whose declared size exceeds max_pixels(), before decoding it."""
    limit = max_pixels()
    if width * height > limit:
        raise MediaError(path, f"declares {width}x{height} pixels ({width * height / 1e6:.0f} megapixels), above "
                               f"the limit of {limit / 1e6:g} megapixels that keeps decoding within memory; scale "
                               f"it down, or raise the limit with {MAX_PIXELS_VARIABLE}={width * height}")


def read_image(path: str | Path) -> np.ndarray:
    """Read an image as uint8 HxWx3 RGB.

    Grayscale is expanded to RGB, alpha is composited over black, 16-bit and float images are
    scaled to 8 bits, and the EXIF orientation is applied. The size its header declares is
    checked (check_pixel_count) before any pixel is decoded, and a second Ctrl-C interrupts a
    long decode at once.
    """
    path = Path(path)
    require_file(path)
    data = np.fromfile(path, dtype=np.uint8)
    size = _declared_size(data)
    if size is not None:
        check_pixel_count(path, *size)
    decoded = _interruptible(cv2.imdecode, data, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    if decoded is None:
        decoded = _interruptible(_decode_with_pillow, path, data)
    image = _to_rgb8(decoded, channels_bgr=True)
    return _apply_exif_orientation(image, data)


def _declared_size(data: np.ndarray) -> tuple[int, int] | None:
    """(width, height) from the image's header, without decoding; None when Pillow cannot tell."""
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # check_pixel_count applies our own, stated limit
    try:
        with Image.open(io.BytesIO(data.tobytes())) as pil:
            return pil.size
    except Exception:  # not a format Pillow knows: OpenCV's own limit (2**30 pixels) still applies
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _interruptible(function: Callable[..., T], *args: object) -> T:
    """Run a long C call on a helper thread, so that the main thread stays responsive to Ctrl-C
    (a signal handler runs only between Python bytecodes, never inside one C call)."""
    if threading.current_thread() is not threading.main_thread():
        return function(*args)
    outcome: list = []
    finished = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as error:  # handed to the caller below
            outcome.append((False, error))
        finally:
            finished.set()

    threading.Thread(target=run, name="talking-heads-decode", daemon=True).start()
    while not finished.wait(0.05):
        pass
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def _decode_with_pillow(path: Path, data: np.ndarray) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data.tobytes())) as pil:
            pil.load()
            array = np.asarray(pil.convert("RGBA" if "A" in pil.getbands() else "RGB"))
    except Exception as error:  # Pillow raises many types for bad files
        raise MediaError(path, f"cannot be decoded as an image ({error}); is it a corrupt or non-image file?") from None
    # Pillow gives RGB(A); flip to BGR(A) so both decoders feed _to_rgb8 the same layout.
    return array[..., [2, 1, 0, 3][: array.shape[-1]]]


def _to_rgb8(image: np.ndarray, channels_bgr: bool) -> np.ndarray:
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image.astype(np.float32) * (255.0 if image.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = image[..., None]
    channels = image.shape[-1]
    if channels in (2, 4):  # gray+alpha or colour+alpha: composite over black
        alpha = image[..., -1:].astype(np.uint16)
        image = (image[..., :-1].astype(np.uint16) * alpha // 255).astype(np.uint8)
        channels -= 1
    if channels == 1:
        return np.ascontiguousarray(np.repeat(image, 3, axis=-1))
    return np.ascontiguousarray(image[..., ::-1] if channels_bgr else image)


def _apply_exif_orientation(image: np.ndarray, data: np.ndarray) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data.tobytes())) as pil:
            orientation = pil.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:
        return image
    transforms = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: np.rot90(a, 1)[::-1],
        8: lambda a: np.rot90(a, 1),
    }
    transform = transforms.get(orientation)
    return np.ascontiguousarray(transform(image)) if transform else image


def write_image(path: str | Path, image: np.ndarray, label: SyntheticLabel | None = None,
                compress_level: int = 1) -> Path:
    """Write an RGB image; with a label, it is watermarked and PNGs carry the label as text chunks
    and signed content credentials. Written atomically."""
    path = check_output_path(path)
    image = checked_rgb8(image)
    pil = Image.fromarray(label.mark(image) if label is not None else image)
    temporary = partial_path(path)
    options: dict[str, object] = {}
    if path.suffix.lower() == ".png":
        options["compress_level"] = compress_level
        if label is not None:
            info = PngImagePlugin.PngInfo()
            for key, value in label.as_text().items():
                info.add_text(key, value)
            options["pnginfo"] = info
    try:
        pil.save(temporary, format=Image.registered_extensions().get(path.suffix.lower()), **options)
        if label is not None and path.suffix.lower() == ".png":
            label.seal(temporary, path.name)
        os.replace(temporary, path)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return path


def read_png_text(path: str | Path) -> dict[str, str]:
    """The text chunks of a PNG (the provenance label, among others)."""
    with Image.open(path) as pil:
        return dict(getattr(pil, "text", {}))


def checked_rgb8(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a uint8 HxWx3 RGB image, got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)
