"""What both training engines answer pages from memory: snapshots, a lab's runs, watchers, models.

`Engine` (this server's worker processes) and `QueueEngine` (the job queue on PostgreSQL) keep
their runs in a `RunTable` and reach the store through a `StoreWriter`; the page-facing reads and
the checks of what a student asks are the same for both, so they are written once, here.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

from nnlab.core.runs import LiveRun, refresh_interval
from nnlab.engine.records import LabBusy
from nnlab.engine.run_table import RunTable
from nnlab.engine.writer import StoreWriter, TouchLab
from nnlab.inspection.network import Network

WATCH_WINDOW_S = 10.0  # a lab whose page rendered this recently is watching
KEPT_NETWORKS = 16  # NumPy networks kept in memory for the pages that draw and look inside
TOUCH_WRITE_INTERVAL_S = 60.0  # how often a lab's "last seen" is written to the store
MAX_LEARNING_RATE = 10.0  # what set_learning_rate accepts (the spec's own limit may be lower)


def checked_learning_rate(learning_rate: float) -> float:
    """A new learning rate a student typed, as a float; ValueError outside (0, 10]."""
    rate = float(learning_rate)
    if not (math.isfinite(rate) and 0 < rate <= MAX_LEARNING_RATE):
        raise ValueError(
            f"The learning rate must be above 0 and at most {MAX_LEARNING_RATE:g}; got "
            f"{learning_rate!r}."
        )
    return rate


def checked_continuation(snapshot: LiveRun | None, extra_epochs: object) -> None:
    """ValueError unless `snapshot` is an ended run with a model and `extra_epochs` >= 1."""
    if isinstance(extra_epochs, bool) or not isinstance(extra_epochs, int) or extra_epochs < 1:
        raise ValueError(f"Continue for at least one more epoch; got {extra_epochs!r}.")
    if snapshot is None:
        raise ValueError("There is no such run.")
    if snapshot.is_active:
        raise ValueError("This run is still queued or training.")
    if not snapshot.has_model:
        raise ValueError("This run kept no model to continue from; train it again instead.")


class PageReads:
    """The page-facing reads of an engine with `_table`, `_lock`, `_writer` (set by its init)."""

    _table: RunTable
    _lock: threading.RLock
    _writer: StoreWriter
    _lab_touch_written: dict[str, float]
    _networks: OrderedDict[str, Network]
    max_active_per_lab: int

    def touch(self, lab_id: str) -> None:
        """Note that a page of `lab_id` rendered (keeps its queued runs and counts a watcher)."""
        now = time.monotonic()
        self._table.seen(lab_id, now)
        if now - self._lab_touch_written.get(lab_id, -math.inf) >= TOUCH_WRITE_INTERVAL_S:
            self._lab_touch_written[lab_id] = now
            self._writer.put(TouchLab(lab_id))

    def live(self, run_id: str) -> LiveRun | None:
        """The run's current snapshot (in memory; None for an unknown id)."""
        return self._table.snapshot(run_id)

    def lab_runs(self, lab_id: str) -> list[LiveRun]:
        """Every run of `lab_id`, oldest first (cached; rebuilt only after a change)."""
        cached = self._table.cached_lab(lab_id)
        if cached is not None:
            return list(cached)
        self._ensure_lab_loaded(lab_id)
        with self._lock:
            return list(self._table.list_lab(lab_id))

    def network(self, run_id: str) -> Network | None:
        """The run's trained network as a NumPy `Network`, or None when it has none."""
        cached = self._networks.get(run_id)
        if cached is not None:
            return cached
        data = self._unstored_network(run_id)
        if data is None:
            data = self._writer.call(lambda store: store.network_bytes(run_id))
        if not data:
            return None
        network = Network.from_bytes(data)
        with self._lock:
            self._networks[run_id] = network
            while len(self._networks) > KEPT_NETWORKS:
                self._networks.popitem(last=False)
        return network

    def watchers(self) -> int:
        """Labs whose page rendered in the last WATCH_WINDOW_S seconds."""
        return self._table.seen_within(WATCH_WINDOW_S)

    def refresh_interval(self) -> float:
        """Seconds between live-panel refreshes: 0.25 s, growing with the number of watchers."""
        return refresh_interval(self.watchers())

    # --- for the engines ---

    def _unstored_network(self, run_id: str) -> bytes | None:
        """A network file that ended runs hold in memory until the store has it (none here)."""
        return None

    def _ensure_lab_loaded(self, lab_id: str) -> None:
        """Read a lab's runs from the store once per process (finished runs never change)."""
        if self._table.is_loaded(lab_id):
            return
        loaded = self._table.load_lab(lab_id)
        with self._lock:
            self._table.loaded(lab_id, loaded)
            self._lab_loaded(loaded)

    def _lab_loaded(self, loaded: list[LiveRun]) -> None:
        """A hook: the lab's stored runs were just read (with the lock held)."""

    def _check_lab_room(self, lab_id: str) -> int:
        """How many runs of the lab are queued or training; LabBusy at max_active_per_lab."""
        active = self._table.active_in(lab_id)
        if active >= self.max_active_per_lab:
            raise LabBusy(
                f"This lab already has {active} runs queued or training; wait for one to "
                "finish or stop one."
            )
        return active
