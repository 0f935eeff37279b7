"""Saving with the spec embedded, and loading uploads safely: a corpus of bad model files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.inspection.network_files import SPEC_ENTRY, LoadedNetwork, read_record
from nnlab.learn.model_files import (
    MAX_MODEL_BYTES,
    load_model_bytes,
    model_file_bytes,
    network_from_model_file,
    save_model_file,
)

SPEC = RunSpec(hidden_layers=(LayerSpec.dense(8, "sigmoid"),), epochs=3, learning_rate=0.01)


def _keras_bytes(model) -> bytes:
    return model_file_bytes(model)


def _h5_bytes(model, tmp_path: Path, name: str) -> bytes:
    path = tmp_path / f"{name}.h5"
    model.save(path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def small_model():
    from nnlab.learn.model import build_model

    return build_model(SPEC)


@pytest.fixture(scope="module")
def sentinel(tmp_path_factory) -> Path:
    """A file that a malicious Lambda layer would create if its code ever ran."""
    return tmp_path_factory.mktemp("sentinel") / "lambda_ran.txt"


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, small_model, sentinel) -> dict[str, tuple[str, bytes]]:
    """The corpus: name -> (file name as uploaded, bytes). Built here, nothing committed."""
    import keras
    from keras import layers

    folder = tmp_path_factory.mktemp("bad_models")
    good = _keras_bytes(small_model)
    sentinel_path = str(sentinel)

    def write_sentinel(x):
        with open(sentinel_path, "w") as handle:  # what an attacker's code would do
            handle.write("code ran")
        return x

    with_lambda = keras.Sequential(
        [keras.Input((28, 28)), layers.Flatten(), layers.Lambda(write_sentinel), layers.Dense(10)]
    )
    if sentinel.exists():  # building the model traced the function once; start clean
        sentinel.unlink()
    wrong_input = keras.Sequential([keras.Input((32, 32)), layers.Flatten(), layers.Dense(10)])
    wrong_classes = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(5)])

    @keras.saving.register_keras_serializable(package="StudentCode")
    class Doubler(layers.Layer):
        def call(self, x):
            return 2 * x

    custom = keras.Sequential([keras.Input((784,)), Doubler(), layers.Dense(10)])
    custom_h5 = _h5_bytes(custom, folder, "custom")
    keras.saving.get_custom_objects().clear()  # as on a server that never saw this class

    return {
        "not a zip": ("model.keras", b"This is a text file, not a model.\n" * 10),
        "truncated zip": ("model.keras", good[: len(good) // 2]),
        "empty file": ("model.keras", b""),
        "lambda layer (.keras)": ("model.keras", _keras_bytes(with_lambda)),
        "lambda layer (.h5)": ("model.h5", _h5_bytes(with_lambda, folder, "lambda")),
        "wrong input shape": ("model.keras", _keras_bytes(wrong_input)),
        "wrong number of classes": ("model.keras", _keras_bytes(wrong_classes)),
        "h5 with unknown custom objects": ("model.h5", custom_h5),
        "oversized file": ("model.keras", b"PK\x03\x04" + bytes(MAX_MODEL_BYTES)),
        "zip without a model": ("model.keras", _zip({"hello.txt": b"hi"})),
        "h5 with weights only": ("model.weights.h5", _weights_only_h5(small_model, folder)),
    }


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _weights_only_h5(model, folder: Path) -> bytes:
    path = folder / "only.weights.h5"
    model.save_weights(path)
    return path.read_bytes()


EXPECTED_MESSAGES = {
    "not a zip": "not a Keras model file",
    "truncated zip": "damaged or incomplete",
    "empty file": "empty",
    "lambda layer (.keras)": "Lambda layer",
    "lambda layer (.h5)": "Lambda layer",
    "wrong input shape": r"inputs of shape \(32, 32\)",
    "wrong number of classes": r"outputs of shape \(5,\)",
    "h5 with unknown custom objects": "custom layer or function",
    "oversized file": "larger .* than the 100 MB",
    "zip without a model": "not a Keras model",
    "h5 with weights only": "weights only",
}


@pytest.mark.parametrize("case", list(EXPECTED_MESSAGES))
def test_bad_model_files_get_clear_messages(case: str, bad_files, sentinel: Path) -> None:
    filename, data = bad_files[case]
    with pytest.raises(ValueError, match=EXPECTED_MESSAGES[case]):
        load_model_bytes(data, filename)
    assert not sentinel.exists(), "code inside the model file ran"


def test_the_lambda_model_really_would_run_code(bad_files, sentinel: Path) -> None:
    """Guards the corpus itself: the Lambda file does hold the file-writing function."""
    _, data = bad_files["lambda layer (.keras)"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"Lambda" in archive.read("config.json")
    assert not sentinel.exists()


def test_round_trip_restores_spec_and_predictions(small_model, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    data = model_file_bytes(small_model, SPEC, label="#1 · test run")
    loaded = load_model_bytes(data, "anything.keras")
    assert loaded.spec == SPEC
    assert loaded.label == "#1 · test run" and loaded.dataset_name == "mnist"
    assert not loaded.added_rescaling
    np.testing.assert_allclose(loaded.model(images), small_model(images), atol=1e-6)
    path = save_model_file(small_model, tmp_path / "m.keras", spec=SPEC)
    assert read_record(path)["spec"]["learning_rate"] == 0.01
    with zipfile.ZipFile(path) as archive:
        assert SPEC_ENTRY in archive.namelist()


def test_tutorial_style_h5_model_gets_rescaling_in_front(tmp_path: Path) -> None:
    """Tutorial 000 saves a 784-15-10 model trained on x / 255.0, with no Rescaling layer."""
    import keras
    from keras import layers

    tutorial = keras.Sequential(
        [
            keras.Input((784,)),
            layers.Dense(15, activation="sigmoid"),
            layers.Dense(10, activation="sigmoid"),
        ]
    )
    loaded = load_model_bytes(_h5_bytes(tutorial, tmp_path, "t000"), "mnist_mlp.h5")
    assert loaded.added_rescaling and loaded.spec is None
    assert loaded.model.input_shape == (None, 28, 28)
    images = np.random.default_rng(1).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    expected = tutorial(images.reshape(4, 784).astype("float32") / 255.0)
    np.testing.assert_allclose(loaded.model(images), expected, atol=1e-6)


def test_file_name_does_not_decide_the_format(small_model, tmp_path: Path) -> None:
    h5 = _h5_bytes(small_model, tmp_path, "named_wrong")
    loaded = load_model_bytes(h5, "model.keras")  # an .h5 uploaded under a .keras name
    assert loaded.model.output_shape == (None, 10)


# --- into a NumPy network (what the engine's worker does with an upload) ------------------------


def test_network_from_model_file_keeps_spec_and_keras_outputs(small_model) -> None:
    from nnlab.data.datasets import load_dataset
    from nnlab.inspection.numpy_net import reference_difference

    data = model_file_bytes(small_model, SPEC, label="#2 · mine")
    loaded = network_from_model_file(data, "mine.keras", "fashion_mnist")
    assert isinstance(loaded, LoadedNetwork)
    assert loaded.spec == SPEC and loaded.label == "#2 · mine"
    assert loaded.dataset_name == "mnist"  # the file's own data set wins over the one asked for
    network = loaded.network
    assert network.summary_rows()[-1]["params"] == small_model.layers[-1].count_params()
    mnist = load_dataset("mnist")
    assert network.reference_outputs.shape == (100, 10)
    assert reference_difference(network, mnist) < 1e-5
    images = mnist.x_test[100:150]
    np.testing.assert_allclose(network.predict(images), small_model(images), atol=1e-5)


def test_network_from_tutorial_h5_gets_rescaling(tmp_path: Path) -> None:
    import keras
    from keras import layers

    tutorial = keras.Sequential(
        [keras.Input((784,)), layers.Dense(15, activation="sigmoid"), layers.Dense(10)]
    )
    loaded = network_from_model_file(
        _h5_bytes(tutorial, tmp_path, "t000"), "mnist_mlp.h5", "fashion_mnist"
    )
    assert loaded.spec is None and loaded.label is None
    assert loaded.dataset_name == "fashion_mnist"  # nothing in the file: the one asked for
    assert loaded.network.input_shape == (28, 28)
    assert loaded.network.kinds[:3] == ("InputLayer", "Rescaling", "Reshape")
    assert loaded.network.reference_inputs_dataset == "fashion_mnist"
    images = np.random.default_rng(2).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    expected = tutorial(images.reshape(4, 784).astype("float32") / 255.0)
    np.testing.assert_allclose(loaded.network.predict(images), expected, atol=1e-5)


def test_layers_numpy_cannot_run_are_named() -> None:
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(4, 3),
            layers.BatchNormalization(),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    with pytest.raises(ValueError, match=r"NN Lab can read Dense, Conv2D, MaxPooling2D.*"
                       r"this model has BatchNormalization"):  # fmt: skip
        network_from_model_file(model_file_bytes(model), "bn.keras", "mnist")
