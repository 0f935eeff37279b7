"""Training runs: a worker thread per run, live progress, stop, and a process-wide queue.

A `TrainingRun` owns its thread, a stop event and a lock-protected history that a Keras callback
fills once per epoch (and a progress record once per batch). It never calls Streamlit: a page
polls `history`, `progress` and `status`. TensorFlow is imported inside the worker, so creating
a run (and importing this module) stays cheap for a page that has not trained yet.

Reproducibility: the same spec and seed give the same history, even while other runs train in
this process. Keras' global seed is process-wide, so nothing here relies on it: `build_model`
seeds every initializer and dropout layer from the spec, and this module shuffles the batches
itself with a NumPy generator seeded from (seed, epoch). CPU kernels in TensorFlow are
deterministic for these layers (Eigen splits work by shape, not by how busy the threads are);
`tests/test_training.py` checks that two concurrent runs match the same runs trained alone.
"""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.spec import IMAGE_SIDE, NUM_CLASSES, RunSpec

STATUSES = ("queued", "running", "finished", "stopped", "failed")
DATASET_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
OPTIMIZER_TITLES = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}
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
    return f"{DATASET_TITLES[spec.dataset]} {architecture} {OPTIMIZER_TITLES[spec.optimizer]}"


def max_concurrent_runs() -> int:
    """How many runs may train at once in this process (env NNLAB_MAX_CONCURRENT_RUNS)."""
    text = os.environ.get("NNLAB_MAX_CONCURRENT_RUNS", "").strip()
    if text:
        try:
            return max(1, int(text))
        except ValueError:
            pass  # a typo in the variable must not stop the class from training
    return max(1, os.cpu_count() or 1)


def split_sizes(spec: RunSpec, train_available: int, test_available: int) -> tuple[int, int]:
    """(training images, validation images) a run of `spec` uses, given the data set's sizes."""
    used = train_available if spec.train_size is None else min(spec.train_size, train_available)
    if spec.validation == "test":
        return used, test_available
    held_out = min(used - 1, max(1, round(used * spec.validation_split)))
    return used - held_out, held_out


class _RunQueue:
    """A first-come, first-served limit on how many runs train at once in this process."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._running: set[str] = set()
        self._waiting: list[str] = []

    def acquire(self, run_id: str, cancelled: threading.Event) -> bool:
        """Block until `run_id` may train; False if `cancelled` was set while it waited."""
        with self._condition:
            self._waiting.append(run_id)
            try:
                while not cancelled.is_set():
                    is_next = self._waiting[0] == run_id
                    if is_next and len(self._running) < max_concurrent_runs():
                        self._running.add(run_id)
                        return True
                    # The timeout re-reads the limit now and then; wake() covers the rest.
                    self._condition.wait(timeout=1.0)
                return False
            finally:
                self._waiting.remove(run_id)
                self._condition.notify_all()

    def release(self, run_id: str) -> None:
        """Free the slot of a run that ended."""
        with self._condition:
            self._running.discard(run_id)
            self._condition.notify_all()

    def wake(self) -> None:
        """Make waiting runs look again (a queued run was cancelled)."""
        with self._condition:
            self._condition.notify_all()

    def position(self, run_id: str) -> int:
        """1 for the next run to start, 2 after it, ...; 0 when not waiting."""
        with self._condition:
            return self._waiting.index(run_id) + 1 if run_id in self._waiting else 0

    def load(self) -> tuple[int, int]:
        """(runs training, runs waiting) in this process."""
        with self._condition:
            return len(self._running), len(self._waiting)


_QUEUE = _RunQueue()


def server_load() -> tuple[int, int]:
    """(runs training, runs waiting) across every session of this process."""
    return _QUEUE.load()


@dataclass(frozen=True)
class PreparedData:
    """What a run feeds to Keras: indices into the shared uint8 images, and validation data."""

    x_train: np.ndarray  # the data set's own (read-only) training images, not a copy
    labels: np.ndarray  # labels for every training image: class numbers or one-hot rows
    train_indices: np.ndarray  # which training images this run learns from
    x_validation: np.ndarray
    y_validation: np.ndarray


def prepare_data(spec: RunSpec, dataset: Any) -> PreparedData:
    """Pick the run's training subset and validation data, seeded, without copying the images."""
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


def _batch_dataset(spec: RunSpec, data: PreparedData) -> Any:
    """A tf.data stream of uint8 batches for every epoch, in the order `epoch_order` gives.

    Not `from_generator`: the first generator dataset in a process makes TensorFlow lower glibc's
    malloc trim threshold process-wide, after which every large tensor is allocated from and
    returned to the kernel on each step (benchmarks/bench_generator_patch.py: 1.7 M page faults
    instead of 35 k, 2-3x slower epochs for the 1000-unit and conv presets, and for other runs).
    Gathering batches by index from one shared tensor keeps everything inside TensorFlow.
    """
    import tensorflow as tf

    orders = np.stack(
        [epoch_order(spec, data.train_indices, epoch) for epoch in range(spec.epochs)]
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


class TrainingRun:
    """One training run in a worker thread, with live history, progress, stop and a queue."""

    def __init__(
        self,
        spec: RunSpec,
        dataset: Any = None,
        preset_key: str | None = None,
        label: str | None = None,
    ) -> None:
        if not isinstance(spec, RunSpec):
            raise ValueError(f"A training run needs a RunSpec; got {type(spec).__name__}.")
        self.spec = spec
        self.preset_key = preset_key
        self.run_id = uuid.uuid4().hex[:12]
        self.label = label or describe_spec(spec)
        self.model: Any = None
        self.model_released = False  # True once release_model() freed it (history stays)
        self.error: str | None = None
        self.exception: BaseException | None = None
        self.stopped_early = False  # early stopping (not the student) ended the run
        self.train_images = 0
        self.validation_images = 0
        self.test_loss: float | None = None  # on the whole test set, once training ended
        self.test_accuracy: float | None = None
        self._dataset = dataset
        self._lock = threading.Lock()
        self._history: list[dict[str, float]] = []
        self._progress: dict[str, float] = {
            "epoch": 0,
            "epochs": spec.epochs,
            "batch": 0,
            "batches": 0,
            "images_per_second": 0.0,
            "eta_seconds": math.nan,
        }
        self._status = "queued"
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_at: float | None = None
        self._ended_at: float | None = None

    # --- what a page reads ---

    @property
    def status(self) -> str:
        """'queued', 'running', 'finished', 'stopped' or 'failed'."""
        with self._lock:
            return self._status

    @property
    def history(self) -> list[dict[str, float]]:
        """A copy of the per-epoch figures so far (epoch, loss, accuracy, val_*, seconds)."""
        with self._lock:
            return [dict(row) for row in self._history]

    @property
    def progress(self) -> dict[str, float]:
        """Epoch and batch counters, images per second and seconds left (a copy)."""
        with self._lock:
            return dict(self._progress)

    @property
    def queue_position(self) -> int:
        """1, 2, ... while waiting for a free slot; 0 otherwise."""
        return _QUEUE.position(self.run_id)

    @property
    def duration_s(self) -> float:
        """Seconds spent training so far (0 while queued or preparing)."""
        with self._lock:
            if self._started_at is None:
                return 0.0
            end = self._ended_at if self._ended_at is not None else time.monotonic()
            return end - self._started_at

    @property
    def stop_requested(self) -> bool:
        """True once stop() was called (the run may still be finishing its batch)."""
        return self._stop.is_set()

    @property
    def is_active(self) -> bool:
        """True while the run is queued or training."""
        return self.status in ("queued", "running")

    @property
    def final(self) -> dict[str, Any]:
        """The last epoch's figures with epochs done, duration and status."""
        history = self.history
        last = history[-1] if history else {}
        return {
            "epochs_done": len(history),
            "loss": last.get("loss"),
            "accuracy": last.get("accuracy"),
            "val_loss": last.get("val_loss"),
            "val_accuracy": last.get("val_accuracy"),
            "test_loss": self.test_loss,
            "test_accuracy": self.test_accuracy,
            "duration_s": self.duration_s,
            "status": self.status,
        }

    # --- control ---

    def start(self) -> TrainingRun:
        """Start the worker thread (once); the run queues if the process is at its limit."""
        with self._lock:
            if self._thread is not None:
                return self
            self._thread = threading.Thread(
                target=self._work, name=f"nnlab-run-{self.run_id}", daemon=True
            )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to end after the current batch, keeping its weights (or leave the queue)."""
        self._stop.set()
        _QUEUE.wake()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended; False if `timeout` seconds passed first."""
        return self._done.wait(timeout)

    # --- the worker ---

    def release_model(self) -> None:
        """Drop the trained model to free its memory; the history and figures stay."""
        if not self.is_active:
            self.model = None
            self.model_released = True

    def _set(self, **values: Any) -> None:
        with self._lock:
            for name, value in values.items():
                setattr(self, f"_{name}", value)

    def _work(self) -> None:
        if not _QUEUE.acquire(self.run_id, self._stop):
            self._set(status="stopped")
            self._done.set()
            return
        self._set(status="running")
        try:
            self._train()
            with self._lock:
                self._status = "stopped" if self._stop.is_set() else "finished"
        except Exception as error:  # the run must report every failure, never die silently
            message = str(error).strip() or type(error).__name__
            self.exception = error
            self.error = f"{type(error).__name__}: {message}"
            self._set(status="failed")
        finally:
            self._dataset = None  # the shared data set stays cached elsewhere; drop our handle
            self._set(ended_at=time.monotonic())
            _QUEUE.release(self.run_id)
            self._done.set()

    def _train(self) -> None:
        spec = self.spec
        dataset = self._dataset
        if dataset is None:
            from nnlab.datasets import load_dataset

            dataset = load_dataset(spec.dataset)
        data = prepare_data(spec, dataset)
        self.train_images = len(data.train_indices)
        self.validation_images = len(data.x_validation)
        batches = math.ceil(self.train_images / spec.batch_size)
        self._set(progress={**self.progress, "batches": batches})

        import keras

        from nnlab.model import build_model

        model = build_model(spec)
        callbacks = [_progress_callback(self, batches)]
        if spec.early_stopping_patience > 0:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=spec.early_stopping_patience,
                    restore_best_weights=spec.restore_best_weights,
                )
            )
        self.model = model
        if self._stop.is_set():
            return
        model.fit(
            _batch_dataset(spec, data),
            epochs=spec.epochs,
            steps_per_epoch=batches,
            validation_data=(data.x_validation, data.y_validation),
            validation_batch_size=VALIDATION_BATCH_SIZE,
            callbacks=callbacks,
            shuffle=False,  # the stream above is already shuffled, per run and per epoch
            verbose=0,
        )
        self.stopped_early = (
            not self._stop.is_set() and len(self._history) < spec.epochs and bool(self._history)
        )
        if self._history:
            # The tutorials publish test accuracy; with a validation split (or restored best
            # weights) the last validation figures are not that number, so measure it.
            test_labels = _labels(spec, np.asarray(dataset.y_test))
            # By name, not position: the list form can carry more entries than loss and
            # accuracy (seen when other threads used Keras meanwhile), and unpacking it failed.
            scores = model.evaluate(
                np.asarray(dataset.x_test),
                test_labels,
                batch_size=VALIDATION_BATCH_SIZE,
                verbose=0,
                return_dict=True,
            )
            self.test_loss, self.test_accuracy = float(scores["loss"]), float(scores["accuracy"])


def _progress_callback(run: TrainingRun, batches: int) -> Any:
    """A Keras callback that writes batch progress and each epoch's figures into `run`."""
    import keras

    spec = run.spec
    images_per_epoch = run.train_images

    class ProgressCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs: dict | None = None) -> None:
            # Duration counts training only, not the one-off TensorFlow import and data loading.
            with run._lock:
                run._started_at = time.monotonic()

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.epoch_started = time.monotonic()
            with run._lock:
                run._progress.update(epoch=epoch + 1, batch=0)

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            done = batch + 1
            elapsed = max(time.monotonic() - self.epoch_started, 1e-6)
            images_done = min(done * spec.batch_size, images_per_epoch)
            rate = images_done / elapsed
            with run._lock:
                epoch = run._progress["epoch"]
                images_left = (images_per_epoch - images_done) + (
                    spec.epochs - epoch
                ) * images_per_epoch
                run._progress.update(
                    batch=done,
                    images_per_second=rate,
                    eta_seconds=images_left / rate if rate > 0 else math.nan,
                )
            if run._stop.is_set():
                # Keras checks this after every batch: the run ends now, weights kept.
                self.model.stop_training = True

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            row = {"epoch": epoch + 1}
            for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
                value = logs.get(name)
                row[name] = float(value) if value is not None else math.nan
            row["seconds"] = time.monotonic() - self.epoch_started
            with run._lock:
                run._history.append(row)

    return ProgressCallback()


def train(spec: RunSpec, dataset: Any = None) -> tuple[Any, list[dict[str, float]]]:
    """Train `spec` to the end (blocking) and return (model, history); raises if it fails."""
    run = TrainingRun(spec, dataset).start()
    run.wait()
    if run.status == "failed":
        if isinstance(run.exception, ValueError):
            raise run.exception
        raise RuntimeError(run.error)
    return run.model, run.history
