"""The store, written from one thread: typed writes queued by the engine, applied in order.

A store that fails does not stop training, and `store_error` says what went wrong for the pages
to show. A transient failure (another process holds the SQLite write lock past the busy
timeout, PostgreSQL cannot be reached for now) is tried again, with a growing pause, until it
succeeds: the writes behind it wait, so none is lost and their order holds. A failure that will
not go away by waiting (a full disk, a damaged file) drops that write; the run stays in memory.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from nnlab.core.runs import EpochRow, RunRecord, RunStatus
from nnlab.store.contract import RunStore
from nnlab.store.database import StoreError

log = logging.getLogger(__name__)
Result = TypeVar("Result")

# Pauses between tries of a transient failure: from a tenth of a second, doubling, to 2 s (each
# try already waited the store's busy timeout).
RETRY_FIRST_S = 0.1
RETRY_LONGEST_S = 2.0


class StoreWrite(Protocol):
    """One write the engine queues for its store."""

    def apply(self, store: RunStore) -> None:
        """Make the write (raises what the store raises)."""
        ...


@dataclass(frozen=True)
class AddRun:
    """A run was submitted."""

    record: RunRecord

    def apply(self, store: RunStore) -> None:
        """Store the new run."""
        store.add_run(self.record)


@dataclass(frozen=True)
class UpdateRun:
    """Some stored fields of a run changed (it started, or was queued again)."""

    run_id: str
    changes: Mapping[str, Any]

    def apply(self, store: RunStore) -> None:
        """Change the fields."""
        store.update_run(self.run_id, **self.changes)


@dataclass(frozen=True)
class AddEpoch:
    """A run trained one more epoch."""

    run_id: str
    row: EpochRow

    def apply(self, store: RunStore) -> None:
        """Store the epoch's row."""
        store.add_epoch(self.run_id, self.row)


@dataclass(frozen=True)
class FinishRun:
    """A run ended, with its model files when it has them."""

    run_id: str
    status: RunStatus
    error: str | None
    ended_at: float | None
    test_loss: float | None
    test_accuracy: float | None
    stopped_early: bool
    keras_bytes: bytes | None
    network_bytes: bytes | None

    def apply(self, store: RunStore) -> None:
        """Store the result and the model in one transaction."""
        store.finish_run(
            self.run_id,
            status=self.status,
            error=self.error,
            ended_at=self.ended_at,
            test_loss=self.test_loss,
            test_accuracy=self.test_accuracy,
            stopped_early=self.stopped_early,
            keras_bytes=self.keras_bytes,
            network_bytes=self.network_bytes,
        )


@dataclass(frozen=True)
class EnforceLabCaps:
    """A lab's run ended: drop its models and runs past the caps."""

    lab_id: str

    def apply(self, store: RunStore) -> None:
        """Apply the store's caps."""
        store.enforce_lab_caps(self.lab_id)


@dataclass(frozen=True)
class TouchLab:
    """A page of the lab rendered."""

    lab_id: str

    def apply(self, store: RunStore) -> None:
        """Mark the lab seen."""
        store.touch_lab(self.lab_id)


@dataclass(frozen=True)
class TouchRuns:
    """This process's active runs are alive (the heartbeat)."""

    run_ids: tuple[str, ...]

    def apply(self, store: RunStore) -> None:
        """Mark the runs alive."""
        store.touch_runs(self.run_ids)


@dataclass(frozen=True)
class FailInterrupted:
    """Fail active runs nobody marked alive for `older_than_s` (another process's, gone)."""

    reason: str
    older_than_s: float

    def apply(self, store: RunStore) -> None:
        """Fail the stale runs."""
        store.fail_interrupted(self.reason, older_than_s=self.older_than_s)


@dataclass(frozen=True)
class _Nothing:
    """A write that writes nothing: `flush` waits for it to come out of the queue."""

    def apply(self, store: RunStore) -> None:
        """Nothing to write."""


_NOTHING = _Nothing()


class StoreWriter:
    """The engine's store calls: reads at once, writes queued for one thread."""

    def __init__(self, get_store: Callable[[], RunStore]) -> None:
        # The store is looked up for every call: a test may swap the engine's store meanwhile.
        self._get_store = get_store
        self.error: str | None = None  # the last failed call's message
        self.retries = 0  # transient failures tried again, since start
        self._writes: queue.Queue[tuple[StoreWrite, Callable[[], None] | None] | None]
        self._writes = queue.Queue()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nnlab-store", daemon=True)

    def start(self) -> None:
        """Start the writing thread."""
        self._thread.start()

    def put(self, write: StoreWrite, *, then: Callable[[], None] | None = None) -> None:
        """Queue a write; `then` runs after it succeeded."""
        self._writes.put((write, then))

    def call(self, read: Callable[[RunStore], Result]) -> Result | None:
        """Call the store now (a read, or a start-up clean-up); None when it fails."""
        try:
            return read(self._get_store())
        except Exception as error:  # StoreError or a driver error: training must go on
            self._failed(error, "store call failed")
            return None

    def flush(self, timeout_s: float) -> bool:
        """Wait until every write queued before this call was made (or dropped)."""
        done = threading.Event()
        self._writes.put((_NOTHING, done.set))
        return done.wait(timeout_s)

    def close(self, timeout_s: float) -> None:
        """Write what is queued, then end the thread."""
        self._writes.put(None)
        self._thread.join(timeout_s)
        self._closing.set()  # a write still retrying gives up now: the process is ending
        self._thread.join(RETRY_LONGEST_S)

    def _loop(self) -> None:
        while True:
            item = self._writes.get()
            if item is None:
                return
            write, then = item
            if self._apply(write) and then is not None:
                then()

    def _apply(self, write: StoreWrite) -> bool:
        """Make one write, trying a transient failure again until it works; True if it did."""
        pause = RETRY_FIRST_S
        retried = False
        while True:
            try:
                write.apply(self._get_store())
            except StoreError as error:
                if not error.transient or self._closing.is_set():
                    self._failed(error, f"store write {type(write).__name__} failed")
                    return False
                if not retried:  # said once; the page keeps showing it while the write waits
                    self._failed(error, f"store write {type(write).__name__} will be tried again")
                self.retries += 1
                retried = True
                self._closing.wait(pause)  # wakes at once when the engine shuts down
                pause = min(pause * 2, RETRY_LONGEST_S)
                continue
            except Exception as error:  # keep the run in memory; the page shows the message
                self._failed(error, f"store write {type(write).__name__} failed")
                return False
            if retried:
                self.error = None  # stored after all: the page's warning goes away
            return True

    def _failed(self, error: Exception, what: str) -> None:
        message = str(error).strip() or type(error).__name__
        self.error = message
        log.warning("%s: %s", what, message)
