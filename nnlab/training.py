"""Training one spec to the end: data preparation, the seeded batch stream and `fit_spec`.

`fit_spec` is the one training loop: the worker processes of `nnlab.engine` call it with
callbacks that report progress to the app, and `train` calls it directly for scripts and tests.
It never calls Streamlit, and TensorFlow is imported only when a run starts, so importing this
module stays cheap.

Reproducibility: the same spec and seed give the same history in any process. Keras' global
seed is process-wide, so nothing here relies on it: `build_model` seeds every initializer and
dropout layer from the spec, and this module shuffles the batches itself with a NumPy generator
seeded from (seed, epoch). CPU kernels in TensorFlow are deterministic for these layers (Eigen
splits work by shape); `tests/test_engine.py` checks that runs in worker processes match the
same runs trained here.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.registry import DATASETS, OPTIMIZERS
from nnlab.spec import IMAGE_SIDE, NUM_CLASSES, RunSpec

STATUSES = ("queued", "running", "finished", "stopped", "failed")
# Validation images are scored in big batches: faster, and the figures do not depend on it.
VALIDATION_BATCH_SIZE = 500


def describe_spec(spec: RunSpec) -> str:
    """A short label for a spec, e.g. 'MNIST 784-128-10 Adam' or 'MNIST c32-c64-10 Adam'."""
    sizes = [
        f"c{layer.filters}" if layer.kind == "conv" else str(layer.units)
        for layer in spec.hidden_layers
    ]
    first = [] if spec.has_conv else [str(IMAGE_SIDE * IMAGE_SIDE)]
    architecture = "-".join([*first, *sizes, str(NUM_CLASSES)])
    dataset, optimizer = DATASETS[spec.dataset].title, OPTIMIZERS[spec.optimizer].title
    return f"{dataset} {architecture} {optimizer}"


def split_sizes(spec: RunSpec, train_available: int, test_available: int) -> tuple[int, int]:
    """(training images, validation images) a run of `spec` uses, given the data set's sizes."""
    used = train_available if spec.train_size is None else min(spec.train_size, train_available)
    if spec.validation == "test":
        return used, test_available
    held_out = min(used - 1, max(1, round(used * spec.validation_split)))
    return used - held_out, held_out


@dataclass(frozen=True)
class PreparedData:
    """What a run feeds to Keras: indices into the shared uint8 images, and validation data."""

    x_train: np.ndarray  # the data set's own (read-only) training images, not a copy
    labels: np.ndarray  # labels for every training image: class numbers or one-hot rows
    train_indices: np.ndarray  # which training images this run learns from
    x_validation: np.ndarray
    y_validation: np.ndarray


def prepare_data(
    spec: RunSpec, dataset: Any, extra_train: tuple[Any, Any] | None = None
) -> PreparedData:
    """Pick the run's training subset and validation data, seeded, without copying the images.

    extra_train: (uint8 images N x 28 x 28, class numbers) always trained on besides the subset
    (a class's own handwriting when fine-tuning); the training images are then copied once.
    """
    for name in ("x_train", "y_train", "x_test", "y_test"):
        if not hasattr(dataset, name):
            raise ValueError(f"The data set has no {name}: it cannot be trained on.")
    x_train, y_train = np.asarray(dataset.x_train), np.asarray(dataset.y_train)
    if x_train.ndim != 3 or x_train.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise ValueError(f"Training images must be 28x28; got shape {x_train.shape}.")
    if len(x_train) != len(y_train) or len(x_train) < 2:
        raise ValueError("The data set needs at least two training images, one label each.")
    rng = np.random.default_rng(spec.seed)
    available = len(x_train)
    if spec.train_size is not None and spec.train_size < available:
        indices = np.sort(rng.choice(available, size=spec.train_size, replace=False))
    else:
        indices = np.arange(available)
    labels = _labels(spec, y_train)
    if spec.validation == "split":
        _, held_out = split_sizes(spec, available, 0)
        shuffled = indices[rng.permutation(len(indices))]
        validation_indices = np.sort(shuffled[:held_out])
        indices = np.sort(shuffled[held_out:])
        x_validation = x_train[validation_indices]
        y_validation = labels[validation_indices]
    else:
        x_validation = np.asarray(dataset.x_test)
        y_validation = _labels(spec, np.asarray(dataset.y_test))
    if extra_train is not None:
        extra_images, extra_classes = (np.asarray(part) for part in extra_train)
        if extra_images.ndim != 3 or extra_images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
            raise ValueError(f"Extra training images must be 28x28; got {extra_images.shape}.")
        if len(extra_images) != len(extra_classes):
            raise ValueError("The extra training images need one label each.")
        if len(extra_classes) and not np.isin(extra_classes, np.arange(NUM_CLASSES)).all():
            raise ValueError(f"Extra training labels must be class numbers 0-{NUM_CLASSES - 1}.")
        indices = np.concatenate([indices, np.arange(available, available + len(extra_images))])
        x_train = np.concatenate([x_train, extra_images.astype(np.uint8)])
        labels = np.concatenate([labels, _labels(spec, extra_classes)])
    return PreparedData(x_train, labels, indices, x_validation, y_validation)


def _labels(spec: RunSpec, classes: np.ndarray) -> np.ndarray:
    """Labels in the form the loss wants: one-hot float32 rows or int32 class numbers."""
    if spec.one_hot_labels:
        one_hot = np.zeros((len(classes), NUM_CLASSES), dtype=np.float32)
        one_hot[np.arange(len(classes)), classes.astype(np.int64)] = 1.0
        return one_hot
    return classes.astype(np.int32)


def epoch_order(spec: RunSpec, train_indices: np.ndarray, epoch: int) -> np.ndarray:
    """The order the run visits its training images in `epoch` (0-based): seeded, per run."""
    return train_indices[np.random.default_rng([spec.seed, epoch]).permutation(len(train_indices))]


# Training images as TensorFlow tensors, one per data set per process (shared by every run on it):
# `tf.constant` copies the array (47 MB for full Fashion-MNIST), so a copy per run would cost
# the memory that sharing the data set saves. Keyed by the array's identity; a few entries only.
_IMAGE_TENSORS: dict[int, tuple[np.ndarray, Any]] = {}
_IMAGE_TENSORS_LOCK = threading.Lock()
_IMAGE_TENSORS_KEPT = 4


def _image_tensor(images: np.ndarray) -> Any:
    """The shared uint8 tensor for a training-image array (created once per array)."""
    import tensorflow as tf

    with _IMAGE_TENSORS_LOCK:
        entry = _IMAGE_TENSORS.get(id(images))
        if entry is None or entry[0] is not images:
            while len(_IMAGE_TENSORS) >= _IMAGE_TENSORS_KEPT:
                _IMAGE_TENSORS.pop(next(iter(_IMAGE_TENSORS)))  # the oldest
            entry = (images, tf.constant(images))
            _IMAGE_TENSORS[id(images)] = entry
        return entry[1]


def _batch_dataset(spec: RunSpec, data: PreparedData, initial_epoch: int = 0) -> Any:
    """A tf.data stream of uint8 batches for every epoch, in the order `epoch_order` gives.

    Not `from_generator`: the first generator dataset in a process makes TensorFlow lower glibc's
    malloc trim threshold process-wide, after which every large tensor is allocated from and
    returned to the kernel on each step (benchmarks/bench_generator_patch.py: 1.7 M page faults
    instead of 35 k, 2-3x slower epochs for the 1000-unit and conv presets, and for other runs).
    Gathering batches by index from one shared tensor keeps everything inside TensorFlow.
    """
    import tensorflow as tf

    orders = np.stack(
        [
            epoch_order(spec, data.train_indices, epoch)
            for epoch in range(initial_epoch, spec.epochs)
        ]
    ).astype(np.int32)
    images = _image_tensor(data.x_train)
    labels = tf.constant(data.labels)
    batch_size = spec.batch_size
    stream = tf.data.Dataset.from_tensor_slices(orders).flat_map(
        lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batch_size)
    )
    stream = stream.map(lambda index: (tf.gather(images, index), tf.gather(labels, index)))
    # One stream consumed in order: prefetching cannot change which batch comes next.
    return stream.prefetch(2)


@dataclass(frozen=True)
class FitResult:
    """What one finished (or stopped) run produced: the model, its history and test figures."""

    model: Any  # the trained keras.Model (weights kept when stopped early)
    history: list[dict[str, float]]  # one row per epoch: epoch, loss, accuracy, val_*, seconds
    test_loss: float | None  # on the whole test set; None when no epoch ended
    test_accuracy: float | None
    stopped_early: bool  # early stopping (not the student) ended the run
    stopped: bool  # should_stop() ended the run
    train_images: int
    validation_images: int
    stop_reason: str | None = None  # why training stopped itself, e.g. divergence_error("nan")


def fit_spec(
    spec: RunSpec,
    dataset: Any = None,
    *,
    on_start: Callable[[int, int, int], None] | None = None,
    on_progress: Callable[[dict[str, float]], None] | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    control: Callable[[], dict | None] | None = None,
    initial_model_bytes: bytes | None = None,
    initial_epoch: int = 0,
    extra_train: tuple[Any, Any] | None = None,
) -> FitResult:
    """Train `spec` on `dataset` (or its named data set) and report through the callbacks.

    on_start(train_images, validation_images, batches) runs once before the first batch;
    on_progress(progress) after every batch (epoch, epochs, batch, batches, images_per_second,
    eta_seconds); on_epoch(row) after every epoch; should_stop() is asked after every batch and
    ends the run there, keeping the weights. Raises ValueError for data it cannot train on.
    control() is polled after every batch for {"pause": bool} / {"learning_rate": x}
    (nnlab.schedules.control_callback). Continuing a run: `initial_model_bytes` (a .keras file
    with its optimizer state, as model_file_bytes saves it) trained for `initial_epoch` epochs
    of the same spec; the run trains epochs initial_epoch + 1 .. spec.epochs on the same batches.
    extra_train: examples trained on besides the spec's subset (see prepare_data).
    """
    if not isinstance(spec, RunSpec):
        raise ValueError(f"A training run needs a RunSpec; got {type(spec).__name__}.")
    if dataset is None:
        from nnlab.datasets import load_dataset

        dataset = load_dataset(spec.dataset)
    data = prepare_data(spec, dataset, extra_train)
    train_images = len(data.train_indices)
    validation_images = len(data.x_validation)
    batches = math.ceil(train_images / spec.batch_size)
    stop_asked = should_stop or (lambda: False)

    import keras

    from nnlab.diagnostics import diagnostics_callback
    from nnlab.model import build_model
    from nnlab.schedules import RateState, control_callback, schedule_callbacks

    if initial_model_bytes is not None:
        from nnlab.model_io import keras_model_for_continuing

        model = keras_model_for_continuing(initial_model_bytes)
    else:
        model = build_model(spec)
    history: list[dict[str, float]] = []
    # Per-epoch extras (lr, lr_changes, diagnostics, watch, map), merged into each epoch's row.
    rate = RateState(base=spec.learning_rate)
    callbacks = [
        *schedule_callbacks(spec, rate),
        control_callback(spec, rate, control, stop_asked),
        diagnostics_callback(spec, data, dataset, rate.extras),
        _progress_callback(
            spec, train_images, batches, history, on_progress, on_epoch, stop_asked, rate.extras
        ),
    ]
    verdict: dict[str, Any] = {}  # divergence_callback writes "reason" here when it stops the run
    callbacks.insert(0, divergence_callback(verdict))
    if spec.early_stopping_patience > 0:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=spec.early_stopping_patience,
                restore_best_weights=spec.restore_best_weights,
            )
        )
    if on_start is not None:
        on_start(train_images, validation_images, batches)
    stopped = stop_asked()
    if not stopped:
        model.fit(
            _batch_dataset(spec, data, initial_epoch),
            epochs=spec.epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=batches,
            validation_data=(data.x_validation, data.y_validation),
            validation_batch_size=VALIDATION_BATCH_SIZE,
            callbacks=callbacks,
            shuffle=False,  # the stream above is already shuffled, per run and per epoch
            verbose=0,
        )
        stopped = stop_asked()
    stopped_early = not stopped and bool(history) and len(history) < spec.epochs - initial_epoch
    test_loss = test_accuracy = None
    if history:
        # The tutorials publish test accuracy; with a validation split (or restored best
        # weights) the last validation figures are not that number, so measure it.
        test_labels = _labels(spec, np.asarray(dataset.y_test))
        # By name, not position: the list form can carry more entries than loss and accuracy.
        scores = model.evaluate(
            np.asarray(dataset.x_test),
            test_labels,
            batch_size=VALIDATION_BATCH_SIZE,
            verbose=0,
            return_dict=True,
        )
        test_loss, test_accuracy = float(scores["loss"]), float(scores["accuracy"])
    return FitResult(
        model=model,
        history=history,
        test_loss=test_loss,
        test_accuracy=test_accuracy,
        stopped_early=stopped_early,
        stopped=stopped,
        train_images=train_images,
        validation_images=validation_images,
        stop_reason=verdict.get("reason"),
    )


# --- divergence: a learning rate too high for the network ---------------------------------------
DIVERGED_PREFIX = "diverged:"
# Ten classes: guessing gets one in ten. Below 1.5x that after an epoch, nothing was learned.
CHANCE_LIMIT = 1.5 / NUM_CLASSES
LOSS_GROWTH_LIMIT = 2.0  # an epoch's loss this many times the reference, at chance: diverged


def divergence_error(kind: str) -> str:
    """The run's `error` text when training diverged: "nan" (the loss overflowed) or "chance"
    (accuracy at chance while the loss grew). English; pages translate it by its kind."""
    what = {
        "nan": "the loss became infinite or not a number",
        "chance": "the loss grew while accuracy stayed at chance",
    }[kind]
    return f"{DIVERGED_PREFIX}{kind}: {what}; the learning rate is too high for this network."


def divergence_kind(error: str | None) -> str | None:
    """The kind, "nan" or "chance", when `error` says the run diverged (divergence_error)."""
    if not error or not error.startswith(DIVERGED_PREFIX):
        return None
    kind = error.removeprefix(DIVERGED_PREFIX).split(":", 1)[0]
    return kind if kind in ("nan", "chance") else None


def suggested_learning_rate(spec: RunSpec) -> float:
    """A learning rate to try after divergence: a tenth of the spec's, one significant digit."""
    rate = spec.learning_rate / 10
    return float(f"{rate:.1g}")


def divergence_callback(verdict: dict[str, Any]) -> Any:
    """A Keras callback that stops a diverging run and writes why into verdict["reason"].

    Diverging: a batch's loss is NaN or infinite (stops at once), or an epoch ends with training
    accuracy at chance and a loss at least LOSS_GROWTH_LIMIT times where it started (the
    previous epoch's loss; in the first epoch, the first batch's).
    """
    import keras

    class DivergenceCallback(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.reference: float | None = None  # the loss the next epoch must not exceed

        def _stop(self, kind: str) -> None:
            verdict.setdefault("reason", divergence_error(kind))
            self.model.stop_training = True

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            loss = (logs or {}).get("loss")
            if loss is None:
                return
            loss = float(loss)
            if not math.isfinite(loss):
                self._stop("nan")
            elif self.reference is None:
                self.reference = loss

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            loss, accuracy = logs.get("loss"), logs.get("accuracy")
            if loss is None:
                return
            loss = float(loss)
            if not math.isfinite(loss):
                self._stop("nan")
                return
            # At least doubled: a slow learner's loss wobbles a little above its first batch's.
            grew = self.reference is not None and loss > LOSS_GROWTH_LIMIT * self.reference
            if grew and accuracy is not None and float(accuracy) < CHANCE_LIMIT:
                self._stop("chance")
            self.reference = loss

    return DivergenceCallback()


def _progress_callback(
    spec: RunSpec,
    images_per_epoch: int,
    batches: int,
    history: list[dict[str, float]],
    on_progress: Callable[[dict[str, float]], None] | None,
    on_epoch: Callable[[dict[str, float]], None] | None,
    should_stop: Callable[[], bool],
    extras: dict[str, Any] | None = None,
) -> Any:
    """A Keras callback that reports batch progress and each epoch's figures (and `extras`)."""
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.epoch = epoch + 1
            self.epoch_started = time.monotonic()

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            if on_progress is not None:
                done = batch + 1
                elapsed = max(time.monotonic() - self.epoch_started, 1e-6)
                images_done = min(done * spec.batch_size, images_per_epoch)
                rate = images_done / elapsed
                images_left = (images_per_epoch - images_done) + (
                    spec.epochs - self.epoch
                ) * images_per_epoch
                on_progress(
                    {
                        "epoch": self.epoch,
                        "epochs": spec.epochs,
                        "batch": done,
                        "batches": batches,
                        "images_per_second": rate,
                        "eta_seconds": images_left / rate if rate > 0 else math.nan,
                    }
                )
            if should_stop():
                # Keras checks this after every batch: the run ends now, weights kept.
                self.model.stop_training = True

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            row: dict[str, float] = {"epoch": epoch + 1}
            for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
                value = logs.get(name)
                row[name] = float(value) if value is not None else math.nan
            row["seconds"] = time.monotonic() - self.epoch_started
            if extras:
                row.update(extras)  # diagnostics, lr, ...: filled by the callbacks before this one
                extras.clear()
            history.append(row)
            if on_epoch is not None:
                on_epoch(dict(row))

    return ProgressCallback()


def train(spec: RunSpec, dataset: Any = None) -> tuple[Any, list[dict[str, float]]]:
    """Train `spec` to the end in this process (blocking) and return (model, history)."""
    result = fit_spec(spec, dataset)
    return result.model, result.history
