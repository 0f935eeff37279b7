"""The learning-rate finder: Leslie Smith's / fast.ai's LR range test.

A short run of the spec's fresh network whose rate grows exponentially, batch by batch; the
smoothed loss against the rate, and a suggested rate marked. It runs in a worker
(`nnlab.engine.worker`), which sends the result to the page's chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from nnlab.core.spec import RunSpec
from nnlab.data.datasets import load_dataset
from nnlab.learn.model import build_model
from nnlab.learn.schedules import rounded_rate
from nnlab.learn.training import epoch_order, prepare_data

# The LR range test: from MIN to MAX over at most STEPS batches, stopping once the smoothed loss
# passes EXPLODE x its best; fast.ai's defaults (1e-7..10, 100 steps, beta 0.98, 4x).
FINDER_MIN_LR = 1e-6
FINDER_MAX_LR = 10.0
FINDER_STEPS = 100
FINDER_SMOOTHING = 0.98
FINDER_EXPLODE = 4.0


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
    if dataset is None:
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
        "learning_rates": [rounded_rate(rate) for rate in rates_tried],
        "losses": [rounded_rate(float(loss)) for loss in smoothed_all],
        "raw_losses": [rounded_rate(float(loss)) if math.isfinite(loss) else None for loss in raw],
        **{
            name: (rounded_rate(value) if value is not None else None)
            for name, value in marks.items()
        },
        "steps": len(tried),
    }
