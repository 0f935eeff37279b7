"""The worker pipe: the jobs the engine sends a worker and the events the worker sends back.

Both sides import these dataclasses (they cross the pipe pickled), so a field is named once.
A run's spec travels as JSON (`RunSpec.to_json`): the worker decodes it once, where it enters.

Engine -> worker: a `TrainJob`, `LrFindJob` or `LoadModelJob` when the worker is free; a `Control`
while a run trains; `GOODBYE` to exit after the current job. Worker -> engine: `Ready` once
TensorFlow is imported; for a run `Started`, `ProgressEvent`s, `EpochEvent`s, `Paused`, then
`RunEnded`; for a short job `TaskDone`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nnlab.core.runs import EpochRow, Progress, RunStatus

# The engine's goodbye: the worker finishes its job (a run stops after its batch) and exits.
GOODBYE = None


# --- jobs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainOptions:
    """What a run's job starts from besides its spec (sent once, with the job)."""

    initial_model_bytes: bytes | None = None  # a saved model to go on from (continue, fine-tune)
    initial_epoch: int | None = None  # the epochs that model already trained (continue)
    extra_train: tuple[Any, Any] | None = None  # (uint8 images, labels) added to the training set


@dataclass(frozen=True)
class TrainJob:
    """Train one run's spec."""

    job_no: int
    spec_json: str
    label: str
    options: TrainOptions = field(default_factory=TrainOptions)


@dataclass(frozen=True)
class LrFindJob:
    """The learning-rate range test for a spec."""

    job_no: int
    spec_json: str


@dataclass(frozen=True)
class LoadModelJob:
    """Check and load an uploaded model file."""

    job_no: int
    data: bytes
    filename: str
    dataset_name: str


Job = TrainJob | LrFindJob | LoadModelJob
TaskJob = LrFindJob | LoadModelJob


@dataclass(frozen=True)
class Control:
    """A change to the run a worker trains now: pause or resume, and/or a new learning rate."""

    job_no: int
    pause: bool | None = None
    learning_rate: float | None = None


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The worker imported TensorFlow and waits for jobs."""

    pid: int
    seconds: float  # how long it took to get ready


@dataclass(frozen=True)
class Started:
    """A run's data is loaded and its first batch is about to train."""

    job_no: int
    started_at: float  # unix seconds
    train_images: int
    validation_images: int
    batches: int


@dataclass(frozen=True)
class ProgressEvent:
    """Where a run is within its epochs (at most a few a second)."""

    job_no: int
    progress: Progress


@dataclass(frozen=True)
class EpochEvent:
    """One epoch of a run ended."""

    job_no: int
    row: EpochRow


@dataclass(frozen=True)
class Paused:
    """A run paused or resumed after its current batch."""

    job_no: int
    paused: bool


@dataclass(frozen=True)
class RunEnded:
    """A run's job ended: finished, stopped or failed, with its model when it has one."""

    job_no: int
    status: RunStatus
    error: str | None = None
    ended_at: float = 0.0
    test_loss: float | None = None
    test_accuracy: float | None = None
    stopped_early: bool = False
    train_images: int | None = None  # None: as Started said (a run that failed before)
    validation_images: int | None = None
    keras_bytes: bytes | None = None
    network_bytes: bytes | None = None
    retire: bool = False  # the worker exits after this event


@dataclass(frozen=True)
class TaskDone:
    """A short job's reply ("error" None or a message a student reads)."""

    job_no: int
    reply: dict[str, Any]
    retire: bool = False


Event = Ready | Started | ProgressEvent | EpochEvent | Paused | RunEnded | TaskDone
