"""The model builder against the tutorials' published parameter counts and Keras' own summary."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab import PRESETS, LayerSpec, RunSpec
from nnlab.core.summary import layer_rows, network_dot
from nnlab.learn.model import build_model, summary_rows


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


# SHA-256 prefixes of the initial weights build_model gave before the layer plan existed: the
# plan must hand out the same seeds in the same order, so students' runs start where they did.
MIX = RunSpec(
    hidden_layers=(
        LayerSpec.conv(4, 3),
        LayerSpec.conv(6, 5, "tanh"),
        LayerSpec.dense(12, "elu"),
        LayerSpec.dense(7),
    ),
    dropout_rate=0.3,
    l2_weight_decay=0.01,
    seed=7,
    optimizer="sgd",
    momentum=0.5,
    nesterov=True,
    learning_rate=0.05,
)
WEIGHT_DIGESTS = {
    "mix": (
        MIX,
        "0cf8322530aaa0f4 374708fff7719dd5 a86f07ad40b2ae37 9d908ecfb6b256de "
        "26f1ef3f70596625 17b0761f87b081d5 1924956a66703375 3addfb141cd7c9c4 "
        "7a004215f391b4aa 2c34ce1df23b838c",
    ),
    "t000": (
        PRESETS["t000_sigmoid_mse"].spec,
        "5c2a66a4d0b616c3 5dcc1b5872dd9ff1 6ed9ed57e3a16c0c 2c34ce1df23b838c",
    ),
}


@pytest.mark.parametrize("name", list(WEIGHT_DIGESTS))
def test_initial_weights_are_bit_identical_to_before_the_plan(name: str) -> None:
    import hashlib

    spec, digests = WEIGHT_DIGESTS[name]
    weights = build_model(spec).get_weights()
    found = [hashlib.sha256(array.tobytes()).hexdigest()[:16] for array in weights]
    assert found == digests.split()


def test_plan_names_types_and_seeds() -> None:
    from nnlab.core.plan import plan

    layers = plan(MIX)
    assert [layer.name for layer in layers] == [row["layer"] for row in layer_rows(MIX)]
    seeded = [(layer.name, layer.seed) for layer in layers if layer.seed is not None]
    # Kernels and dropout layers draw seeds in build order: convs, flatten dropout, dense, output.
    assert seeded == [
        ("conv_1", 7),
        ("conv_2", 8),
        ("conv_dropout", 9),
        ("hidden_1", 10),
        ("dropout_1", 11),
        ("hidden_2", 12),
        ("dropout_2", 13),
        ("output", 14),
    ]
    assert [layer.source for layer in layers if layer.source is not None] == [0, 1, 2, 3]
    assert sum(layer.params for layer in layers) == MIX.parameter_count()


def test_network_dot_speaks_korean() -> None:
    dot = network_dot(PRESETS["cnn_mnist"].spec, "ko")
    assert "필터 32개" in dot and "가중치" in dot and "펼치기" in dot
    assert "weights" not in dot and "filters" not in dot
