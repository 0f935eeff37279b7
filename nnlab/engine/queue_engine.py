"""The pages' engine when runs go through the job queue: the store is PostgreSQL.

Any number of app replicas and training machines share one database (nnlab.engine.job_queue).
This engine keeps to the same `TrainingEngine` contract as the local one, but trains nothing
itself: `submit` stores the run and defers its job (priority: a lab's k-th active run waits
behind everyone's first), the students' controls are rows a machine reads (nnlab.engine.machine),
and what pages read comes from memory, refreshed by one poller thread for every session of the
process: per refresh interval, one query for the active runs it follows (status, progress,
machine), one for the queue's order, and an epoch query only for runs that gained an epoch.
The app's own worker processes are a `Machine` in this process (`local_workers`), so one server
alone trains as before.

The poller also keeps the queue honest: queued runs of labs nobody watched for abandon_after_s
are cancelled; jobs of a machine whose heartbeat stopped are failed with MACHINE_LOST.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import math
import threading
import time
from collections import OrderedDict
from typing import Any

from nnlab import config
from nnlab.core.costs import RunCost
from nnlab.core.memory import check_memory, run_budget_mb
from nnlab.core.runs import LiveRun, Progress, RunStatus
from nnlab.core.spec import RunSpec
from nnlab.engine.job_queue import (
    LOAD_MODEL_TASK,
    LR_FIND_TASK,
    STALLED_AFTER_S,
    TRAIN_TASK,
    JobQueue,
)
from nnlab.engine.machine import Machine, pack_examples, pack_upload
from nnlab.engine.page_reads import PageReads, checked_continuation, checked_learning_rate
from nnlab.engine.pool import container_memory_mb, worker_count
from nnlab.engine.reasons import ABANDONED, MACHINE_LOST, NO_MACHINE, SERVER_RESTARTED
from nnlab.engine.records import RunState, new_record, new_run_id, starting_progress
from nnlab.engine.run_queue import DEFAULT_THROUGHPUT, CostTable
from nnlab.engine.run_table import RunTable
from nnlab.engine.writer import StoreWriter
from nnlab.inspection.network import Network
from nnlab.inspection.network_files import LoadedNetwork
from nnlab.store.contract import RunStore
from nnlab.store.database import StoreError
from nnlab.store.queue_tables import MachineRow

IDLE_POLL_S = 1.0
FOLLOW_POLL_S = 0.5  # the poll's pace with nothing active here (machines, stalled jobs)
STALLED_CHECK_S = 3.0
ORPHAN_AFTER_S = 60.0  # an active run with no job this old lost its job (not a replica's new run)
LOAD_TIMEOUT_S = 300.0
TASK_POLL_S = 0.2
PROGRESS_FIELDS = {spec_field.name for spec_field in dataclasses.fields(Progress)}


def _shown(run: RunState) -> tuple[Any, ...]:
    """What a run's snapshot shows, to tell whether a poll changed it."""
    return (
        run.record,
        run.progress,
        run.paused,
        run.stop_requested,
        run.queue_position,
        run.wait_estimate_s,
        run.worker_name,
        run.version,
    )


class QueueEngine(PageReads):
    """Training runs of every lab through the job queue on the store's PostgreSQL."""

    def __init__(
        self,
        store: RunStore,
        database_url: str,
        *,
        local_workers: int | None = None,
        abandon_after_s: float | None = None,
        max_active_per_lab: int = 2,
        machine_name: str | None = None,
    ) -> None:
        settings = config.current()
        self.store = store
        self.store_warning: str | None = None
        self.max_active_per_lab = max(1, max_active_per_lab)
        self.abandon_after_s = float(
            settings.abandon_s if abandon_after_s is None else abandon_after_s
        )
        self._writer = StoreWriter(lambda: self.store)
        self._queue = JobQueue(database_url)
        self._lock = threading.RLock()
        self._table = RunTable(self._writer.call, self._lock)
        self._costs = CostTable()
        self._counts = (0, 0)  # (training, queued) across every lab, as last polled
        self._machines: list[MachineRow] = []
        self._networks: OrderedDict[str, Network] = OrderedDict()
        self._replies: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lab_touch_written: dict[str, float] = {}
        self._closed = False
        self.polls = 0  # queue reads so far (one per refresh interval while runs are followed)
        self.poll_cpu_s = 0.0  # CPU seconds the poller spent (what every page's view costs)
        self._wake = threading.Event()
        wanted = local_workers if local_workers is not None else worker_count()
        self.local_workers = max(0, wanted)
        # A run's share of memory: the app's container split between its own workers.
        self._budget_mb = run_budget_mb(container_memory_mb(), max(1, self.local_workers))
        self._writer.start()
        self._writer.call(lambda s: s.delete_old_labs(settings.lab_max_age_days))
        self._writer.call(lambda s: s.expire_classes())
        self._fail_orphans()
        self.local: Machine | None = None
        if self.local_workers:
            self.local = Machine(
                database_url, workers=self.local_workers, name=machine_name, store=store
            )
            self.local.start()
        self._poller = threading.Thread(target=self._poll_loop, name="nnlab-poller", daemon=True)
        self._poller.start()
        atexit.register(self.shutdown)

    @property
    def run_memory_mb(self) -> float:
        """A run's share of the memory this server may use (nnlab.core.memory.run_budget_mb)."""
        return self._budget_mb

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
        """Queue a run of `spec` for `lab_id`; its id. LabBusy past max_active_per_lab;
        SpecError when it needs more memory than run_memory_mb."""
        if not isinstance(spec, RunSpec):
            raise ValueError(f"A training run needs a RunSpec; got {type(spec).__name__}.")
        check_memory(spec, self.run_memory_mb)
        if start_from is not None:
            source = self.live(start_from)
            if source is None or not source.has_model:
                raise ValueError("That run kept no model to start from.")
        self._ensure_lab_loaded(lab_id)
        with self._lock:
            if self._closed:
                raise RuntimeError("The training engine has shut down.")
            ahead = self._check_lab_room(lab_id)
            record = new_record(lab_id, spec, label=label, preset_key=preset_key)
        arguments: dict[str, Any] = {"start_from": start_from}
        try:
            if extra_train is not None:
                arguments["extra_task"] = new_run_id()
                payload = pack_examples(*extra_train)
                self.store.add_task(arguments["extra_task"], "extra_train", payload)
            self.store.add_run(record)
            self._queue.defer_train(record.run_id, -ahead, **arguments)
        except (StoreError, OSError) as error:
            raise ValueError(f"The run could not be queued: {error}") from None
        with self._lock:
            run = RunState(record, 0, starting_progress(spec))
            self._table.add(run)
            self._table.changed(run, version=True)
        self._wake.set()
        return record.run_id

    def stop(self, run_id: str) -> None:
        """End a run after its current batch, keeping its weights; a queued run leaves the queue."""
        with self._lock:
            run = self._table.runs.get(run_id)
            if run is None or not run.status.is_active:
                return
            run.stop_requested = True
            self._table.changed(run)
        job = self._job_of(run_id) if run.status == RunStatus.QUEUED else None
        if job is not None and self._queue.cancel(job):
            self._writer.call(
                lambda s: s.finish_run(run_id, status=RunStatus.STOPPED, ended_at=time.time())
            )
            with self._lock:
                run.end_without_worker(RunStatus.STOPPED, None)
                self._table.changed(run, version=True)
            return
        self.store.set_control(run_id, stop=True)  # a machine has it: it stops after the batch
        self._wake.set()

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
        run = self._table.runs.get(run_id)
        if run is None or run.status != RunStatus.RUNNING:
            raise ValueError("This run is not training now.")
        self.store.set_control(run_id, pause=pause, learning_rate=learning_rate)
        self._wake.set()

    def continue_run(self, run_id: str, extra_epochs: int) -> None:
        """Queue `extra_epochs` more epochs of an ended run, from its saved model and optimizer."""
        snapshot = self.live(run_id)
        checked_continuation(snapshot, extra_epochs)
        spec = snapshot.spec.replace(epochs=len(snapshot.history) + extra_epochs)
        self._ensure_lab_loaded(snapshot.lab_id)
        with self._lock:
            ahead = self._check_lab_room(snapshot.lab_id)
        done = len(snapshot.history)
        try:
            self.store.clear_control(run_id)
            self.store.update_run(
                run_id, status=RunStatus.QUEUED, spec=spec, error=None, ended_at=None
            )
            self._queue.defer_train(run_id, -ahead, start_from=run_id, initial_epoch=done)
        except (StoreError, OSError) as error:
            raise ValueError(f"The run could not be queued: {error}") from None
        with self._lock:
            run = self._table.revive(snapshot)
            run.requeue(spec, 0, run.train_options)
            self._table.seen(run.lab_id, time.monotonic())
            self._table.changed(run, version=True)
        self._wake.set()

    def find_learning_rate(self, spec: RunSpec) -> str:
        """Start the learning-rate range test for `spec` on a machine; its task id (see task)."""
        if not isinstance(spec, RunSpec):
            raise ValueError(f"The learning-rate test needs a RunSpec; got {type(spec).__name__}.")
        return self._start_task(LR_FIND_TASK, spec.to_json().encode())

    def task(self, task_id: str) -> dict[str, Any] | None:
        """A short job's reply once it is done (with "error" None or a message); None before."""
        if task_id in self._replies:
            return self._replies[task_id]
        answer = self._writer.call(lambda s: s.task_reply(task_id))
        if answer is None:
            return None
        reply = answer[0]
        self._replies[task_id] = reply
        while len(self._replies) > 64:
            self._replies.popitem(last=False)
        return reply

    def _start_task(self, task: str, payload: bytes) -> str:
        if not self._machines and not self.local_workers:
            raise ValueError(NO_MACHINE)
        task_id = new_run_id()
        try:
            self.store.add_task(task_id, task.rsplit(".", 1)[-1], payload)
            self._queue.defer_task(task, task_id)
        except (StoreError, OSError) as error:
            raise ValueError(f"The job could not be queued: {error}") from None
        return task_id

    def keras_bytes(self, run_id: str) -> bytes | None:
        """The run's model as a `.keras` file's bytes, or None when it has none."""
        return self._writer.call(lambda store: store.keras_bytes(run_id)) or None

    def load_model_file(self, data: bytes, filename: str, dataset_name: str) -> LoadedNetwork:
        """Check and load an uploaded model file on a machine; ValueError with a message."""
        if not data:
            raise ValueError("The file is empty.")
        task_id = self._start_task(LOAD_MODEL_TASK, pack_upload(data, filename, dataset_name))
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        answer = None
        while answer is None and time.monotonic() < deadline:
            time.sleep(TASK_POLL_S)  # the page waits for the file, as it does with local workers
            answer = self._writer.call(lambda s: s.task_reply(task_id))
        if answer is None:
            raise ValueError("Every worker is busy training; try loading the file again soon.")
        reply, result = answer
        if reply.get("error") or not result:
            raise ValueError(reply.get("error") or "The model file could not be loaded.")
        spec = RunSpec.from_json(reply["spec_json"]) if reply.get("spec_json") else None
        return LoadedNetwork(
            network=Network.from_bytes(result),
            spec=spec,
            label=reply.get("label"),
            dataset_name=reply.get("dataset_name") or dataset_name,
        )

    def load(self) -> tuple[int, int]:
        """(runs training, runs queued) across every lab and machine."""
        return self._counts

    def run_cost(self, spec: RunSpec) -> RunCost:
        """What a run of `spec` costs on one worker: measured per architecture, else arithmetic."""
        with self._lock:
            return self._costs.cost(spec, DEFAULT_THROUGHPUT)

    def workers(self) -> int:
        """How many worker processes the connected machines run (this server's own at least)."""
        connected = sum(machine.workers for machine in self._machines)
        return max(connected, self.local_workers, 1)

    def machines(self) -> list[MachineRow]:
        """The training machines connected now (a heartbeat within the last few seconds)."""
        return list(self._machines)

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Leave the queue: this server's own runs stop after their batch; queued runs stay."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake.set()
        if self.local is not None:
            self.local.stop(timeout_s)
        self._poller.join(5)
        self._writer.close(timeout_s)
        self._queue.close()
        with contextlib.suppress(Exception):
            atexit.unregister(self.shutdown)

    # --- reading the store ---

    def _lab_loaded(self, loaded: list[LiveRun]) -> None:
        # Active runs of another replica or an earlier process: followed like those made here.
        for snapshot in loaded:
            if snapshot.is_active and snapshot.run_id not in self._table.runs:
                self._table.changed(self._table.revive(snapshot))

    def _job_of(self, run_id: str) -> int | None:
        for job in self._queue.jobs("todo"):
            if job.run_id == run_id:
                return job.job_id
        return None

    def _poll_loop(self) -> None:
        next_check = 0.0
        while not self._closed:
            started = time.thread_time()
            try:
                followed = self._table.active_ids()
                self._poll(followed)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + STALLED_CHECK_S
                    self._machines = self.store.machines(STALLED_AFTER_S)
                    self._fail_stalled()
            except (StoreError, OSError) as error:
                self.store_error = str(error)
            except Exception as error:  # the poller must outlive any one bad row
                self.store_error = f"{type(error).__name__}: {error}"
            self.poll_cpu_s += time.thread_time() - started
            # At most FOLLOW_POLL_S while runs are followed: a page then sees a run's end within
            # its own refresh, not one poll interval later (the poll costs the same per class).
            pace = min(self.refresh_interval(), FOLLOW_POLL_S) if followed else IDLE_POLL_S
            self._wake.wait(pace)
            self._wake.clear()

    def _poll(self, followed: tuple[str, ...]) -> None:
        self.polls += 1
        todo, running = self._queue.waiting_and_running()
        self._counts = (
            sum(job.task == TRAIN_TASK for job in running),
            sum(job.task == TRAIN_TASK for job in todo),
        )
        if not followed:
            return
        positions = {job.run_id: place for place, job in enumerate(todo, start=1) if job.run_id}
        rows = self.store.live_rows(followed)
        histories = {}
        for record, _ in rows:
            run = self._table.runs.get(record.run_id)
            if run is not None and record.epochs_done > len(run.history):
                histories[record.run_id] = self.store.history(record.run_id)
        now = time.monotonic()
        per_worker = self.workers()
        with self._lock:
            for record, progress in rows:
                run = self._table.runs.get(record.run_id)
                if run is None:
                    continue
                before = _shown(run)
                self._apply(run, record, progress, histories.get(record.run_id))
                run.queue_position = positions.get(run.run_id, 0)
                run.wait_estimate_s = None
                if run.queue_position:
                    cost = self._costs.cost(run.spec, DEFAULT_THROUGHPUT)
                    waves = math.ceil(run.queue_position / per_worker)
                    run.wait_estimate_s = waves * cost.run_seconds(run.spec)
                if _shown(run) != before:  # a new snapshot only for what pages would see change
                    self._table.changed(run)
            abandoned = [
                run
                for run in self._table.runs.values()
                if run.status == RunStatus.QUEUED
                and self._table.unseen_for(run.lab_id, now) > self.abandon_after_s
            ]
        for run in abandoned:
            self._cancel_abandoned(run, {job.run_id: job.job_id for job in todo})

    def _apply(self, run: RunState, record: Any, progress: dict[str, Any], history: Any) -> None:
        """A followed run's row, as polled (with the engine's lock)."""
        status_changed = record.status != run.status
        if history is not None:
            for row in history[len(run.history) :]:
                self._costs.epoch(
                    run.spec,
                    record.train_images or 0,
                    row.figure("seconds") or 0.0,
                    cold=row.epoch == 1,
                )
            run.history = list(history)
        stop_requested = run.stop_requested
        run.record = dataclasses.replace(record, epochs_done=len(run.history))
        run.worker_name = record.machine
        if progress:
            fields = {key: value for key, value in progress.items() if key in PROGRESS_FIELDS}
            with contextlib.suppress(TypeError):
                run.progress = Progress(**fields)
            paused = bool(progress.get("paused"))
            status_changed = status_changed or paused != run.paused
            run.paused = paused
            run.stop_requested = stop_requested or bool(progress.get("stop_requested"))
        if not record.status.is_active:
            run.paused = False
            run.queue_position, run.wait_estimate_s = 0, None
        if status_changed or history is not None:
            run.version += 1

    def _cancel_abandoned(self, run: RunState, jobs: dict[str | None, int]) -> None:
        job = jobs.get(run.run_id)
        if job is None or not self._queue.cancel(job):
            return
        reason = ABANDONED.format(seconds=self.abandon_after_s)
        self._writer.call(
            lambda s: s.finish_run(
                run.run_id, status=RunStatus.STOPPED, error=reason, ended_at=time.time()
            )
        )
        with self._lock:
            run.end_without_worker(RunStatus.STOPPED, reason)
            self._table.changed(run, version=True)

    def _fail_stalled(self) -> None:
        """Fail the runs and tasks of machines whose heartbeat stopped."""
        for job in self._queue.stalled(STALLED_AFTER_S):
            if job.run_id:
                record = self.store.get_run(job.run_id)
                if record is not None and record.status.is_active:
                    machine = record.machine or "?"
                    reason = MACHINE_LOST.format(machine=machine, seconds=STALLED_AFTER_S)
                    self.store.finish_run(
                        job.run_id, status=RunStatus.FAILED, error=reason, ended_at=time.time()
                    )
            elif job.arguments.get("task_id"):
                reply = {"error": "The training machine stopped answering; try again."}
                self.store.finish_task(str(job.arguments["task_id"]), reply, None)
            self._queue.fail(job.job_id)

    def _fail_orphans(self) -> None:
        """At start: active runs whose job is gone (not a replica's run of this minute) failed."""
        try:
            jobs = {job.run_id for status in ("todo", "doing") for job in self._queue.jobs(status)}
            for record in self.store.active_runs():
                if record.run_id not in jobs and time.time() - record.created_at > ORPHAN_AFTER_S:
                    self.store.finish_run(
                        record.run_id,
                        status=RunStatus.FAILED,
                        error=SERVER_RESTARTED,
                        ended_at=time.time(),
                    )
        except (StoreError, OSError) as error:
            self.store_error = str(error)
