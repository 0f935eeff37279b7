"""A canvas drawing or a photo of a digit -> the 28x28 image an MNIST model expects.

MNIST's own recipe (LeCun et al.): crop to the ink, scale the longer side to 20 pixels with
anti-aliasing, and paste into 28x28 so that the centre of mass sits at the centre. A drawing that
skips these steps (a small digit in a corner, a thick marker stroke) looks nothing like the
training images, and even a good model misreads it.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

if TYPE_CHECKING:
    from nnlab.network import Network

IMAGE_SIDE = 28
DIGIT_BOX = 20  # MNIST scales each digit's longer side to 20 px inside the 28 px square
MNIST_CENTRE = 14.0  # where the centre of mass of MNIST digits sits (row, column), measured

INK_LEVEL = 0.2  # a pixel counts as ink above this (0..1); lower = faint anti-aliased edges
MIN_INK_FRACTION = 0.0005  # less ink than this fraction of the image: treated as blank
MIN_DIGIT_EXTENT = (
    0.08  # ink spanning less than this fraction of the longer side: a dot, not a digit
)
PHOTO_NOISE_FLOOR = (
    0.25  # in photos, weaker ink than this (after contrast stretch) is paper texture
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # photos and scans larger than 10 MB are refused
MAX_UPLOAD_PIXELS = 40_000_000  # refused before decoding: guards against decompression bombs
WORKING_SIDE = 1024  # larger photos are shrunk to this before processing


def ink_of(rgba: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds, 0..1, for light-on-dark and dark-on-light alike."""
    image = np.asarray(rgba)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4) or min(image.shape[:2]) < 1:
        raise ValueError(
            f"Expected an image of shape (height, width) or (height, width, 1, 3 or 4 channels); "
            f"got {image.shape}."
        )
    if image.dtype != np.uint8:
        # Floats in 0..1 (or 0..255) are accepted so tests and callers need not convert.
        image = np.asarray(image, dtype=np.float64)
        if image.size and np.nanmax(image) <= 1.0:
            image = image * 255.0
        image = np.clip(np.nan_to_num(image), 0, 255).astype(np.uint8)
    pixels = image.astype(np.float64) / 255.0
    colour = pixels[..., :3] if pixels.shape[2] >= 3 else pixels[..., :1]
    luminance = colour @ np.array([0.299, 0.587, 0.114]) if colour.shape[2] == 3 else colour[..., 0]

    if pixels.shape[2] == 4 and pixels[..., 3].min() < 0.99:
        # The canvas: transparent background, strokes of any colour. Alpha is the ink.
        return pixels[..., 3]

    # Opaque: ink is whatever differs from the background, estimated from the border.
    border = np.concatenate(
        [luminance[0], luminance[-1], luminance[:, 0], luminance[:, -1]], axis=None
    )
    background = float(np.median(border))
    contrast = luminance - background if background < 0.5 else background - luminance
    peak = float(contrast.max())
    if peak <= 0.05:
        return np.zeros_like(luminance)  # a flat image: no ink at all
    return np.clip(contrast / peak, 0.0, 1.0)


def mnist_style(ink: np.ndarray) -> np.ndarray | None:
    """Ink (any size, 0..1) -> a (28, 28) float32 digit centred the MNIST way, or None if blank."""
    ink = np.asarray(ink, dtype=np.float64)
    mask = ink > INK_LEVEL
    if mask.sum() < max(1, MIN_INK_FRACTION * ink.size):
        return None
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    if max(height, width) < MIN_DIGIT_EXTENT * max(ink.shape):
        return None
    cropped = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    scale = DIGIT_BOX / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))  # PIL: (w, h)
    resized = Image.fromarray(cropped.astype(np.float32), mode="F").resize(
        new_size, Image.Resampling.LANCZOS
    )
    digit = np.clip(np.asarray(resized, dtype=np.float64), 0.0, 1.0)

    square = np.zeros((IMAGE_SIDE, IMAGE_SIDE))
    top = (IMAGE_SIDE - digit.shape[0]) // 2
    left = (IMAGE_SIDE - digit.shape[1]) // 2
    square[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    centre_row, centre_col = ndimage.center_of_mass(square)
    shifted = ndimage.shift(
        square, (MNIST_CENTRE - centre_row, MNIST_CENTRE - centre_col), order=1, mode="constant"
    )
    shifted = np.clip(shifted, 0.0, 1.0)
    peak = shifted.max()
    if peak <= 0:
        return None
    # Thin strokes lose brightness when shrunk; MNIST digits always reach full intensity.
    return (shifted / peak).astype(np.float32)


def preprocess_drawing(rgba: np.ndarray | None) -> np.ndarray | None:
    """Canvas pixels (H, W, 4) -> (28, 28) float32 in [0, 1], MNIST-style; None when blank."""
    if rgba is None:
        return None
    return mnist_style(ink_of(rgba))


def load_image_file(data: bytes) -> np.ndarray:
    """A PNG/JPEG photo or scan as RGBA pixels, refusing broken, huge or bomb-like files."""
    if not data:
        raise ValueError("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"The image is {len(data) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ("PNG", "JPEG"):
                raise ValueError(
                    f"Only PNG and JPEG images are supported; this is {image.format or 'unknown'}."
                )
            width, height = image.size
            if width * height > MAX_UPLOAD_PIXELS:
                raise ValueError(
                    f"The image is {width}x{height} pixels, too large to process; "
                    "shrink it below 40 megapixels."
                )
            if image.format == "JPEG":
                image.draft("RGB", (WORKING_SIDE, WORKING_SIDE))  # decode at reduced size: fast
            image = ImageOps.exif_transpose(image)  # phone photos are often stored sideways
            image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.LANCZOS)
            image = image.convert("RGBA")
            pixels = np.asarray(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(
            "The image claims an enormous size (too large to open safely); it was not opened."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if "Only PNG and JPEG" in str(error) or "too large" in str(error):
            raise
        raise ValueError(f"This file is not a readable PNG or JPEG image ({error}).") from None
    return pixels


def preprocess_photo(data: bytes) -> np.ndarray | None:
    """A photo or scan of one digit (PNG/JPEG bytes) -> (28, 28) float32, or None if no ink."""
    ink = ink_of(load_image_file(data))
    ink = np.where(ink < PHOTO_NOISE_FLOOR, 0.0, ink)  # paper grain and shadows are not ink
    return mnist_style(ink)


# --- prediction -------------------------------------------------------------------------------


def model_inputs(network: Network, images: np.ndarray) -> np.ndarray:
    """Images in [0, 1], (n, 28, 28) -> the array this network takes (uint8 if it rescales)."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 2:
        images = images[None]
    if "Rescaling" in network.kinds:
        batch = np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)
    else:
        batch = images  # models without Rescaling (e.g. tutorial 000's) were fed x / 255.0
    return batch.reshape((len(batch), *network.input_shape))


def class_probabilities(network: Network, images: np.ndarray) -> np.ndarray:
    """(n, 10) probabilities for images in [0, 1], from the NumPy network (fast for one image)."""
    outputs = np.asarray(network.predict(model_inputs(network, images)), dtype=np.float64)
    outputs = outputs.reshape(len(outputs), -1)
    totals = outputs.sum(axis=1, keepdims=True)
    if np.all(outputs >= 0) and np.allclose(totals, 1.0, atol=1e-3):
        return outputs
    if np.all(outputs >= 0) and np.all(totals > 0):
        # Sigmoid outputs (tutorial 000): scale them to sum to 1 so they read as shares.
        return outputs / totals
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))  # raw scores (logits)
    return shifted / shifted.sum(axis=1, keepdims=True)


def predict_digit(network: Network, rgba: np.ndarray | None) -> np.ndarray | None:
    """Class probabilities (10,) for canvas pixels, or None when the canvas is blank."""
    image = preprocess_drawing(rgba)
    if image is None:
        return None
    return class_probabilities(network, image)[0]
