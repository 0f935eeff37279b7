"""Looking inside a NumPy network: weight images, filters, histograms and every layer's output."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.inspection import inside
from nnlab.inspection.default_model import load_default_network
from nnlab.inspection.layers import NetLayer
from nnlab.inspection.network import Network


def _mlp() -> Network:
    rng = np.random.default_rng(0)
    return Network(
        (
            NetLayer("image", "InputLayer", config={"shape": [28, 28]}),
            NetLayer("rescaling", "Rescaling", config={"scale": 1 / 255, "offset": 0.0}),
            NetLayer("flatten", "Flatten"),
            NetLayer("hidden", "Dense", "sigmoid", (rng.normal(size=(784, 5)), rng.normal(size=5))),
            NetLayer("output", "Dense", "softmax", (rng.normal(size=(5, 10)),)),  # no bias
        )
    )


def test_first_dense_weights_are_one_image_per_unit() -> None:
    network = _mlp()
    images = inside.first_dense_weight_images(network)
    assert images.shape == (5, 28, 28)
    np.testing.assert_array_equal(images[2].ravel(), network.layers[3].weights[0][:, 2])
    assert inside.first_conv_filters(network) is None
    assert [layer.name for layer in inside.weighted_layers(network)] == ["hidden", "output"]


def test_conv_filters_of_the_default_model() -> None:
    network = load_default_network()
    filters = inside.first_conv_filters(network)
    assert filters.shape == (32, 3, 3)  # docs/DEFAULT_MODEL.md: Conv2D 32@3x3 first
    assert inside.first_dense_weight_images(network) is None


def test_weight_histograms_count_every_weight() -> None:
    rows = inside.weight_histograms(_mlp(), bins=10)
    assert [(row["layer"], row["kind"], row["shape"]) for row in rows] == [
        ("hidden", "weights", (784, 5)),
        ("hidden", "bias", (5,)),
        ("output", "weights", (5, 10)),
    ]
    assert [int(row["counts"].sum()) for row in rows] == [3920, 5, 50]


def test_layer_outputs_follow_the_forward_pass() -> None:
    network = load_default_network()
    image = np.zeros((1, 28, 28), np.uint8)
    image[0, 5:23, 13:16] = 255  # a "1"
    outputs = inside.layer_outputs(network, image)
    assert [output.name for output in outputs] == [layer.name for layer in network.layers[1:]]
    by_name = {output.name: output for output in outputs}
    assert by_name["conv_1"].kind == "Conv2D" and by_name["conv_1"].values.shape == (26, 26, 32)
    assert by_name["pool_2"].values.shape == (5, 5, 64)
    np.testing.assert_allclose(outputs[-1].values, network.predict(image)[0], atol=1e-6)
    assert outputs[-1].values.sum() == pytest.approx(1.0, abs=1e-5)
    tiles = inside.feature_map_tiles(by_name["conv_1"].values)
    assert tiles.shape == (32, 26, 26) and tiles.dtype == np.uint8
