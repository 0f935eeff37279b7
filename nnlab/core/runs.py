"""What a training run is, in one vocabulary: its status, its stored record and its epoch rows.

The store keeps `RunRecord`s, the engine shows them to pages as `LiveRun`s (a record plus what only
a running engine knows), the class board as `BoardRun`s; none of them lists the stored fields
again. One epoch of training is an `EpochRow`, whoever writes or reads it.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from nnlab.core.choices import DATASETS, OPTIMIZERS
from nnlab.core.shapes import IMAGE_SIDE, NUM_CLASSES
from nnlab.core.spec import RunSpec


class RunStatus(StrEnum):
    """Where a run is in its life; the value is what the store and the pipe carry."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def is_active(self) -> bool:
        """True while the run waits for a worker or trains."""
        return self in ACTIVE_STATUSES

    @classmethod
    def parse(cls, value: object) -> RunStatus:
        """The status named by `value`; ValueError naming the valid ones otherwise."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(status.value for status in cls)
            raise ValueError(f"Run status must be one of {names}; got {value!r}.") from None


ACTIVE_STATUSES = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
ENDED_STATUSES = frozenset({RunStatus.FINISHED, RunStatus.STOPPED, RunStatus.FAILED})


# --- one epoch ----------------------------------------------------------------------------------

# The figures every epoch has (NaN where not measured, e.g. val_* without validation).
EPOCH_FIGURES = ("loss", "accuracy", "val_loss", "val_accuracy", "seconds")


@dataclass(frozen=True)
class EpochRow:
    """One epoch's figures, and what the diagnostics recorded in it."""

    epoch: int  # 1-based
    loss: float = math.nan
    accuracy: float = math.nan
    val_loss: float = math.nan
    val_accuracy: float = math.nan
    seconds: float = math.nan  # wall time of the epoch
    lr: float | None = None  # the learning rate the epoch trained at, when a schedule recorded it
    lr_changes: tuple[Any, ...] = ()  # mid-run rate changes the student made in this epoch
    diagnostics: Mapping[str, Any] | None = None  # per-layer statistics (nnlab.learn.diagnostics)
    map: Mapping[str, Any] | None = None  # the hidden-layer map's points, on map epochs
    watch: Sequence[Mapping[str, Any]] | None = None  # each watched image's prediction

    def __post_init__(self) -> None:
        if isinstance(self.epoch, bool) or not isinstance(self.epoch, int) or self.epoch < 1:
            raise ValueError(f"Epoch must be a whole number from 1; got {self.epoch!r}.")

    @property
    def details(self) -> dict[str, Any]:
        """The recorded extras (lr, diagnostics, map, ...) that are set, by name."""
        return {
            name: getattr(self, name)
            for name in _DETAIL_FIELDS
            if getattr(self, name) not in (None, ())
        }

    def figure(self, name: str) -> float | None:
        """One of EPOCH_FIGURES as a finite float, or None where it was not measured."""
        value = getattr(self, name)
        return float(value) if value is not None and math.isfinite(value) else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the figures always, the extras when set."""
        row: dict[str, Any] = {"epoch": self.epoch}
        row.update({name: getattr(self, name) for name in EPOCH_FIGURES})
        row.update(self.details)
        if "lr_changes" in row:
            row["lr_changes"] = list(row["lr_changes"])
        return row

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> EpochRow:
        """Inverse of `to_dict`; unknown keys are ignored (a newer writer's extras)."""
        values: dict[str, Any] = {"epoch": int(row["epoch"])}
        for name in EPOCH_FIGURES:
            value = row.get(name)
            values[name] = math.nan if value is None else float(value)
        for name in _DETAIL_FIELDS:
            if row.get(name) is not None:
                values[name] = row[name]
        if "lr" in values:
            values["lr"] = float(values["lr"])
        if "lr_changes" in values:
            values["lr_changes"] = tuple(values["lr_changes"])
        return cls(**values)


_DETAIL_FIELDS = tuple(
    spec_field.name
    for spec_field in dataclasses.fields(EpochRow)
    if spec_field.name not in ("epoch", *EPOCH_FIGURES)
)


# --- one run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    """One training run as stored: its spec, status, timing, results and whether a model exists."""

    run_id: str
    lab_id: str
    label: str
    spec: RunSpec
    preset_key: str | None = None
    status: RunStatus = RunStatus.QUEUED
    error: str | None = None  # why it failed or stopped, in words a student reads
    created_at: float = 0.0  # unix seconds
    started_at: float | None = None
    ended_at: float | None = None
    train_images: int | None = None
    validation_images: int | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    stopped_early: bool = False
    epochs_done: int = 0
    has_model: bool = False
    machine: str | None = None  # the training machine that took it (a name or host name)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", RunStatus.parse(self.status))

    @property
    def is_active(self) -> bool:
        """True while the run is queued or running."""
        return self.status.is_active

    @property
    def duration_s(self) -> float:
        """Seconds from start to end (or to now while running); 0 before it starts."""
        if self.started_at is None:
            return 0.0
        end = self.ended_at if self.ended_at is not None else time.time()
        return max(0.0, end - self.started_at)

    def record(self) -> RunRecord:
        """Just the stored fields (a LiveRun or BoardRun drops its view's fields)."""
        if type(self) is RunRecord:
            return self
        return RunRecord(**{name: getattr(self, name) for name in RECORD_FIELDS})


RECORD_FIELDS = tuple(spec_field.name for spec_field in dataclasses.fields(RunRecord))


def final_figures(record: RunRecord, history: tuple[EpochRow, ...]) -> dict[str, Any]:
    """The last epoch's figures with epochs done, test figures, duration and status."""
    last = history[-1] if history else None
    figures: dict[str, Any] = {"epochs_done": len(history)}
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        figures[name] = getattr(last, name) if last is not None else None
    figures.update(
        test_loss=record.test_loss,
        test_accuracy=record.test_accuracy,
        duration_s=record.duration_s,
        status=record.status,
    )
    return figures


@dataclass(frozen=True)
class Progress:
    """Where a training run is within its epochs, per batch."""

    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    images_per_second: float = 0.0
    eta_seconds: float = math.nan


@dataclass(frozen=True)
class LiveRun(RunRecord):
    """A run as a page sees it: the stored record plus live progress and queue facts."""

    progress: Progress = field(default_factory=Progress)
    history: tuple[EpochRow, ...] = ()
    queue_position: int = 0  # 1 = next to start; 0 when not queued
    wait_estimate_s: float | None = None  # seconds until it starts, while queued
    stop_requested: bool = False
    version: int = 0  # changes only when the history or the status change
    paused: bool = False  # training waits after its current batch until resumed
    worker_name: str | None = None  # which machine and process trains it, once started

    @property
    def final(self) -> dict[str, Any]:
        """The last epoch's figures with epochs done, test figures, duration and status."""
        return final_figures(self, self.history)


# --- run facts: a run's label, its split, why it diverged (read by pages, engine and classroom) ---


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


# A diverged run ends "stopped" with this error text (nnlab.learn.callbacks.DivergenceCallback).
DIVERGED_PREFIX = "diverged:"


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


# The live panel refreshes four times a second while few labs watch (a short run's end shows
# at once), then slower: WATCHERS_PER_SECOND watching labs per second of interval.
MIN_REFRESH_S = 0.25
WATCHERS_PER_SECOND = 10
MAX_REFRESH_S = 5.0


def refresh_interval(watchers: int) -> float:
    """Seconds between live-panel refreshes while `watchers` labs watch."""
    return min(MAX_REFRESH_S, max(MIN_REFRESH_S, watchers / WATCHERS_PER_SECOND))
