"""What the engine asks of a run store, as a `typing.Protocol`.

`nnlab.store.Store` satisfies it (tests/test_store.py checks every method's signature), and so
must any stand-in a test gives the engine. The engine calls only these, never `getattr` on a
name: a store that lacks one is a type error, not a silent skip.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from nnlab.core.runs import EpochRow, RunRecord, RunStatus


@runtime_checkable
class RunStore(Protocol):
    """Labs, runs, epoch rows and model files, as the engine reads and writes them."""

    backend: str  # "sqlite" or "postgresql": a shared database needs heartbeats

    def describe(self) -> str:
        """Where the store is, for a log line or a page: 'SQLite at <path>', never a password."""
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...

    # --- labs and runs ---

    def touch_lab(self, lab_id: str) -> None:
        """Record that the lab was seen now (creating it if new)."""
        ...

    def add_run(self, record: RunRecord) -> None:
        """Store a new run (its lab is touched too)."""
        ...

    def update_run(self, run_id: str, **fields: Any) -> bool:
        """Change some of a run's stored fields (nnlab.store.runs.UPDATABLE); False if absent."""
        ...

    def touch_runs(self, run_ids: list[str] | tuple[str, ...]) -> int:
        """Mark runs alive now (the heartbeat `fail_interrupted` ages); returns how many."""
        ...

    def add_epoch(self, run_id: str, row: EpochRow) -> None:
        """Store one epoch (replacing that epoch if present) and raise epochs_done to it."""
        ...

    def finish_run(
        self,
        run_id: str,
        *,
        status: RunStatus,
        error: str | None = None,
        ended_at: float | None = None,
        test_loss: float | None = None,
        test_accuracy: float | None = None,
        stopped_early: bool = False,
        keras_bytes: bytes | None = None,
        network_bytes: bytes | None = None,
    ) -> None:
        """End a run: its result and its model files in one transaction."""
        ...

    def get_run(self, run_id: str) -> RunRecord | None:
        """One run, or None."""
        ...

    def lab_runs(self, lab_id: str) -> list[RunRecord]:
        """The lab's runs, oldest first."""
        ...

    def active_runs(self) -> list[RunRecord]:
        """Every queued or running run of every lab, oldest first."""
        ...

    def history(self, run_id: str) -> list[EpochRow]:
        """The run's epochs in order."""
        ...

    def network_bytes(self, run_id: str) -> bytes | None:
        """The run's NumPy network file, or None."""
        ...

    def keras_bytes(self, run_id: str) -> bytes | None:
        """The run's .keras file, or None."""
        ...

    # --- limits and clean-up ---

    def enforce_lab_caps(
        self, lab_id: str, keep_models: int = 5, keep_runs: int = 100
    ) -> tuple[int, int]:
        """Drop the lab's models and ended runs past the caps; (models dropped, runs deleted)."""
        ...

    def fail_interrupted(self, reason: str, *, older_than_s: float = 0.0) -> int:
        """Fail active runs nobody marked alive for `older_than_s`; returns how many."""
        ...

    def delete_old_labs(self, max_age_days: float) -> int:
        """Delete labs unseen for `max_age_days` with their runs; returns how many labs."""
        ...

    def expire_classes(self, now: float | None = None) -> int:
        """Delete classes past their expiry with their members and drawings; returns how many."""
        ...

    def stats(self) -> dict[str, int]:
        """Counts of labs, runs, models and stored model bytes."""
        ...
