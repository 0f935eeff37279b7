"""Why a network learns or not: per-layer statistics, the hidden-layer map's projection, the probe.

`nnlab.learn.callbacks.DiagnosticsCallback` runs in the training worker. After every epoch it
passes a fixed probe batch (PROBE_IMAGES training images, chosen once per run from its seed)
through the network and records, per layer with weights: the mean and spread of its outputs, the
share of dead units (ReLU units never active on the probe), the share of saturated outputs
(sigmoid / tanh near their limits), the norm of the loss's gradient with respect to its weights,
and how far its weights moved during the epoch relative to their size. It also records the
predictions for WATCHED fixed test images, one per class, and at a few epochs (`map_epochs`) the
last hidden layer's outputs for MAP_IMAGES fixed test images projected to 2-D. Everything goes
into the epoch's row as plain lists of rounded floats: row.diagnostics, row.watch, row.map.

Which test images, and what the pages read of a row, are in `nnlab.inspection.diagnostics_view`.
Keras is imported only inside the probe, which runs in a worker.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

from nnlab.core.plan import plan
from nnlab.core.spec import RunSpec
from nnlab.inspection.diagnostics_view import PROBE_IMAGES

EXACT_PCA_WIDTH = 256  # wider layers' maps use a randomized SVD (same picture, far cheaper)
SATURATION_MARGIN = 0.05  # sigmoid outputs below 0.05 or above 0.95 (tanh beyond ±0.95)
DEAD_ACTIVATIONS = ("relu",)  # activations whose units can stop for good (output 0 everywhere)
SATURATING = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
MAP_DECIMALS = 3
STATISTICS = ("mean", "std", "dead", "saturated", "grad_norm", "update_ratio")


def rounded(value: float, digits: int = 4) -> float | None:
    """`value` to `digits` significant digits; None for NaN and infinities (JSON has neither)."""
    value = float(value)
    return float(f"{value:.{digits}g}") if math.isfinite(value) else None


# --- which images ---------------------------------------------------------------------------------


def probe_indices(train_indices: np.ndarray, seed: int, count: int = PROBE_IMAGES) -> np.ndarray:
    """The run's probe batch: `count` of its training images, chosen from its seed."""
    rng = np.random.default_rng([seed, 7919])  # apart from the shuffling's (seed, epoch) streams
    chosen = rng.choice(len(train_indices), size=min(count, len(train_indices)), replace=False)
    return np.asarray(train_indices)[np.sort(chosen)]


def map_epochs(epochs: int) -> tuple[int, ...]:
    """The epochs (1-based) whose map is recorded: 1, 2, 3, 5, 8, 13, ... and the last."""
    chosen, a, b = [], 1, 2
    while a <= epochs:
        chosen.append(a)
        a, b = b, a + b
    if epochs >= 1 and epochs not in chosen:
        chosen.append(epochs)
    return tuple(chosen)


def watched_layers(spec: RunSpec) -> list[tuple[str, str]]:
    """(Keras name, activation) of every layer with weights, input to output."""
    return [(layer.name, layer.activation or "linear") for layer in plan(spec) if layer.has_kernel]


def map_layer_name(spec: RunSpec) -> str:
    """The layer whose outputs the hidden-layer map shows: the one the output layer reads."""
    layers = [layer for layer in plan(spec) if layer.keras_type != "Dropout"]
    return layers[-2].name


# --- statistics (NumPy: tested on hand-built activations) -----------------------------------------


def dead_fraction(activations: np.ndarray) -> float:
    """The share of units (last axis) that are never above 0 on any image or position."""
    values = np.asarray(activations)
    alive = values.reshape(-1, values.shape[-1]).max(axis=0) > 0
    return float(1.0 - alive.mean())


def saturated_fraction(activations: np.ndarray, activation: str) -> float | None:
    """The share of outputs within SATURATION_MARGIN of a sigmoid's or tanh's limits."""
    if activation not in SATURATING:
        return None
    low, high = SATURATING[activation]
    margin = SATURATION_MARGIN * (high - low)
    values = np.asarray(activations)
    return float(np.mean((values < low + margin) | (values > high - margin)))


def layer_statistics(activations: np.ndarray, activation: str) -> dict[str, float | None]:
    """Mean, spread, dead share (ReLU only) and saturated share (sigmoid/tanh) of one layer."""
    # float32 values summed in float64: a conv layer's outputs on the probe are millions of
    # numbers, and a float64 copy of them cost more than the rest of the diagnostics together.
    values = np.asarray(activations, dtype=np.float32)
    return {
        "mean": float(values.mean(dtype=np.float64)),
        "std": float(values.std(dtype=np.float64)),
        "dead": dead_fraction(values) if activation in DEAD_ACTIVATIONS else None,
        "saturated": saturated_fraction(values, activation),
    }


def update_ratio(before: np.ndarray, after: np.ndarray) -> float:
    """|after - before| / |before| (Frobenius norms): how far an epoch moved the weights."""
    size = float(np.linalg.norm(before))
    return float(np.linalg.norm(after - before)) / size if size > 0 else math.nan


# --- the hidden-layer map -----------------------------------------------------------------------


def project_2d(
    features: np.ndarray, previous: np.ndarray | None = None
) -> tuple[np.ndarray, list[float]]:
    """The points' first two principal components, (n, 2), and the variance share of each.

    PCA is fitted again each epoch (the hidden layer's outputs change as it learns, so an earlier
    epoch's basis would describe a space the layer has left). To keep the picture comparable
    across epochs, each projection is then turned and mirrored (an orthogonal 2x2 map, scipy's
    orthogonal Procrustes) to lie as close as it can to the previous recorded epoch's points: the
    same images stay in the same region unless the layer really moved them. The final epoch's
    basis is not an option: while training, the final epoch has not happened yet.
    """
    x = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    centred = x - x.mean(axis=0)
    components = _top_two_directions(centred)
    points = centred @ components.T
    total = float(np.sum(centred**2))
    shares = [float(np.sum(points[:, axis] ** 2) / total) if total > 0 else 0.0 for axis in (0, 1)]
    if previous is not None and len(previous) == len(points):
        from scipy.linalg import orthogonal_procrustes

        turn, _ = orthogonal_procrustes(points, np.asarray(previous, dtype=np.float64))
        points = points @ turn
    return points, shares


def _top_two_directions(centred: np.ndarray) -> np.ndarray:
    """The two principal directions (2, features) of centred rows: the largest-variance axes.

    A few hundred features: the eigenvectors of the features' covariance (one small matrix
    product and a small symmetric eigenproblem, a few ms). Wider layers (1,000 units, a conv
    block's maps): a seeded randomized SVD (a few ms instead of a second).
    """
    width = centred.shape[1]
    if width == 1:
        return np.array([[1.0], [0.0]])
    if width <= EXACT_PCA_WIDTH:
        _, vectors = np.linalg.eigh(centred.T @ centred)
        return vectors[:, ::-1][:, :2].T.copy()
    # Randomized subspace iteration (Halko et al.), in NumPy: SciPy's own BLAS would start a
    # pool of threads beside TensorFlow's. Six directions refined four times pin down the top two.
    basis = np.random.default_rng(0).standard_normal((width, 6))
    for _ in range(4):
        basis, _ = np.linalg.qr(centred.T @ (centred @ basis))
    _, _, vt = np.linalg.svd(centred @ basis, full_matrices=False)
    return (basis @ vt.T)[:, :2].T.copy()


# --- in the worker --------------------------------------------------------------------------------


# Each model's probe, beside the model rather than on it (Keras tracks a model's attributes).
_PROBES: weakref.WeakKeyDictionary[Any, DiagnosticsProbe] = weakref.WeakKeyDictionary()


class DiagnosticsProbe:
    """The probe network of one model: every weighted layer's outputs and kernel gradients."""

    @classmethod
    def of(cls, model: Any, spec: RunSpec) -> DiagnosticsProbe:
        """The model's probe, traced once per model (a worker reuses models between runs)."""
        probe = _PROBES.get(model)
        if probe is None:
            probe = _PROBES[model] = cls(model, spec)
        return probe

    def __init__(self, model: Any, spec: RunSpec) -> None:
        import keras
        import tensorflow as tf

        self.layers = watched_layers(spec)
        self.model = model
        kernels = [model.get_layer(name).kernel for name, _ in self.layers]
        self.kernels = kernels
        outputs = [model.get_layer(name).output for name, _ in self.layers]
        self.probe_model = keras.Model(model.inputs, outputs)
        # The map shows what the output layer reads: the last hidden Dense layer's outputs, the
        # pooled and flattened maps of a convnet, the pixels of a network without hidden layers.
        self.map_layer = map_layer_name(spec)
        self.map_model = keras.Model(model.inputs, model.get_layer(self.map_layer).output)
        loss = keras.losses.get(spec.loss)

        @tf.function(reduce_retracing=True)
        def step(images: Any, labels: Any, probe_count: Any) -> Any:
            with tf.GradientTape() as tape:
                layer_outputs = self.probe_model(images, training=False)
                scores = layer_outputs[-1][:probe_count]
                value = tf.reduce_mean(loss(labels, scores))
            gradients = tape.gradient(value, kernels)
            return layer_outputs, gradients

        @tf.function(reduce_retracing=True)
        def features(images: Any) -> Any:
            return self.map_model(images, training=False)

        self._step = step
        self._features = features

    def measure(
        self, images: np.ndarray, labels: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(each layer's outputs, each kernel's loss gradient) for `images`; loss on `labels`.

        `images` may hold more rows than `labels` (watched images after the probe): they go
        through the network but not into the loss.
        """
        outputs, gradients = self._step(images, labels, len(labels))
        return [np.asarray(o) for o in outputs], [np.asarray(g) for g in gradients]

    def map_features(self, images: np.ndarray) -> np.ndarray:
        """The map layer's outputs for `images`, one row per image."""
        return np.asarray(self._features(images)).reshape(len(images), -1)

    def kernel_values(self) -> list[np.ndarray]:
        """A copy of every watched layer's kernel."""
        return [np.array(kernel.numpy(), copy=True) for kernel in self.kernels]
