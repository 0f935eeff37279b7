"""The same network in plain NumPy: a forward pass layer by layer, as tutorial 001 computes it.

A network here is a list of `(W, b, activation_name)` tuples: `a = x @ W + b`, then the named
activation. `dense_layers_of` reads that list out of a trained model (an
nnlab.inspection.network.Network holding only Dense layers), and `reference_difference` compares
the result with the outputs Keras itself gave, so the student can check that Keras does nothing
more than these products.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.core.choices import activation
from nnlab.inspection.layers import PASS_THROUGH_KINDS
from nnlab.inspection.network import Network, images_digest

NumpyLayer = tuple[np.ndarray, np.ndarray, str]  # (W, b, activation name)

# Layers that change nothing at inference time, or only reshape the image into a vector.
_PASS_THROUGH = {"InputLayer", "Flatten", "Reshape", *PASS_THROUGH_KINDS}


@dataclass(frozen=True)
class LayerStep:
    """One layer of a NumPy forward pass: what went in, the arithmetic, what came out."""

    number: int  # 1 for the first layer (W1, b1), 2 for the second, ...
    input_shape: tuple[int, ...]  # shape of X (or Z of the layer before)
    weight_shape: tuple[int, ...]  # shape of W
    bias_shape: tuple[int, ...]  # shape of b
    activation: str  # name of the activation applied to A = X @ W + b
    weighted_sum: np.ndarray  # A = X @ W + b, before the activation
    output: np.ndarray  # Z = activation(A)


@dataclass(frozen=True)
class BatchInference:
    """Tutorial 001's batch inference over a test set: accuracy and how long it took."""

    accuracy: float  # fraction of images whose largest output is the true label
    correct: int  # how many images were classified correctly
    total: int  # how many images were classified
    batch_size: int  # images per matrix product
    seconds: float  # wall time of the whole loop


def _check_layers(layers: list[NumpyLayer]) -> None:
    if not layers:
        raise ValueError("The network has no layers.")
    for number, layer in enumerate(layers, start=1):
        if len(layer) != 3:
            raise ValueError(f"Layer {number} must be (W, b, activation name).")
        weights, biases, name = layer
        activation(name)  # raises ValueError for an unknown name
        if np.ndim(weights) != 2 or np.ndim(biases) != 1:
            raise ValueError(f"Layer {number}: W must be a matrix and b a vector.")
        if np.shape(weights)[1] != np.shape(biases)[0]:
            raise ValueError(
                f"Layer {number}: W has {np.shape(weights)[1]} columns but b has "
                f"{np.shape(biases)[0]} numbers; they must match."
            )


def forward_numpy_steps(layers: list[NumpyLayer], x: np.ndarray) -> list[LayerStep]:
    """Run the network on x, keeping every layer's weighted sum and output."""
    _check_layers(layers)
    values = np.asarray(x, dtype=np.float64)
    steps = []
    for number, (weights, biases, name) in enumerate(layers, start=1):
        weights = np.asarray(weights, dtype=np.float64)
        biases = np.asarray(biases, dtype=np.float64)
        if values.shape[-1] != weights.shape[0]:
            raise ValueError(
                f"Layer {number}: the input has {values.shape[-1]} numbers per example but W "
                f"{weights.shape} expects {weights.shape[0]}."
            )
        weighted_sum = np.dot(values, weights) + biases
        output = activation(name)(weighted_sum).astype(np.float64)
        steps.append(
            LayerStep(
                number=number,
                input_shape=values.shape,
                weight_shape=weights.shape,
                bias_shape=biases.shape,
                activation=name,
                weighted_sum=weighted_sum,
                output=output,
            )
        )
        values = output
    return steps


def forward_numpy(layers: list[NumpyLayer], x: np.ndarray) -> np.ndarray:
    """The network's output for x (one example (n_in,) or a batch (batch, n_in))."""
    return forward_numpy_steps(layers, x)[-1].output


def shape_formula(steps: list[LayerStep]) -> str:
    """The forward pass as matrix shapes: 'X (1, 784) · W1 (784, 15) + b1 (15,) → sigmoid → …'."""
    parts = []
    for step in steps:
        source = "X" if step.number == 1 else f"Z{step.number - 1}"
        parts.append(
            f"{source} {step.input_shape} · W{step.number} {step.weight_shape} + "
            f"b{step.number} {step.bias_shape} → {step.activation} → Z{step.number} "
            f"{step.output.shape}"
        )
    return "\n".join(parts)


def dense_layers_of(network: Network) -> list[NumpyLayer]:
    """(W, b, activation) for each Dense layer of a Network made of Dense layers only."""
    layers: list[NumpyLayer] = []
    for layer in network.layers:
        kind = layer.kind
        if kind in _PASS_THROUGH or kind == "Rescaling":
            continue  # Rescaling is applied by `numpy_inputs_of`
        if kind == "Activation":
            if not layers or layers[-1][2] != "linear":
                raise ValueError(
                    "An Activation layer must follow a Dense layer with no activation."
                )
            weights, biases, _ = layers[-1]
            layers[-1] = (weights, biases, layer.activation)
            continue
        if kind != "Dense":
            raise ValueError(
                f"The NumPy forward pass covers networks of Dense layers only; this model has a "
                f"{kind} layer ({layer.name})."
            )
        weights = np.asarray(layer.weights[0], dtype=np.float64)
        if len(layer.weights) == 2:
            biases = np.asarray(layer.weights[1], dtype=np.float64)
        else:
            biases = np.zeros(weights.shape[1])
        activation(layer.activation)  # a clear ValueError if the tutorial has no such function
        layers.append((weights, biases, layer.activation))
    if not layers:
        raise ValueError("This model has no Dense layers.")
    return layers


def rescaling_of(network: Network) -> tuple[float, float]:
    """(scale, offset) the network applies to its raw pixels first; (1, 0) without Rescaling."""
    for layer in network.layers:
        if layer.kind == "Rescaling":
            scale = np.squeeze(np.asarray(layer.config.get("scale", 1.0), dtype=np.float64))
            offset = np.squeeze(np.asarray(layer.config.get("offset", 0.0), dtype=np.float64))
            if scale.ndim or offset.ndim:
                raise ValueError(
                    "This model rescales each pixel differently; NN Lab cannot show it."
                )
            return float(scale), float(offset)
        if layer.kind not in _PASS_THROUGH:
            break
    return 1.0, 0.0


def numpy_inputs_of(network: Network, images: np.ndarray) -> np.ndarray:
    """Raw images (n, 28, 28) as the first Dense layer sees them: rescaled, one row each."""
    scale, offset = rescaling_of(network)
    images = np.asarray(images)
    flat = images.reshape(len(images), -1).astype(np.float64)
    return flat * scale + offset


def reference_difference(network: Network, dataset: Any) -> float | None:
    """Largest |NumPy - Keras| output over the images Keras ran when the network was made.

    None when the network holds no Keras outputs, or they were computed on other images (another
    data set, or another copy of it: the full MNIST instead of the bundled sample).
    """
    outputs = network.reference_outputs
    if outputs is None or network.reference_inputs_dataset != getattr(dataset, "name", None):
        return None
    images = dataset.x_test[: len(outputs)]
    if len(images) < len(outputs):
        return None
    digest = network.reference_inputs_digest
    if digest is not None and images_digest(images) != digest:
        return None
    return float(np.max(np.abs(network.predict(images).astype(np.float64) - outputs)))


def batch_inference(
    layers: list[NumpyLayer], x: np.ndarray, labels: np.ndarray, batch_size: int = 100
) -> BatchInference:
    """Classify x in batches with the NumPy network, as tutorial 001 does, and time it."""
    if batch_size < 1:
        raise ValueError(f"Batch size must be at least 1; got {batch_size}.")
    if len(x) != len(labels) or len(x) == 0:
        raise ValueError("Need as many labels as images, and at least one image.")
    start = time.perf_counter()
    correct = 0
    for i in range(0, len(x), batch_size):
        y_batch = forward_numpy(layers, x[i : i + batch_size])
        predicted = np.argmax(y_batch, axis=1)
        correct += int(np.sum(predicted == labels[i : i + batch_size]))
    seconds = time.perf_counter() - start
    return BatchInference(
        accuracy=correct / len(x),
        correct=correct,
        total=len(x),
        batch_size=batch_size,
        seconds=seconds,
    )
