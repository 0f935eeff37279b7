"""The learning rate over a run: schedules, mid-run changes and pauses, and the LR range test.

Schedules are Keras' own (`keras.optimizers.schedules.ExponentialDecay` with `staircase=True`
for step decay, `CosineDecay` for cosine, the `ReduceLROnPlateau` callback), applied once per
epoch by `keras.callbacks.LearningRateScheduler`, so the rate recorded for an epoch is the rate
every batch of it used (unless the student changed it part way). `schedule_curve` computes the
same numbers in NumPy for the page's preview; a test checks them against Keras.

`control_callback` is the training side of the engine's control channel: `fit_spec` polls a
`control()` callable after every batch for {"pause": bool} and {"learning_rate": float}.

`lr_range_test` is Leslie Smith's / fast.ai's learning-rate finder: a short run whose rate grows
exponentially, the smoothed loss against the rate, a suggested rate marked.

Keras is imported only inside functions that run in a worker (or a test).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnlab import registry
from nnlab.spec import RunSpec

# While paused, how long to wait between polls of control() when it returns nothing at once.
PAUSE_POLL_S = 0.05
# The LR range test: from MIN to MAX over at most STEPS batches, stopping once the smoothed loss
# passes EXPLODE x its best; fast.ai's defaults (1e-7..10, 100 steps, beta 0.98, 4x).
FINDER_MIN_LR = 1e-6
FINDER_MAX_LR = 10.0
FINDER_STEPS = 100
FINDER_SMOOTHING = 0.98
FINDER_EXPLODE = 4.0


# --- schedules -----------------------------------------------------------------------------------


def schedule_factors(spec: RunSpec, epochs: int | None = None) -> np.ndarray:
    """The learning rate of each epoch (0-based) divided by spec.learning_rate, as Keras sets it.

    Reduce-on-plateau depends on the validation loss, unknown before training: its curve is the
    starting rate, and the page says it drops by `lr_decay_factor` when the loss stalls.
    """
    count = spec.epochs if epochs is None else epochs
    epoch = np.arange(count, dtype=np.float64)
    if spec.lr_schedule == "step":
        # ExponentialDecay(staircase=True) with one "step" per epoch: factor ** floor(e / k).
        return spec.lr_decay_factor ** np.floor(epoch / spec.lr_decay_epochs)
    if spec.lr_schedule == "cosine":
        # CosineDecay(decay_steps=epochs, alpha=0): half a cosine from the rate towards 0.
        return 0.5 * (1.0 + np.cos(np.pi * np.minimum(epoch, spec.epochs) / spec.epochs))
    return np.ones(count)


def schedule_curve(spec: RunSpec) -> dict[str, list[float]]:
    """The planned learning rate per epoch (1-based) for the page's small curve."""
    rates = spec.learning_rate * schedule_factors(spec)
    return {
        "epochs": [float(number) for number in range(1, spec.epochs + 1)],
        "learning_rates": [float(f"{rate:.4g}") for rate in rates],
    }


def keras_schedule(spec: RunSpec) -> Any:
    """The Keras schedule object (epoch index -> rate) for step or cosine; None for the others."""
    import keras

    if spec.lr_schedule == "step":
        return keras.optimizers.schedules.ExponentialDecay(
            spec.learning_rate,
            decay_steps=spec.lr_decay_epochs,
            decay_rate=spec.lr_decay_factor,
            staircase=True,
        )
    if spec.lr_schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(spec.learning_rate, decay_steps=spec.epochs)
    return None


@dataclass
class RateState:
    """What the schedule and the control callback share: the schedule's current base rate."""

    base: float  # the rate the schedule scales (spec.learning_rate until the student changes it)
    epoch: int = 0  # the epoch in progress (0-based)
    extras: dict[str, Any] = field(default_factory=dict)  # merged into the epoch's row


def schedule_callbacks(spec: RunSpec, state: RateState) -> list[Any]:
    """Keras callbacks that apply the spec's schedule (none for a constant rate)."""
    import keras

    if spec.lr_schedule == "plateau":
        return [
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss",
                factor=spec.lr_decay_factor,
                patience=spec.lr_decay_epochs,
                min_lr=spec.learning_rate * 1e-4,
            )
        ]
    schedule = keras_schedule(spec)
    if schedule is None:
        return []
    first = float(schedule(0))

    def rate(epoch: int, _current: float) -> float:
        # A rate the student set part way rescales the schedule from there on (same shape).
        return float(schedule(epoch)) * state.base / first

    return [keras.callbacks.LearningRateScheduler(rate)]


def control_callback(
    spec: RunSpec,
    state: RateState,
    control: Callable[[], dict | None] | None,
    should_stop: Callable[[], bool],
) -> Any:
    """A Keras callback: records each epoch's rate; obeys pause / resume / new rate commands."""
    import keras

    factors = schedule_factors(spec, max(spec.epochs, 1))
    wake = threading.Event()  # never set: its timed wait paces the polls while paused

    class ControlCallback(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            state.epoch = epoch
            state.extras["lr"] = _rounded(float(self.model.optimizer.learning_rate))

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            if control is None:
                return
            paused = self._obey(control(), batch, False)
            while paused and not should_stop():
                command = control()
                if command is None:
                    wake.wait(PAUSE_POLL_S)
                else:
                    paused = self._obey(command, batch, paused)

        def _obey(self, command: dict | None, batch: int, paused: bool) -> bool:
            """Apply one command; whether the run is paused afterwards."""
            if not command:
                return paused
            rate = command.get("learning_rate")
            if rate is not None and math.isfinite(float(rate)) and float(rate) > 0:
                old = float(self.model.optimizer.learning_rate)
                self.model.optimizer.learning_rate.assign(float(rate))
                factor = factors[min(state.epoch, len(factors) - 1)]
                state.base = float(rate) / factor if factor > 0 else float(rate)
                state.extras.setdefault("lr_changes", []).append(
                    {"batch": batch + 1, "from": _rounded(old), "to": _rounded(float(rate))}
                )
            if "pause" in command:
                return bool(command["pause"])
            return paused

    return ControlCallback()


def _rounded(value: float) -> float:
    """Four significant digits: enough to read, small to send and store."""
    return float(f"{value:.4g}") if math.isfinite(value) else value


# --- the learning-rate finder --------------------------------------------------------------------


def finder_rates(steps: int, min_lr: float, max_lr: float) -> np.ndarray:
    """`steps` rates growing exponentially from min_lr to max_lr."""
    return min_lr * (max_lr / min_lr) ** (np.arange(steps) / max(steps - 1, 1))


def smooth_losses(losses: np.ndarray, beta: float = FINDER_SMOOTHING) -> np.ndarray:
    """Exponential moving average with bias correction (fast.ai's smoothing of the LR test)."""
    smoothed = np.empty(len(losses))
    average = 0.0
    for step, loss in enumerate(losses):
        average = beta * average + (1 - beta) * loss
        smoothed[step] = average / (1 - beta ** (step + 1))
    return smoothed


def suggest_rate(rates: np.ndarray, smoothed: np.ndarray) -> dict[str, float | None]:
    """The minimum, the steepest descent and the suggested rate of a smoothed loss curve.

    Suggested: the rate of steepest descent, as long as it lies below the minimum's rate, else
    the minimum's rate / 10 (fast.ai's two rules; the first alone can pick a noisy early dip).
    """
    rates, smoothed = np.asarray(rates, float), np.asarray(smoothed, float)
    if len(rates) < 3 or not np.isfinite(smoothed).any():
        return {"minimum": None, "steepest": None, "suggested": None}
    lowest = int(np.nanargmin(smoothed))
    minimum = float(rates[lowest])
    slopes = np.gradient(smoothed, np.log10(rates))
    # Skip the first tenth: the average is still settling there.
    start = max(1, len(rates) // 10)
    window = slopes[start : max(lowest, start + 1)]
    steepest = float(rates[start + int(np.nanargmin(window))]) if len(window) else minimum / 10
    suggested = steepest if minimum / 100 <= steepest < minimum else minimum / 10
    return {"minimum": minimum, "steepest": steepest, "suggested": suggested}


def lr_range_test(
    spec: RunSpec,
    dataset: Any = None,
    *,
    min_lr: float = FINDER_MIN_LR,
    max_lr: float = FINDER_MAX_LR,
    steps: int = FINDER_STEPS,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[dict[str, float]], None] | None = None,
) -> dict[str, Any]:
    """Train `spec`'s fresh network for up to `steps` batches at rates growing from min_lr to
    max_lr; stop when the smoothed loss explodes. Returns a JSON-friendly dict:
    learning_rates, losses (smoothed), raw_losses, suggested, steepest, minimum, steps.
    """
    if not 0 < min_lr < max_lr or steps < 3:
        raise ValueError("The LR range test needs 0 < min_lr < max_lr and at least 3 steps.")
    from nnlab.model import build_model
    from nnlab.training import epoch_order, prepare_data

    if dataset is None:
        from nnlab.datasets import load_dataset

        dataset = load_dataset(spec.dataset)
    data = prepare_data(spec, dataset)
    model = build_model(spec)
    rates = finder_rates(steps, min_lr, max_lr)
    order: list[int] = []
    epoch = 0
    tried: list[float] = []
    raw: list[float] = []
    best = math.inf
    average = 0.0
    for step, rate in enumerate(rates):
        if should_stop is not None and should_stop():
            break
        if len(order) < spec.batch_size:
            # The run's own batches, in its first epochs' order (the tiny sets need several).
            order += list(epoch_order(spec, data.train_indices, epoch))
            epoch += 1
        batch, order = order[: spec.batch_size], order[spec.batch_size :]
        model.optimizer.learning_rate.assign(float(rate))
        loss = float(model.train_on_batch(data.x_train[batch], data.labels[batch])[0])
        tried.append(float(rate))
        raw.append(loss)
        average = FINDER_SMOOTHING * average + (1 - FINDER_SMOOTHING) * loss
        smoothed = average / (1 - FINDER_SMOOTHING ** (step + 1))
        if on_progress is not None:
            on_progress({"step": step + 1, "steps": steps, "learning_rate": float(rate)})
        if not math.isfinite(smoothed) or smoothed > FINDER_EXPLODE * best:
            break
        best = min(best, smoothed)
    raw_array = np.asarray(raw, float)
    finite = np.where(np.isfinite(raw_array), raw_array, np.nan)
    smoothed_all = smooth_losses(np.nan_to_num(finite, nan=np.nanmax(finite) if raw else 0.0))
    rates_tried = np.asarray(tried)
    marks = suggest_rate(rates_tried, smoothed_all)
    return {
        "learning_rates": [_rounded(rate) for rate in rates_tried],
        "losses": [_rounded(float(loss)) for loss in smoothed_all],
        "raw_losses": [_rounded(float(loss)) if math.isfinite(loss) else None for loss in raw],
        **{name: (_rounded(value) if value is not None else None) for name, value in marks.items()},
        "steps": len(tried),
    }


def schedule_title_keys() -> dict[str, str]:
    """Schedule key -> text key of its name, in the registry's order."""
    return {key: entry.title_key for key, entry in registry.LR_SCHEDULES.items()}


def schedule_code(spec: RunSpec) -> list[str]:
    """Script lines that define `lr_schedule`, the Keras callback the lab uses; [] if constant."""
    from nnlab.links import format_number

    rate = format_number(spec.learning_rate)
    factor = format_number(spec.lr_decay_factor)
    if spec.lr_schedule == "plateau":
        minimum = format_number(float(f"{spec.learning_rate * 1e-4:.4g}"))
        return [
            "lr_schedule = keras.callbacks.ReduceLROnPlateau(",
            f'    monitor="val_loss", factor={factor}, patience={spec.lr_decay_epochs}, '
            f"min_lr={minimum}",
            ")",
        ]
    if spec.lr_schedule == "step":
        name = "ExponentialDecay"
        arguments = (
            f"{rate}, decay_steps={spec.lr_decay_epochs}, decay_rate={factor}, staircase=True"
        )
    elif spec.lr_schedule == "cosine":
        name, arguments = "CosineDecay", f"{rate}, decay_steps={spec.epochs}"
    else:
        return []
    return [
        f"rate_per_epoch = keras.optimizers.schedules.{name}(",
        f"    {arguments}",
        ")",
        "lr_schedule = keras.callbacks.LearningRateScheduler(",
        "    lambda epoch: float(rate_per_epoch(epoch))",
        ")",
    ]
