"""The shipped digit model: small, recorded, and right on digits drawn the way people draw."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from drawn_digits import SCHEMES, mnist_on_canvas, stroked_digit, to_rgba
from helpers import REPO_ROOT

from nnlab.inspection.default_model import (
    DEFAULT_MODEL_PATH,
    DEFAULT_NETWORK_PATH,
    default_model_record,
    load_default_model,
    load_default_network,
)
from nnlab.inspection.drawing import predict_digit, preprocess_drawing
from nnlab.inspection.numpy_net import reference_difference


@pytest.fixture(scope="module")
def model():
    """The shipped model as the app runs it: a NumPy Network read from the .npz (no Keras)."""
    return load_default_network()


@pytest.fixture(scope="module")
def held_out() -> tuple[np.ndarray, np.ndarray]:
    """10 per class of the MNIST images the training script held out (never trained on)."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from train_default_model import load_mnist

    _, _, x_test, y_test, _ = load_mnist()
    chosen = np.concatenate([np.flatnonzero(y_test == digit)[:10] for digit in range(10)])
    return x_test[chosen], y_test[chosen]


def test_model_file_is_small_and_recorded() -> None:
    assert DEFAULT_MODEL_PATH.stat().st_size < 1_000_000
    assert DEFAULT_NETWORK_PATH.stat().st_size < 1_000_000
    record = default_model_record()
    assert record["held_out_accuracy"] >= 0.97
    assert record["held_out_images"] >= 1000


def test_model_takes_uint8_images_and_gives_probabilities(model) -> None:
    assert model.input_shape == (28, 28)
    assert model.output_size == 10
    assert model.parameter_count() == default_model_record()["parameters"]
    assert load_default_network() is model  # loaded once per process
    probabilities = model.predict(np.zeros((2, 28, 28), np.uint8))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_held_out_mnist_accuracy(model, held_out) -> None:
    x, y = held_out
    predicted = np.argmax(model.predict(x), axis=1)
    assert np.mean(predicted == y) >= 0.95


def test_network_reproduces_the_keras_outputs_stored_with_it(model) -> None:
    """The .npz holds Keras' outputs for the first 100 MNIST test images; NumPy must agree."""
    from nnlab.data.datasets import load_dataset

    assert model.reference_inputs_dataset == "mnist"
    assert model.reference_outputs.shape == (100, 10)
    difference = reference_difference(model, load_dataset("mnist"))
    assert difference is not None and difference < 1e-5


@pytest.mark.slow  # imports TensorFlow
def test_network_file_matches_the_keras_file(model, held_out) -> None:
    """The .npz is an export of the .keras file: rerun scripts/export_default_network.py if not."""
    x, _ = held_out
    keras_model = load_default_model()
    expected = np.asarray(keras_model(x, training=False))
    assert np.max(np.abs(model.predict(x) - expected)) < 1e-5
    assert load_default_model() is keras_model  # loaded once per process


@pytest.mark.parametrize("scheme", SCHEMES)
def test_mnist_digits_drawn_large_on_a_canvas_are_read_correctly(model, held_out, scheme) -> None:
    x, y = held_out
    predictions = []
    for digit, offset in zip(x, [(10, 20), (60, 70), (40, 40), (0, 85)] * 25, strict=True):
        probabilities = predict_digit(model, mnist_on_canvas(digit, scheme, offset=offset))
        predictions.append(int(np.argmax(probabilities)))
    accuracy = np.mean(np.array(predictions) == y)
    assert accuracy >= 0.93, f"{accuracy:.0%} of 100 drawn digits read correctly"


@pytest.mark.parametrize("width", [12, 20, 32])
def test_mouse_strokes_are_read_correctly(model, width: int) -> None:
    wrong = []
    for digit in range(10):
        probabilities = predict_digit(model, stroked_digit(digit, width=width))
        if int(np.argmax(probabilities)) != digit:
            wrong.append((digit, int(np.argmax(probabilities))))
    assert len(wrong) <= 1, f"misread (drawn, read): {wrong}"


def test_one_and_seven_as_the_browser_test_draws_them(model) -> None:
    one = predict_digit(model, stroked_digit(1, width=20))
    seven = predict_digit(model, stroked_digit(7, width=20))
    assert np.argmax(one) == 1 and one[1] > 0.8
    assert np.argmax(seven) == 7 and seven[7] > 0.8


def test_blank_canvas_gives_no_prediction(model) -> None:
    assert predict_digit(model, to_rgba(np.zeros((280, 280)), "canvas")) is None
    assert predict_digit(model, None) is None
    assert preprocess_drawing(np.zeros((280, 280, 4), np.uint8)) is None


@pytest.fixture(scope="module")
def measuring():
    """scripts/measure_default_model.py: real handwriting redrawn at a size and pen width."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    import measure_default_model

    return measure_default_model


# (digit height on the canvas, pen width): small and thin, middling, large and thick.
HANDWRITING_CELLS = [(60, 6), (140, 20), (220, 40)]
# The shipped model reads 90.5, 90.0 and 88.5 % of these 200 (deterministic: fixed digits, fixed
# spots); the model before pen-redraw augmentation read 86.0, 83.5 and 85.0 %. Full table:
# docs/DEFAULT_MODEL.md.
HANDWRITING_FLOOR = 0.86


@pytest.mark.parametrize(("size", "pen"), HANDWRITING_CELLS)
def test_real_handwriting_from_unseen_writers_is_read(model, measuring, size, pen) -> None:
    """scikit-learn's digits (43 writers the model never saw), 200 of them, through the Draw
    pipeline at this size and pen width."""
    images, labels = measuring.handwriting()
    chosen = np.random.default_rng(5).permutation(len(labels))[:200]
    accuracy = measuring.handwriting_accuracy(model, images[chosen], labels[chosen], size, pen)
    assert accuracy >= HANDWRITING_FLOOR, f"{accuracy:.1%} at {size} px, pen {pen} px"
