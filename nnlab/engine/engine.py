"""The classroom engine: a fair queue of training runs served by worker processes.

The app process never imports TensorFlow (Streamlit clears Keras' session and collects garbage
after every script run while keras is imported, which starves training). Runs train in worker
processes (`nnlab.engine.worker`, started by `nnlab.engine.pool`); the engine keeps the queue,
reads the workers' events (`nnlab.engine.protocol`) on a thread and writes them to the store from
another (`nnlab.engine.writer`). A machine of the job queue (nnlab.engine.machine) runs one too.

- Fair queue (`nnlab.engine.queue`): the next run goes to the lab with the fewest runs training,
  then the lab served longest ago, then the oldest run. Queued runs of a lab nobody has watched
  for `abandon_after_s` are cancelled; running runs always finish and are stored.
- Reading is cheap: `live` and `lab_runs` return frozen snapshots kept in memory and rebuilt
  only when an event arrives, so a page refresh never queries the database for active runs.
- A store that fails (disk full, database gone) does not stop training: the state stays in
  memory and `store_error` says what went wrong."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from nnlab import config
from nnlab.core.costs import RunCost
from nnlab.core.memory import check_memory
from nnlab.core.runs import EpochRow, RunRecord, RunStatus
from nnlab.core.spec import RunSpec
from nnlab.engine.events import EventHandler
from nnlab.engine.memory_guard import MemoryGuard
from nnlab.engine.page_reads import (
    MAX_LEARNING_RATE,
    PageReads,
    checked_continuation,
    checked_learning_rate,
)
from nnlab.engine.pool import MIN_WARM_WORKERS, Worker, WorkerPool, cpu_budget, worker_count
from nnlab.engine.protocol import (
    GOODBYE,
    Control,
    LoadModelJob,
    LrFindJob,
    TaskJob,
    TrainJob,
    TrainOptions,
)
from nnlab.engine.reasons import ABANDONED, SERVER_RESTARTED
from nnlab.engine.records import LabBusy, RunState, Task, new_record, starting_progress
from nnlab.engine.run_queue import RunQueue
from nnlab.engine.run_table import RunTable
from nnlab.engine.writer import AddRun, FailInterrupted, StoreWriter, TouchRuns, UpdateRun
from nnlab.inspection.network import Network
from nnlab.inspection.network_files import LoadedNetwork
from nnlab.store.contract import RunStore
from nnlab.store.queue_tables import MachineRow

# Pages and tests import these from here (they live in records and page_reads).
__all__ = ["MAX_LEARNING_RATE", "Engine", "LabBusy"]

KEPT_TASKS = 64  # finished short jobs (learning-rate tests) whose replies pages may still ask for
# Active runs are marked alive this often; another process (a replica on a shared PostgreSQL,
HEARTBEAT_S = 30.0  # or this server after a crash) fails runs nobody marked for STALE_AFTER_S.
STALE_AFTER_S = 120.0
LOAD_TIMEOUT_S = 300.0


class Engine(PageReads):
    """Training runs of every lab in this process: queue, workers, live state and storage."""

    def __init__(
        self,
        store: RunStore,
        *,
        workers: int | None = None,
        abandon_after_s: float | None = None,
        max_active_per_lab: int = 2,
        runs_per_worker: int = 20,
        worker_memory_mb: float = 1500.0,
        prestart_workers: int = 1,
        tick_s: float = 0.25,
        machine_name: str | None = None,
        housekeeping: bool = True,
    ) -> None:
        # machine_name: stored with each run; housekeeping False (a machine of the job queue):
        settings = config.current()
        self.machine_name = machine_name or socket.gethostname()
        self.store = store
        # Why the configured store could not be used (get_engine sets it; config's own: pages).
        self.store_warning: str | None = None
        self._writer = StoreWriter(lambda: self.store)
        wanted = max(1, workers if workers is not None else worker_count())
        self.threads_per_worker = max(1, cpu_budget() // wanted)
        self.abandon_after_s = float(
            settings.abandon_s if abandon_after_s is None else abandon_after_s
        )
        self.max_active_per_lab = max(1, max_active_per_lab)
        self.runs_per_worker = max(1, runs_per_worker)
        self.worker_idle_s = settings.worker_idle_s  # an idle worker exits after this long
        self._tick_s = tick_s
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._pool = WorkerPool(self._lock, wanted, self.threads_per_worker, worker_memory_mb)
        # Stops a run that grows past its share of memory; specs past it are refused at submit.
        self._guard = MemoryGuard(self._lock, self._pool, wanted)
        self.worker_start_seconds = self._pool.start_seconds  # how long each took to be ready
        self._table = RunTable(self._writer.call, self._lock)
        self._lab_touch_written: dict[str, float] = {}
        self._queue = RunQueue(self._pool, self._table)  # runs waiting for a worker
        self._load_requests: list[Task] = []  # short jobs, served before queued runs
        self._tasks: OrderedDict[str, Task] = OrderedDict()  # recent ones, by id, for pages
        self._next_job_no = 0
        self._sequence = 0
        self._networks: OrderedDict[str, Network] = OrderedDict()
        self._closed = False
        self._events = EventHandler(
            self._wake,
            self._table,
            self._queue,
            self._pool,
            self._writer,
            lambda: self._closed,
        )
        # In SQLite every active run belongs to a process that is gone; a shared database may
        # hold a replica's live runs, so there only stale ones are failed.
        self._stale_after_s = STALE_AFTER_S if store.backend != "sqlite" else 0.0
        if not housekeeping:  # leaves stale runs, old labs and classes to the app
            self._stale_after_s = 0.0
        self._next_heartbeat = time.monotonic() + HEARTBEAT_S
        stale_after_s = self._stale_after_s
        if housekeeping:
            self._writer.call(
                lambda s: s.fail_interrupted(SERVER_RESTARTED, older_than_s=stale_after_s)
            )
            # Labs unseen past the age limit go with their runs and models; expired classes too.
            self._writer.call(lambda s: s.delete_old_labs(settings.lab_max_age_days))
            self._writer.call(lambda s: s.expire_classes())
        self._reader = threading.Thread(target=self._read_loop, name="nnlab-reader", daemon=True)
        self._dispatcher = threading.Thread(
            target=self._dispatch_loop, name="nnlab-dispatcher", daemon=True
        )
        self._writer.start()
        self._reader.start()
        self._dispatcher.start()
        self._guard.start()
        for _ in range(min(max(0, prestart_workers), wanted)):
            self._start_worker()
        atexit.register(self.shutdown)

    @property
    def run_memory_mb(self) -> float:
        """A run's share of the memory this server may use (nnlab.core.memory.run_budget_mb)."""
        return self._guard.budget_mb

    @property
    def store_error(self) -> str | None:
        """The last failed store call's message, for the pages to show."""
        return self._writer.error

    @store_error.setter
    def store_error(self, message: str | None) -> None:
        self._writer.error = message

    # --- what pages call ---

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
        """Queue a run of `spec` for `lab_id`; its id. LabBusy past max_active_per_lab.

        start_from: a run id whose saved model (weights and optimizer) this run starts from,
        as fine-tuning does; `spec` must build the same network. extra_train: (uint8 images
        N x 28 x 28, class numbers) added to the training data, such as a class's handwriting.
        """
        if not isinstance(spec, RunSpec):
            raise ValueError(f"A training run needs a RunSpec; got {type(spec).__name__}.")
        check_memory(spec, self.run_memory_mb)  # a SpecError that says what to lower
        initial_model_bytes = None
        if start_from is not None:
            initial_model_bytes = self.keras_bytes(start_from)
            if not initial_model_bytes:
                raise ValueError("That run kept no model to start from.")
        options = TrainOptions(initial_model_bytes=initial_model_bytes, extra_train=extra_train)
        self._ensure_lab_loaded(lab_id)
        with self._lock:
            if self._closed:
                raise RuntimeError("The training engine has shut down.")
            self._check_lab_room(lab_id)
            self._sequence += 1
            record = new_record(lab_id, spec, label=label, preset_key=preset_key)
            run = RunState(record, self._sequence, starting_progress(spec), train_options=options)
            self._table.add(run)
            self._queue.append(run)
            self._writer.put(AddRun(run.stored()))
            self._queue.update()
            self._wake.notify_all()
        return run.run_id

    def adopt(self, record: RunRecord, history: Sequence[EpochRow], options: TrainOptions) -> None:
        """Train a run already stored as queued (a job the queue handed this training machine)."""
        check_memory(record.spec, self.run_memory_mb)  # this machine's share, before building
        with self._lock:
            if self._closed:
                raise RuntimeError("The training engine has shut down.")
            self._sequence += 1
            progress = starting_progress(record.spec, len(history))
            run = RunState(record, self._sequence, progress, list(history), train_options=options)
            self._table.add(run)
            self._table.changed(run)
            self._queue.append(run)
            self._queue.update()
            self._wake.notify_all()

    def flush_store(self, timeout_s: float = 60.0) -> bool:
        """Wait until every store write queued so far has landed; False past the timeout."""
        return self._writer.flush(timeout_s)

    def stop(self, run_id: str) -> None:
        """End a run after its current batch, keeping its weights; a queued run leaves the queue."""
        with self._lock:
            run = self._table.runs.get(run_id)
            if run is None or not run.status.is_active:
                return
            run.stop_requested = True
            if run.worker is None:
                self._queue.discard(run)
                self._end_queued(run, error=None)
                self._queue.update()
            else:
                run.worker.stop_value.value = run.job_no
                self._table.changed(run)
            self._wake.notify_all()

    def pause(self, run_id: str) -> None:
        """Hold a training run after its current batch (model and optimizer kept as they are)."""
        self._control(run_id, pause=True)

    def resume(self, run_id: str) -> None:
        """Let a paused run train on."""
        self._control(run_id, pause=False)

    def set_learning_rate(self, run_id: str, learning_rate: float) -> None:
        """Train a running (or paused) run at `learning_rate` from its next batch on."""
        self._control(run_id, learning_rate=checked_learning_rate(learning_rate))

    def _control(
        self, run_id: str, *, pause: bool | None = None, learning_rate: float | None = None
    ) -> None:
        with self._lock:
            run = self._table.runs.get(run_id)
            if run is None or run.worker is None or run.status != RunStatus.RUNNING:
                raise ValueError("This run is not training now.")
            worker, job_no = run.worker, run.job_no
        worker.send(Control(job_no, pause=pause, learning_rate=learning_rate))

    def continue_run(self, run_id: str, extra_epochs: int) -> None:
        """Queue `extra_epochs` more epochs of an ended run, from its saved model and optimizer.

        The run keeps its id and its history goes on (epoch n+1, n+2, ...); the same seed gives
        the same batches as one longer run would have had (and, without dropout, the same
        figures: Keras saves no state of the dropout masks' generator). ValueError when the
        run cannot go on (still active, no saved model, too many epochs); LabBusy as submit.
        """
        snapshot = self.live(run_id)
        checked_continuation(snapshot, extra_epochs)
        keras_bytes = self.keras_bytes(run_id)
        if not keras_bytes:
            raise ValueError("This run kept no model to continue from; train it again instead.")
        spec = snapshot.spec.replace(epochs=len(snapshot.history) + extra_epochs)
        self._ensure_lab_loaded(snapshot.lab_id)
        with self._lock:
            self._check_lab_room(snapshot.lab_id)
            run = self._table.revive(snapshot)
            self._sequence += 1
            epochs_done = len(run.history)
            options = TrainOptions(initial_model_bytes=keras_bytes, initial_epoch=epochs_done)
            run.requeue(spec, self._sequence, options)
            self._table.seen(run.lab_id, time.monotonic())
            self._queue.append(run)
            self._table.changed(run, version=True)
            changes = {"status": RunStatus.QUEUED, "spec": spec, "error": None, "ended_at": None}
            self._writer.put(UpdateRun(run_id, changes))
            self._queue.update()
            self._wake.notify_all()

    def find_learning_rate(self, spec: RunSpec) -> str:
        """Start the learning-rate range test for `spec` in a worker; its task id (see task)."""
        if not isinstance(spec, RunSpec):
            raise ValueError(f"The learning-rate test needs a RunSpec; got {type(spec).__name__}.")
        return self._start_task(LrFindJob(0, spec.to_json()), keep=True).task_id

    def task(self, task_id: str) -> dict[str, Any] | None:
        """A short job's reply once it is done (with "error" None or a message); None before."""
        task = self._tasks.get(task_id)
        if task is None:
            return {"error": "This result is no longer kept; start again."}
        return task.reply if task.done.is_set() else None

    def _start_task(self, job: TaskJob, *, keep: bool = False) -> Task:
        """Queue a short job; `keep` it by id for `task` (recent ones only)."""
        task = Task(job)
        with self._lock:
            if self._closed:
                raise RuntimeError("The training engine has shut down.")
            if keep:
                self._tasks[task.task_id] = task
                while len(self._tasks) > KEPT_TASKS:
                    self._tasks.popitem(last=False)
            self._load_requests.append(task)
            self._wake.notify_all()
        return task

    def _unstored_network(self, run_id: str) -> bytes | None:
        """An ended run's network file while the store does not have it yet."""
        return self._events.pending.network.get(run_id)

    def keras_bytes(self, run_id: str) -> bytes | None:
        """The run's model as a `.keras` file's bytes, or None when it has none."""
        data = self._events.pending.keras.get(run_id)
        if data is not None:
            return data
        return self._writer.call(lambda store: store.keras_bytes(run_id)) or None

    def load_model_file(self, data: bytes, filename: str, dataset_name: str) -> LoadedNetwork:
        """Check and load an uploaded model file in a worker; ValueError with a message."""
        if not data:
            raise ValueError("The file is empty.")
        request = self._start_task(LoadModelJob(0, bytes(data), str(filename), dataset_name))
        if not request.done.wait(LOAD_TIMEOUT_S):
            with self._lock:
                if request in self._load_requests:
                    self._load_requests.remove(request)
            raise ValueError("Every worker is busy training; try loading the file again soon.")
        reply = request.reply or {"error": "The model file could not be loaded."}
        if reply.get("error"):
            raise ValueError(reply["error"])
        spec = RunSpec.from_json(reply["spec_json"]) if reply.get("spec_json") else None
        return LoadedNetwork(
            network=Network.from_bytes(reply["network_bytes"]),
            spec=spec,
            label=reply.get("label"),
            dataset_name=reply.get("dataset_name") or dataset_name,
        )

    def load(self) -> tuple[int, int]:
        """(runs training, runs queued) across every lab."""
        return self._queue.counts

    def run_cost(self, spec: RunSpec) -> RunCost:
        """What a run of `spec` costs on one worker here: measured per architecture, else its
        arithmetic (nnlab.core.costs turns it into a run's, a class's or a queue's time)."""
        with self._lock:
            return self._queue.cost(spec)

    def workers(self) -> int:
        """How many worker processes this engine runs at most."""
        return self._pool.wanted

    def machines(self) -> list[MachineRow]:
        """The machines that train runs: this server, with its worker processes."""
        busy, pid = self.load()[0], os.getpid()
        return [MachineRow("local", self.machine_name, pid, self.workers(), busy, 0, time.time())]

    def warm_up(self) -> None:
        """Start every worker now rather than when runs first wait for one."""
        with self._lock:
            missing = self._pool.wanted - sum(1 for w in self._pool.workers if not w.retiring)
        for _ in range(max(0, missing)):
            self._start_worker()

    def worker_pids(self) -> list[int]:
        """Process ids of the workers alive now (for tests and the teacher's view)."""
        with self._lock:
            return self._pool.pids()

    def worker_pid(self, run_id: str) -> int | None:
        """The process id of the worker that trains (or trained) `run_id`, if it reached one."""
        run = self._table.runs.get(run_id)
        return run.worker_pid if run is not None else None

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop the workers (politely, then by force) and the engine's threads."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._guard.stop()
            self._pool.closed = True
            workers = list(self._pool.workers)
            busy = {id(worker) for worker in workers if worker.job is not None}
            for worker in workers:
                if isinstance(worker.job, RunState):
                    worker.stop_value.value = worker.job.job_no
            self._wake.notify_all()
        self._pool.stop(workers, busy, timeout_s)
        self._dispatcher.join(2)
        self._reader.join(5)
        self._writer.close(timeout_s)
        with contextlib.suppress(Exception):
            atexit.unregister(self.shutdown)

    # --- state changes (call with the lock held) ---

    def _end_queued(self, run: RunState, error: str | None) -> None:
        """Take a run that never reached a worker out as 'stopped'."""
        run.end_without_worker(RunStatus.STOPPED, error)
        self._table.changed(run, version=True)
        self._events.write_finish(run, None, None)

    # --- workers ---

    def _start_worker(self) -> Worker | None:
        worker = self._pool.start()
        with self._lock:
            self._wake.notify_all()
        return worker

    def _dispatch_loop(self) -> None:
        while True:
            sends: list[tuple[Worker, Any]] = []
            start_new = 0
            with self._lock:
                if self._closed:
                    return
                self._cancel_abandoned()
                self._table.evict_idle_labs()
                self._heartbeat()
                self._queue.update_if_stale()  # wait estimates follow the runs' progress
                idle = self._pool.idle()
                alive = self._pool.alive()
                labs_seen = self._table.seen_within(self.worker_idle_s)
                if not (self._queue or self._load_requests):
                    retire = self._pool.retire_idle(
                        self.worker_idle_s, labs_seen, self.runs_per_worker
                    )
                    sends.extend((worker, GOODBYE) for worker in retire)
                while idle and self._load_requests:
                    sends.append(self._dispatch_task(idle.pop(0), self._load_requests.pop(0)))
                dispatched = False
                while idle and self._queue:
                    sends.append(self._dispatch_run(idle.pop(0)))
                    dispatched = True
                if dispatched:
                    self._queue.update()
                waiting = len(self._queue) + len(self._load_requests)
                # A class is here: workers ahead of its runs, never beside a retiring one
                # (two TensorFlow starts and an exiting worker at once cost the class more).
                warm = self._pool.warm_target(labs_seen)
                start_new = max(
                    0,
                    min(waiting, self._pool.wanted - alive),
                    warm - self._pool.processes() if warm > MIN_WARM_WORKERS else 0,
                )
                if not sends and not start_new:
                    self._wake.wait(self._tick_s)
            for worker, message in sends:
                worker.send(message)
            for _ in range(start_new):
                self._start_worker()

    def _dispatch_task(self, worker: Worker, task: Task) -> tuple[Worker, TaskJob]:
        self._next_job_no += 1
        task.job = dataclasses.replace(task.job, job_no=self._next_job_no)
        worker.job = task
        return worker, task.job

    def _dispatch_run(self, worker: Worker) -> tuple[Worker, TrainJob]:
        run = self._queue.pop_next()
        self._next_job_no += 1
        run.job_no = self._next_job_no
        run.worker = worker
        run.worker_pid = worker.process.pid
        run.worker_name = worker.name
        run.update(machine=self.machine_name)
        run.warm = worker.note_trained(run.spec.step_key())
        worker.job = run
        run.queue_position, run.wait_estimate_s = 0, 0.0  # on its way: Started comes next
        self._table.changed(run)
        options, run.train_options = run.train_options, TrainOptions()
        return worker, TrainJob(run.job_no, run.spec.to_json(), run.record.label, options)

    def _cancel_abandoned(self) -> None:
        """Cancel queued runs of labs nobody has watched for abandon_after_s."""
        gone = self._queue.abandoned(self.abandon_after_s)
        for run in gone:
            self._end_queued(run, ABANDONED.format(seconds=self.abandon_after_s))
        if gone:
            self._queue.update()

    def _heartbeat(self) -> None:
        """Mark this process's active runs alive in the store; fail stale ones of dead ones."""
        now = time.monotonic()
        if now < self._next_heartbeat:
            return
        self._next_heartbeat = now + HEARTBEAT_S
        active = self._table.active_ids()
        if active:
            self._writer.put(TouchRuns(active))
        if self._stale_after_s:
            self._writer.put(FailInterrupted(SERVER_RESTARTED, self._stale_after_s))

    # --- events from the workers ---

    def _read_loop(self) -> None:
        while True:
            with self._lock:
                # After shutdown, read on until the workers are gone: a stopped run's last
                # events (its weights) still reach the store.
                if self._closed and not self._pool.workers:
                    return
                workers = list(self._pool.workers)
            if not workers:
                time.sleep(self._tick_s)  # nothing to read until the first worker starts
                continue
            received, exited = self._pool.wait(workers, self._tick_s)
            for worker, worker_events in received:
                for event in worker_events:
                    self._events.handle(worker, event)
            for worker in exited:
                if self._events.worker_exited(worker):
                    # Keep a warm worker ready; the dispatcher starts more when work waits.
                    self._start_worker()
