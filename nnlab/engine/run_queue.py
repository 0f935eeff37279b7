"""The runs waiting for a worker, as the engine holds them: order, positions and wait estimates.

The ordering itself is pure (`nnlab.engine.queue`); this keeps the engine's live side of it: the
waiting runs in submission order, when each lab was last served, the measured throughput, and the
positions and estimates pages show. Call it with the engine's lock held.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from nnlab.core.costs import (
    DEFAULT_FIXED_S,
    DEFAULT_THROUGHPUT,
    RunCost,
    arithmetic_cost,
    epoch_images,
    run_workload,
)
from nnlab.core.runs import RunStatus
from nnlab.core.spec import RunSpec
from nnlab.engine.pool import WorkerPool
from nnlab.engine.queue import QueuedEntry, dispatch_order, select_next, wait_estimates
from nnlab.engine.records import RunState
from nnlab.engine.run_table import RunTable

REQUEUE_EVERY_S = 1.0  # how often queued runs' wait estimates are recomputed between events


# A moving average's weight on the newest measurement: one odd epoch (a worker starting up, a
# busy moment) moves an estimate only part of the way.
NEWEST_WEIGHT = 0.3
KEPT_ARCHITECTURES = 256  # step keys whose measured cost is kept (the oldest go first)


class CostTable:
    """What runs cost on this server, as measured: seconds per image by architecture (step
    key), and the seconds every run spends besides its epochs. Guarded by the engine's lock.

    A class trains one architecture many times, each run on a worker that already compiled it
    (warm). A cold run's first epoch carries the trace and its setup the model's building, so
    they count only until a warm figure exists, and a warm figure then replaces them outright.
    """

    def __init__(self) -> None:
        self._per_image: OrderedDict[str, float] = OrderedDict()
        self._cold_keys: set[str] = set()  # keys measured from cold first epochs only
        self._fixed_s: float | None = None
        self._fixed_cold = True  # measured from cold runs only (or not at all)

    @property
    def fixed_s(self) -> float:
        """Seconds a run spends besides its epochs (DEFAULT_FIXED_S until one was measured)."""
        return DEFAULT_FIXED_S if self._fixed_s is None else self._fixed_s

    def epoch(self, spec: RunSpec, train_images: int, seconds: float, cold: bool = False) -> None:
        """One epoch of `spec` on `train_images` images took `seconds`; `cold`: the first epoch
        of a run whose worker compiled the model for it."""
        if seconds <= 0 or train_images <= 0:
            return
        key = spec.step_key()
        old = self._per_image.get(key)
        if cold and old is not None:
            return
        measured = seconds / epoch_images(spec, train_images)
        if old is not None and key not in self._cold_keys:
            measured = _moved(old, measured)
        self._cold_keys.discard(key)
        if cold:
            self._cold_keys.add(key)
        self._per_image.pop(key, None)
        self._per_image[key] = measured
        while len(self._per_image) > KEPT_ARCHITECTURES:
            self._cold_keys.discard(next(iter(self._per_image)))
            self._per_image.popitem(last=False)

    def run(self, seconds: float, epoch_seconds: float, warm: bool = True) -> None:
        """A run took `seconds` from its start to its end, `epoch_seconds` of them in epochs;
        `warm`: its worker had compiled the model before."""
        # A continued run's history holds epochs from before its start: nothing to learn from it.
        if seconds <= 0 or epoch_seconds > seconds or (not warm and not self._fixed_cold):
            return
        spent = seconds - epoch_seconds
        if self._fixed_s is None or (warm and self._fixed_cold):
            self._fixed_s = spent  # the first figure, or the first warm one: outright
        else:
            self._fixed_s = _moved(self._fixed_s, spent)
        if warm:
            self._fixed_cold = False

    def cost(self, spec: RunSpec, throughput: float) -> RunCost:
        """`spec`'s cost: measured for its architecture, else from its arithmetic."""
        per_image = self._per_image.get(spec.step_key())
        if per_image is None:
            return arithmetic_cost(spec, throughput, self.fixed_s)
        return RunCost(per_image, self.fixed_s, measured=True)


def _moved(old: float, new: float) -> float:
    return (1 - NEWEST_WEIGHT) * old + NEWEST_WEIGHT * new


class RunQueue:
    """The engine's waiting runs (guarded by the engine's lock)."""

    def __init__(self, pool: WorkerPool, table: RunTable) -> None:
        self._pool = pool
        self._table = table
        self.runs: list[RunState] = []  # in submission order
        self._last_dispatch: dict[str, float] = {}  # lab -> monotonic time a run of it started
        # Work units a worker trains per second, measured from the epochs (for wait estimates).
        self.throughput = DEFAULT_THROUGHPUT
        self.costs = CostTable()
        self.counts = (0, 0)  # (runs training, runs queued)
        self._updated_at = 0.0

    def __len__(self) -> int:
        return len(self.runs)

    def append(self, run: RunState) -> None:
        """Queue a run at the back (the fair order decides when it starts)."""
        self.runs.append(run)

    def discard(self, run: RunState) -> None:
        """Take a run out (it started, or stopped while waiting)."""
        if run in self.runs:
            self.runs.remove(run)

    def pop_next(self) -> RunState:
        """The run to start now, out of the queue, its lab marked as served."""
        entries = [QueuedEntry(run.run_id, run.lab_id, run.sequence) for run in self.runs]
        run = self.runs.pop(select_next(entries, self._running_by_lab(), self._last_dispatch))
        self._last_dispatch[run.lab_id] = time.monotonic()
        return run

    def abandoned(self, abandon_after_s: float) -> list[RunState]:
        """Take out the runs of labs nobody has watched for `abandon_after_s`."""
        now = time.monotonic()
        gone = [r for r in self.runs if self._table.unseen_for(r.lab_id, now) > abandon_after_s]
        for run in gone:
            self.runs.remove(run)
        return gone

    def measured(self, run: RunState, seconds: float, first: bool = False) -> None:
        """One epoch of `run` took `seconds` (`first`: its first in this job): move the
        throughput estimate and the architecture's cost towards it."""
        train_images = run.record.train_images
        if seconds > 0 and train_images:
            measured = run_workload(run.spec, train_images) / run.spec.epochs / seconds
            self.throughput = _moved(self.throughput, measured)
            self.costs.epoch(run.spec, train_images, seconds, cold=first and not run.warm)

    def finished(self, run: RunState) -> None:
        """A run ended after all its epochs: measure what it spent besides them."""
        record = run.record
        if record.started_at is None or record.ended_at is None or not run.history:
            return
        epoch_seconds = sum(row.figure("seconds") or 0.0 for row in run.history)
        self.costs.run(record.ended_at - record.started_at, epoch_seconds, warm=run.warm)

    def cost(self, spec: RunSpec) -> RunCost:
        """What a run of `spec` costs on one worker here (measured where it can be)."""
        return self.costs.cost(spec, self.throughput)

    def expected_seconds(self, run: RunState) -> float:
        """Seconds the whole run should take on one worker (see cost)."""
        return self.cost(run.spec).run_seconds(run.spec, run.record.train_images or None)

    def update_if_stale(self) -> None:
        """Recompute the estimates if they are older than REQUEUE_EVERY_S (runs progressed)."""
        if self.runs and time.monotonic() - self._updated_at >= REQUEUE_EVERY_S:
            self.update()

    def update(self) -> None:
        """Recompute queue positions, wait estimates and load counts after a change."""
        running_by_lab = self._running_by_lab()
        free_in_s: list[float] = []
        for worker in self._pool.workers:
            job = worker.job
            if isinstance(job, RunState):
                eta = job.progress.eta_seconds
                if job.status != RunStatus.RUNNING or not math.isfinite(eta):
                    eta = self.expected_seconds(job)
                free_in_s.append(max(0.0, eta))
            elif not worker.retiring:
                free_in_s.append(0.0)
        free_in_s.extend([0.0] * max(0, self._pool.wanted - len(free_in_s)))
        entries = [QueuedEntry(run.run_id, run.lab_id, run.sequence) for run in self.runs]
        order = dispatch_order(entries, running_by_lab, self._last_dispatch)
        by_id = {run.run_id: run for run in self.runs}
        starts = wait_estimates(order, free_in_s, lambda e: self.expected_seconds(by_id[e.run_id]))
        for position, (entry, start) in enumerate(zip(order, starts, strict=True), start=1):
            run = by_id[entry.run_id]
            if run.queue_position != position or run.wait_estimate_s != start:
                run.queue_position = position
                run.wait_estimate_s = start
                self._table.changed(run)
        self.counts = (sum(running_by_lab.values()), len(self.runs))
        self._updated_at = time.monotonic()

    def _running_by_lab(self) -> dict[str, int]:
        running: dict[str, int] = {}
        for worker in self._pool.workers:
            if isinstance(worker.job, RunState):
                running[worker.job.lab_id] = running.get(worker.job.lab_id, 0) + 1
        return running
