"""What a run costs: work units (images x multiply-adds), seconds on this server, a class's time.

The queue's wait estimates, the class-time estimates pages show and the workers' choice of
how many batches one compiled call trains all start from `work_per_image`. Seconds come from
`RunCost`, which the engine keeps per architecture from the epochs and runs it finished
(nnlab.engine.run_queue.CostTable); `class_estimate` turns one run's seconds into a class's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nnlab.core.plan import plan
from nnlab.core.runs import LiveRun, RunStatus
from nnlab.core.spec import RunSpec

# Work units (images x multiply-adds per image) one worker trains per second before any epoch
# was measured: about a 784-128-10 network on one core.
DEFAULT_THROUGHPUT = 3e8
FULL_TRAIN_IMAGES = 60_000  # what a run without a train_size uses, for estimates before it starts
TEST_IMAGES = 10_000  # both data sets' test sets: what a run validates on each epoch by default
# Scoring an image (forward pass only) costs about a third of training on it (forward + backward).
SCORING_SHARE = 1 / 3
DEFAULT_FIXED_S = 0.3  # a run's own start and end (data, scoring, saving), until one was measured
CLASS_BUDGET_S = 120.0  # what a class step should take: two minutes of a lesson
LONG_CLASS_S = 300.0  # above this, the teacher is told and offered a run that fits the budget


def work_per_image(spec: RunSpec) -> float:
    """Multiply-adds one training image costs (conv layers count once per output position)."""
    total = 0.0
    for layer in plan(spec):
        if layer.keras_type == "Conv2D":
            _, height, width, filters = layer.output_shape
            total += (layer.params - filters) * height * width  # kernel weights at every position
        elif layer.keras_type == "Dense":
            total += layer.params - layer.output_shape[-1]  # inputs x units
    return total


def run_workload(spec: RunSpec, train_images: int | None = None) -> float:
    """Work units of a whole run: images x epochs x multiply-adds per image."""
    images = train_images or spec.train_size or FULL_TRAIN_IMAGES
    return float(images) * spec.epochs * max(work_per_image(spec), 1.0)


def epoch_images(spec: RunSpec, train_images: int | None = None) -> float:
    """Training-image equivalents of one epoch: its training images plus its scoring's share."""
    images = train_images or spec.train_size or FULL_TRAIN_IMAGES
    if spec.validation == "split":
        validation = images * spec.validation_split
        images -= validation
    else:
        validation = TEST_IMAGES
    return images + validation * SCORING_SHARE


@dataclass(frozen=True)
class RunCost:
    """Seconds one run of an architecture takes on one worker here: per image, and per run."""

    seconds_per_image: float  # per training-image equivalent of an epoch (epoch_images)
    fixed_s: float = DEFAULT_FIXED_S  # per run, whatever its size
    measured: bool = False  # from runs of this architecture here, not from its arithmetic

    def run_seconds(self, spec: RunSpec, train_images: int | None = None) -> float:
        """Seconds the whole run takes alone on one worker."""
        return (
            self.fixed_s + spec.epochs * epoch_images(spec, train_images) * self.seconds_per_image
        )


def arithmetic_cost(spec: RunSpec, throughput: float, fixed_s: float = DEFAULT_FIXED_S) -> RunCost:
    """A run's cost from its multiply-adds at `throughput` work units a second (not measured)."""
    return RunCost(max(work_per_image(spec), 1.0) / max(throughput, 1.0), fixed_s)


@dataclass(frozen=True)
class ClassEstimate:
    """How long one run takes alone, and a class of `students` runs on `workers` workers."""

    run_s: float
    class_s: float
    students: int
    workers: int
    measured: bool  # the architecture was measured on this server

    @property
    def too_long(self) -> bool:
        """More than LONG_CLASS_S for the whole class: the teacher should hear of it."""
        return self.class_s > LONG_CLASS_S


def class_estimate(
    spec: RunSpec, cost: RunCost, students: int, workers: int, train_images: int | None = None
) -> ClassEstimate:
    """The class's time: every student's run, `workers` at a time (the queue is fair and tight)."""
    students, workers = max(students, 1), max(workers, 1)
    run_s = cost.run_seconds(spec, train_images)
    return ClassEstimate(
        run_s, math.ceil(students / workers) * run_s, students, workers, cost.measured
    )


def fitting_changes(
    spec: RunSpec,
    cost: RunCost,
    students: int,
    workers: int,
    budget_s: float = CLASS_BUDGET_S,
    train_images: int | None = None,
) -> dict[str, int]:
    """Smaller settings that fit the class in `budget_s`: fewer epochs, or fewer training images.

    Each is a change on its own (the other setting kept); missing when even its smallest value
    does not fit (then the architecture itself is too big for this class here). train_images:
    the images the run draws from here (as class_estimate takes it).
    """
    from nnlab.core.shapes import MIN_TRAIN_SIZE

    rounds = math.ceil(max(students, 1) / max(workers, 1))
    per_run_s = budget_s / rounds - cost.fixed_s  # what each run may spend on its epochs
    if per_run_s <= 0 or cost.seconds_per_image <= 0:
        return {}
    changes: dict[str, int] = {}
    epochs = int(per_run_s / (epoch_images(spec, train_images) * cost.seconds_per_image))
    if 1 <= epochs < spec.epochs:
        changes["epochs"] = epochs
    # An epoch's images are linear in the training-set size: slope x size + the test set's share.
    slope = (epoch_images(spec, 2000) - epoch_images(spec, 1000)) / 1000
    offset = epoch_images(spec, 1000) - 1000 * slope
    images = (per_run_s / (spec.epochs * cost.seconds_per_image) - offset) / slope
    images = int(images // 100 * 100)
    if MIN_TRAIN_SIZE <= images < (train_images or spec.train_size or FULL_TRAIN_IMAGES):
        changes["train_size"] = images
    return changes


def seconds_left(runs: Iterable[LiveRun], cost_of: Callable[[RunSpec], RunCost]) -> float | None:
    """Seconds until the last of `runs` ends: a queued run's wait plus its run, a training run's
    time left. None when none of them is queued or training."""
    ends = []
    for run in runs:
        if not run.is_active:
            continue
        expected = cost_of(run.spec).run_seconds(run.spec, run.train_images)
        if run.status == RunStatus.QUEUED:
            ends.append((run.wait_estimate_s or 0.0) + expected)
        else:
            eta = run.progress.eta_seconds
            ends.append(eta if math.isfinite(eta) and run.progress.batch else expected)
    return max(ends) if ends else None
