"""The drawing pipeline: canvas pixels and photos -> MNIST-style 28x28 images."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from drawn_digits import SCHEMES, mnist_on_canvas, mnist_sample, stroked_digit, to_rgba
from PIL import Image
from scipy import ndimage

from nnlab.inspection.drawing import (
    MAX_UPLOAD_PIXELS,
    class_probabilities,
    load_image_file,
    model_inputs,
    pen_redraw,
    predict_digit,
    preprocess_drawing,
    preprocess_photo,
)
from nnlab.inspection.layers import NetLayer
from nnlab.inspection.network import Network


def _png(rgba: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_drawn_mnist_digit_comes_back_mnist_style(scheme: str) -> None:
    digits, _ = mnist_sample(2, seed=3)
    for digit in digits:
        image = preprocess_drawing(mnist_on_canvas(digit, scheme))
        assert image.shape == (28, 28) and image.dtype == np.float32
        assert image.min() >= 0.0 and image.max() == pytest.approx(1.0)
        rows = np.flatnonzero((image > 0.1).any(axis=1))
        cols = np.flatnonzero((image > 0.1).any(axis=0))
        # The longer side is about 20 px, as MNIST's; the centre of mass is at the centre.
        assert 18 <= max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 22
        centre = ndimage.center_of_mass(image)
        assert np.allclose(centre, (14, 14), atol=0.6)
        # And it looks like the original digit (correlation of the pixel values).
        correlation = np.corrcoef(image.ravel(), digit.ravel() / 255.0)[0, 1]
        assert correlation > 0.7


def test_both_colour_schemes_give_the_same_image() -> None:
    light_on_dark = preprocess_drawing(stroked_digit(7, "light_on_dark"))
    dark_on_light = preprocess_drawing(stroked_digit(7, "dark_on_light"))
    transparent = preprocess_drawing(stroked_digit(7, "canvas"))
    np.testing.assert_allclose(light_on_dark, dark_on_light, atol=1e-5)
    np.testing.assert_allclose(light_on_dark, transparent, atol=1e-5)


def test_position_and_size_on_the_canvas_do_not_matter() -> None:
    small_corner = preprocess_drawing(stroked_digit(3, box=(10, 10, 80, 110), width=8))
    large_centre = preprocess_drawing(stroked_digit(3, box=(40, 20, 240, 260), width=22))
    assert np.corrcoef(small_corner.ravel(), large_centre.ravel())[0, 1] > 0.85


@pytest.mark.parametrize("scheme", SCHEMES)
def test_blank_canvas_is_none(scheme: str) -> None:
    assert preprocess_drawing(to_rgba(np.zeros((280, 280)), scheme)) is None
    assert preprocess_drawing(None) is None


@pytest.mark.parametrize("scheme", SCHEMES)
def test_nearly_blank_canvas_is_none(scheme: str) -> None:
    ink = np.zeros((280, 280))
    ink[100:104, 150:153] = 1.0  # a click, not a digit
    assert preprocess_drawing(to_rgba(ink, scheme)) is None
    faint = np.full((280, 280), 0.1)  # a faint smudge everywhere, below the ink level
    assert preprocess_drawing(to_rgba(faint, "canvas")) is None


def test_bad_arrays_get_clear_errors() -> None:
    with pytest.raises(ValueError, match="shape"):
        preprocess_drawing(np.zeros((5, 5, 7), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        preprocess_drawing(np.zeros(10, np.uint8))


def test_photo_upload_goes_through_the_same_pipeline() -> None:
    canvas = stroked_digit(4, "dark_on_light")
    noisy = canvas.copy()
    rng = np.random.default_rng(0)
    paper = rng.normal(0, 12, size=canvas.shape[:2])  # paper grain, as in a phone photo
    noisy[..., :3] = np.clip(noisy[..., :3].astype(float) - 30 + paper[..., None], 0, 255)
    from_photo = preprocess_photo(_png(noisy))
    from_canvas = preprocess_drawing(canvas)
    assert np.corrcoef(from_photo.ravel(), from_canvas.ravel())[0, 1] > 0.9
    buffer = io.BytesIO()
    Image.fromarray(canvas[..., :3]).save(buffer, format="JPEG", quality=80)
    from_jpeg = preprocess_photo(buffer.getvalue())
    assert np.corrcoef(from_jpeg.ravel(), from_canvas.ravel())[0, 1] > 0.9


def test_blank_photo_is_none() -> None:
    assert preprocess_photo(_png(to_rgba(np.zeros((200, 300)), "dark_on_light"))) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"this is not an image at all", "not a readable"),
        (_png(np.zeros((50, 50, 4), np.uint8))[:60], "not a readable"),
        (b"GIF89a" + b"\x00" * 100, "not a readable|Only PNG"),
    ],
)
def test_bad_image_files_get_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_image_file(data)


def _png_claiming_size(width: int, height: int) -> bytes:
    """A small PNG whose header claims another size (a decompression bomb's trick)."""
    data = bytearray(_png(np.zeros((8, 8, 4), np.uint8)))
    # The IHDR chunk follows the 8-byte signature: length (4), "IHDR" (4), width, height, ...
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    side = 50_000  # 2.5 gigapixels claimed by a file of a few dozen bytes
    assert side * side > MAX_UPLOAD_PIXELS
    with pytest.raises(ValueError, match=r"too large|enormous"):
        load_image_file(_png_claiming_size(side, side))
    with pytest.raises(ValueError, match=r"too large|enormous"):
        load_image_file(_png_claiming_size(8000, 8000))  # 64 MP: below PIL's own bomb limit


def test_large_photo_is_shrunk_safely() -> None:
    canvas = stroked_digit(2, "dark_on_light", width=12)
    big = Image.fromarray(canvas).resize((3000, 3000))
    buffer = io.BytesIO()
    big.convert("RGB").save(buffer, format="JPEG", quality=70)
    pixels = load_image_file(buffer.getvalue())
    assert max(pixels.shape[:2]) <= 1024
    assert preprocess_photo(buffer.getvalue()) is not None


def _constant_network(input_shape: tuple, rescales: bool, outputs: np.ndarray) -> Network:
    """A network whose output is `outputs` whatever the image (no weights, only a bias)."""
    layers = [NetLayer("image", "InputLayer", config={"shape": list(input_shape)})]
    if rescales:
        layers.append(NetLayer("rescaling", "Rescaling", config={"scale": 1 / 255, "offset": 0}))
    if len(input_shape) > 1:
        layers.append(NetLayer("flatten", "Flatten"))
    layers.append(NetLayer("output", "Dense", "linear", (np.zeros((784, 10)), outputs)))
    return Network(tuple(layers))


def test_models_that_rescale_get_uint8_and_others_get_floats() -> None:
    image = np.linspace(0, 1, 784, dtype=np.float32).reshape(28, 28)
    rescaling = _constant_network((28, 28), True, np.full(10, 0.1))
    batch = model_inputs(rescaling, image)
    assert batch.dtype == np.uint8 and batch.shape == (1, 28, 28)
    assert batch[0, -1, -1] == 255 and batch[0, 0, 0] == 0
    flat = _constant_network((784,), False, np.full(10, 0.1))
    batch = model_inputs(flat, image)
    assert batch.dtype == np.float32 and batch.shape == (1, 784)
    assert batch.max() == pytest.approx(1.0)


def test_outputs_become_probabilities() -> None:
    image = np.zeros((28, 28), np.float32)
    sigmoid_outputs = np.array([0.9, 0.9, 0.2] + [0.0] * 7)
    probabilities = class_probabilities(_constant_network((28, 28), True, sigmoid_outputs), image)
    np.testing.assert_allclose(probabilities.sum(), 1.0)
    np.testing.assert_allclose(probabilities[0, :3], np.array([0.9, 0.9, 0.2]) / 2.0, atol=1e-6)
    logits = np.array([2.0, -1.0] + [0.0] * 8)
    probabilities = class_probabilities(_constant_network((28, 28), True, logits), image)
    assert probabilities.argmax() == 0 and probabilities.sum() == pytest.approx(1.0)


def test_predict_digit_runs_the_network_on_the_drawing() -> None:
    """The drawing reaches the network as MNIST-style pixels: its ink decides the answer."""
    # Class 0 scores the ink in the left half of the image, class 1 the ink in the right half.
    kernel = np.zeros((28, 28, 10))
    kernel[:, :14, 0] = 1.0
    kernel[:, 14:, 1] = 1.0
    network = Network(
        (
            NetLayer("image", "InputLayer", config={"shape": [28, 28]}),
            NetLayer("rescaling", "Rescaling", config={"scale": 1 / 255, "offset": 0}),
            NetLayer("flatten", "Flatten"),
            NetLayer("output", "Dense", "softmax", (kernel.reshape(784, 10), np.zeros(10))),
        )
    )
    seven = stroked_digit(7, width=20)
    probabilities = predict_digit(network, seven)
    pixels = np.round(preprocess_drawing(seven) * 255) / 255  # the uint8 the network reads
    scores = np.array([pixels[:, :14].sum(), pixels[:, 14:].sum()])
    expected = np.exp(scores - scores.max())
    assert probabilities.shape == (10,) and probabilities.sum() == pytest.approx(1.0)
    assert int(np.argmax(probabilities)) == int(np.argmax(scores))
    np.testing.assert_allclose(
        probabilities[:2] / probabilities[:2].sum(), expected / expected.sum(), rtol=1e-4
    )
    assert predict_digit(network, None) is None


def test_a_file_that_is_no_image_gets_a_plain_message_in_both_languages() -> None:
    """PIL's own text names a Python object ("<_io.BytesIO object at 0x...>"): never shown."""
    from nnlab.i18n import translate
    from nnlab.inspection.drawing import ImageFileError

    with pytest.raises(ImageFileError) as caught:
        preprocess_photo(b"%PDF-1.4 this is a document, not a photo")
    error = caught.value
    assert error.key == "draw.photo_error.unreadable"
    assert "BytesIO" not in str(error) and "0x" not in str(error)
    assert "PNG or JPEG" in str(error)
    assert "PNG" in translate(error.key, "ko", **error.values) != str(error)


@pytest.mark.parametrize(("size", "pen"), [(60, 6), (140, 20), (220, 40)])
def test_pen_redraw_draws_the_size_and_pen_width_asked_for(size: int, pen: int) -> None:
    """A vertical bar redrawn: as tall as asked (plus the pen's round caps), as wide as the pen."""
    bar = np.zeros((28, 28))
    bar[4:24, 13:15] = 255
    ink = pen_redraw(bar, size, pen)
    rows = np.flatnonzero(ink.max(axis=1) > 0.5)
    cols = np.flatnonzero(ink.max(axis=0) > 0.5)
    assert abs(len(cols) - pen) <= 2
    assert abs(len(rows) - (20 / 28 * size + pen)) <= 0.1 * size
