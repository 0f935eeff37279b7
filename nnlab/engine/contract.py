"""What pages call on a training engine, as a `typing.Protocol`.

`nnlab.engine.Engine` is the real one; tests/fake_engine.py's `FakeEngine` stands in for page
tests, and tests/test_engine_contract.py checks both against this, method by method.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from nnlab.core.costs import RunCost
from nnlab.core.runs import LiveRun
from nnlab.core.spec import RunSpec
from nnlab.inspection.network import Network
from nnlab.inspection.network_files import LoadedNetwork
from nnlab.store.contract import RunStore
from nnlab.store.queue_tables import MachineRow


@runtime_checkable
class TrainingEngine(Protocol):
    """Training runs of every lab: submit and steer them, read their live snapshots and models."""

    store: RunStore
    store_warning: str | None  # why the configured store could not be used, or a bad setting
    store_error: str | None  # the last failed store call, for the pages to show
    max_active_per_lab: int
    run_memory_mb: float  # a run's share of the server's memory (nnlab.core.memory)

    def submit(
        self,
        lab_id: str,
        spec: RunSpec,
        *,
        preset_key: str | None = None,
        label: str | None = None,
        start_from: str | None = None,
        extra_train: tuple[Any, Any] | None = None,
    ) -> str:
        """Queue a run of `spec` for `lab_id`; its id. LabBusy past max_active_per_lab;
        SpecError when it needs more memory than run_memory_mb."""
        ...

    def stop(self, run_id: str) -> None:
        """End a run after its current batch, keeping its weights; a queued run leaves the queue."""
        ...

    def pause(self, run_id: str) -> None:
        """Hold a training run after its current batch."""
        ...

    def resume(self, run_id: str) -> None:
        """Let a paused run train on."""
        ...

    def set_learning_rate(self, run_id: str, learning_rate: float) -> None:
        """Train a running (or paused) run at `learning_rate` from its next batch on."""
        ...

    def continue_run(self, run_id: str, extra_epochs: int) -> None:
        """Queue `extra_epochs` more epochs of an ended run, from its saved model."""
        ...

    def find_learning_rate(self, spec: RunSpec) -> str:
        """Start the learning-rate range test for `spec`; its task id (see `task`)."""
        ...

    def task(self, task_id: str) -> dict[str, Any] | None:
        """A short job's reply once it is done; None before."""
        ...

    def touch(self, lab_id: str) -> None:
        """Note that a page of `lab_id` rendered."""
        ...

    def live(self, run_id: str) -> LiveRun | None:
        """The run's current snapshot (None for an unknown id)."""
        ...

    def lab_runs(self, lab_id: str) -> list[LiveRun]:
        """Every run of `lab_id`, oldest first."""
        ...

    def network(self, run_id: str) -> Network | None:
        """The run's trained network as a NumPy `Network`, or None."""
        ...

    def keras_bytes(self, run_id: str) -> bytes | None:
        """The run's model as a `.keras` file's bytes, or None."""
        ...

    def load_model_file(self, data: bytes, filename: str, dataset_name: str) -> LoadedNetwork:
        """Check and load an uploaded model file; ValueError with a message."""
        ...

    def watchers(self) -> int:
        """Labs whose page rendered lately."""
        ...

    def refresh_interval(self) -> float:
        """Seconds between live-panel refreshes."""
        ...

    def load(self) -> tuple[int, int]:
        """(runs training, runs queued) across every lab."""
        ...

    def run_cost(self, spec: RunSpec) -> RunCost:
        """What a run of `spec` costs on one worker here (measured per architecture)."""
        ...

    def workers(self) -> int:
        """How many worker processes this engine runs at most."""
        ...

    def machines(self) -> list[MachineRow]:
        """The machines that train runs now, with their workers (one: this server's own)."""
        ...

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop the workers and the engine's threads."""
        ...
