"""What a run needs in memory at its peak, read from its layer plan, and whether that fits.

Pure Python. The estimate is checked against a run's share of this server's memory
(`run_budget_mb`) where a spec enters: the engine's submit (for every page, link and class step),
Build & Train before Train, and a teacher's new class or step. The engine's guard
(`nnlab.engine.memory_guard`) stops a run that still grows past its share.

The estimate, per run: what any fit adds (FIT_OVERHEAD_MB); the weights with their gradients and
the optimizer's state; for training, every layer's output for the batch, kept for the backward
pass, with its gradient and TensorFlow's temporaries (ACTIVATION_COPIES); for scoring, one
scoring batch forward.
"""

from __future__ import annotations

import math

from nnlab.core import choices
from nnlab.core.plan import plan
from nnlab.core.spec import RunSpec, SpecError

FLOAT_BYTES = 4
MEGABYTE = 1024 * 1024
# Each layer's output is kept for the backward pass, gets a gradient of its size, and TensorFlow
# holds temporaries of about one more: 1.2-1.6 x the growth measured for conv networks
# (benchmarks/bench_run_memory.py, docs/BENCHMARKS.md).
ACTIVATION_COPIES = 3
# A fit adds this whatever the network (its traced functions, the data's tensors, the test set's
# pipeline): measured 70-110 MB for small networks (benchmarks/bench_run_memory.py).
FIT_OVERHEAD_MB = 100
SCORING_BATCH = 500  # nnlab.learn.training scores validation and test images in batches this big
# What the app and each worker hold before any run (PSS, TensorFlow loaded: bench_memory.py).
SERVER_BASE_MB = 700
WORKER_BASE_MB = 550
MIN_RUN_BUDGET_MB = 256  # a run's share is never set lower than this, however small the box


def activation_floats(spec: RunSpec) -> int:
    """Numbers every layer outputs for one image, summed over the network."""
    return sum(math.prod(layer.output_shape[1:]) for layer in plan(spec))


def state_floats(spec: RunSpec) -> int:
    """Numbers the weights, their gradients and the optimizer's state take."""
    slots = choices.OPTIMIZERS[spec.optimizer].slots
    return spec.parameter_count() * (2 + slots)


def run_memory_mb(spec: RunSpec, batch_size: int | None = None) -> float:
    """Megabytes a run of `spec` (at `batch_size`, else its own) needs at its peak."""
    batch = batch_size or spec.batch_size
    per_image = activation_floats(spec)
    training = per_image * batch * ACTIVATION_COPIES
    scoring = per_image * SCORING_BATCH
    return FIT_OVERHEAD_MB + (state_floats(spec) + max(training, scoring)) * FLOAT_BYTES / MEGABYTE


def largest_batch_within(spec: RunSpec, budget_mb: float) -> int:
    """The largest batch size whose run fits `budget_mb` (0 when even one image does not)."""
    room = (budget_mb - FIT_OVERHEAD_MB) * MEGABYTE / FLOAT_BYTES - state_floats(spec)
    per_image = activation_floats(spec) * ACTIVATION_COPIES
    return max(0, int(room // per_image)) if per_image else 0


def run_budget_mb(memory_mb: float, workers: int) -> float:
    """A run's share of `memory_mb` for the server and its `workers`: what the app and the
    workers hold anyway taken off, the rest split between the workers."""
    workers = max(1, workers)
    spare = memory_mb - SERVER_BASE_MB - workers * WORKER_BASE_MB
    return max(MIN_RUN_BUDGET_MB, spare / workers)


def check_memory(spec: RunSpec, budget_mb: float) -> None:
    """Raise a SpecError that says what to lower when a run of `spec` needs more than
    `budget_mb` (a run's share of this server's memory)."""
    needed = run_memory_mb(spec)
    if needed <= budget_mb:
        return
    fitting = largest_batch_within(spec, budget_mb)
    values = {"needed": _size(needed), "budget": _size(budget_mb), "batch": f"{spec.batch_size:,}"}
    if fitting >= 1:
        raise SpecError("spec.error.memory_batch", fitting=f"{fitting:,}", **values)
    raise SpecError("spec.error.memory_network", **values)


def _size(megabytes: float) -> str:
    """'1.5 GB' from a gigabyte on, else '300 MB'."""
    if megabytes >= 1024:
        return f"{megabytes / 1024:,.1f} GB"
    return f"{max(1, round(megabytes)):,} MB"
