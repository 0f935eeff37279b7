"""The backward pass in NumPy: gradients of a network's scores and loss with respect to its input.

Everything runs on `nnlab.inspection.network.Network` with NumPy only. The backward pass mirrors
the forward arithmetic in `nnlab.inspection.layers` layer by layer (im2col convolution, strided
max pooling), so the gradient of a class score with respect to the 28x28 input costs one forward
and one backward pass.

Images here are what the Draw page holds: (28, 28) float arrays in [0, 1]. A network with a
Rescaling layer takes 0..255 pixels, so its inputs are the image times 255 (as
`nnlab.inspection.drawing.model_inputs` does), and gradients are returned per [0, 1] pixel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import softmax

from nnlab.inspection.layers import (
    PASS_THROUGH_KINDS,
    NetLayer,
    activation_function,
    conv_geometry,
    im2col_conv,
    run_layer,
    use_one_blas_thread,
    whole_numbers,
    window_geometry,
)
from nnlab.inspection.network import Network

FINITE_DIFFERENCE_STEP = 1e-4  # for activations without a derivative written out here


def input_scale(network: Network) -> float:
    """What a [0, 1] image is multiplied by before the network sees it (see model_inputs)."""
    return 255.0 if "Rescaling" in network.kinds else 1.0


def network_batch(network: Network, images: np.ndarray) -> np.ndarray:
    """[0, 1] images, (28, 28) or (n, 28, 28) -> the float32 batch the first layer takes."""
    images = np.asarray(images, dtype=np.float32)
    return (images * input_scale(network)).reshape(-1, *network.input_shape).astype(np.float32)


def score_layer_index(network: Network) -> int:
    """Index of the layer whose pre-activation holds the class scores (logits)."""
    for index in range(len(network.layers) - 1, 0, -1):
        layer = network.layers[index]
        if layer.kind not in PASS_THROUGH_KINDS:
            return index
    raise ValueError("The network has no layer that computes scores.")


def output_kind(network: Network) -> str:
    """'softmax', 'sigmoid' or 'scores': how the last layer turns scores into outputs."""
    activation = network.layers[score_layer_index(network)].activation
    return activation if activation in ("softmax", "sigmoid") else "scores"


def _pre_activation(layer: NetLayer, x: np.ndarray) -> np.ndarray:
    """A Dense/Conv2D layer's output before its activation (an Activation layer: its input)."""
    if layer.kind == "Conv2D":
        return im2col_conv(x, layer)
    if layer.kind == "Dense":
        z = x @ layer.weights[0]
        return z + layer.weights[1] if len(layer.weights) == 2 else z
    return x


def forward_record(network: Network, x: np.ndarray) -> tuple[list[tuple[Any, ...]], np.ndarray]:
    """Each layer's (input, pre-activation, output), and the last pre-activation (the scores)."""
    use_one_blas_thread()  # as Network.predict: one thread is faster on a shared server
    record = []
    values = x
    for layer in network.layers[1:]:
        if layer.kind in ("Dense", "Conv2D", "Activation"):
            before = _pre_activation(layer, values)
            after = _activate(layer.activation, before)
        else:
            before = values
            after = run_layer(layer, values)
        record.append((values, before, after))
        values = after
    scores = record[score_layer_index(network) - 1][1]
    return record, scores


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    if name in ("linear", "identity"):
        return z
    return np.asarray(activation_function(name)(z), dtype=np.float32)


def _activation_backward(name: str, z: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The gradient through activation `name` (pre-activation z, output y, upstream g)."""
    if name in ("linear", "identity"):
        return g
    if name == "relu":
        return g * (z > 0)
    if name == "sigmoid":
        return g * y * (1 - y)
    if name == "tanh":
        return g * (1 - y * y)
    if name == "softmax":  # not element-wise: the Jacobian-vector product
        return y * (g - np.sum(g * y, axis=-1, keepdims=True))
    # Element-wise functions without a slope written here: a central difference in float64.
    function = activation_function(name)
    z64 = z.astype(np.float64)
    step = FINITE_DIFFERENCE_STEP * np.maximum(1.0, np.abs(z64))
    slope = (np.asarray(function(z64 + step)) - np.asarray(function(z64 - step))) / (2 * step)
    return (g * slope).astype(np.float32)


def _conv_backward(layer: NetLayer, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient w.r.t. a Conv2D layer's input x, given the gradient g of its pre-activation."""
    kernel = layer.weights[0]
    kh, kw, channels, filters, sh, sw, out_h, out_w, top, bottom, left, right = conv_geometry(
        layer, x
    )
    n, height, width, _ = x.shape
    # Each output pixel's patch gradient, rows ordered as the forward pass's im2col.
    columns = (g.reshape(-1, filters) @ kernel.reshape(-1, filters).T).reshape(
        n, out_h, out_w, kh * kw, channels
    )
    padded = np.zeros((n, height + top + bottom, width + left + right, channels), np.float32)
    for i in range(kh):
        for j in range(kw):
            padded[:, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw, :] += (
                columns[:, :, :, i * kw + j, :]
            )
    return padded[:, top : top + height, left : left + width, :]


def _pool_backward(layer: NetLayer, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of max pooling: each window's gradient goes to its (first) largest input."""
    ph, pw = whole_numbers(layer.config.get("pool_size", 2), 2, "pool_size")
    sh, sw = whole_numbers(layer.config.get("strides") or (ph, pw), 2, "strides")
    padding = layer.config.get("padding", "valid")
    _, height, width, _ = x.shape
    out_h, top, bottom = window_geometry(height, ph, sh, padding)
    out_w, left, right = window_geometry(width, pw, sw, padding)
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=-np.inf)
    gradient = np.zeros(padded.shape, np.float32)
    unassigned = np.ones(y.shape, bool)  # ties: only the first maximum takes the gradient
    for i in range(ph):
        for j in range(pw):
            window = (
                slice(None),
                slice(i, i + sh * (out_h - 1) + 1, sh),
                slice(j, j + sw * (out_w - 1) + 1, sw),
            )
            hit = (padded[window] == y) & unassigned
            gradient[window] += g * hit
            unassigned &= ~hit
    return gradient[:, top : top + height, left : left + width, :]


def _backward(
    network: Network, record: list[tuple[Any, ...]], score_gradient: np.ndarray
) -> np.ndarray:
    """Gradient w.r.t. the network's input, from a gradient w.r.t. the scores (pre-softmax)."""
    last = score_layer_index(network)
    g = score_gradient.astype(np.float32)
    for index in range(last, 0, -1):
        layer = network.layers[index]
        x, z, y = record[index - 1]
        kind = layer.kind
        if kind in ("Dense", "Conv2D", "Activation") and index != last:
            g = _activation_backward(layer.activation, z, y, g)
        if kind == "Dense":
            g = g @ layer.weights[0].T
        elif kind == "Conv2D":
            g = _conv_backward(layer, x, g)
        elif kind == "MaxPooling2D":
            g = _pool_backward(layer, x, y, g)
        elif kind == "Rescaling":
            g = g * np.asarray(layer.config.get("scale", 1.0), dtype=np.float32)
        elif kind in ("Flatten", "Reshape"):
            g = g.reshape(x.shape)
        # Activation (done above), Dropout and the other pass-through kinds: g unchanged.
    return g


def scores(network: Network, images: np.ndarray) -> np.ndarray:
    """(n, classes) scores before softmax/sigmoid (logits) for [0, 1] images."""
    _, logits = forward_record(network, network_batch(network, images))
    return logits.reshape(len(logits), -1).astype(np.float64)


def probabilities_from_scores(network: Network, logits: np.ndarray) -> np.ndarray:
    """The class probabilities the Draw page shows, from scores (as class_probabilities)."""
    logits = np.asarray(logits, dtype=np.float64)
    if output_kind(network) == "sigmoid":
        squashed = 1 / (1 + np.exp(-logits))
        return squashed / squashed.sum(axis=-1, keepdims=True)
    return softmax(logits, axis=-1)


def direction_gradient(network: Network, images: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """d (scores . direction) / d pixel for each [0, 1] image in a batch (n, 28, 28)."""
    record, logits = forward_record(network, network_batch(network, images))
    seed = np.broadcast_to(np.asarray(direction, np.float32), logits.shape).copy()
    gradient = _backward(network, record, seed) * input_scale(network)
    return gradient.reshape(np.shape(images)).astype(np.float64)


def score_gradient(network: Network, image: np.ndarray, class_index: int) -> np.ndarray:
    """d score[class] / d pixel for one [0, 1] image: a (28, 28)-shaped array."""
    direction = np.zeros(network.output_size)
    direction[class_index] = 1.0
    return direction_gradient(network, image, direction)


def smooth_gradient(
    network: Network,
    image: np.ndarray,
    direction: np.ndarray,
    samples: int = 16,
    sigma: float = 0.1,
    seed: int = 0,
) -> np.ndarray:
    """The gradient averaged over noisy copies of the image (SmoothGrad, Smilkov et al., 2017).

    On blank paper ReLU and max pooling sit exactly on their kinks (many equal zeros), where the
    plain gradient is one arbitrary side; the noise averages both sides.
    """
    image = np.asarray(image, dtype=np.float64)
    noise = np.random.default_rng(seed).normal(0.0, sigma, (samples, *image.shape))
    return direction_gradient(network, image + noise, direction).mean(axis=0)


def loss_gradient(
    network: Network, images: np.ndarray, labels: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(loss per image, d loss / d pixel) with loss = -log(probability of the label)."""
    images = np.asarray(images, dtype=np.float32)
    single = images.ndim == 2
    x = network_batch(network, images)
    record, logits = forward_record(network, x)
    logits64 = logits.reshape(len(logits), -1).astype(np.float64)
    labels = np.atleast_1d(np.asarray(labels, dtype=int))
    probabilities = probabilities_from_scores(network, logits64)
    rows = np.arange(len(labels))
    loss = -np.log(np.maximum(probabilities[rows, labels], 1e-300))
    if output_kind(network) == "sigmoid":
        # p_k = s_k / S with s = sigmoid(z): d(-log p_y)/dz_k = s_k (1 - s_k) (1/S - [k=y]/s_y)
        squashed = 1 / (1 + np.exp(-logits64))
        total = squashed.sum(axis=1, keepdims=True)
        upstream = np.broadcast_to(1 / total, squashed.shape).copy()
        upstream[rows, labels] -= 1 / squashed[rows, labels]
        seed = squashed * (1 - squashed) * upstream
    else:
        seed = probabilities.copy()
        seed[rows, labels] -= 1.0
    gradient = _backward(network, record, seed.reshape(logits.shape)) * input_scale(network)
    gradient = gradient.reshape(images.shape).astype(np.float64)
    return (loss[0], gradient) if single else (loss, gradient)
