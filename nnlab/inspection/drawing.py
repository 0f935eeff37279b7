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
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError
from scipy import ndimage

from nnlab.core.shapes import IMAGE_SIDE, MAX_PHOTO_UPLOAD_MB, MEGABYTE

if TYPE_CHECKING:
    from nnlab.inspection.network import Network

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

MAX_UPLOAD_BYTES = MAX_PHOTO_UPLOAD_MB * MEGABYTE  # larger photos and scans are refused
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


class ImageFileError(ValueError):
    """An upload that is not a usable photo: a text key (nnlab/locales/draw.py) with values, so
    the page can say it in the reader's language; str() is English."""

    def __init__(self, key: str, **values: object) -> None:
        from nnlab.i18n import translate

        self.key = key  # e.g. "draw.photo_error.unreadable"
        self.values = values
        super().__init__(translate(key, "en", **values))


def load_image_file(data: bytes) -> np.ndarray:
    """A PNG/JPEG photo or scan as RGBA pixels, refusing broken, huge or bomb-like files."""
    if not data:
        raise ImageFileError("draw.photo_error.empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageFileError(
            "draw.photo_error.too_big",
            size=f"{len(data) / 1e6:.1f}",
            limit=f"{MAX_UPLOAD_BYTES / 1e6:.0f}",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ("PNG", "JPEG"):
                raise ImageFileError("draw.photo_error.format", format=image.format or "?")
            width, height = image.size
            if width * height > MAX_UPLOAD_PIXELS:
                raise ImageFileError("draw.photo_error.too_many_pixels", width=width, height=height)
            if image.format == "JPEG":
                image.draft("RGB", (WORKING_SIDE, WORKING_SIDE))  # decode at reduced size: fast
            image = ImageOps.exif_transpose(image)  # phone photos are often stored sideways
            image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.LANCZOS)
            image = image.convert("RGBA")
            pixels = np.asarray(image)
    except ImageFileError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageFileError("draw.photo_error.bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        # PIL's own text names a Python object ("<_io.BytesIO object at 0x...>"): not for people.
        raise ImageFileError("draw.photo_error.unreadable") from None
    return pixels


def preprocess_photo(data: bytes) -> np.ndarray | None:
    """A photo or scan of one digit (PNG/JPEG bytes) -> (28, 28) float32, or None if no ink."""
    ink = ink_of(load_image_file(data))
    ink = np.where(ink < PHOTO_NOISE_FLOOR, 0.0, ink)  # paper grain and shadows are not ink
    return mnist_style(ink)


THINNING_SIDE = 32  # a digit's centre line is found at this size (the UCI digits' own bitmaps)
PEN_SHAPE_LEVEL = 0.3  # the shape: above this share of the darkest ink (faint strokes count)


def centre_line(shape: np.ndarray) -> np.ndarray:
    """The one-pixel-wide centre line of a boolean shape (Zhang-Suen thinning, 1984)."""
    image = np.pad(np.asarray(shape, dtype=bool), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = image.astype(np.uint8)
            # Neighbours P2..P9, clockwise from north, of every pixel.
            n = [
                np.roll(p, shift, axis=(0, 1))
                for shift in ((1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1))
            ]
            count = sum(n)
            transitions = sum((n[i] == 0) & (n[(i + 1) % 8] == 1) for i in range(8))
            if step == 0:
                clear = (n[0] * n[2] * n[4] == 0) & (n[2] * n[4] * n[6] == 0)
            else:
                clear = (n[0] * n[2] * n[6] == 0) & (n[0] * n[4] * n[6] == 0)
            remove = image & (count >= 2) & (count <= 6) & (transitions == 1) & clear
            if remove.any():
                image &= ~remove
                changed = True
        if not changed:
            return image[1:-1, 1:-1]


def pen_redraw(image: np.ndarray, size: int, pen_width: float) -> np.ndarray:
    """A digit image (0..255 or 0..1) redrawn `size` px tall with a round pen `pen_width` px wide.

    The centre line of the digit's strokes is traced again with a round, anti-aliased brush, as
    the canvas draws: one handwriting at every size and pen width the Draw page allows. Returns
    ink (0..1), size px along the image's longer side plus the pen's margin.
    """
    pixels = np.asarray(image, dtype=np.float64)
    if pixels.ndim != 2 or min(pixels.shape) < 2 or size < 4 or pen_width <= 0:
        raise ValueError(
            f"Expected a 2-D image, size >= 4 and pen_width > 0; got {pixels.shape}, "
            f"{size}, {pen_width}."
        )
    margin = int(np.ceil(pen_width / 2)) + 1
    peak = pixels.max()
    if peak <= 0:
        return np.zeros((size + 2 * margin, size + 2 * margin))
    smooth = ndimage.zoom(
        pixels / peak, THINNING_SIDE / max(pixels.shape), order=3, mode="nearest", grid_mode=True
    )
    line = centre_line(smooth > PEN_SHAPE_LEVEL)
    # Join each centre-line pixel to its 8-neighbours, scaled to `size`: a continuous path.
    scale = size / THINNING_SIDE
    height, width = (np.array(line.shape) * scale).astype(int) + 2 * margin
    path = Image.new("L", (int(width), int(height)), 0)
    pen = ImageDraw.Draw(path)
    rows, cols = np.nonzero(line)
    points = set(zip(rows.tolist(), cols.tolist(), strict=True))
    for row, col in points:
        start = (margin + (col + 0.5) * scale, margin + (row + 0.5) * scale)
        pen.point(start, fill=255)
        for d_row, d_col in ((0, 1), (1, -1), (1, 0), (1, 1)):
            if (row + d_row, col + d_col) in points:
                end = (margin + (col + d_col + 0.5) * scale, margin + (row + d_row + 0.5) * scale)
                pen.line([start, end], fill=255, width=1)
    distance = ndimage.distance_transform_edt(np.asarray(path) == 0)
    return np.clip(pen_width / 2 + 0.5 - distance, 0.0, 1.0)


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
    from nnlab.inspection.evaluation import as_probabilities

    return as_probabilities(network.predict(model_inputs(network, images)))


def predict_digit(network: Network, rgba: np.ndarray | None) -> np.ndarray | None:
    """Class probabilities (10,) for canvas pixels, or None when the canvas is blank."""
    image = preprocess_drawing(rgba)
    if image is None:
        return None
    return class_probabilities(network, image)[0]
