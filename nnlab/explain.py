"""Why the network answers what it answers: gradients, saliency, robustness and "not a digit".

Everything runs on `nnlab.network.Network` with NumPy only. The backward pass mirrors the forward
arithmetic in `nnlab.network` layer by layer (im2col convolution, strided max pooling), so the
gradient of a class score with respect to the 28x28 input costs one forward and one backward pass.

Images here are what the Draw page holds: (28, 28) float arrays in [0, 1]. A network with a
Rescaling layer takes 0..255 pixels, so its inputs are the image times 255 (as
`nnlab.drawing.model_inputs` does), and gradients are returned per [0, 1] pixel.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage
from scipy.special import logsumexp, softmax

from nnlab.drawing import preprocess_drawing
from nnlab.network import (
    PASS_THROUGH_KINDS,
    NetLayer,
    Network,
    _im2col_conv,
    _ints,
    _run_layer,
    _window_geometry,
    activation_function,
    use_one_blas_thread,
)

ASSETS = Path(__file__).resolve().parent / "assets"
CALIBRATION_PATH = ASSETS / "not_a_digit.json"
CALIBRATION_FORMAT = "nnlab-not-a-digit/1"
# Without a calibration for the network at hand, a drawing whose best class gets less than this
# probability reads "does not look like a digit". Weak (a network is often sure of a letter), so
# the page says the rule is uncalibrated.
FALLBACK_MIN_PROBABILITY = 0.7
ADD_INK_SHARE = 0.3  # "ink here would help": places below this share of the best are not shown
FINITE_DIFFERENCE_STEP = 1e-4  # for activations without a derivative written out here


# --- forward with a record, and backward ---------------------------------------------------------


def _input_scale(network: Network) -> float:
    """What a [0, 1] image is multiplied by before the network sees it (see model_inputs)."""
    return 255.0 if "Rescaling" in network.kinds else 1.0


def _batch(network: Network, images: np.ndarray) -> np.ndarray:
    """[0, 1] images, (28, 28) or (n, 28, 28) -> the float32 batch the first layer takes."""
    images = np.asarray(images, dtype=np.float32)
    return (images * _input_scale(network)).reshape(-1, *network.input_shape).astype(np.float32)


def _score_layer(network: Network) -> int:
    """Index of the layer whose pre-activation holds the class scores (logits)."""
    for index in range(len(network.layers) - 1, 0, -1):
        layer = network.layers[index]
        if layer.kind not in PASS_THROUGH_KINDS:
            return index
    raise ValueError("The network has no layer that computes scores.")


def output_kind(network: Network) -> str:
    """'softmax', 'sigmoid' or 'scores': how the last layer turns scores into outputs."""
    activation = network.layers[_score_layer(network)].activation
    return activation if activation in ("softmax", "sigmoid") else "scores"


def _pre_activation(layer: NetLayer, x: np.ndarray) -> np.ndarray:
    """A Dense/Conv2D layer's output before its activation (an Activation layer: its input)."""
    if layer.kind == "Conv2D":
        return _im2col_conv(x, layer)
    if layer.kind == "Dense":
        z = x @ layer.weights[0]
        return z + layer.weights[1] if len(layer.weights) == 2 else z
    return x


def _forward_record(network: Network, x: np.ndarray) -> tuple[list[tuple[Any, ...]], np.ndarray]:
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
            after = _run_layer(layer, values)
        record.append((values, before, after))
        values = after
    scores = record[_score_layer(network) - 1][1]
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
    kh, kw, channels, filters = kernel.shape
    sh, sw = _ints(layer.config.get("strides", 1), 2, "strides")
    padding = layer.config.get("padding", "valid")
    n, height, width, _ = x.shape
    out_h, top, bottom = _window_geometry(height, kh, sh, padding)
    out_w, left, right = _window_geometry(width, kw, sw, padding)
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
    ph, pw = _ints(layer.config.get("pool_size", 2), 2, "pool_size")
    sh, sw = _ints(layer.config.get("strides") or (ph, pw), 2, "strides")
    padding = layer.config.get("padding", "valid")
    _, height, width, _ = x.shape
    out_h, top, bottom = _window_geometry(height, ph, sh, padding)
    out_w, left, right = _window_geometry(width, pw, sw, padding)
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
    last = _score_layer(network)
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
    _, logits = _forward_record(network, _batch(network, images))
    return logits.reshape(len(logits), -1).astype(np.float64)


def probabilities_from_scores(network: Network, logits: np.ndarray) -> np.ndarray:
    """The class probabilities the Draw page shows, from scores (as class_probabilities)."""
    logits = np.asarray(logits, dtype=np.float64)
    if output_kind(network) == "sigmoid":
        squashed = 1 / (1 + np.exp(-logits))
        return squashed / squashed.sum(axis=-1, keepdims=True)
    return softmax(logits, axis=-1)


def _direction_gradient(network: Network, images: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """d (scores . direction) / d pixel for each [0, 1] image in a batch (n, 28, 28)."""
    record, logits = _forward_record(network, _batch(network, images))
    seed = np.broadcast_to(np.asarray(direction, np.float32), logits.shape).copy()
    gradient = _backward(network, record, seed) * _input_scale(network)
    return gradient.reshape(np.shape(images)).astype(np.float64)


def score_gradient(network: Network, image: np.ndarray, class_index: int) -> np.ndarray:
    """d score[class] / d pixel for one [0, 1] image: a (28, 28)-shaped array."""
    direction = np.zeros(network.output_size)
    direction[class_index] = 1.0
    return _direction_gradient(network, image, direction)


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
    return _direction_gradient(network, image + noise, direction).mean(axis=0)


def loss_gradient(
    network: Network, images: np.ndarray, labels: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(loss per image, d loss / d pixel) with loss = -log(probability of the label)."""
    images = np.asarray(images, dtype=np.float32)
    single = images.ndim == 2
    x = _batch(network, images)
    record, logits = _forward_record(network, x)
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
    gradient = _backward(network, record, seed.reshape(logits.shape)) * _input_scale(network)
    gradient = gradient.reshape(images.shape).astype(np.float64)
    return (loss[0], gradient) if single else (loss, gradient)


# --- saliency and evidence -----------------------------------------------------------------------


def saliency(network: Network, image: np.ndarray, class_index: int | None = None) -> np.ndarray:
    """Gradient x input of a class's score (default: the predicted class), (28, 28).

    Positive where the ink raises that class's score, negative where it lowers it.
    """
    image = np.asarray(image, dtype=np.float64)
    if class_index is None:
        class_index = int(np.argmax(scores(network, image)[0]))
    return score_gradient(network, image, class_index) * image


@dataclass(frozen=True)
class ClassEvidence:
    """What in a drawing speaks for and against one class, and where ink would help it."""

    target: int  # the class asked about
    versus: int  # the class it is compared with (the network's answer, or the runner-up)
    score: float  # the target's score (logit)
    probability: float  # the target's probability now
    speaks_for: np.ndarray  # (28, 28) >= 0: ink that raises target's score over versus'
    speaks_against: np.ndarray  # (28, 28) >= 0: ink that lowers it
    add_ink: np.ndarray  # (28, 28) >= 0: empty pixels where ink would raise it most
    total_for: float  # sum of speaks_for
    total_against: float  # sum of speaks_against


def class_evidence(network: Network, image: np.ndarray, target: int) -> ClassEvidence:
    """The strokes that speak for `target` against the network's answer (or its runner-up)."""
    image = np.asarray(image, dtype=np.float64)
    logits = scores(network, image)[0]
    probabilities = probabilities_from_scores(network, logits)
    order = [int(index) for index in np.argsort(-logits)]
    versus = order[0] if order[0] != target else order[1]
    # The difference of two scores decides between them; its gradient x input splits it by pixel.
    direction = np.zeros(network.output_size)
    direction[target], direction[versus] = 1.0, -1.0
    contribution = _direction_gradient(network, image, direction) * image
    speaks_for = np.maximum(contribution, 0.0)
    speaks_against = np.maximum(-contribution, 0.0)
    add_ink = np.maximum(smooth_gradient(network, image, direction, samples=32), 0.0)
    # A pen adds strokes, not single pixels: smooth the map, keep the strongest places.
    add_ink = ndimage.gaussian_filter(add_ink * (1.0 - image), 1.0)
    add_ink[add_ink < ADD_INK_SHARE * add_ink.max()] = 0.0
    return ClassEvidence(
        target=target,
        versus=versus,
        score=float(logits[target]),
        probability=float(probabilities[target]),
        speaks_for=speaks_for,
        speaks_against=speaks_against,
        add_ink=add_ink,
        total_for=float(speaks_for.sum()),
        total_against=float(speaks_against.sum()),
    )


def runner_up(network: Network, image: np.ndarray) -> int:
    """The class with the second-highest score."""
    return int(np.argsort(-scores(network, image)[0])[1])


def occlusion(
    network: Network, image: np.ndarray, class_index: int, patch: int = 6, stride: int = 2
) -> np.ndarray:
    """How much the class's probability drops when a patch x patch square is blanked, (28, 28)."""
    image = np.asarray(image, dtype=np.float64)
    side = image.shape[0]
    starts = range(0, side - patch + 1, stride)
    masked, windows = [], []
    for top in starts:
        for left in starts:
            copy = image.copy()
            copy[top : top + patch, left : left + patch] = 0.0
            masked.append(copy)
            windows.append((top, left))
    base = probabilities_from_scores(network, scores(network, image))[0, class_index]
    after = probabilities_from_scores(network, scores(network, np.stack(masked)))[:, class_index]
    drop = np.zeros_like(image)
    counts = np.zeros_like(image)
    for (top, left), value in zip(windows, after, strict=True):
        drop[top : top + patch, left : left + patch] += base - value
        counts[top : top + patch, left : left + patch] += 1
    return drop / np.maximum(counts, 1)


def _enlarged(pixels: np.ndarray, scale: int) -> np.ndarray:
    """Each pixel as a scale x scale square, so the 28x28 grid stays crisp when shown large."""
    return np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)


@cache
def _red_white_blue() -> np.ndarray:
    """Matplotlib's RdBu_r colour map as a (256, 3) table (looked up once: it is copied per use)."""
    from matplotlib import colormaps

    return colormaps["RdBu_r"](np.linspace(0, 1, 256))[:, :3]


def _diverging(level: np.ndarray) -> np.ndarray:
    """Colours for levels in [-1, 1]: blue, white, red."""
    return _red_white_blue()[np.round((np.asarray(level) + 1) / 2 * 255).astype(int)]


def overlay(
    image: np.ndarray, heat: np.ndarray, scale: int = 8, limit: float | None = None
) -> np.ndarray:
    """The drawing in grey under a red (positive) / blue (negative) map, (h*s, w*s, 3) uint8."""
    image = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
    heat = np.asarray(heat, dtype=np.float64)
    limit = limit if limit else float(np.max(np.abs(heat)))
    level = np.clip(heat / limit, -1, 1) if limit > 0 else np.zeros_like(heat)
    colour = _diverging(level)
    strength = np.abs(level)[..., None] ** 0.7  # faint evidence stays visible
    grey = (0.15 + 0.55 * image)[..., None] * np.ones(3)
    mixed = grey * (1 - strength) + colour * strength
    pixels = np.round(np.clip(mixed, 0, 1) * 255).astype(np.uint8)
    return _enlarged(pixels, scale)


def evidence_picture(
    image: np.ndarray, positive: np.ndarray, colour: str, scale: int = 8
) -> np.ndarray:
    """A non-negative map in one colour ('red', 'blue' or 'green') over the grey drawing."""
    tint = {"red": (0.86, 0.15, 0.15), "blue": (0.15, 0.35, 0.85), "green": (0.1, 0.6, 0.25)}
    image = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
    positive = np.asarray(positive, dtype=np.float64)
    peak = float(positive.max())
    strength = (np.clip(positive / peak, 0, 1) if peak > 0 else np.zeros_like(positive))[..., None]
    strength = strength**0.7
    grey = (0.12 + 0.45 * image)[..., None] * np.ones(3)
    mixed = grey * (1 - strength) + np.asarray(tint[colour]) * strength
    pixels = np.round(np.clip(mixed, 0, 1) * 255).astype(np.uint8)
    return _enlarged(pixels, scale)


def signed_picture(values: np.ndarray, scale: int = 8) -> np.ndarray:
    """A signed map (e.g. an FGSM perturbation) as red/white/blue pixels, (h*s, w*s, 3) uint8."""
    values = np.asarray(values, dtype=np.float64)
    limit = float(np.max(np.abs(values)))
    level = np.clip(values / limit, -1, 1) if limit > 0 else np.zeros_like(values)
    pixels = np.round(_diverging(level) * 255).astype(np.uint8)
    return _enlarged(pixels, scale)


def grey_picture(image: np.ndarray, scale: int = 8) -> np.ndarray:
    """A [0, 1] image as enlarged uint8 grey pixels."""
    pixels = np.round(np.clip(np.asarray(image, dtype=np.float64), 0, 1) * 255).astype(np.uint8)
    return _enlarged(pixels, scale)


# --- adversarial example (FGSM) ------------------------------------------------------------------


@dataclass(frozen=True)
class Adversarial:
    """An image nudged by epsilon per pixel against its label (fast gradient sign method)."""

    epsilon: float
    original: np.ndarray  # (28, 28) in [0, 1]
    adversarial: np.ndarray  # (28, 28) in [0, 1], on the 0..255 grid the network reads
    perturbation: np.ndarray  # adversarial - original
    label: int
    prediction_before: int
    prediction_after: int
    probabilities_before: np.ndarray
    probabilities_after: np.ndarray
    loss_before: float
    loss_after: float

    @property
    def flipped(self) -> bool:
        """True when the nudge changed the network's answer."""
        return self.prediction_before != self.prediction_after


def fgsm(network: Network, image: np.ndarray, label: int, epsilon: float) -> Adversarial:
    """x_adv = clip(x + epsilon * sign(d loss / d x), 0, 1), on the pixel grid the network reads."""
    if not 0 <= epsilon <= 1:
        raise ValueError(f"Epsilon is a share of the pixel range, 0 to 1; got {epsilon}.")
    image = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
    loss_before, gradient = loss_gradient(network, image, [label])
    adversarial = np.clip(image + epsilon * np.sign(gradient), 0.0, 1.0)
    if _input_scale(network) == 255.0:
        # The network reads whole 0..255 levels (uint8): the image it really sees.
        adversarial = np.round(adversarial * 255) / 255
    loss_after, _ = loss_gradient(network, adversarial, [label])
    before = probabilities_from_scores(network, scores(network, image))[0]
    after = probabilities_from_scores(network, scores(network, adversarial))[0]
    return Adversarial(
        epsilon=float(epsilon),
        original=image,
        adversarial=adversarial,
        perturbation=adversarial - image,
        label=int(label),
        prediction_before=int(np.argmax(before)),
        prediction_after=int(np.argmax(after)),
        probabilities_before=before,
        probabilities_after=after,
        loss_before=float(loss_before),
        loss_after=float(loss_after),
    )


# --- robustness transforms -----------------------------------------------------------------------
# Pure functions on a (28, 28) image in [0, 1]: each returns a new image in [0, 1].

ERASE_PARTS = ("none", "top", "bottom", "left", "right", "centre")


def shift(image: np.ndarray, dx: float = 0.0, dy: float = 0.0) -> np.ndarray:
    """Moved dx pixels right and dy pixels down; what leaves the square is lost."""
    moved = ndimage.shift(np.asarray(image, dtype=np.float64), (dy, dx), order=1, cval=0.0)
    return np.clip(moved, 0.0, 1.0)


def rotate(image: np.ndarray, degrees: float = 0.0) -> np.ndarray:
    """Turned counter-clockwise by `degrees` about the image centre."""
    if not degrees:
        return np.asarray(image, dtype=np.float64).copy()
    turned = ndimage.rotate(np.asarray(image, dtype=np.float64), degrees, reshape=False, order=1)
    return np.clip(turned, 0.0, 1.0)


def thicken(image: np.ndarray, pixels: int = 0) -> np.ndarray:
    """Strokes grown by `pixels` on each side (grey dilation); negative thins them (erosion)."""
    image = np.asarray(image, dtype=np.float64)
    if pixels == 0:
        return image.copy()
    footprint = ndimage.generate_binary_structure(2, 1)  # a plus: grows evenly, no square corners
    footprint = ndimage.iterate_structure(footprint, abs(int(pixels)))
    if pixels > 0:
        return ndimage.grey_dilation(image, footprint=footprint)
    return ndimage.grey_erosion(image, footprint=footprint)


def blur(image: np.ndarray, sigma: float = 0.0) -> np.ndarray:
    """Gaussian blur with standard deviation `sigma` pixels."""
    image = np.asarray(image, dtype=np.float64)
    return ndimage.gaussian_filter(image, sigma) if sigma > 0 else image.copy()


def add_noise(image: np.ndarray, amount: float = 0.0, seed: int = 0) -> np.ndarray:
    """Gaussian noise of standard deviation `amount` (a share of full ink), the same per seed."""
    image = np.asarray(image, dtype=np.float64)
    if amount <= 0:
        return image.copy()
    noise = np.random.default_rng(seed).normal(0.0, amount, image.shape)
    return np.clip(image + noise, 0.0, 1.0)


def erase(image: np.ndarray, part: str | tuple[int, int, int, int] = "none") -> np.ndarray:
    """Ink removed from a half ('top', 'bottom', 'left', 'right'), the 'centre' or a rectangle.

    A rectangle is (top, left, height, width) in pixels.
    """
    image = np.asarray(image, dtype=np.float64).copy()
    side_h, side_w = image.shape
    if isinstance(part, tuple):
        top, left, height, width = (int(value) for value in part)
    elif part == "none":
        return image
    elif part == "top":
        top, left, height, width = 0, 0, side_h // 2, side_w
    elif part == "bottom":
        top, left, height, width = side_h // 2, 0, side_h - side_h // 2, side_w
    elif part == "left":
        top, left, height, width = 0, 0, side_h, side_w // 2
    elif part == "right":
        top, left, height, width = 0, side_w // 2, side_h, side_w - side_w // 2
    elif part == "centre":
        top, left, height, width = side_h // 3, side_w // 3, side_h // 3, side_w // 3
    else:
        raise ValueError(f"Erase one of {', '.join(ERASE_PARTS)} or a rectangle; got {part!r}.")
    image[max(top, 0) : max(top + height, 0), max(left, 0) : max(left + width, 0)] = 0.0
    return image


@dataclass(frozen=True)
class Changes:
    """The robustness lab's settings; the defaults leave the image as it is."""

    dx: float = 0.0  # pixels right
    dy: float = 0.0  # pixels down
    degrees: float = 0.0  # counter-clockwise
    thickness: int = 0  # pixels grown (negative: thinned)
    blur: float = 0.0  # Gaussian sigma in pixels
    noise: float = 0.0  # noise standard deviation, share of full ink
    erase: str = "none"  # one of ERASE_PARTS
    seed: int = 0  # the noise's seed

    @property
    def is_identity(self) -> bool:
        """True when nothing is changed."""
        return self == Changes(seed=self.seed)


def apply_changes(image: np.ndarray, changes: Changes) -> np.ndarray:
    """The image with every change applied: rotate, shift, thicken, blur, erase, then noise."""
    result = rotate(image, changes.degrees)
    result = shift(result, changes.dx, changes.dy)
    result = thicken(result, changes.thickness)
    result = blur(result, changes.blur)
    result = erase(result, changes.erase)
    return add_noise(result, changes.noise, changes.seed)


# --- not a digit ---------------------------------------------------------------------------------
# A network trained on digits gives every input a digit class; its softmax can be sure of a letter.
# Three scores, higher meaning "more like a digit": the energy score logsumexp(logits) (Liu et al.,
# 2020), the best class's probability, and a probe: a logistic regression on the network's last
# hidden layer and scores, fitted on digits against non-digit strokes (outlier exposure, Hendrycks
# et al., 2019). `scripts/calibrate_not_a_digit.py` picks one and its threshold per network.

METHODS = ("energy", "max_probability", "probe")


def _features(network: Network, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(last hidden layer's output, scores) for [0, 1] images: what the probe reads."""
    record, logits = _forward_record(network, _batch(network, images))
    hidden = record[_score_layer(network) - 1][0]
    logits = logits.reshape(len(logits), -1).astype(np.float64)
    return hidden.reshape(len(hidden), -1).astype(np.float64), logits


def probe_features(network: Network, images: np.ndarray) -> np.ndarray:
    """The probe's inputs per image: last hidden layer, scores and energy, side by side."""
    hidden, logits = _features(network, images)
    return np.hstack([hidden, logits, logsumexp(logits, axis=1, keepdims=True)])


def digit_scores(
    network: Network,
    images: np.ndarray,
    method: str = "energy",
    probe: dict[str, Any] | None = None,
) -> np.ndarray:
    """How digit-like each [0, 1] image looks to the network (higher: more like a digit)."""
    if method == "probe":
        if not probe:
            raise ValueError("The probe score needs the probe's weights.")
        features = probe_features(network, images)
        scaled = (features - np.asarray(probe["mean"])) / np.asarray(probe["scale"])
        return scaled @ np.asarray(probe["coef"]) + float(probe["intercept"])
    logits = scores(network, images)
    if method == "energy":
        return logsumexp(logits, axis=-1)
    if method == "max_probability":
        return probabilities_from_scores(network, logits).max(axis=-1)
    raise ValueError(f"Unknown score {method!r}; one of {', '.join(METHODS)}.")


def fit_probe(digit_features: np.ndarray, other_features: np.ndarray) -> dict[str, Any]:
    """A logistic regression telling digits (1) from non-digits (0), as plain lists of numbers."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    features = np.vstack([digit_features, other_features])
    labels = np.r_[np.ones(len(digit_features)), np.zeros(len(other_features))]
    scaler = StandardScaler().fit(features)
    # Strong regularisation: the non-digits are a few dozen shapes; it must not learn them by heart.
    model = LogisticRegression(C=0.1, max_iter=5000, class_weight="balanced")
    model.fit(scaler.transform(features), labels)
    return {
        "mean": scaler.mean_.tolist(),
        "scale": np.where(scaler.scale_ > 0, scaler.scale_, 1.0).tolist(),
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
    }


def network_fingerprint(network: Network) -> str:
    """A hash of the network's layers and weights: a calibration belongs to exactly one model."""
    digest = hashlib.sha256()
    for layer in network.layers:
        digest.update(json.dumps([layer.kind, layer.activation, layer.config]).encode())
        for weight in layer.weights:
            digest.update(str(weight.shape).encode())
            digest.update(np.ascontiguousarray(weight).tobytes())
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class DigitRule:
    """When a drawing reads "this does not look like a digit"."""

    method: str  # one of METHODS
    threshold: float  # scores below this are not digits
    calibrated: bool  # False: no calibration for this network, a plain confidence rule
    probe: dict[str, Any] | None = None  # the probe's weights (method "probe")
    figures: dict[str, Any] = field(default_factory=dict)  # held-out rates from the calibration

    def looks_like_a_digit(self, score: float) -> bool:
        """True when a score is at or above the threshold."""
        return bool(score >= self.threshold)


def fallback_rule() -> DigitRule:
    """The rule for networks without a calibration: the best class's probability."""
    return DigitRule("max_probability", FALLBACK_MIN_PROBABILITY, calibrated=False)


@lru_cache(maxsize=4)
def _read_calibration(path: Path, modified: float) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == CALIBRATION_FORMAT else {}


def read_calibration(path: Path = CALIBRATION_PATH) -> dict[str, Any]:
    """The stored calibration ({} if missing or unreadable)."""
    try:
        modified = path.stat().st_mtime
    except OSError:
        return {}
    return _read_calibration(path, modified)


def digit_rule(network: Network, path: Path = CALIBRATION_PATH) -> DigitRule:
    """The calibrated rule if the stored calibration is for this very network, else the fallback."""
    calibration = read_calibration(path)
    if calibration.get("network_fingerprint") != network_fingerprint(network):
        return fallback_rule()
    try:
        method = str(calibration["method"])
        probe = calibration.get("probe") if method == "probe" else None
        if method not in METHODS or (method == "probe" and not isinstance(probe, dict)):
            return fallback_rule()
        return DigitRule(
            method=method,
            threshold=float(calibration["threshold"]),
            calibrated=True,
            probe=probe,
            figures=dict(calibration.get("held_out", {}).get(method, {})),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return fallback_rule()


@dataclass(frozen=True)
class DigitCheck:
    """One image's "not a digit" verdict."""

    score: float
    rule: DigitRule

    @property
    def is_digit(self) -> bool:
        """True when the image looks like a digit to this network."""
        return self.rule.looks_like_a_digit(self.score)


def check_digit(network: Network, image: np.ndarray, rule: DigitRule | None = None) -> DigitCheck:
    """Whether one [0, 1] image looks like a digit to the network, by its calibrated rule."""
    rule = rule or digit_rule(network)
    score = digit_scores(network, image, rule.method, rule.probe)[0]
    return DigitCheck(float(score), rule)


# Strokes that are not digits, in a unit box (x right, y down), one list per pen stroke. Shapes a
# digit could be (a plain circle: 0, a vertical bar: 1, S: 5, Z: 2) are left out on purpose.
NON_DIGIT_SHAPES: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0.1, 0.95), (0.5, 0.05), (0.9, 0.95)], [(0.28, 0.6), (0.72, 0.6)]],
    "B": [
        [(0.2, 0.05), (0.2, 0.95)],
        [(0.2, 0.05), (0.65, 0.08), (0.75, 0.25), (0.6, 0.45), (0.2, 0.48)],
        [(0.2, 0.48), (0.75, 0.52), (0.85, 0.72), (0.7, 0.92), (0.2, 0.95)],
    ],
    "E": [
        [(0.8, 0.05), (0.2, 0.05), (0.2, 0.95), (0.8, 0.95)],
        [(0.2, 0.5), (0.7, 0.5)],
    ],
    "F": [[(0.8, 0.05), (0.2, 0.05), (0.2, 0.95)], [(0.2, 0.5), (0.7, 0.5)]],
    "H": [[(0.2, 0.05), (0.2, 0.95)], [(0.8, 0.05), (0.8, 0.95)], [(0.2, 0.5), (0.8, 0.5)]],
    "K": [[(0.2, 0.05), (0.2, 0.95)], [(0.8, 0.05), (0.2, 0.55)], [(0.38, 0.42), (0.85, 0.95)]],
    "M": [[(0.1, 0.95), (0.15, 0.05), (0.5, 0.6), (0.85, 0.05), (0.9, 0.95)]],
    "N": [[(0.15, 0.95), (0.15, 0.05), (0.85, 0.95), (0.85, 0.05)]],
    "R": [
        [(0.2, 0.95), (0.2, 0.05), (0.7, 0.08), (0.8, 0.28), (0.65, 0.48), (0.2, 0.5)],
        [(0.45, 0.5), (0.85, 0.95)],
    ],
    "W": [[(0.05, 0.05), (0.25, 0.95), (0.5, 0.35), (0.75, 0.95), (0.95, 0.05)]],
    "X": [[(0.1, 0.05), (0.9, 0.95)], [(0.9, 0.05), (0.1, 0.95)]],
    "Y": [[(0.1, 0.05), (0.5, 0.5), (0.9, 0.05)], [(0.5, 0.5), (0.5, 0.95)]],
    "dash": [[(0.05, 0.5), (0.95, 0.5)]],
    "equals": [[(0.1, 0.35), (0.9, 0.35)], [(0.1, 0.65), (0.9, 0.65)]],
    "plus": [[(0.5, 0.1), (0.5, 0.9)], [(0.1, 0.5), (0.9, 0.5)]],
    "hash": [
        [(0.35, 0.05), (0.3, 0.95)],
        [(0.7, 0.05), (0.65, 0.95)],
        [(0.1, 0.35), (0.9, 0.35)],
        [(0.1, 0.65), (0.9, 0.65)],
    ],
    "circled_cross": [
        [(0.5 + 0.45 * np.sin(a), 0.5 - 0.45 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 40)],
        [(0.18, 0.18), (0.82, 0.82)],
        [(0.82, 0.18), (0.18, 0.82)],
    ],
    "square": [[(0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9), (0.1, 0.1)]],
    "triangle": [[(0.5, 0.05), (0.95, 0.9), (0.05, 0.9), (0.5, 0.05)]],
    "star": [
        [
            (0.5 + 0.45 * np.sin(a), 0.5 - 0.45 * np.cos(a))
            for a in np.linspace(0, 4 * np.pi, 6)  # a five-pointed star in one stroke
        ]
    ],
    "heart": [
        [
            (
                0.5 + 0.4 * np.sin(a) ** 3,
                0.45 - 0.3 * np.cos(a) + 0.12 * np.cos(2 * a) + 0.05 * np.cos(3 * a),
            )
            for a in np.linspace(0, 2 * np.pi, 40)
        ]
    ],
    "wave": [[(x, 0.5 + 0.3 * np.sin(4 * np.pi * x)) for x in np.linspace(0.02, 0.98, 30)]],
    "arrow": [[(0.1, 0.5), (0.9, 0.5)], [(0.6, 0.2), (0.9, 0.5), (0.6, 0.8)]],
    "smiley": [
        [(0.5 + 0.45 * np.sin(a), 0.5 - 0.45 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 40)],
        [(0.35, 0.35), (0.36, 0.38)],
        [(0.65, 0.35), (0.66, 0.38)],
        [(0.5 + 0.22 * np.sin(a), 0.58 - 0.18 * np.cos(a)) for a in np.linspace(2.0, 4.3, 12)],
    ],
}
# Shapes made fresh for each drawing: a scribble (a random walk) and a blob (a filled patch).
RANDOM_SHAPES = ("scribble", "blob")
CANVAS = 280  # the Draw page's canvas side, in pixels


def _random_strokes(kind: str, rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    if kind == "scribble":
        points = np.cumsum(rng.normal(0, 0.25, (int(rng.integers(8, 16)), 2)), axis=0)
        points -= points.min(axis=0)
        points /= max(float(points.max()), 1e-9)
        return [[(float(x), float(y)) for x, y in points]]
    # A blob: a wobbly closed curve drawn with many passes, so it is mostly filled in.
    angles = np.linspace(0, 2 * np.pi, 24)
    radius = 0.45 * (1 + 0.25 * np.sin(3 * angles + rng.uniform(0, 6)))
    strokes = []
    for shrink in np.linspace(1.0, 0.1, 8):
        strokes.append(
            [
                (0.5 + shrink * r * np.sin(a), 0.5 - shrink * r * np.cos(a))
                for r, a in zip(radius, angles, strict=True)
            ]
        )
    return strokes


def draw_strokes(
    strokes: list[list[tuple[float, float]]],
    width: int = 20,
    box: tuple[float, float, float, float] = (60, 40, 220, 240),
) -> np.ndarray:
    """Polylines in a unit box drawn with a round brush on a 280x280 canvas, as RGBA pixels."""
    left, top, right, bottom = box
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    pen = ImageDraw.Draw(canvas)
    for stroke in strokes:
        points = [(left + x * (right - left), top + y * (bottom - top)) for x, y in stroke]
        pen.line(points, fill=255, width=width, joint="curve")
        for x, y in points:  # round joints and caps, as the canvas brush has
            pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    rgba = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    rgba[..., 3] = np.asarray(canvas)
    return rgba


def jitter(
    strokes: list[list[tuple[float, float]]], rng: np.random.Generator, amount: float = 0.04
) -> list[list[tuple[float, float]]]:
    """The strokes with each point moved a little and the whole shape slanted, as a hand would."""
    slant = rng.uniform(-0.15, 0.15)
    return [
        [
            (
                float(x + slant * (0.5 - y) + rng.normal(0, amount)),
                float(y + rng.normal(0, amount)),
            )
            for x, y in stroke
        ]
        for stroke in strokes
    ]


def non_digit_drawings(
    count: int, seed: int = 0, shapes: Sequence[str] | None = None
) -> tuple[np.ndarray, list[str]]:
    """`count` non-digit drawings through the Draw pipeline: ((count, 28, 28) in [0, 1], names)."""
    rng = np.random.default_rng(seed)
    names = list(shapes) if shapes is not None else [*NON_DIGIT_SHAPES, *RANDOM_SHAPES]
    images, labels = [], []
    while len(images) < count:
        name = names[len(images) % len(names)]
        strokes = NON_DIGIT_SHAPES.get(name) or _random_strokes(name, rng)
        width = int(rng.integers(10, 34))
        size = rng.uniform(110, 220)
        aspect = rng.uniform(0.7, 1.3)
        left, top = rng.uniform(10, CANVAS - 10 - size * min(aspect, 1.0), 2)
        box = (left, top, left + size * min(aspect, 1.0), top + size / max(aspect, 1.0))
        image = preprocess_drawing(draw_strokes(jitter(strokes, rng), width, box))
        if image is not None:
            images.append(image)
            labels.append(name)
    return np.stack(images), labels
