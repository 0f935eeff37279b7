"""Training one spec to the end: data preparation, the seeded batch stream and `fit_spec`.

`fit_spec` is the one training loop: the worker processes of `nnlab.engine.engine` call it with
callbacks that report progress to the app (`nnlab.learn.callbacks`), and `train` calls it
directly for scripts and tests. It imports Keras, so only workers and scripts import it; the
facts pages need about a run (its label, its split sizes) are in `nnlab.core.runs`.

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
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from nnlab.core.runs import EpochRow, Progress, split_sizes
from nnlab.core.shapes import IMAGE_SIDE, NUM_CLASSES
from nnlab.core.spec import RunSpec
from nnlab.data.datasets import load_dataset
from nnlab.learn import callbacks
from nnlab.learn.model import ModelCache, build_model
from nnlab.learn.model_files import keras_model_for_continuing
from nnlab.learn.schedules import RateState, schedule_callbacks

# Validation images are scored in big batches: faster, and the figures do not depend on it.
VALIDATION_BATCH_SIZE = 500


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


# TensorFlow copies of a data set's arrays, made once per process and shared by every run on it:
# `tf.constant` copies the array (47 MB for full Fashion-MNIST), so a copy per run would cost
# the memory that sharing the data set saves, and Keras turning NumPy validation arrays into a
# dataset costs every run 40 ms. Keyed by the array's identity and what was made of it.
_SHARED: dict[tuple[str, tuple[int, ...]], tuple[tuple[np.ndarray, ...], Any]] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_KEPT = 8


def _shared(kind: str, arrays: tuple[np.ndarray, ...], make: Callable[[], Any]) -> Any:
    """What `make()` builds from `arrays`, built once per kind and arrays."""
    key = (kind, tuple(id(array) for array in arrays))
    with _SHARED_LOCK:
        entry = _SHARED.get(key)
        # The arrays are kept in the entry, so an id cannot be reused while it is cached.
        if entry is None or any(a is not b for a, b in zip(entry[0], arrays, strict=True)):
            while len(_SHARED) >= _SHARED_KEPT:
                _SHARED.pop(next(iter(_SHARED)))  # the oldest
            entry = (arrays, make())
            _SHARED[key] = entry
        return entry[1]


def _image_tensor(images: np.ndarray) -> Any:
    """The shared uint8 tensor for a training-image array (created once per array)."""
    import tensorflow as tf

    return _shared("tensor", (images,), lambda: tf.constant(images))


def _scoring_batches(images: np.ndarray, labels: np.ndarray) -> Any:
    """Images and labels in VALIDATION_BATCH_SIZE batches, as Keras scores them."""
    import tensorflow as tf

    batches = tf.data.Dataset.from_tensor_slices((images, labels))
    return batches.batch(VALIDATION_BATCH_SIZE)


def _test_batches(spec: RunSpec, dataset: Any) -> Any:
    """The whole test set in scoring batches, with labels in the form spec's loss wants (shared)."""
    x_test, y_test = np.asarray(dataset.x_test), np.asarray(dataset.y_test)
    form = "one_hot" if spec.one_hot_labels else "classes"
    return _shared(
        f"test:{form}", (x_test, y_test), lambda: _scoring_batches(x_test, _labels(spec, y_test))
    )


class _EpochStream:
    """The run's batches as Keras reads them, in `epoch_order`'s order, and fit's arguments.

    Not `from_generator`: the first generator dataset in a process makes TensorFlow lower glibc's
    malloc trim threshold process-wide, after which every large tensor is allocated from and
    returned to the kernel on each step (benchmarks/bench_generator_patch.py: 1.7 M page faults
    instead of 35 k, 2-3x slower epochs for the 1000-unit and conv presets, and for other runs).
    Gathering batches by index from one shared tensor keeps everything inside TensorFlow.

    Two shapes, by how many batches one call of the compiled step trains:
    - several (steps_per_execution > 1): one pass per epoch, ending there, because a call stops
      early only where its iterator ends; a stream of every epoch would let an epoch's last call
      run into the next epoch's batches. Keras makes a new iterator each epoch, after
      on_epoch_begin, where `callback` points `epoch` at the epoch's order.
    - one: every epoch in one stream, with steps_per_epoch. Not one pass per epoch, because
      Keras' one-batch call, run on an ended iterator, still counts an optimizer step (Adam's
      bias correction then drifts: 33 steps for 30 batches in tests/test_training.py).
    """

    def __init__(
        self, spec: RunSpec, data: PreparedData, initial_epoch: int, batches_per_call: int
    ) -> None:
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
        callbacks: dict[str, Any] = {}
        if batches_per_call > 1:
            orders_tensor = tf.constant(orders)
            epoch = tf.Variable(0, dtype=tf.int32, trainable=False)  # a row of `orders`

            def one_epoch(_: Any) -> Any:
                order = tf.gather(orders_tensor, epoch)
                return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

            stream = tf.data.Dataset.range(1).flat_map(one_epoch)
            callbacks["on_epoch_begin"] = lambda number, logs=None: epoch.assign(
                number - initial_epoch
            )
            self.fit_arguments: dict[str, Any] = {}
        else:
            stream = tf.data.Dataset.from_tensor_slices(orders).flat_map(
                lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batch_size)
            )
            self.fit_arguments = {
                "steps_per_epoch": math.ceil(len(data.train_indices) / batch_size)
            }
        stream = stream.map(lambda index: (tf.gather(images, index), tf.gather(labels, index)))
        # One stream consumed in order: prefetching cannot change which batch comes next.
        self.dataset = stream.prefetch(2)
        self.callback = keras.callbacks.LambdaCallback(**callbacks)


# Images the starting loss is measured on: enough for a steady mean, a few ms of one eager pass.
STARTING_LOSS_IMAGES = 64


def starting_loss(model: Any, spec: RunSpec, data: PreparedData) -> float:
    """The model's loss on the run's first training images before any step (eager: no trace)."""
    indices = data.train_indices[: min(spec.batch_size, STARTING_LOSS_IMAGES)]
    predictions = model(data.x_train[indices], training=False)
    losses = keras.losses.get(spec.loss)(data.labels[indices], predictions)
    return float(keras.ops.mean(losses))


@dataclass(frozen=True)
class FitResult:
    """What one finished (or stopped) run produced: the model, its history and test figures."""

    model: Any  # the trained keras.Model (weights kept when stopped early)
    history: list[EpochRow]  # one row per epoch: its figures and what the callbacks recorded
    test_loss: float | None  # on the whole test set; None when no epoch ended
    test_accuracy: float | None
    stopped_early: bool  # early stopping (not the student) ended the run
    stopped: bool  # should_stop() ended the run
    train_images: int
    validation_images: int
    stop_reason: str | None = None  # why training stopped itself (nnlab.core.runs.divergence_error)


def fit_spec(
    spec: RunSpec,
    dataset: Any = None,
    *,
    on_start: Callable[[int, int, int], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_epoch: Callable[[EpochRow], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    control: Callable[[], dict | None] | None = None,
    initial_model_bytes: bytes | None = None,
    initial_epoch: int = 0,
    extra_train: tuple[Any, Any] | None = None,
    models: ModelCache | None = None,
) -> FitResult:
    """Train `spec` on `dataset` (or its named data set) and report through the callbacks.

    on_start(train_images, validation_images, batches) runs once before the first batch;
    on_progress(progress) after every batch, a nnlab.core.runs.Progress; on_epoch(row) after every
    epoch, a nnlab.core.runs.EpochRow; should_stop() is asked after every batch and ends the run
    there, keeping the weights. Raises ValueError for data it cannot train on.
    control() is polled after every batch for {"pause": bool} / {"learning_rate": x}
    (nnlab.learn.callbacks.ControlCallback). Continuing a run: `initial_model_bytes` (a .keras file
    with its optimizer state, as model_file_bytes saves it) trained for `initial_epoch` epochs
    of the same spec; the run trains epochs initial_epoch + 1 .. spec.epochs on the same batches.
    extra_train: examples trained on besides the spec's subset (see prepare_data).
    models: where to take a compiled model of the spec's step from (a worker's cache, see
    nnlab.learn.model); the caller gives the result's model back once it is done with it.
    """
    if not isinstance(spec, RunSpec):
        raise ValueError(f"A training run needs a RunSpec; got {type(spec).__name__}.")
    if dataset is None:
        dataset = load_dataset(spec.dataset)
    data = prepare_data(spec, dataset, extra_train)
    train_images = len(data.train_indices)
    validation_images = len(data.x_validation)
    batches = math.ceil(train_images / spec.batch_size)
    stop_asked = should_stop or (lambda: False)

    if initial_model_bytes is not None:
        model = keras_model_for_continuing(initial_model_bytes)
    elif models is not None:
        model = models.take(spec)
    else:
        model = build_model(spec)
    history: list[EpochRow] = []
    # Per-epoch extras (lr, lr_changes, diagnostics, watch, map), put into each epoch's row.
    rate = RateState(base=spec.learning_rate)
    # Keeps why, when it stops the run.
    divergence = callbacks.DivergenceCallback(starting_loss(model, spec, data))
    stream = _EpochStream(spec, data, initial_epoch, int(model.steps_per_execution))
    run_callbacks = [
        stream.callback,
        divergence,
        *schedule_callbacks(spec, rate),
        callbacks.ControlCallback(spec, rate, control, stop_asked),
        callbacks.DiagnosticsCallback(spec, data, dataset, rate.extras),
        callbacks.ProgressCallback(
            spec, train_images, batches, history, on_progress, on_epoch, stop_asked, rate.extras
        ),
    ]
    if spec.early_stopping_patience > 0:
        run_callbacks.append(
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
        with warnings.catch_warnings():
            # Each epoch's stream ends where the epoch does (see _EpochStream): Keras warns that
            # it "ran out of data" every epoch, but running out is how an epoch ends here.
            warnings.filterwarnings("ignore", message="Your input ran out of data")
            model.fit(
                stream.dataset,
                **stream.fit_arguments,
                epochs=spec.epochs,
                initial_epoch=initial_epoch,
                validation_data=(
                    _test_batches(spec, dataset)
                    if spec.validation == "test"
                    else _scoring_batches(data.x_validation, data.y_validation)
                ),
                callbacks=run_callbacks,
                shuffle=False,  # the stream above is already shuffled, per run and per epoch
                verbose=0,
            )
        stopped = stop_asked()
    stopped_early = not stopped and bool(history) and len(history) < spec.epochs - initial_epoch
    test_loss = test_accuracy = None
    # The last epoch's validation already scored the final weights on the whole test set, with
    # the same compiled test step and batch size: unless a stop mid-epoch or restored best
    # weights changed them since, that is the test figure, and scoring again costs a pass.
    validated = (
        spec.validation == "test"
        and not stopped
        and divergence.reason is None
        and not (spec.early_stopping_patience > 0 and spec.restore_best_weights)
    )
    if history and validated:
        test_loss, test_accuracy = history[-1].val_loss, history[-1].val_accuracy
    elif history:
        # The tutorials publish test accuracy; with a validation split (or restored best
        # weights) the last validation figures are not that number, so measure it.
        # By name, not position: the list form can carry more entries than loss and accuracy.
        scores = model.evaluate(_test_batches(spec, dataset), verbose=0, return_dict=True)
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
        stop_reason=divergence.reason,
    )


def train(spec: RunSpec, dataset: Any = None) -> tuple[Any, list[EpochRow]]:
    """Train `spec` to the end in this process (blocking) and return (model, history)."""
    result = fit_spec(spec, dataset)
    return result.model, result.history
