"""The NumPy network: same outputs as Keras on every preset, fast, and a file format that refuses
anything malformed."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import warnings
import zipfile

import numpy as np
import pytest
from helpers import REPO_ROOT

from nnlab.inspection.layers import NetLayer, activation_function
from nnlab.inspection.network import Network

RNG = np.random.default_rng(0)


def _dense_net(hidden: int = 6, *, flat: bool = False, rescale: bool = True) -> Network:
    """A small hand-made MLP: no Keras needed."""
    rng = np.random.default_rng(1)
    layers = [NetLayer("image", "InputLayer", config={"shape": [784] if flat else [28, 28]})]
    if rescale:
        layers.append(NetLayer("rescaling", "Rescaling", config={"scale": 1 / 255, "offset": 0}))
    if not flat:
        layers.append(NetLayer("flatten", "Flatten"))
    layers += [
        NetLayer("hidden", "Dense", "relu", (rng.normal(0, 0.1, (784, hidden)), np.zeros(hidden))),
        NetLayer("drop", "Dropout", config={"rate": 0.5}),
        NetLayer("output", "Dense", "softmax", (rng.normal(0, 0.5, (hidden, 10)), np.ones(10))),
    ]
    return Network(tuple(layers))


def _conv_net() -> Network:
    rng = np.random.default_rng(2)
    return Network(
        (
            NetLayer("image", "InputLayer", config={"shape": [28, 28]}),
            NetLayer("rescaling", "Rescaling", config={"scale": 1 / 255, "offset": 0.0}),
            NetLayer("reshape", "Reshape", config={"target_shape": [28, 28, 1]}),
            NetLayer(
                "conv_1",
                "Conv2D",
                "relu",
                (rng.normal(0, 0.3, (3, 3, 1, 4)), rng.normal(0, 0.1, 4)),
                {"strides": [1, 1], "padding": "valid"},
            ),
            NetLayer("pool_1", "MaxPooling2D", config={"pool_size": [2, 2], "strides": [2, 2]}),
            NetLayer("flatten", "Flatten"),
            NetLayer("output", "Dense", "softmax", (rng.normal(0, 0.1, (676, 10)), np.zeros(10))),
        )
    )


# --- without Keras ---------------------------------------------------------------------------


def test_dense_network_is_x_at_w_plus_b() -> None:
    network = _dense_net()
    images = RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    w1, b1 = network.layers[3].weights
    w2, b2 = network.layers[5].weights
    hidden = np.maximum(images.reshape(5, -1) / 255 @ w1 + b1, 0)
    scores = hidden @ w2 + b2
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    got = network.predict(images)
    assert got.shape == (5, 10) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-6)
    # (n, 784), floats and one chunk per image give the same answer.
    np.testing.assert_allclose(network.predict(images.reshape(5, 784)), got, atol=1e-7)
    np.testing.assert_allclose(network.predict(images.astype(float), batch_size=1), got, atol=1e-6)


def test_conv_and_pool_match_a_direct_loop() -> None:
    network = _conv_net()
    image = RNG.integers(0, 256, (28, 28)).astype(np.float32) / 255
    kernel, bias = network.layers[3].weights
    conv = np.zeros((26, 26, 4))
    for row in range(26):
        for col in range(26):
            patch = image[row : row + 3, col : col + 3]
            conv[row, col] = np.tensordot(patch, kernel[:, :, 0, :], axes=2) + bias
    pooled = np.maximum(conv, 0).reshape(13, 2, 13, 2, 4).max(axis=(1, 3))
    steps = dict(network.forward_steps(np.round(image * 255)[None]))
    np.testing.assert_allclose(steps["conv_1"][0], np.maximum(conv, 0), atol=1e-4)
    np.testing.assert_allclose(steps["pool_1"][0], pooled, atol=1e-4)
    assert list(steps) == ["rescaling", "reshape", "conv_1", "pool_1", "flatten", "output"]


def test_shapes_summary_and_parameters() -> None:
    network = _conv_net()
    assert network.input_shape == (28, 28) and network.output_size == 10
    assert network.parameter_count() == 3 * 3 * 4 + 4 + 676 * 10 + 10
    rows = network.summary_rows()
    assert rows[3] == {"layer": "conv_1", "type": "Conv2D", "output_shape": "(None, 26, 26, 4)",
                       "params": 40}  # fmt: skip
    assert rows[4]["output_shape"] == "(None, 13, 13, 4)"
    assert rows[0] == {"layer": "image", "type": "InputLayer", "output_shape": "(None, 28, 28)",
                       "params": 0}  # fmt: skip


def test_round_trip_through_bytes_keeps_everything() -> None:
    network = _conv_net()
    reference = network.predict(np.zeros((3, 28, 28), np.uint8))
    with_reference = Network(network.layers, "mnist", reference, "abc")
    again = Network.from_bytes(with_reference.to_bytes())
    assert [layer.name for layer in again.layers] == [layer.name for layer in network.layers]
    assert again.layers[3].config == {"strides": [1, 1], "padding": "valid"}
    assert again.reference_inputs_dataset == "mnist" and again.reference_inputs_digest == "abc"
    np.testing.assert_array_equal(again.reference_outputs, reference)
    images = RNG.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(again.predict(images), network.predict(images))
    with np.load(io.BytesIO(again.to_bytes()), allow_pickle=False) as npz:
        assert all(npz[name].dtype != object for name in npz.files)


def test_weights_are_read_only() -> None:
    network = _dense_net()
    with pytest.raises(ValueError):
        network.layers[3].weights[0][0, 0] = 1.0


def test_bad_inputs_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="inputs of shape"):
        _dense_net().predict(np.zeros((2, 27, 27)))
    with pytest.raises(ValueError, match="numbers"):
        _dense_net().predict(np.array([["a"] * 784]))


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _edited(edit) -> bytes:
    """The conv network's file with its arrays changed by `edit(arrays, layer descriptions)`."""
    with np.load(io.BytesIO(_conv_net().to_bytes()), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    layers = [json.loads(text) for text in arrays["layers"]]
    edit(arrays, layers)
    arrays["layers"] = np.array([json.dumps(layer) for layer in layers])
    return _npz(arrays)


def _set(mapping: dict, key: str, value) -> None:
    mapping[key] = value


def _nan_weights(arrays: dict, layers: list) -> None:
    arrays["w3_0"] = arrays["w3_0"].copy()
    arrays["w3_0"][0, 0, 0, 0] = np.nan


def _zip_bomb() -> bytes:
    """A small zip whose directory says its entry unpacks to 3 GB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.npy", b"\0" * 1000)
    data = bytearray(buffer.getvalue())
    central = data.rindex(b"PK\x01\x02")  # the central directory entry: size at offset 24
    data[central + 24 : central + 28] = (3 * 2**30).to_bytes(4, "little")
    return bytes(data)


BAD_FILES = {
    "empty": (lambda: b"", "empty"),
    "not an npz": (lambda: b"hello, this is text" * 10, "not an npz"),
    "truncated": (lambda: _conv_net().to_bytes()[:5000], "not an npz|damaged|arrays"),
    "pickled object array": (
        lambda: _npz({"meta": np.array([{"format": 1}], dtype=object), "layers": np.array([])}),
        "other than arrays",
    ),
    "no layers array": (lambda: _npz({"meta": np.array("{}")}), "no 'layers' array"),
    "broken json": (lambda: _npz({"meta": np.array("{"), "layers": np.array(["{"])}), "JSON"),
    "other format": (lambda: _edited(lambda a, _: _set(a, "meta", np.array("{}"))), "format"),
    "missing weights": (lambda: _edited(lambda a, _: a.pop("w3_1")), "missing the arrays w3_1"),
    "unknown kind": (
        lambda: _edited(lambda _, layers: _set(layers[4], "kind", "BatchNormalization")),
        "NN Lab can read Dense, Conv2D.*this network has BatchNormalization",
    ),
    "unknown activation": (
        lambda: _edited(lambda _, layers: _set(layers[3], "activation", "swishy")),
        "Unknown activation",
    ),
    "wrong kernel shape": (
        lambda: _edited(lambda a, _: _set(a, "w6_0", np.zeros((675, 10), np.float32))),
        "takes 675 numbers per input, but gets 676",
    ),
    "wrong bias shape": (
        lambda: _edited(lambda a, _: _set(a, "w3_1", np.zeros(5, np.float32))),
        "one bias per",
    ),
    "NaN weights": (lambda: _edited(_nan_weights), "NaN"),
    "text weights": (
        lambda: _edited(lambda a, _: _set(a, "w3_0", np.array(["x"]))),
        "not numbers",
    ),
    "bad strides": (
        lambda: _edited(lambda _, layers: _set(layers[3]["config"], "strides", [0, 1])),
        "strides",
    ),
    "bad reference outputs": (
        lambda: _edited(lambda a, _: _set(a, "reference_outputs", np.zeros((3, 7)))),
        "reference outputs",
    ),
    "zip bomb": (_zip_bomb, "far more data"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_malformed_network_files_are_refused(case: str) -> None:
    make, message = BAD_FILES[case]
    data = make()
    started = time.perf_counter()
    with pytest.raises(ValueError, match=message):
        Network.from_bytes(data)
    assert time.perf_counter() - started < 2.0


def test_default_network_is_fast_and_needs_no_tensorflow() -> None:
    code = (
        "import sys, time, numpy as np\n"
        "from nnlab.inspection.default_model import load_default_network\n"
        "from nnlab.data.datasets import load_dataset\n"
        "net = load_default_network()\n"
        "x = load_dataset('mnist').x_test\n"
        "times = []\n"
        "for i in range(50):\n"
        "    t = time.perf_counter(); net.predict(x[i]); times.append(time.perf_counter() - t)\n"
        "t = time.perf_counter(); net.predict(np.concatenate([x] * 5)[:10000])\n"
        "print(sorted(times)[25], time.perf_counter() - t)\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    one, ten_thousand = map(float, result.stdout.split())
    # Generous bounds for a loaded 2-core machine; measured ~0.2 ms and ~1.3 s.
    assert one < 0.02, f"one drawing took {one * 1000:.1f} ms"
    assert ten_thousand < 10, f"10,000 images took {ten_thousand:.1f} s"


# --- against Keras ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    from nnlab.data.datasets import load_dataset

    return load_dataset("mnist").x_test[:64]


@pytest.mark.slow  # builds a dozen Keras models: ~15 s
def test_every_preset_matches_keras(images) -> None:
    from nnlab.core.presets import PRESETS
    from nnlab.learn.keras_network import network_from_keras
    from nnlab.learn.model import build_model, summary_rows

    for key, preset in PRESETS.items():
        model = build_model(preset.spec)
        network = network_from_keras(model, images[:8], dataset_name="mnist")
        expected = np.asarray(model(images, training=False))
        difference = np.max(np.abs(network.predict(images) - expected))
        assert difference < 1e-5, f"{key}: NumPy and Keras differ by {difference:.2g}"
        assert network.summary_rows() == summary_rows(model), key
        assert network.parameter_count() == model.count_params(), key
        np.testing.assert_array_equal(network.reference_outputs, expected[:8])
        again = Network.from_bytes(network.to_bytes())
        np.testing.assert_array_equal(again.predict(images[:4]), network.predict(images[:4]))


def test_conv_settings_match_keras(images) -> None:
    """Kernel sizes, strides, 'same' padding, pools and activations an upload may use."""
    import keras
    from keras import layers

    from nnlab.learn.keras_network import network_from_keras

    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Rescaling(1 / 127.5, offset=-1),
            layers.Conv2D(5, 5, activation="tanh"),
            layers.Conv2D(6, 3, strides=2, padding="same", activation="elu"),
            layers.MaxPooling2D(3, strides=2, padding="same"),
            layers.Conv2D(4, (2, 3), use_bias=False),
            layers.Activation("selu"),
            layers.MaxPooling2D((2, 1)),
            layers.Flatten(),
            layers.Dense(12, activation="gelu"),
            layers.Dense(10, activation="sigmoid"),
        ]
    )
    network = network_from_keras(model)
    expected = np.asarray(model(images[..., None], training=False))
    np.testing.assert_allclose(network.predict(images), expected, atol=1e-5)


@pytest.mark.parametrize(
    "name",
    ["gelu", "silu", "swish", "softplus", "softsign", "selu", "relu6", "exponential",
     "hard_sigmoid", "hard_silu", "mish", "sigmoid", "leaky_relu", "elu"],
)  # fmt: skip
def test_activations_match_keras(name: str) -> None:
    import keras

    x = np.linspace(-6, 6, 49, dtype=np.float32).reshape(1, -1)
    expected = np.asarray(keras.activations.get(name)(x))
    np.testing.assert_allclose(activation_function(name)(x), expected, atol=1e-5, rtol=1e-5)


def test_the_lab_activations_are_the_tutorials_functions() -> None:
    """One definition each: the lab's activations run nnlab.core's functions, except GELU, whose
    vectorised twin must compute what the tutorial's per-number math.erf version computes."""
    from nnlab.core import activations, choices

    x = np.linspace(-6, 6, 49, dtype=np.float32).reshape(1, -1)
    for key in choices.ACTIVATIONS:
        run = activation_function(key)
        if key == "gelu":
            np.testing.assert_allclose(run(x), activations.gelu(x), atol=1e-6, rtol=1e-6)
        else:
            assert run.__wrapped__ is choices.activation(key), key
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exp(-x) overflows for very negative x: not worth a warning
        assert activation_function("sigmoid")(np.float32([-1000.0]))[0] == 0.0


def test_unsupported_layers_are_named() -> None:
    import keras
    from keras import layers

    from nnlab.learn.keras_network import network_from_keras

    model = keras.Sequential(
        [keras.Input((28, 28)), layers.Flatten(), layers.BatchNormalization(), layers.Dense(10)]
    )
    with pytest.raises(
        ValueError, match=r"NN Lab can read Dense.*this model has BatchNormalization"
    ):
        network_from_keras(model)
