"""The learning rate a schedule plans for each epoch, in NumPy: the page's curve and Keras' check.

`nnlab.learn.schedules` applies the same schedules with Keras' own objects in a worker; a test
checks these numbers against them.
"""

from __future__ import annotations

import numpy as np

from nnlab.core.spec import RunSpec


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
