"""The learning rate over a run in Keras: the spec's schedule, and the rate all callbacks share.

Schedules are Keras' own (`keras.optimizers.schedules.ExponentialDecay` with `staircase=True`
for step decay, `CosineDecay` for cosine, the `ReduceLROnPlateau` callback), applied once per
epoch by `keras.callbacks.LearningRateScheduler`, so the rate recorded for an epoch is the rate
every batch of it used (unless the student changed it part way: `ControlCallback` in
`nnlab.learn.callbacks`). `nnlab.core.schedules` computes the same numbers in NumPy for the
page's preview; a test checks them against Keras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import keras

from nnlab.core.spec import RunSpec


def keras_schedule(spec: RunSpec) -> Any:
    """The Keras schedule object (epoch index -> rate) for step or cosine; None for the others."""
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


def rounded_rate(value: float) -> float:
    """Four significant digits: enough to read, small to send and store."""
    return float(f"{value:.4g}") if math.isfinite(value) else value
