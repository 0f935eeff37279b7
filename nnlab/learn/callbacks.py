"""The Keras callbacks of one training run: divergence, control, diagnostics and progress.

`fit_spec` passes them to `model.fit` in this order: `DivergenceCallback` stops a run whose loss
blows up; `ControlCallback` records each epoch's rate and obeys the engine's pause / resume / new
rate commands; `DiagnosticsCallback` measures the network after each epoch; `ProgressCallback`
reports every batch as a `Progress` and every epoch as an `EpochRow`, holding what the callbacks
before it put in the shared `extras` dict (lr, lr_changes, diagnostics, watch, map).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from nnlab.core.runs import EPOCH_FIGURES, EpochRow, Progress, divergence_error
from nnlab.core.schedules import schedule_factors
from nnlab.core.shapes import NUM_CLASSES
from nnlab.core.spec import RunSpec
from nnlab.inspection.diagnostics_view import map_indices, watch_indices
from nnlab.inspection.layers import use_one_blas_thread
from nnlab.learn.diagnostics import (
    MAP_DECIMALS,
    STATISTICS,
    DiagnosticsProbe,
    layer_statistics,
    map_epochs,
    probe_indices,
    project_2d,
    rounded,
    update_ratio,
)
from nnlab.learn.schedules import RateState, rounded_rate

# Ten classes: guessing gets one in ten. Below 1.5x that after an epoch, nothing was learned.
CHANCE_LIMIT = 1.5 / NUM_CLASSES
LOSS_GROWTH_LIMIT = 2.0  # an epoch's loss this many times the reference, at chance: diverged
# While paused, how long to wait between polls of control() when it returns nothing at once.
PAUSE_POLL_S = 0.05


class DivergenceCallback(keras.callbacks.Callback):
    """Stops a diverging run and keeps why in `reason` (divergence_error's text).

    Diverging: a batch's loss is NaN or infinite (stops at once), or an epoch ends with training
    accuracy at chance and a loss at least LOSS_GROWTH_LIMIT times where it started (the
    previous epoch's loss; in the first epoch, `starting_loss`, else the first call's).
    `starting_loss` is the model's loss before its first step (training.starting_loss): the
    first call's logged loss is a mean over its steps_per_execution batches, and at a learning
    rate of 10 it has already blown up by then, so it would hide the growth.
    """

    def __init__(self, starting_loss: float | None = None) -> None:
        super().__init__()
        # The loss the next epoch must not exceed (times LOSS_GROWTH_LIMIT).
        usable = starting_loss is not None and math.isfinite(starting_loss)
        self.reference: float | None = float(starting_loss) if usable else None
        self.reason: str | None = None  # the first reason it stopped the run for

    def _stop(self, kind: str) -> None:
        if self.reason is None:
            self.reason = divergence_error(kind)
        self.model.stop_training = True

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Stop at once when the batch's loss is not a finite number."""
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if not math.isfinite(loss):
            self._stop("nan")
        elif self.reference is None:
            self.reference = loss

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Stop when the loss grew while accuracy stayed at chance."""
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


class ControlCallback(keras.callbacks.Callback):
    """Records each epoch's rate; obeys pause / resume / new rate commands from `control()`.

    `control()` is polled after every batch for {"pause": bool} and {"learning_rate": float}
    (the training side of the engine's control channel).
    """

    def __init__(
        self,
        spec: RunSpec,
        state: RateState,
        control: Callable[[], dict | None] | None,
        should_stop: Callable[[], bool],
    ) -> None:
        super().__init__()
        self.state = state
        self.control = control
        self.should_stop = should_stop
        self.factors = schedule_factors(spec, max(spec.epochs, 1))
        self.wake = threading.Event()  # never set: its timed wait paces the polls while paused

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Note the epoch and the rate it starts at."""
        self.state.epoch = epoch
        self.state.extras["lr"] = rounded_rate(float(self.model.optimizer.learning_rate))

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Apply the pending command; while paused, wait here for the next one."""
        if self.control is None:
            return
        paused = self._obey(self.control(), batch, False)
        while paused and not self.should_stop():
            command = self.control()
            if command is None:
                self.wake.wait(PAUSE_POLL_S)
            else:
                paused = self._obey(command, batch, paused)

    def _obey(self, command: dict | None, batch: int, paused: bool) -> bool:
        """Apply one command; whether the run is paused afterwards."""
        if not command:
            return paused
        rate = command.get("learning_rate")
        if rate is not None and math.isfinite(float(rate)) and float(rate) > 0:
            state = self.state
            old = float(self.model.optimizer.learning_rate)
            self.model.optimizer.learning_rate.assign(float(rate))
            factor = self.factors[min(state.epoch, len(self.factors) - 1)]
            state.base = float(rate) / factor if factor > 0 else float(rate)
            state.extras.setdefault("lr_changes", []).append(
                {"batch": batch + 1, "from": rounded_rate(old), "to": rounded_rate(float(rate))}
            )
        if "pause" in command:
            return bool(command["pause"])
        return paused


def _norm(value: Any) -> float:
    return float(np.linalg.norm(np.asarray(value, dtype=np.float64)))


class DiagnosticsCallback(keras.callbacks.Callback):
    """Puts each epoch's diagnostics, watched predictions and map (at `map_epochs`) into
    `extras`, which the progress callback puts into the epoch's row."""

    def __init__(self, spec: RunSpec, data: Any, dataset: Any, extras: dict[str, Any]) -> None:
        super().__init__()
        self.spec = spec
        self.extras = extras
        self.probe_rows = probe_indices(data.train_indices, spec.seed)
        probe_images = np.asarray(data.x_train[self.probe_rows])
        self.probe_labels = np.asarray(data.labels[self.probe_rows])
        x_test = np.asarray(dataset.x_test)
        watched = watch_indices(np.asarray(dataset.y_test))
        self.images = np.concatenate([probe_images, x_test[watched]])
        self.map_images = x_test[map_indices(len(x_test))]
        self.recorded = set(map_epochs(spec.epochs))
        self.seconds: list[float] = []  # per epoch, all of it (benchmarks read these)
        self.map_seconds: list[float] = []  # per epoch, the map's part (0 when none)

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Build the probe network and keep the kernels the first epoch starts from."""
        # NumPy's BLAS on one thread, as TensorFlow is capped: a pool of BLAS threads
        # fighting TensorFlow's for two cores made one small PCA take seconds.
        use_one_blas_thread()
        self.probe = DiagnosticsProbe.of(self.model, self.spec)
        self.kernels_before = self.probe.kernel_values()
        self.previous_map: np.ndarray | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Measure the network on the probe and watched images, and map it on map epochs."""
        started = time.perf_counter()
        extras, probe_count = self.extras, len(self.probe_rows)
        outputs, gradients = self.probe.measure(self.images, self.probe_labels)
        kernels = self.probe.kernel_values()
        table: dict[str, list[Any]] = {name: [] for name in STATISTICS}
        for (_, activation), output, gradient, before, after in zip(
            self.probe.layers, outputs, gradients, self.kernels_before, kernels, strict=True
        ):
            figures = layer_statistics(output[:probe_count], activation)
            figures["grad_norm"] = _norm(gradient)
            figures["update_ratio"] = update_ratio(before, after)
            for name in STATISTICS:
                value = figures[name]
                table[name].append(None if value is None else rounded(value))
        self.kernels_before = kernels
        scores = outputs[-1][probe_count:]
        extras["watch"] = [
            {"predicted": int(np.argmax(row)), "confidence": rounded(float(np.max(row)), 3)}
            for row in scores
        ]
        map_started = time.perf_counter()
        if epoch + 1 in self.recorded:
            features = self.probe.map_features(self.map_images)
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


class ProgressCallback(keras.callbacks.Callback):
    """Reports every batch as a `Progress` and every epoch as an `EpochRow` (with `extras`).

    Each row is appended to `history` and passed to on_epoch; should_stop() is asked after
    every batch and ends the run there, keeping the weights.
    """

    def __init__(
        self,
        spec: RunSpec,
        images_per_epoch: int,
        batches: int,
        history: list[EpochRow],
        on_progress: Callable[[Progress], None] | None,
        on_epoch: Callable[[EpochRow], None] | None,
        should_stop: Callable[[], bool],
        extras: dict[str, Any],
    ) -> None:
        super().__init__()
        self.spec = spec
        self.images_per_epoch = images_per_epoch
        self.batches = batches
        self.history = history
        self.on_progress = on_progress
        self.on_epoch = on_epoch
        self.should_stop = should_stop
        self.extras = extras

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Start the epoch's clock."""
        self.epoch = epoch + 1
        self.epoch_started = time.monotonic()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Report the batch's progress; end the run here when should_stop() says so."""
        if self.on_progress is not None:
            spec, images_per_epoch = self.spec, self.images_per_epoch
            # One call trains several batches (steps_per_execution); Keras reports the index
            # the last call would have reached, past the epoch's end when it ended early.
            done = min(batch + 1, self.batches)
            elapsed = max(time.monotonic() - self.epoch_started, 1e-6)
            images_done = min(done * spec.batch_size, images_per_epoch)
            rate = images_done / elapsed
            images_left = (images_per_epoch - images_done) + (
                spec.epochs - self.epoch
            ) * images_per_epoch
            self.on_progress(
                Progress(
                    epoch=self.epoch,
                    epochs=spec.epochs,
                    batch=done,
                    batches=self.batches,
                    images_per_second=rate,
                    eta_seconds=images_left / rate if rate > 0 else math.nan,
                )
            )
        if self.should_stop():
            # Keras checks this after every batch: the run ends now, weights kept.
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Record the epoch's row: its figures and what the callbacks before this one noted."""
        logs = logs or {}
        figures: dict[str, Any] = {}
        for name in EPOCH_FIGURES:
            value = logs.get(name)
            figures[name] = float(value) if value is not None else math.nan
        figures["seconds"] = time.monotonic() - self.epoch_started
        recorded = dict(self.extras)  # lr, diagnostics, ...: filled by the callbacks before this
        self.extras.clear()
        if "lr_changes" in recorded:
            recorded["lr_changes"] = tuple(recorded["lr_changes"])
        row = EpochRow(epoch=epoch + 1, **figures, **recorded)
        self.history.append(row)
        if self.on_epoch is not None:
            self.on_epoch(row)
