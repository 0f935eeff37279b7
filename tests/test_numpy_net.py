"""The NumPy forward pass against tutorial 001's published numbers and against Keras."""

from __future__ import annotations

import numpy as np
import pytest
from drawn_digits import all_sample_digits

from nnlab.core import activations, choices
from nnlab.inspection.layers import NetLayer
from nnlab.inspection.network import Network, images_digest
from nnlab.inspection.numpy_net import (
    batch_inference,
    dense_layers_of,
    forward_numpy,
    forward_numpy_steps,
    numpy_inputs_of,
    reference_difference,
    rescaling_of,
    shape_formula,
)

# Tutorial 001 (seeds/001_*.txt), "3층 신경망 구현": sigmoid, sigmoid, identity.
TUTORIAL_NET = [
    (np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]), np.array([0.1, 0.2, 0.3]), "sigmoid"),
    (np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]), np.array([0.1, 0.2]), "sigmoid"),
    (np.array([[0.1, 0.3], [0.2, 0.4]]), np.array([0.1, 0.2]), "identity"),
]

# Tutorial 001's homework net 5-8-7-5-4-4-2: sigmoid x3, relu x2, then identity or softmax.
HOMEWORK_WEIGHTS = [
    [
        [0.1, 0.3, 0.5, 0.2, 0.4, 0.6, 0.3, 0.6],
        [0.2, 0.4, 0.6, 0.1, 0.3, 0.5, 0.2, 0.4],
        [-0.24, 0.46, 0.76, -0.31, 0.33, 0.54, 0.52, 0.44],
        [0.32, -0.44, 0.86, 0.16, -0.33, -0.51, 0.72, 0.84],
        [0.72, 0.43, -0.62, 0.18, 0.32, -0.52, 0.12, -0.41],
    ],
    [
        [0.1, 0.4, 0.2, 0.5, 0.3, 0.6, 0.3],
        [0.4, 0.2, 0.1, 0.5, 0.3, 0.6, 0.3],
        [0.2, 0.5, 0.4, 0.5, 0.1, 0.1, 0.3],
        [0.5, 0.3, 0.2, 0.5, 0.4, 0.4, 0.1],
        [0.3, 0.6, 0.5, 0.5, 0.2, 0.2, 0.4],
        [0.6, 0.3, 0.3, 0.5, 0.5, 0.5, 0.2],
        [0.3, 0.4, 0.6, 0.5, 0.3, 0.3, 0.5],
        [0.1, 0.4, 0.3, 0.5, 0.3, 0.6, 0.3],
    ],
    [
        [0.1, 0.3, 0.2, 0.4, 0.1],
        [0.3, 0.3, 0.3, 0.4, 0.9],
        [0.2, 0.3, 0.2, 0.4, 0.3],
        [0.4, 0.2, 0.2, 0.4, 0.2],
        [0.1, 0.4, 0.4, 0.3, 0.4],
        [0.9, 0.1, 0.2, 0.2, 0.9],
        [0.1, 0.3, 0.2, 0.4, 0.3],
    ],
    [
        [0.1, 0.3, 0.2, 0.4],
        [0.3, 0.3, 0.3, 0.4],
        [0.2, 0.3, 0.2, 0.4],
        [0.4, 0.2, 0.2, 0.4],
        [0.1, 0.4, 0.4, 0.3],
    ],
    [
        [0.1, 0.3, 0.5, 0.2],
        [0.46, 0.76, -0.31, 0.33],
        [0.2, -0.62, 0.18, 0.32],
        [0.4, 0.43, -0.62, 0.4],
    ],
    [[0.1, 0.3], [0.76, -0.31], [0.18, 0.32], [-0.62, 0.4]],
]
HOMEWORK_BIASES = [
    [0.1, 0.2, 0.3, 0.3, -0.3, 0.3, 0.2, 0.2],
    [0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.1],
    [0.1, 0.1, 0.2, 0.2, 0.3],
    [0.1, 0.1, 0.2, 0.2],
    [0.1, 0.1, 0.2, 0.2],
    [0.1, 0.1],
]


def homework_net(output_activation: str) -> list:
    names = ["sigmoid", "sigmoid", "sigmoid", "relu", "relu", output_activation]
    return [
        (np.array(w), np.array(b), name)
        for w, b, name in zip(HOMEWORK_WEIGHTS, HOMEWORK_BIASES, names, strict=True)
    ]


def test_tutorial_three_layer_net_matches_published_output() -> None:
    y = forward_numpy(TUTORIAL_NET, np.array([1.0, 0.5]))
    np.testing.assert_allclose(y, [0.31682708, 0.69627909], atol=1e-6)


def test_tutorial_intermediate_values_match() -> None:
    steps = forward_numpy_steps(TUTORIAL_NET, np.array([1.0, 0.5]))
    np.testing.assert_allclose(steps[0].weighted_sum, [0.3, 0.7, 1.1], atol=1e-9)
    np.testing.assert_allclose(steps[0].output, [0.57444252, 0.66818777, 0.75026011], atol=1e-6)
    np.testing.assert_allclose(steps[1].output, [0.62624937, 0.7710107], atol=1e-6)
    assert [step.weight_shape for step in steps] == [(2, 3), (3, 2), (2, 2)]


@pytest.mark.parametrize(
    ("output_activation", "expected"),
    [("identity", [0.12410253, 1.04452448]), ("softmax", [0.28487193, 0.71512807])],
)
def test_homework_net_matches_published_output(output_activation: str, expected: list) -> None:
    x = np.array([1.0, 0.5, 0.4, 0.9, -1.3])
    y = forward_numpy(homework_net(output_activation), x)
    np.testing.assert_allclose(y, expected, atol=1e-6)


def test_shape_formula_names_every_matrix() -> None:
    steps = forward_numpy_steps(TUTORIAL_NET, np.array([[1.0, 0.5]]))
    formula = shape_formula(steps)
    assert "X (1, 2) · W1 (2, 3) + b1 (3,) → sigmoid" in formula
    assert "Z2 (1, 2) · W3 (2, 2) + b3 (2,) → identity → Z3 (1, 2)" in formula


def test_bad_networks_get_clear_errors() -> None:
    with pytest.raises(ValueError, match="Unknown activation"):
        forward_numpy([(np.eye(2), np.zeros(2), "swishy")], np.ones(2))
    with pytest.raises(ValueError, match="expects 3"):
        forward_numpy([(np.ones((3, 2)), np.zeros(2), "relu")], np.ones(2))
    with pytest.raises(ValueError, match="must match"):
        forward_numpy([(np.ones((2, 2)), np.zeros(3), "relu")], np.ones(2))


def test_softmax_overflow_demo() -> None:
    demo = activations.softmax_overflow_demo()
    assert np.isnan(demo["naive"]).all()
    np.testing.assert_allclose(demo["stable"], [9.9995460e-01, 4.5397868e-05, 2.0610600e-09])
    np.testing.assert_allclose(
        activations.softmax(np.arange(3.0)), [0.09003057, 0.24472847, 0.66524096], atol=1e-8
    )


# step's derivative is 0 wherever it exists; softmax's is a Jacobian (its diagonal is plotted).
@pytest.mark.parametrize(
    "name", [name for name in activations.PLOTTED_ACTIVATIONS if name not in ("step", "softmax")]
)
def test_derivatives_agree_with_finite_differences(name: str) -> None:
    x = np.linspace(-3, 3, 61) + 0.013  # avoid the kinks at exactly 0
    h = 1e-5
    numeric = (choices.activation(name)(x + h) - choices.activation(name)(x - h)) / (2 * h)
    np.testing.assert_allclose(choices.derivative(name)(x), numeric, atol=1e-5)
    assert "def " in choices.source_of(name)


@pytest.mark.parametrize(
    "name", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softmax"]
)
def test_numpy_activations_match_keras(name: str) -> None:
    import keras

    x = np.linspace(-4, 4, 33).reshape(1, -1).astype(np.float32)
    expected = np.asarray(keras.activations.get(name)(x))
    np.testing.assert_allclose(choices.activation(name)(x.astype(np.float64)), expected, atol=1e-5)


def test_forward_numpy_matches_keras_for_a_trained_dense_model() -> None:
    import keras

    from nnlab.core.spec import LayerSpec, RunSpec
    from nnlab.learn.keras_network import network_from_keras
    from nnlab.learn.model import build_model

    rng = np.random.default_rng(0)
    sample_x, sample_y = all_sample_digits()
    order = rng.permutation(len(sample_y))[:400]
    x, y = sample_x[order], sample_y[order]
    spec = RunSpec(
        hidden_layers=(LayerSpec.dense(15, "sigmoid"), LayerSpec.dense(12, "relu")),
        dropout_rate=0.2,
        epochs=1,
        batch_size=50,
    )
    model = build_model(spec)
    model.fit(x[:300], y[:300], epochs=1, batch_size=50, verbose=0)
    network = network_from_keras(model)
    layers = dense_layers_of(network)
    assert [(w.shape, a) for w, _, a in layers] == [
        ((784, 15), "sigmoid"),
        ((15, 12), "relu"),
        ((12, 10), "softmax"),
    ]
    expected = np.asarray(model(x[300:], training=False))
    assert rescaling_of(network) == pytest.approx((1 / 255, 0.0))
    got = forward_numpy(layers, numpy_inputs_of(network, x[300:]))
    assert np.max(np.abs(got - expected)) < 1e-5
    result = batch_inference(layers, numpy_inputs_of(network, x[300:]), y[300:], batch_size=30)
    keras_accuracy = float(np.mean(np.argmax(expected, axis=1) == y[300:]))
    assert result.total == 100 and result.accuracy == pytest.approx(keras_accuracy)
    assert isinstance(model, keras.Model)


def test_dense_layers_of_refuses_a_cnn() -> None:
    from nnlab.core.spec import LayerSpec, RunSpec
    from nnlab.learn.keras_network import network_from_keras
    from nnlab.learn.model import build_model

    model = build_model(RunSpec(hidden_layers=(LayerSpec.conv(4, 3), LayerSpec.dense(8))))
    with pytest.raises(ValueError, match="Conv2D"):
        dense_layers_of(network_from_keras(model))


def _reference_network(dataset_name: str, images: np.ndarray, shift: float = 0.0) -> Network:
    """A Dense network carrying 'Keras' outputs: its own, moved by `shift`."""
    rng = np.random.default_rng(5)
    network = Network(
        (
            NetLayer("image", "InputLayer", config={"shape": [28, 28]}),
            NetLayer("rescaling", "Rescaling", config={"scale": 1 / 255, "offset": 0.0}),
            NetLayer("flatten", "Flatten"),
            NetLayer("output", "Dense", "softmax", (rng.normal(0, 0.05, (784, 10)), np.zeros(10))),
        )
    )
    return Network(
        network.layers,
        reference_inputs_dataset=dataset_name,
        reference_outputs=network.predict(images) + shift,
        reference_inputs_digest=images_digest(images),
    )


def test_reference_difference_compares_with_the_stored_outputs() -> None:
    from nnlab.data.datasets import load_dataset

    mnist = load_dataset("mnist")
    images = mnist.x_test[:20]
    assert reference_difference(_reference_network("mnist", images), mnist) < 1e-6
    assert reference_difference(_reference_network("mnist", images, 0.01), mnist) == (
        pytest.approx(0.01, abs=1e-6)
    )
    # Outputs for other images (another data set, or another copy of MNIST) are not compared.
    assert reference_difference(_reference_network("fashion_mnist", images), mnist) is None
    assert reference_difference(_reference_network("mnist", mnist.x_test[1:21]), mnist) is None
    plain = _reference_network("mnist", images)
    assert reference_difference(Network(plain.layers), mnist) is None


def test_dense_layers_of_a_hand_made_network() -> None:
    network = _reference_network("mnist", np.zeros((1, 28, 28), np.uint8))
    [(weights, biases, name)] = dense_layers_of(network)
    assert biases.shape == (10,)
    assert weights.shape == (784, 10) and weights.dtype == np.float64 and name == "softmax"
    images = np.arange(2 * 784).reshape(2, 28, 28) % 256
    np.testing.assert_allclose(
        forward_numpy(dense_layers_of(network), numpy_inputs_of(network, images)),
        network.predict(images),
        atol=1e-6,
    )
