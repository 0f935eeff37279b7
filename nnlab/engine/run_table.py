"""Every run the engine holds in memory, by id and by lab, and the snapshots pages read.

Active runs live here as `RunState`s; finished runs of earlier processes are read from the store
once per lab and kept as `LiveRun` snapshots (finished runs never change). A lab's list of
snapshots is cached and rebuilt only after one of its runs changed, so a page refresh costs a
dict look-up. Call the methods that change anything with the engine's lock held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from nnlab.core.runs import EpochRow, LiveRun, RunRecord
from nnlab.engine.records import RunState, live_run
from nnlab.store.contract import RunStore

LAB_IDLE_EVICT_S = 3600.0  # forget the snapshots of labs unseen this long (the store keeps them)
StoreCall = Callable[[Callable[[RunStore], Any]], Any]  # a store read; None when it failed


class RunTable:
    """The engine's runs by id and by lab, and when each lab's pages last rendered."""

    def __init__(self, store_call: StoreCall, lock: threading.RLock) -> None:
        self._store_call = store_call
        self._lock = lock  # the engine's
        self.runs: dict[str, RunState] = {}
        self._stored: dict[str, LiveRun] = {}  # finished runs of earlier processes
        self._lab_order: dict[str, list[str]] = {}  # lab -> run ids, oldest first
        self._lab_cache: dict[str, list[LiveRun]] = {}
        self._labs_loaded: set[str] = set()
        self.lab_seen: dict[str, float] = {}  # monotonic time a page of the lab last rendered

    def add(self, run: RunState) -> None:
        """A run submitted now (its lab is seen now)."""
        self.runs[run.run_id] = run
        self._lab_order.setdefault(run.lab_id, []).append(run.run_id)
        self.lab_seen[run.lab_id] = time.monotonic()

    def revive(self, snapshot: LiveRun) -> RunState:
        """The RunState of a run known only as a stored snapshot, to train it further."""
        run = self.runs.get(snapshot.run_id)
        if run is not None:
            return run
        run = RunState(
            snapshot.record(),
            0,
            snapshot.progress,
            history=list(snapshot.history),
            version=snapshot.version,
        )
        self.runs[run.run_id] = run
        self._stored.pop(run.run_id, None)
        order = self._lab_order.setdefault(run.lab_id, [])
        if run.run_id not in order:
            order.append(run.run_id)
        return run

    def changed(self, run: RunState, *, version: bool = False) -> None:
        """Rebuild the run's snapshot after a change; bump its version for history/status."""
        if version:
            run.version += 1
        run.snapshot = run.live()
        self._lab_cache.pop(run.lab_id, None)

    def is_active(self, run_id: str) -> bool:
        """Whether the run is queued or training in this engine."""
        run = self.runs.get(run_id)
        return run is not None and run.status.is_active

    def active_in(self, lab_id: str) -> int:
        """How many runs of the lab are queued or training."""
        return sum(1 for run_id in self._lab_order.get(lab_id, ()) if self.is_active(run_id))

    def active_ids(self) -> tuple[str, ...]:
        """Ids of every run queued or training here."""
        return tuple(run_id for run_id, run in self.runs.items() if run.status.is_active)

    # --- what pages read ---

    def snapshot(self, run_id: str) -> LiveRun | None:
        """The run's snapshot, from memory or (once) from the store."""
        run = self.runs.get(run_id)
        if run is not None:
            return run.snapshot
        stored = self._stored.get(run_id)
        if stored is not None:
            return stored
        record = self._store_call(lambda store: store.get_run(run_id))
        return self._load_stored(record) if record is not None else None

    def cached_lab(self, lab_id: str) -> list[LiveRun] | None:
        """The lab's snapshots when nothing changed since they were last listed."""
        return self._lab_cache.get(lab_id)

    def list_lab(self, lab_id: str) -> list[LiveRun]:
        """The lab's snapshots, oldest first, listed anew and cached (the lab must be loaded)."""
        runs = []
        for run_id in self._lab_order.get(lab_id, ()):
            run = self.runs.get(run_id)
            snapshot = run.snapshot if run is not None else self._stored.get(run_id)
            if snapshot is not None:
                runs.append(snapshot)
        self._lab_cache[lab_id] = runs
        return runs

    # --- the store's runs ---

    def _load_stored(self, record: RunRecord) -> LiveRun:
        rows: Sequence[EpochRow] = self._store_call(lambda s: s.history(record.run_id)) or ()
        snapshot = live_run(record, tuple(rows), version=1)
        with self._lock:
            if record.run_id not in self.runs:
                self._stored[record.run_id] = snapshot
        return snapshot

    def is_loaded(self, lab_id: str) -> bool:
        """Whether the lab's stored runs were read in this process."""
        return lab_id in self._labs_loaded

    def load_lab(self, lab_id: str) -> list[LiveRun]:
        """Read a lab's stored runs (no lock needed: it only reads the store)."""
        records = self._store_call(lambda store: store.lab_runs(lab_id))
        return [self._load_stored(record) for record in records or ()]

    def loaded(self, lab_id: str, loaded: list[LiveRun]) -> None:
        """Put a lab's stored runs before those submitted meanwhile (with the lock held)."""
        if lab_id in self._labs_loaded:
            return
        self._labs_loaded.add(lab_id)
        known = self._lab_order.setdefault(lab_id, [])
        known[:0] = [run.run_id for run in loaded if run.run_id not in known]
        self._lab_cache.pop(lab_id, None)

    # --- watching labs ---

    def seen(self, lab_id: str, now: float) -> None:
        """A page of the lab rendered at monotonic time `now` (one dict write: no lock)."""
        self.lab_seen[lab_id] = now

    def seen_within(self, seconds: float) -> int:
        """Labs whose page rendered in the last `seconds`."""
        since = time.monotonic() - seconds
        return sum(1 for seen in list(self.lab_seen.values()) if seen >= since)

    def unseen_for(self, lab_id: str, now: float) -> float:
        """Seconds since a page of the lab rendered (0 for a lab never seen)."""
        return now - self.lab_seen.get(lab_id, now)

    def evict_idle_labs(self) -> None:
        """Forget labs unseen for an hour with nothing active (the store keeps their runs)."""
        now = time.monotonic()
        for lab_id, seen in list(self.lab_seen.items()):
            if now - seen < LAB_IDLE_EVICT_S:
                continue
            run_ids = self._lab_order.get(lab_id, [])
            if any(self.is_active(run_id) for run_id in run_ids):
                continue
            for run_id in run_ids:
                self.runs.pop(run_id, None)
                self._stored.pop(run_id, None)
            self._lab_order.pop(lab_id, None)
            self._lab_cache.pop(lab_id, None)
            self._labs_loaded.discard(lab_id)
            self.lab_seen.pop(lab_id, None)
