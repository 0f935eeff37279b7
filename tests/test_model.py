"""The model builder against the tutorials' published parameter counts and Keras' own summary."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab import PRESETS, LayerSpec, RunSpec
from nnlab.model import build_model, layer_rows, network_dot, summary_rows


@pytest.mark.parametrize(
    ("preset_key", "parameters"),
    [("t000_sigmoid_mse", 11_935), ("t002_mnist_relu1000", 795_010), ("cnn_mnist", 34_826)],
)
def test_parameter_counts_match_the_tutorials(preset_key: str, parameters: int) -> None:
    spec = PRESETS[preset_key].spec
    model = build_model(spec)
    assert model.count_params() == parameters
    assert spec.parameter_count() == parameters
    assert sum(row["params"] for row in layer_rows(spec)) == parameters


@pytest.mark.parametrize("preset_key", list(PRESETS))
def test_layer_rows_agree_with_keras_summary(preset_key: str) -> None:
    spec = PRESETS[preset_key].spec
    assert layer_rows(spec) == summary_rows(build_model(spec))


def test_layer_rows_agree_for_conv_dense_dropout_mix() -> None:
    spec = RunSpec(
        hidden_layers=(LayerSpec.conv(8, 5, "tanh"), LayerSpec.dense(20, "elu")),
        dropout_rate=0.25,
        l2_weight_decay=0.001,
    )
    model = build_model(spec)
    assert layer_rows(spec) == summary_rows(model)
    names = [row["layer"] for row in summary_rows(model)]
    assert names == [
        "image",
        "rescaling",
        "reshape",
        "conv_1",
        "pool_1",
        "flatten",
        "conv_dropout",
        "hidden_1",
        "dropout_1",
        "output",
    ]


def test_takes_uint8_images_and_normalises_inside() -> None:
    model = build_model(RunSpec(hidden_layers=(LayerSpec.dense(4),)))
    assert model.inputs[0].dtype == "uint8"
    images = np.full((3, 28, 28), 255, dtype=np.uint8)
    probabilities = model.predict(images, verbose=0)
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # Rescaling(1/255) really runs: the first Dense layer sees values in [0, 1].
    assert float(model.get_layer("rescaling")(images).numpy().max()) == pytest.approx(1.0)


def test_same_seed_gives_same_initial_weights_other_seed_differs() -> None:
    spec = RunSpec(hidden_layers=(LayerSpec.dense(16),), dropout_rate=0.3)
    first, again = build_model(spec), build_model(spec)
    other = build_model(spec.replace(seed=spec.seed + 1))
    for a, b in zip(first.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.get_weights()[0], other.get_weights()[0])


@pytest.mark.parametrize(
    ("optimizer", "keras_name"),
    [("sgd", "SGD"), ("adagrad", "Adagrad"), ("rmsprop", "RMSprop"), ("adam", "Adam")],
)
def test_optimizer_and_learning_rate_come_from_the_spec(optimizer: str, keras_name: str) -> None:
    extra = {"momentum": 0.9, "nesterov": True} if optimizer == "sgd" else {}
    spec = RunSpec(hidden_layers=(), optimizer=optimizer, learning_rate=0.05, **extra)
    model = build_model(spec)
    assert type(model.optimizer).__name__ == keras_name
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    if optimizer == "sgd":
        assert model.optimizer.nesterov is True
        assert model.optimizer.momentum == pytest.approx(0.9)


def test_invalid_input_raises_value_error() -> None:
    with pytest.raises(ValueError, match="RunSpec"):
        build_model({"hidden_layers": []})
    with pytest.raises(ValueError, match="conv block after a Dense"):
        RunSpec(hidden_layers=(LayerSpec.dense(10), LayerSpec.conv(8)))


def test_network_dot_is_compact_for_big_layers() -> None:
    dot = network_dot(PRESETS["t002_mnist_relu1000"].spec)
    assert dot.startswith("digraph")
    assert "1,000 units, relu" in dot
    assert "785,000 weights" in dot  # (784 + 1) x 1000 into the hidden layer
    assert dot.count("->") == 2  # input -> hidden -> output: one box per layer
    cnn = network_dot(PRESETS["cnn_mnist"].spec)
    assert "32 filters 3×3" in cnn and "Flatten" in cnn and "dropout 0.5" in cnn
