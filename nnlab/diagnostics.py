"""Why a network learns or not: per-layer statistics each epoch, a hidden-layer map, watched digits.

`diagnostics_callback` runs in the training worker. After every epoch it passes a fixed probe
batch (PROBE_IMAGES training images, chosen once per run from its seed) through the network and
records, per layer with weights: the mean and spread of its outputs, the share of dead units
(ReLU units never active on the probe), the share of saturated outputs (sigmoid / tanh near their
limits), the norm of the loss's gradient with respect to its weights, and how far its weights
moved during the epoch relative to their size. It also records the predictions for WATCHED fixed
test images, one per class, and at a few epochs (`map_epochs`) the last hidden layer's outputs for
MAP_IMAGES fixed test images projected to 2-D. Everything goes into the epoch's row as plain
lists of rounded floats: row["diagnostics"], row["watch"], row["map"].

The pages pick the same fixed test images with `map_indices` / `watch_indices`, so no image
crosses the worker pipe. `reading` turns a row into one sentence (a text key and its values).

Keras is imported only inside the functions that run in a worker.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from nnlab.network import use_one_blas_thread
from nnlab.plan import plan
from nnlab.spec import RunSpec

PROBE_IMAGES = 256  # training images the statistics are measured on, every epoch
MAP_IMAGES = 1000  # test images on the hidden-layer map
MAP_SEED = 2024  # which test images the map shows: the same for every run of a data set
WATCHED = 10  # test images in the "watch these digits" strip: the first of each class
EXACT_PCA_WIDTH = 256  # wider layers' maps use a randomized SVD (same picture, far cheaper)
SATURATION_MARGIN = 0.05  # sigmoid outputs below 0.05 or above 0.95 (tanh beyond ±0.95)
DEAD_ACTIVATIONS = ("relu",)  # activations whose units can stop for good (output 0 everywhere)
SATURATING = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
MAP_DECIMALS = 3
STATISTICS = ("mean", "std", "dead", "saturated", "grad_norm", "update_ratio")
# One-sentence readings: thresholds on the latest epoch's figures.
VANISHING_RATIO = 100.0  # an earlier layer's gradients this many times smaller than a later one's
DEAD_SHARE = 0.1
SATURATED_SHARE = 0.3
FROZEN_UPDATE = 1e-4  # weights moved less than this fraction of their size in an epoch


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


def map_indices(test_count: int, count: int = MAP_IMAGES) -> np.ndarray:
    """Indices into x_test of the hidden-layer map's images: fixed per data-set size."""
    rng = np.random.default_rng(MAP_SEED)
    return np.sort(rng.choice(test_count, size=min(count, test_count), replace=False))


def watch_indices(test_labels: np.ndarray) -> np.ndarray:
    """Indices into x_test of the watched images: the first test image of each class present."""
    labels = np.asarray(test_labels).reshape(-1)
    return np.array(
        [int(np.flatnonzero(labels == number)[0]) for number in np.unique(labels)][:WATCHED],
        dtype=np.int64,
    )


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


def _norm(value: Any) -> float:
    return float(np.linalg.norm(np.asarray(value, dtype=np.float64)))


class DiagnosticsProbe:
    """The probe network of one model: every weighted layer's outputs and kernel gradients."""

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


def diagnostics_callback(spec: RunSpec, data: Any, dataset: Any, extras: dict[str, Any]) -> Any:
    """A Keras callback that puts each epoch's diagnostics, watched predictions and map (at
    `map_epochs`) into `extras`, which the progress callback merges into the epoch's row."""
    import keras

    probe = probe_indices(data.train_indices, spec.seed)
    probe_images = np.asarray(data.x_train[probe])
    probe_labels = np.asarray(data.labels[probe])
    x_test = np.asarray(dataset.x_test)
    watched = watch_indices(np.asarray(dataset.y_test))
    images = np.concatenate([probe_images, x_test[watched]])
    map_images = x_test[map_indices(len(x_test))]
    recorded = set(map_epochs(spec.epochs))

    class DiagnosticsCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs: dict | None = None) -> None:
            # NumPy's BLAS on one thread, as TensorFlow is capped: a pool of BLAS threads
            # fighting TensorFlow's for two cores made one small PCA take seconds.
            use_one_blas_thread()
            self.probe = DiagnosticsProbe(self.model, spec)
            self.kernels_before = self.probe.kernel_values()
            self.previous_map: np.ndarray | None = None
            self.seconds: list[float] = []  # per epoch, all of it (benchmarks read these)
            self.map_seconds: list[float] = []  # per epoch, the map's part (0 when none)

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            started = time.perf_counter()
            outputs, gradients = self.probe.measure(images, probe_labels)
            kernels = self.probe.kernel_values()
            table: dict[str, list[Any]] = {name: [] for name in STATISTICS}
            for (_, activation), output, gradient, before, after in zip(
                self.probe.layers, outputs, gradients, self.kernels_before, kernels, strict=True
            ):
                figures = layer_statistics(output[: len(probe)], activation)
                figures["grad_norm"] = _norm(gradient)
                figures["update_ratio"] = update_ratio(before, after)
                for name in STATISTICS:
                    value = figures[name]
                    table[name].append(None if value is None else rounded(value))
            self.kernels_before = kernels
            scores = outputs[-1][len(probe) :]
            extras["watch"] = [
                {"predicted": int(np.argmax(row)), "confidence": rounded(float(np.max(row)), 3)}
                for row in scores
            ]
            map_started = time.perf_counter()
            if epoch + 1 in recorded:
                features = self.probe.map_features(map_images)
                points, shares = project_2d(features, self.previous_map)
                self.previous_map = points
                extras["map"] = {
                    "layer": self.probe.map_layer,
                    "x": np.round(points[:, 0], MAP_DECIMALS).tolist(),
                    "y": np.round(points[:, 1], MAP_DECIMALS).tolist(),
                    "variance": [rounded(share, 3) for share in shares],
                }
            extras["diagnostics"] = {
                "layers": [name for name, _ in self.probe.layers],
                "activations": [activation for _, activation in self.probe.layers],
                **table,
            }
            # Not in the row: rows of one spec must match across processes. Benchmarks read it.
            self.map_seconds.append(time.perf_counter() - map_started)
            self.seconds.append(time.perf_counter() - started)

    return DiagnosticsCallback()


# --- one sentence ---------------------------------------------------------------------------------


def _percent(share: float) -> str:
    return f"{100 * share:.0f}"


def _ratio_text(ratio: float) -> str:
    if ratio >= 1000:
        return f"{10 ** math.floor(math.log10(ratio)):,}"
    return f"{ratio:,.0f}"


def reading(row: dict[str, Any] | None) -> tuple[str, dict[str, str]]:
    """What the latest epoch's diagnostics say, as (text key, values) for nnlab/locales/learn.py.

    In order of importance: gradients vanishing towards the input (with saturation as the
    reason when a layer saturates), dead ReLU units, saturated units, layers that barely move,
    else a healthy network.
    """
    figures = (row or {}).get("diagnostics")
    if not figures or not figures.get("layers"):
        return "learn.reading.none", {}
    names = figures["layers"]
    grads = [g if g is not None else math.nan for g in figures.get("grad_norm", [])]
    saturated = [s for s in figures.get("saturated", [])]
    dead = figures.get("dead", [])
    moved = figures.get("update_ratio", [])

    worst_saturated = max(
        ((share, name) for share, name in zip(saturated, names, strict=False) if share is not None),
        default=(0.0, ""),
    )
    if len(grads) >= 2 and all(math.isfinite(g) for g in grads):
        weakest = int(np.argmin(grads))
        strongest = int(np.argmax(grads))
        if weakest < strongest and grads[weakest] > 0:
            ratio = grads[strongest] / grads[weakest]
            if ratio >= VANISHING_RATIO:
                values = {
                    "weak": names[weakest],
                    "strong": names[strongest],
                    "ratio": _ratio_text(ratio),
                }
                if worst_saturated[0] >= SATURATED_SHARE:
                    key = "learn.reading.vanishing_saturated"
                    values |= {
                        "layer": worst_saturated[1],
                        "share": _percent(worst_saturated[0]),
                    }
                    return key, values
                return "learn.reading.vanishing", values
    worst_dead = max(
        ((share, name) for share, name in zip(dead, names, strict=False) if share is not None),
        default=(0.0, ""),
    )
    if worst_dead[0] >= DEAD_SHARE:
        return "learn.reading.dead", {"layer": worst_dead[1], "share": _percent(worst_dead[0])}
    if worst_saturated[0] >= SATURATED_SHARE:
        return "learn.reading.saturated", {
            "layer": worst_saturated[1],
            "share": _percent(worst_saturated[0]),
        }
    frozen = [
        name
        for name, share in zip(names, moved, strict=False)
        if share is not None and share < FROZEN_UPDATE
    ]
    if frozen:
        return "learn.reading.frozen", {"layer": frozen[0]}
    return "learn.reading.healthy", {}


def series(history: list[dict[str, Any]], statistic: str) -> list[dict[str, Any]]:
    """Rows (epoch, layer, value) of one statistic over the epochs, for small multiples."""
    rows = []
    for row in history:
        figures = row.get("diagnostics")
        if not figures or statistic not in figures:
            continue
        for name, value in zip(figures["layers"], figures[statistic], strict=False):
            if value is not None:
                rows.append({"epoch": int(row["epoch"]), "layer": name, "value": float(value)})
    return rows


def recorded_maps(history: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Epoch -> the map recorded at that epoch."""
    return {int(row["epoch"]): row["map"] for row in history if row.get("map")}


def __getattr__(name: str) -> Any:
    # The learning-rate finder lives with the schedules; the worker may import it from here.
    if name == "lr_range_test":
        from nnlab.schedules import lr_range_test

        return lr_range_test
    raise AttributeError(f"module 'nnlab.diagnostics' has no attribute {name!r}")
