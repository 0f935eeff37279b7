"""A training machine: takes jobs from the queue on the store's PostgreSQL and trains them here.

`python -m nnlab.worker --database-url postgresql://... --workers 2` runs one (nnlab/worker.py);
the app runs one too for its own worker processes (nnlab.engine.queue_engine), so a server alone
trains as before. A machine is the ordinary `Engine` (its worker processes, its fair queue, its
store writer: one training path) fed by procrastinate's worker instead of pages:

- procrastinate's asyncio worker runs in a thread with `concurrency` = the engine's workers, so
  the machine takes a job only when a worker of its own can start it; each job's function (run
  in a thread by procrastinate) reads the run from the store (its spec validated there, before
  anything is built), hands it to the engine (`Engine.adopt`) and returns when the run ended
  and its result and model are stored;
- the engine writes what a run does to the store as it always does (status, epoch rows, errors,
  the model); a sync thread adds what only memory held: the live progress a few times a second,
  and reads the students' stop, pause and learning-rate rows for the runs here (within
  CONTROL_POLL_S), and beats the machine's row (which the app counts);
- procrastinate's own heartbeat (nnlab.engine.job_queue.HEARTBEAT_S) lets the app find the jobs
  of a machine that died and fail their runs with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import logging
import math
import os
import socket
import threading
import time
import uuid
from typing import Any

from nnlab.core.runs import RunStatus
from nnlab.core.spec import RunSpec
from nnlab.engine.engine import Engine
from nnlab.engine.job_queue import (
    HEARTBEAT_S,
    LOAD_MODEL_TASK,
    LR_FIND_TASK,
    QUEUE,
    STALLED_AFTER_S,
    TRAIN_TASK,
    ensure_schema,
    libpq_url,
)
from nnlab.engine.pool import worker_count
from nnlab.engine.protocol import TrainOptions
from nnlab.engine.reasons import UNREADABLE_SPEC
from nnlab.store.database import StoreError
from nnlab.store.queue_tables import MachineRow, RunControl

log = logging.getLogger(__name__)

CONTROL_POLL_S = 0.2  # how often the students' controls are read (a stop lands within 1 s)
PROGRESS_WRITE_S = 0.5  # how often a running run's progress is written (the live view draws it)
MACHINE_BEAT_S = 3.0  # how often the machine's row says it is alive (and how busy)
RUN_WAIT_S = 0.1  # how often a job's thread looks whether its run ended
TASK_TIMEOUT_S = 300.0
MACHINE_RUNS_PER_WORKER = 200


def pack_upload(data: bytes, filename: str, dataset_name: str) -> bytes:
    """An uploaded model file and what it is, as one task payload."""
    header = json.dumps({"filename": filename, "dataset_name": dataset_name}).encode()
    return header + b"\n" + bytes(data)


def unpack_upload(payload: bytes) -> tuple[bytes, str, str]:
    """(file bytes, file name, data set name) of a payload made by pack_upload."""
    header, _, data = payload.partition(b"\n")
    facts = json.loads(header)
    return data, str(facts["filename"]), str(facts["dataset_name"])


def pack_examples(images: Any, labels: Any) -> bytes:
    """Extra training examples (uint8 images, labels) as a task payload (.npz)."""
    import numpy as np

    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=np.asarray(images, np.uint8), labels=np.asarray(labels))
    return buffer.getvalue()


def unpack_examples(payload: bytes) -> tuple[Any, Any]:
    """(images, labels) of a payload made by pack_examples (no pickles are read)."""
    import numpy as np

    with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
        return arrays["images"].astype(np.uint8), arrays["labels"].astype(np.int64)


def _json_safe(value: Any) -> Any:
    """A learning-rate test's reply as JSON can carry it (NumPy numbers and arrays as lists)."""
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


class MachineLeavingError(RuntimeError):
    """This machine is leaving: the job goes back to the queue (procrastinate retries it)."""


class Machine:
    """Worker processes of this machine, serving the job queue of one PostgreSQL store."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int | None = None,
        name: str | None = None,
        store: Any = None,
    ) -> None:
        from nnlab.store.store import Store

        self.database_url = database_url
        libpq_url(database_url)  # ValueError before anything opens: only PostgreSQL has the queue
        self.store = store if store is not None else Store(database_url)
        ensure_schema(database_url)
        self.name = (name or socket.gethostname())[:200]
        self.machine_id = uuid.uuid4().hex[:16]
        self.started_at = time.time()
        count = max(1, workers if workers is not None else worker_count())
        self.engine = Engine(
            self.store,
            workers=count,
            abandon_after_s=math.inf,  # the app cancels abandoned runs before a machine takes them
            max_active_per_lab=1_000_000,  # the app limits a lab's runs
            prestart_workers=count,
            # A machine gets one run at a time, so it is idle between every two: a worker is
            # replaced after many runs (or past its memory mark), not every 20 with a new import.
            runs_per_worker=MACHINE_RUNS_PER_WORKER,
            machine_name=self.name,
            housekeeping=False,
        )
        self._active: set[str] = set()  # runs this machine took and has not finished
        self._applied: dict[str, RunControl] = {}  # the controls already applied, per run
        self._written: dict[str, dict[str, Any]] = {}  # the progress last written, per run
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker_task: asyncio.Task[Any] | None = None
        self._serving = threading.Thread(target=self._serve, name="nnlab-jobs", daemon=True)
        self._syncing = threading.Thread(target=self._sync_loop, name="nnlab-sync", daemon=True)

    @property
    def workers(self) -> int:
        """How many worker processes train here."""
        return self.engine.workers()

    def start(self) -> None:
        """Connect to the queue and take jobs (returns at once)."""
        self._beat()
        self._serving.start()
        self._syncing.start()

    def stop(self, timeout_s: float = 20.0) -> None:
        """Leave: stop taking jobs, end the runs here after their batch (stored), disconnect."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        # First no new job (procrastinate's graceful stop waits for the running ones), then the
        # runs here end "stopped" after their batch, so their job functions return.
        loop, task = self._loop, self._worker_task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)
        self.engine.shutdown(timeout_s)
        self._serving.join(timeout_s)
        self._syncing.join(2)
        with contextlib.suppress(StoreError):
            self.store.remove_machine(self.machine_id)

    # --- procrastinate's side ---

    def _serve(self) -> None:
        import procrastinate

        connector = procrastinate.PsycopgConnector(
            conninfo=libpq_url(self.database_url),
            min_size=1,
            max_size=self.workers + 3,
            kwargs={"connect_timeout": 10},
        )
        app = procrastinate.App(connector=connector)
        # A job taken in the instant this machine leaves goes back to the queue for another.
        leaving = procrastinate.RetryStrategy(
            max_attempts=3, retry_exceptions={MachineLeavingError}
        )
        app.task(name=TRAIN_TASK, queue=QUEUE, retry=leaving)(self.train)
        app.task(name=LR_FIND_TASK, queue=QUEUE)(self.find_learning_rate)
        app.task(name=LOAD_MODEL_TASK, queue=QUEUE)(self.load_model)

        async def serve() -> None:
            async with app.open_async():
                self._worker_task = asyncio.current_task()
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=self.workers,
                    name=self.name,
                    install_signal_handlers=False,
                    update_heartbeat_interval=HEARTBEAT_S,
                    stalled_worker_timeout=STALLED_AFTER_S,
                    delete_jobs="successful",
                    shutdown_graceful_timeout=15,
                )

        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(serve())
        except (asyncio.CancelledError, KeyboardInterrupt):
            pass
        except Exception:  # the queue is gone (database down): say so, the app sees no beat
            log.exception("training machine %s: the job queue stopped", self.name)
        finally:
            self._loop.close()

    # --- the jobs (each runs in a thread of procrastinate's) ---

    def train(
        self,
        run_id: str,
        start_from: str | None = None,
        initial_epoch: int | None = None,
        extra_task: str | None = None,
    ) -> str:
        """Train one queued run here; returns its status once it ended and is stored."""
        if self._stopping.is_set():
            raise MachineLeavingError(self.name)
        record = self.store.get_run(run_id)  # its spec is parsed and validated here
        if record is None:
            self.store.update_run(
                run_id, status=RunStatus.FAILED, error=UNREADABLE_SPEC, ended_at=time.time()
            )
            return "unreadable"
        if record.status != RunStatus.QUEUED:
            return "not queued"  # stopped or cancelled while the job waited
        try:
            initial_model = self.store.keras_bytes(start_from) if start_from else None
            if start_from and not initial_model:
                raise ValueError("That run kept no model to start from.")
            extra = (
                unpack_examples(self.store.task_payload(extra_task) or b"") if extra_task else None
            )
            history = self.store.history(run_id) if initial_epoch else []
            options = TrainOptions(initial_model, initial_epoch, extra)
            self._active.add(run_id)
            self._applied[run_id] = RunControl()
            self.engine.adopt(record, history, options)
        except (ValueError, KeyError, OSError, RuntimeError) as error:
            self._forget(run_id)
            message = str(error) or type(error).__name__
            self.store.finish_run(
                run_id, status=RunStatus.FAILED, error=message, ended_at=time.time()
            )
            return "refused"
        while True:
            snapshot = self.engine.live(run_id)
            if snapshot is None or not snapshot.is_active:
                break
            time.sleep(RUN_WAIT_S)  # a job thread of procrastinate's; the run trains elsewhere
        self.engine.flush_store()
        self._forget(run_id)
        return snapshot.status.value if snapshot is not None else "gone"

    def find_learning_rate(self, task_id: str) -> str:
        """The learning-rate range test of the spec in the task's payload; its reply stored."""
        try:
            spec = RunSpec.from_json((self.store.task_payload(task_id) or b"").decode())
            local_id = self.engine.find_learning_rate(spec)
            reply = self._wait_task(local_id)
        except ValueError as error:
            reply = {"error": str(error) or "The learning-rate test could not run."}
        self.store.finish_task(task_id, _json_safe(reply), None)
        return "done"

    def load_model(self, task_id: str) -> str:
        """Check and load the uploaded model file in the task's payload; its network stored."""
        result = None
        try:
            data, filename, dataset_name = unpack_upload(self.store.task_payload(task_id) or b"")
            loaded = self.engine.load_model_file(data, filename, dataset_name)
            spec_json = loaded.spec.to_json() if loaded.spec is not None else None
            reply: dict[str, Any] = {
                "label": loaded.label,
                "spec_json": spec_json,
                "dataset_name": loaded.dataset_name,
                "error": None,
            }
            result = loaded.network.to_bytes()
        except (ValueError, KeyError) as error:
            reply = {"error": str(error) or "The model file could not be loaded."}
        self.store.finish_task(task_id, reply, result)
        return "done"

    def _wait_task(self, local_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + TASK_TIMEOUT_S
        while time.monotonic() < deadline:
            reply = self.engine.task(local_id)
            if reply is not None:
                return reply
            time.sleep(RUN_WAIT_S)
        return {"error": "The learning-rate test took too long; try again."}

    def _forget(self, run_id: str) -> None:
        self._active.discard(run_id)
        self._applied.pop(run_id, None)
        self._written.pop(run_id, None)

    # --- what only memory holds: progress, the students' controls, the machine's beat ---

    def _sync_loop(self) -> None:
        next_progress = next_beat = 0.0
        while not self._stopping.wait(CONTROL_POLL_S):
            try:
                active = sorted(self._active)
                if active:
                    self._apply_controls(active)
                now = time.monotonic()
                if active and now >= next_progress:
                    next_progress = now + PROGRESS_WRITE_S
                    self._write_progress(active)
                if now >= next_beat:
                    next_beat = now + MACHINE_BEAT_S
                    self._beat()
            except StoreError as error:  # the database is away for now: the next tick retries
                log.warning("training machine %s: %s", self.name, error)

    def _apply_controls(self, run_ids: list[str]) -> None:
        for run_id, control in self.store.controls(run_ids).items():
            applied = self._applied.get(run_id)
            if applied is None:
                continue
            with contextlib.suppress(ValueError):  # not training yet: applied on a later tick
                if control.stop and not applied.stop:
                    self.engine.stop(run_id)
                    applied = dataclasses.replace(applied, stop=True)
                if control.rate_no > applied.rate_no and control.learning_rate:
                    self.engine.set_learning_rate(run_id, control.learning_rate)
                    applied = dataclasses.replace(
                        applied, rate_no=control.rate_no, learning_rate=control.learning_rate
                    )
                if control.pause != applied.pause:
                    (self.engine.pause if control.pause else self.engine.resume)(run_id)
                    applied = dataclasses.replace(applied, pause=control.pause)
            self._applied[run_id] = applied

    def _write_progress(self, run_ids: list[str]) -> None:
        changed: dict[str, dict[str, Any]] = {}
        for run_id in run_ids:
            snapshot = self.engine.live(run_id)
            if snapshot is None or snapshot.status != RunStatus.RUNNING:
                continue
            progress = dataclasses.asdict(snapshot.progress)
            progress.update(paused=snapshot.paused, stop_requested=snapshot.stop_requested)
            if progress != self._written.get(run_id):
                changed[run_id] = progress
        self.store.set_progress(changed)
        self._written.update(changed)

    def _beat(self) -> None:
        self.store.beat_machine(
            MachineRow(
                machine_id=self.machine_id,
                name=self.name,
                pid=os.getpid(),
                workers=self.workers,
                busy=len(self._active),
                started_at=self.started_at,
                last_seen=time.time(),
            )
        )
