"""What the workers' events change: a run's state, its snapshot, the store and the queue.

The engine's reader thread hands every event (`nnlab.engine.protocol`) to `EventHandler.handle`,
and every worker that exited to `worker_exited`; both take the engine's lock.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from nnlab.core.runs import RunStatus
from nnlab.engine.pool import MIN_WARM_WORKERS, Worker, WorkerPool
from nnlab.engine.protocol import (
    EpochEvent,
    Event,
    LoadModelJob,
    Paused,
    ProgressEvent,
    Ready,
    RunEnded,
    Started,
    TaskDone,
)
from nnlab.engine.reasons import SERVER_SHUT_DOWN, WORKER_DIED
from nnlab.engine.records import RunState, Task
from nnlab.engine.run_queue import RunQueue
from nnlab.engine.run_table import RunTable
from nnlab.engine.writer import AddEpoch, EnforceLabCaps, FinishRun, StoreWriter, UpdateRun

KEPT_PENDING_BYTES = 32  # model files kept in memory while the store cannot take them


class PendingModels:
    """Model files of ended runs until the store has them (pages may ask for them meanwhile)."""

    def __init__(self) -> None:
        self.keras: OrderedDict[str, bytes] = OrderedDict()
        self.network: OrderedDict[str, bytes] = OrderedDict()

    def keep(self, run_id: str, keras_bytes: bytes | None, network_bytes: bytes | None) -> None:
        """Hold a run's files (the oldest go past KEPT_PENDING_BYTES runs)."""
        for kept, data in ((self.keras, keras_bytes), (self.network, network_bytes)):
            if data:
                kept[run_id] = data
                while len(kept) > KEPT_PENDING_BYTES:
                    kept.popitem(last=False)

    def forget(self, run_id: str) -> None:
        """The store has the run's files now."""
        self.keras.pop(run_id, None)
        self.network.pop(run_id, None)


class EventHandler:
    """Applies the workers' events to the engine's runs (with the engine's lock)."""

    def __init__(
        self,
        wake: threading.Condition,
        table: RunTable,
        queue: RunQueue,
        pool: WorkerPool,
        writer: StoreWriter,
        closed: Callable[[], bool],
    ) -> None:
        self._wake = wake  # the engine's lock, and how to wake its dispatcher
        self._table = table
        self._queue = queue
        self._pool = pool
        self._writer = writer
        self._closed = closed
        self.pending = PendingModels()

    def handle(self, worker: Worker, event: Event) -> None:
        """Apply one event from `worker`."""
        with self._wake:
            if isinstance(event, Ready):
                worker.ready = True
                worker.idle_since = time.monotonic()
                self._pool.start_seconds.append(time.monotonic() - worker.started_at)
                return
            if isinstance(event, RunEnded | TaskDone):
                worker.job_done()
            job = worker.job
            if job is None or job.job_no != event.job_no:
                return  # an event of a job this engine no longer follows
            if isinstance(event, TaskDone) and isinstance(job, Task):
                worker.free(event.retire)
                job.reply = event.reply
                job.done.set()
                self._wake.notify_all()
            elif isinstance(job, RunState):
                self._run_event(worker, job, event)

    def _run_event(self, worker: Worker, run: RunState, event: Event) -> None:
        if isinstance(event, Started):
            run.start(event)
            self._queue.discard(run)
            self._table.changed(run, version=True)
            record = run.record
            changes = {
                "status": RunStatus.RUNNING,
                "started_at": record.started_at,
                "train_images": record.train_images,
                "validation_images": record.validation_images,
                "machine": record.machine,
            }
            self._writer.put(UpdateRun(run.run_id, changes))
            self._queue.update()
        elif isinstance(event, ProgressEvent):
            run.progress = event.progress
            self._table.changed(run)
        elif isinstance(event, Paused):
            run.paused = event.paused
            self._table.changed(run, version=True)
        elif isinstance(event, EpochEvent):
            run.add_epoch(event.row)
            self._queue.measured(
                run, event.row.figure("seconds") or 0.0, first=len(run.history) == 1
            )
            self._table.changed(run, version=True)
            self._writer.put(AddEpoch(run.run_id, event.row))
            self._queue.update()
        elif isinstance(event, RunEnded):
            worker.free(event.retire)
            error = event.error
            if self._closed() and event.status == RunStatus.STOPPED and not run.stop_requested:
                error = SERVER_SHUT_DOWN
            run.end(event, error)
            if event.status == RunStatus.FINISHED:
                self._queue.finished(run)
            self.pending.keep(run.run_id, event.keras_bytes, event.network_bytes)
            self._table.changed(run, version=True)
            self.write_finish(run, event.keras_bytes, event.network_bytes)
            self._queue.update()
            self._wake.notify_all()

    def write_finish(
        self, run: RunState, keras_bytes: bytes | None, network_bytes: bytes | None
    ) -> None:
        """Queue the ended run's result and model for the store, then the lab's caps."""
        record = run.record
        finish = FinishRun(
            run.run_id,
            status=record.status,
            error=record.error,
            ended_at=record.ended_at,
            test_loss=record.test_loss,
            test_accuracy=record.test_accuracy,
            stopped_early=record.stopped_early,
            keras_bytes=keras_bytes,
            network_bytes=network_bytes,
        )
        self._writer.put(finish, then=lambda: self._stored(run.run_id))
        self._writer.put(EnforceLabCaps(run.lab_id))

    def _stored(self, run_id: str) -> None:
        with self._wake:
            self.pending.forget(run_id)

    def worker_exited(self, worker: Worker) -> bool:
        """A worker process ended: fail its job if it had one; True when one should replace it.

        A worker that died before it was ready is not replaced, or a broken install would start
        processes in a loop; the dispatcher starts more when work waits.
        """
        code = worker.process.exitcode
        with self._wake:
            self._pool.remove(worker)
            job = worker.job
            worker.job = None
            worker.idle_since = time.monotonic()
            if isinstance(job, RunState) and job.status.is_active:
                reason = worker.exit_reason or WORKER_DIED.format(code=code)
                job.end_without_worker(RunStatus.FAILED, reason)
                self._table.changed(job, version=True)
                self.write_finish(job, None, None)
            elif isinstance(job, Task):
                job.reply = {
                    "error": f"The model loader stopped unexpectedly (exit code {code}); the "
                    "file may be too large or damaged."
                    if isinstance(job.job, LoadModelJob)
                    else f"The worker stopped unexpectedly (exit code {code}); try again."
                }
                job.done.set()
            self._queue.update()
            replace = not self._closed() and worker.ready and self._pool.alive() < MIN_WARM_WORKERS
            self._wake.notify_all()
        with contextlib.suppress(OSError):
            worker.connection.close()
        return replace
