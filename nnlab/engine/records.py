"""A run inside the engine: its stored record, what only a running engine knows, and its snapshot.

`RunState` is the engine's mutable state of one run (guarded by the engine's lock). It holds the
run's `RunRecord` and replaces it (`dataclasses.replace`) as events arrive, so the stored fields
are listed once, in nnlab.core.runs. Pages get `LiveRun` snapshots (`live_run`), which the test
stand-in builds the same way.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from nnlab.core.runs import (
    RECORD_FIELDS,
    EpochRow,
    LiveRun,
    Progress,
    RunRecord,
    RunStatus,
    describe_spec,
)
from nnlab.core.spec import RunSpec
from nnlab.engine.protocol import RunEnded, Started, TaskJob, TrainOptions


class LabBusy(ValueError):  # noqa: N818  (the contract names it)
    """A lab already has as many active runs as it may have."""


def new_run_id() -> str:
    """A fresh run id (12 hex characters)."""
    return uuid.uuid4().hex[:12]


def new_record(
    lab_id: str,
    spec: RunSpec,
    *,
    run_id: str | None = None,
    label: str | None = None,
    preset_key: str | None = None,
) -> RunRecord:
    """The record of a run just submitted: queued now, labelled after its spec unless named."""
    return RunRecord(
        run_id=run_id or new_run_id(),
        lab_id=lab_id,
        label=label or describe_spec(spec),
        spec=spec,
        preset_key=preset_key,
        status=RunStatus.QUEUED,
        created_at=time.time(),
    )


def starting_progress(spec: RunSpec, epochs_done: int = 0) -> Progress:
    """The progress of a run before its next job's first batch."""
    return Progress(epoch=epochs_done, epochs=spec.epochs)


def live_run(record: RunRecord, history: tuple[EpochRow, ...] = (), **live: Any) -> LiveRun:
    """A page's snapshot of `record` and its `history`; `live` sets the view's other fields."""
    stored = {name: getattr(record, name) for name in RECORD_FIELDS}
    live.setdefault("progress", starting_progress(record.spec, len(history)))
    return LiveRun(**stored, history=tuple(history), **live)


@dataclass(eq=False)
class RunState:
    """A run's mutable state inside the engine (guarded by the engine's lock)."""

    record: RunRecord
    sequence: int  # submission order: smaller is older
    progress: Progress
    history: list[EpochRow] = field(default_factory=list)
    queue_position: int = 0
    wait_estimate_s: float | None = None
    stop_requested: bool = False
    version: int = 0
    paused: bool = False
    # What the next job of this run starts from: a saved model and its epoch (continuing), or
    # extra training examples (fine-tuning on a class's handwriting). Sent once, then cleared.
    train_options: TrainOptions = field(default_factory=TrainOptions)
    worker: Any = None  # the nnlab.engine.pool.Worker training it now
    job_no: int = 0
    worker_pid: int | None = None  # the process that trained it (kept after it ended)
    worker_name: str | None = None
    # Its worker had trained its step key before (a compiled model to reuse, no new trace):
    # what the cost table learns from (nnlab.engine.run_queue.CostTable).
    warm: bool = False
    snapshot: LiveRun | None = None

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.record.run_id

    @property
    def lab_id(self) -> str:
        """The lab the run belongs to."""
        return self.record.lab_id

    @property
    def spec(self) -> RunSpec:
        """What the run trains."""
        return self.record.spec

    @property
    def status(self) -> RunStatus:
        """Where the run is in its life."""
        return self.record.status

    def update(self, **changes: Any) -> None:
        """Replace some fields of the record."""
        self.record = dataclasses.replace(self.record, **changes)

    def stored(self) -> RunRecord:
        """The record as the store should hold it now (epochs done follow the history)."""
        return dataclasses.replace(self.record, epochs_done=len(self.history))

    def live(self) -> LiveRun:
        """A frozen copy for the pages."""
        return live_run(
            self.stored(),
            tuple(self.history),
            progress=self.progress,
            queue_position=self.queue_position,
            wait_estimate_s=self.wait_estimate_s,
            stop_requested=self.stop_requested,
            version=self.version,
            paused=self.paused,
            worker_name=self.worker_name,
        )

    # --- what the worker's events change ---

    def start(self, event: Started) -> None:
        """The worker began training it."""
        self.update(
            status=RunStatus.RUNNING,
            started_at=event.started_at,
            train_images=event.train_images,
            validation_images=event.validation_images,
        )
        self.progress = dataclasses.replace(self.progress, batches=event.batches)
        self.queue_position = 0
        self.wait_estimate_s = None

    def add_epoch(self, row: EpochRow) -> None:
        """One more epoch trained."""
        self.history.append(row)
        self.progress = dataclasses.replace(self.progress, epoch=row.epoch)

    def end(self, event: RunEnded, error: str | None) -> None:
        """Its job ended; `error` is the reason a student reads (None for a plain end)."""
        self.worker = None
        self.paused = False
        train_images = event.train_images
        validation_images = event.validation_images
        self.update(
            status=event.status,
            error=error,
            ended_at=event.ended_at or time.time(),
            test_loss=event.test_loss,
            test_accuracy=event.test_accuracy,
            stopped_early=event.stopped_early,
            train_images=self.record.train_images if train_images is None else train_images,
            validation_images=(
                self.record.validation_images if validation_images is None else validation_images
            ),
            has_model=bool(event.network_bytes),
        )

    def end_without_worker(self, status: RunStatus, error: str | None) -> None:
        """It ended outside a worker: stopped while queued, or its worker died."""
        self.worker = None
        self.queue_position = 0
        self.wait_estimate_s = None
        self.update(status=status, error=error, ended_at=time.time())

    def requeue(self, spec: RunSpec, sequence: int, options: TrainOptions) -> None:
        """Queue it again with `spec` (more epochs), going on from its saved model."""
        self.sequence = sequence
        self.update(spec=spec, status=RunStatus.QUEUED, error=None, ended_at=None)
        self.stop_requested = False
        self.paused = False
        self.progress = starting_progress(spec, len(self.history))
        self.train_options = options


@dataclass(eq=False)
class Task:
    """A short job that is not a run (load an uploaded model, the learning-rate test)."""

    job: TaskJob  # its job_no is set when a worker takes it
    task_id: str = field(default_factory=new_run_id)
    done: threading.Event = field(default_factory=threading.Event)
    reply: dict[str, Any] | None = None

    @property
    def job_no(self) -> int:
        """The number of its job (0 until a worker takes it)."""
        return self.job.job_no
