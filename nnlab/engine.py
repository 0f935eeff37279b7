"""The classroom engine: a fair queue of training runs served by worker processes.

The app process never imports TensorFlow (Streamlit clears Keras' session and collects garbage
after every script run while keras is imported, which starves training). Runs train in worker
processes (`nnlab.worker`, spawn start method); this module only keeps the queue, reads the
workers' events on a background thread and writes them to the store.

- Workers start once and are reused; one exits above a memory mark, or after `runs_per_worker`
  jobs once no run is waiting (starting TensorFlow anew mid-class would cost the class a core for
  seconds), and a fresh one replaces it. One stays started when idle, one per lab seen lately
  while a class is here (up to the worker count). Their number comes from the CPUs this process
  may really use (`cpu_budget`); each caps TensorFlow's threads so workers x threads fits in them.
- Fair queue: the next run goes to the lab with the fewest runs training, then the lab served
  longest ago, then the oldest run. Queued runs of a lab nobody has watched for
  `abandon_after_s` are cancelled; running runs always finish and are stored.
- Reading is cheap: `live` and `lab_runs` return frozen snapshots kept in memory and rebuilt
  only when an event arrives, so a page refresh never queries the database for active runs.
- A store that fails (disk full, database gone) does not stop training: the state stays in
  memory and `store_error` says what went wrong.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import logging
import math
import multiprocessing
import multiprocessing.spawn
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_for_ready
from pathlib import Path
from typing import Any

from nnlab.model_io import LoadedNetwork
from nnlab.spec import RunSpec
from nnlab.training import describe_spec
from nnlab.worker import resident_mb, worker_main

log = logging.getLogger(__name__)

ACTIVE_STATUSES = ("queued", "running")
DEFAULT_ABANDON_S = 120.0  # a queued run waits this long for its lab to be seen again
WATCH_WINDOW_S = 10.0  # a lab whose page rendered this recently is watching
WATCHERS_PER_SECOND = 10  # refresh every second up to this many watching labs, then slower
MAX_REFRESH_S = 5.0
# Work units (images x multiply-adds per image) one worker trains per second before any epoch
# was measured: about a 784-128-10 network on one core.
DEFAULT_THROUGHPUT = 3e8
FULL_TRAIN_IMAGES = 60_000  # what a run without a train_size uses, for estimates before it starts
LAB_IDLE_EVICT_S = 3600.0  # forget the snapshots of labs unseen this long (the store keeps them)
KEPT_NETWORKS = 16  # NumPy networks kept in memory for the pages that draw and look inside
KEPT_PENDING_BYTES = 32  # model files kept in memory while the store cannot take them
KEPT_TASKS = 64  # finished short jobs (learning-rate tests) whose replies pages may still ask for
MAX_LEARNING_RATE = 10.0  # what set_learning_rate accepts (the spec's own limit may be lower)
TOUCH_WRITE_INTERVAL_S = 60.0
# Active runs are marked alive in the store this often; another process (a replica sharing a
# PostgreSQL store, or this server after a crash) fails runs nobody marked for STALE_AFTER_S.
HEARTBEAT_S = 30.0
STALE_AFTER_S = 120.0  # how often a lab's "last seen" is written to the store
LOAD_TIMEOUT_S = 300.0
REQUEUE_EVERY_S = 1.0  # how often queued runs' wait estimates are recomputed between events
WORKER_DIED = (
    "The training process stopped unexpectedly (exit code {code}). Your other runs are safe; "
    "press Train to try again."
)
ABANDONED = (
    "Cancelled while queued: nobody had this lab open for {seconds:.0f} s, so its place went to "
    "runs someone is watching."
)
SERVER_SHUT_DOWN = "The server shut down during this run; the weights learned so far are kept."
SERVER_RESTARTED = "The server restarted while this run was queued or training."
DEFAULT_LAB_MAX_AGE_DAYS = 30.0
DEFAULT_WORKER_IDLE_S = 60.0  # a worker with nothing to do this long exits (memory goes back)
MIN_WARM_WORKERS = 1  # kept started when idle, so the next Train needs no TensorFlow import
# The warm worker is swapped for a fresh one once idle if it grew this much past its size after
# its first job: TensorFlow keeps what it used, so a class would leave its memory behind.
RECYCLE_GROWTH_MB = 100.0
IDLE_EXIT_WAIT_S = 1.0  # at shutdown, how long an idle worker gets to exit before SIGTERM
_SPAWN_LOCK = threading.Lock()


def worker_idle_seconds() -> float:
    """Seconds an idle worker waits before it exits (env NNLAB_WORKER_IDLE_S)."""
    text = os.environ.get("NNLAB_WORKER_IDLE_S", "").strip()
    try:
        return max(1.0, float(text)) if text else DEFAULT_WORKER_IDLE_S
    except ValueError:
        return DEFAULT_WORKER_IDLE_S


def _start_without_main(process: Any) -> None:
    """Start a spawned process without re-running this process's __main__ in it.

    Under `streamlit run`, `sys.modules["__main__"]` is the app script while a page runs, and
    spawn would run app.py again in every worker (seconds of imports and page code before the
    worker could train). The worker's target lives in nnlab.worker, so it needs no __main__.
    """
    original = multiprocessing.spawn.get_preparation_data

    def preparation_data(name: str) -> dict[str, Any]:
        data = original(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    with _SPAWN_LOCK:
        multiprocessing.spawn.get_preparation_data = preparation_data
        try:
            process.start()
        finally:
            multiprocessing.spawn.get_preparation_data = original


def lab_max_age_days() -> float:
    """Days a lab may go unseen before its runs are deleted (env NNLAB_LAB_MAX_AGE_DAYS)."""
    text = os.environ.get("NNLAB_LAB_MAX_AGE_DAYS", "").strip()
    try:
        return max(1.0, float(text)) if text else DEFAULT_LAB_MAX_AGE_DAYS
    except ValueError:
        return DEFAULT_LAB_MAX_AGE_DAYS


class LabBusy(ValueError):  # noqa: N818  (the contract names it)
    """A lab already has as many active runs as it may have."""


# --- the CPUs this process may use -----------------------------------------------------------


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None


def cgroup_cpu_limit(cgroup_root: str | Path = "/sys/fs/cgroup") -> float | None:
    """CPUs the cgroup quota allows (cpu.max, or v1 cfs quota / period); None when unlimited."""
    root = Path(cgroup_root)
    text = _read_text(root / "cpu.max")
    if text is not None:
        parts = text.split()
        if len(parts) >= 1 and parts[0] != "max":
            try:
                quota = float(parts[0])
                period = float(parts[1]) if len(parts) > 1 else 100_000.0
            except ValueError:
                return None
            if quota > 0 and period > 0:
                return quota / period
        return None
    for folder in (root / "cpu", root / "cpu,cpuacct", root / "cpuacct,cpu", root):
        quota_text = _read_text(folder / "cpu.cfs_quota_us")
        period_text = _read_text(folder / "cpu.cfs_period_us")
        if quota_text is None or period_text is None:
            continue
        try:
            quota, period = float(quota_text), float(period_text)
        except ValueError:
            return None
        return quota / period if quota > 0 and period > 0 else None
    return None


def cpu_budget(cgroup_root: str | Path = "/sys/fs/cgroup") -> int:
    """Whole CPUs this process may really use: cgroup quota, then affinity, then cpu_count."""
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    limit = cgroup_cpu_limit(cgroup_root)
    if limit is not None:
        # A fractional quota (1.5 CPUs) rounds down: more threads than that only queue.
        available = min(available, max(1, math.floor(limit + 1e-9)))
    return max(1, available)


def worker_count(cgroup_root: str | Path = "/sys/fs/cgroup") -> int:
    """How many worker processes to run: env NNLAB_WORKERS, else the CPU budget."""
    text = os.environ.get("NNLAB_WORKERS", "").strip()
    if text:
        try:
            return max(1, int(text))
        except ValueError:
            log.warning("NNLAB_WORKERS=%r is not a number; using the CPU budget", text)
    return cpu_budget(cgroup_root)


# --- what pages read -------------------------------------------------------------------------


def _empty_progress(epochs: int) -> dict[str, float]:
    return {
        "epoch": 0,
        "epochs": epochs,
        "batch": 0,
        "batches": 0,
        "images_per_second": 0.0,
        "eta_seconds": math.nan,
    }


@dataclass(frozen=True)
class LiveRun:
    """A run as a page sees it: the stored record's fields plus live progress and queue facts."""

    run_id: str
    lab_id: str
    label: str
    spec: RunSpec
    preset_key: str | None
    status: str  # "queued", "running", "finished", "stopped" or "failed"
    error: str | None
    created_at: float  # unix seconds
    started_at: float | None
    ended_at: float | None
    train_images: int
    validation_images: int
    test_loss: float | None
    test_accuracy: float | None
    stopped_early: bool
    epochs_done: int
    has_model: bool
    progress: dict[str, float]  # epoch, epochs, batch, batches, images_per_second, eta_seconds
    history: tuple[dict[str, float], ...]  # one row per epoch
    queue_position: int = 0  # 1 = next to start; 0 when not queued
    wait_estimate_s: float | None = None  # seconds until it starts, while queued
    stop_requested: bool = False
    version: int = 0  # changes only when the history or the status change
    paused: bool = False  # training waits after its current batch until resumed

    @property
    def is_active(self) -> bool:
        """True while the run is queued or training."""
        return self.status in ACTIVE_STATUSES

    @property
    def duration_s(self) -> float:
        """Seconds of training so far (0 while queued)."""
        if self.started_at is None:
            return 0.0
        end = self.ended_at if self.ended_at is not None else time.time()
        return max(0.0, end - self.started_at)

    @property
    def final(self) -> dict[str, Any]:
        """The last epoch's figures with epochs done, test figures, duration and status."""
        last = self.history[-1] if self.history else {}
        return {
            "epochs_done": len(self.history),
            "loss": last.get("loss"),
            "accuracy": last.get("accuracy"),
            "val_loss": last.get("val_loss"),
            "val_accuracy": last.get("val_accuracy"),
            "test_loss": self.test_loss,
            "test_accuracy": self.test_accuracy,
            "duration_s": self.duration_s,
            "status": self.status,
        }


# What a run in the store has; a LiveRun adds what only a running engine knows.
_LIVE_ONLY_FIELDS = (
    "progress",
    "history",
    "queue_position",
    "wait_estimate_s",
    "stop_requested",
    "version",
    "paused",
)
_RECORD_FIELDS = tuple(
    field.name for field in dataclasses.fields(LiveRun) if field.name not in _LIVE_ONLY_FIELDS
)


# --- the fair queue, as a pure function ------------------------------------------------------


@dataclass(frozen=True)
class QueuedEntry:
    """What the queue needs to know about one waiting run."""

    run_id: str
    lab_id: str
    queued_at: float  # a sequence number or time: smaller is older


def select_next(
    queued: Sequence[QueuedEntry],
    running_by_lab: dict[str, int],
    last_dispatch_by_lab: dict[str, float],
) -> int:
    """Index of the run to start next: fewest running in its lab, lab served longest ago, oldest.

    So nobody's second run starts before everyone's first. A lab never served counts as served
    longest ago.
    """
    if not queued:
        raise ValueError("The queue is empty.")

    def rank(index: int) -> tuple[int, float, float, int]:
        entry = queued[index]
        return (
            running_by_lab.get(entry.lab_id, 0),
            last_dispatch_by_lab.get(entry.lab_id, -math.inf),
            entry.queued_at,
            index,
        )

    return min(range(len(queued)), key=rank)


def dispatch_order(
    queued: Sequence[QueuedEntry],
    running_by_lab: dict[str, int],
    last_dispatch_by_lab: dict[str, float],
) -> list[QueuedEntry]:
    """The order the queued runs would start in if nothing else changed."""
    remaining = list(queued)
    running = dict(running_by_lab)
    last = dict(last_dispatch_by_lab)
    order = []
    tick = max([0.0, *[value for value in last.values() if math.isfinite(value)]])
    while remaining:
        chosen = remaining.pop(select_next(remaining, running, last))
        order.append(chosen)
        running[chosen.lab_id] = running.get(chosen.lab_id, 0) + 1
        tick += 1.0
        last[chosen.lab_id] = tick
    return order


def work_per_image(spec: RunSpec) -> float:
    """Multiply-adds one training image costs (conv layers count once per output position)."""
    from nnlab.plan import plan

    total = 0.0
    for layer in plan(spec):
        if layer.keras_type == "Conv2D":
            _, height, width, filters = layer.output_shape
            total += (layer.params - filters) * height * width  # kernel weights at every position
        elif layer.keras_type == "Dense":
            total += layer.params - layer.output_shape[-1]  # inputs x units
    return total


def run_workload(spec: RunSpec, train_images: int | None = None) -> float:
    """Work units of a whole run: images x epochs x multiply-adds per image."""
    images = train_images or spec.train_size or FULL_TRAIN_IMAGES
    return float(images) * spec.epochs * max(work_per_image(spec), 1.0)


# --- engine internals ------------------------------------------------------------------------


@dataclass(eq=False)
class _Run:
    """A run's mutable state inside the engine (guarded by the engine's lock)."""

    run_id: str
    lab_id: str
    label: str
    spec: RunSpec
    preset_key: str | None
    created_at: float
    sequence: int
    status: str = "queued"
    error: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    train_images: int = 0
    validation_images: int = 0
    test_loss: float | None = None
    test_accuracy: float | None = None
    stopped_early: bool = False
    has_model: bool = False
    progress: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)
    queue_position: int = 0
    wait_estimate_s: float | None = None
    stop_requested: bool = False
    version: int = 0
    paused: bool = False
    # What the next job of this run starts from: a saved model and its epoch (continuing), or
    # extra training examples (fine-tuning on a class's handwriting). Sent once, then cleared.
    train_options: dict[str, Any] = field(default_factory=dict)
    worker: _Worker | None = None
    job_no: int = 0
    worker_pid: int | None = None  # the process that trained it (kept after it ended)
    snapshot: LiveRun | None = None

    def record_fields(self) -> dict[str, Any]:
        """The fields a stored RunRecord has, as they stand now."""
        fields = {name: getattr(self, name) for name in _RECORD_FIELDS if name != "epochs_done"}
        return {**fields, "epochs_done": len(self.history)}

    def live(self) -> LiveRun:
        """A frozen copy for the pages."""
        return LiveRun(
            **self.record_fields(),
            progress=dict(self.progress),
            history=tuple(self.history),
            queue_position=self.queue_position,
            wait_estimate_s=self.wait_estimate_s,
            stop_requested=self.stop_requested,
            version=self.version,
            paused=self.paused,
        )


@dataclass(eq=False)
class _Task:
    """A short job that is not a run (load an uploaded model, the learning-rate test)."""

    kind: str  # the worker's job kind: "load_model" or "lr_find"
    arguments: tuple[Any, ...]
    task_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    done: threading.Event = field(default_factory=threading.Event)
    reply: dict[str, Any] | None = None
    job_no: int = 0


@dataclass(eq=False)
class _Worker:
    """One worker process and the engine's side of its pipe."""

    index: int
    process: Any
    connection: Any
    stop_value: Any
    started_at: float
    job: _Run | _Task | None = None
    ready: bool = False
    retiring: bool = False
    idle_since: float = 0.0  # monotonic time it last became free (for retiring idle workers)
    baseline_mb: float | None = None  # resident memory after its first job
    jobs_done: int = 0
    # Pages (pause, a new rate), the dispatcher and shutdown all write to the pipe: one at a time.
    send_lock: threading.Lock = field(default_factory=threading.Lock)


def _record_fields(record: Any) -> dict[str, Any]:
    """The RunRecord fields a LiveRun shares."""
    return {name: getattr(record, name) for name in _RECORD_FIELDS}


class Engine:
    """Training runs of every lab in this process: queue, workers, live state and storage."""

    def __init__(
        self,
        store: Any,
        *,
        workers: int | None = None,
        abandon_after_s: float | None = None,
        max_active_per_lab: int = 2,
        runs_per_worker: int = 20,
        worker_memory_mb: float = 1500.0,
        prestart_workers: int = 1,
        tick_s: float = 0.25,
    ) -> None:
        self.store = store
        self.store_warning: str | None = None  # set by get_engine when the store fell back
        self.store_error: str | None = None  # the last failed write, for the pages to show
        self._workers_wanted = max(1, workers if workers is not None else worker_count())
        budget = cpu_budget()
        self.threads_per_worker = max(1, budget // self._workers_wanted)
        if abandon_after_s is None:
            abandon_after_s = float(os.environ.get("NNLAB_ABANDON_S", DEFAULT_ABANDON_S))
        self.abandon_after_s = float(abandon_after_s)
        self.max_active_per_lab = max(1, max_active_per_lab)
        self.runs_per_worker = max(1, runs_per_worker)
        self.worker_memory_mb = float(worker_memory_mb)
        self.worker_start_seconds: list[float] = []  # how long each worker took to be ready
        self._tick_s = tick_s
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._runs: dict[str, _Run] = {}
        self._stored: dict[str, LiveRun] = {}  # finished runs of earlier processes, from the store
        self._lab_order: dict[str, list[str]] = {}  # lab -> run ids, oldest first
        self._lab_cache: dict[str, list[LiveRun]] = {}
        self._labs_loaded: set[str] = set()
        self._lab_seen: dict[str, float] = {}  # monotonic time a page of the lab last rendered
        self._lab_touch_written: dict[str, float] = {}
        self._last_dispatch: dict[str, float] = {}
        self._queue: list[_Run] = []  # runs waiting for a worker, in submission order
        self._load_requests: list[_Task] = []  # short jobs, served before queued runs
        self._tasks: OrderedDict[str, _Task] = OrderedDict()  # recent ones, by id, for pages
        self._workers: list[_Worker] = []
        self._next_worker_index = 0
        self._starting = 0  # workers being started (not in self._workers yet)
        self.worker_idle_s = worker_idle_seconds()
        self._next_job_no = 0
        self._sequence = 0
        self._throughput = DEFAULT_THROUGHPUT
        self._counts = (0, 0)
        self._requeued_at = 0.0
        self._networks: OrderedDict[str, Any] = OrderedDict()
        self._pending_network_bytes: OrderedDict[str, bytes] = OrderedDict()
        self._pending_keras_bytes: OrderedDict[str, bytes] = OrderedDict()
        self._closed = False
        self._writes: queue.Queue = queue.Queue()
        # SQLite lives on this machine: every active run in it belongs to a process that is gone.
        # A shared database may hold a replica's live runs, so only stale ones are failed.
        shared = getattr(store, "backend", "sqlite") != "sqlite"
        self._stale_after_s = STALE_AFTER_S if shared else 0.0
        self._next_heartbeat = time.monotonic() + HEARTBEAT_S
        self._store_call(
            self.store.fail_interrupted, SERVER_RESTARTED, older_than_s=self._stale_after_s
        )
        # Labs unseen for longer than the age limit go, with their runs and models.
        self._store_call(self.store.delete_old_labs, lab_max_age_days())
        from nnlab.classes import expire_classes  # classes past their expiry go, with their data

        self._store_call(expire_classes, self.store)
        self._writer = threading.Thread(target=self._write_loop, name="nnlab-store", daemon=True)
        self._reader = threading.Thread(target=self._read_loop, name="nnlab-reader", daemon=True)
        self._dispatcher = threading.Thread(
            target=self._dispatch_loop, name="nnlab-dispatcher", daemon=True
        )
        self._writer.start()
        self._reader.start()
        self._dispatcher.start()
        for _ in range(min(max(0, prestart_workers), self._workers_wanted)):
            self._start_worker()
        atexit.register(self.shutdown)

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
        options: dict[str, Any] = {}
        if start_from is not None:
            keras_bytes = self.keras_bytes(start_from)
            if not keras_bytes:
                raise ValueError("That run kept no model to start from.")
            options["initial_model_bytes"] = keras_bytes
        if extra_train is not None:
            options["extra_train"] = extra_train
        self._ensure_lab_loaded(lab_id)
        with self._lock:
            if self._closed:
                raise RuntimeError("The training engine has shut down.")
            self._check_lab_room(lab_id)
            self._sequence += 1
            run = _Run(
                run_id=uuid.uuid4().hex[:12],
                lab_id=lab_id,
                label=label or describe_spec(spec),
                spec=spec,
                preset_key=preset_key,
                created_at=time.time(),
                sequence=self._sequence,
                progress=_empty_progress(spec.epochs),
                train_options=options,
            )
            self._runs[run.run_id] = run
            self._lab_order.setdefault(lab_id, []).append(run.run_id)
            self._lab_seen[lab_id] = time.monotonic()
            self._queue.append(run)
            self._write("add_run", self._record_of(run))
            self._requeue()
            self._wake.notify_all()
        return run.run_id

    def stop(self, run_id: str) -> None:
        """End a run after its current batch, keeping its weights; a queued run leaves the queue."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or run.status not in ACTIVE_STATUSES:
                return
            run.stop_requested = True
            if run.worker is None:
                self._queue.remove(run)
                self._end_queued(run, error=None)
                self._requeue()
            else:
                run.worker.stop_value.value = run.job_no
                self._changed(run)
            self._wake.notify_all()

    def pause(self, run_id: str) -> None:
        """Hold a training run after its current batch (model and optimizer kept as they are)."""
        self._control(run_id, {"pause": True})

    def resume(self, run_id: str) -> None:
        """Let a paused run train on."""
        self._control(run_id, {"pause": False})

    def set_learning_rate(self, run_id: str, learning_rate: float) -> None:
        """Train a running (or paused) run at `learning_rate` from its next batch on."""
        rate = float(learning_rate)
        if not (math.isfinite(rate) and 0 < rate <= MAX_LEARNING_RATE):
            raise ValueError(
                f"The learning rate must be above 0 and at most {MAX_LEARNING_RATE:g}; got "
                f"{learning_rate!r}."
            )
        self._control(run_id, {"learning_rate": rate})

    def _control(self, run_id: str, command: dict[str, Any]) -> None:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or run.worker is None or run.status != "running":
                raise ValueError("This run is not training now.")
            worker, job_no = run.worker, run.job_no
        self._send(worker, ("control", job_no, command))

    def continue_run(self, run_id: str, extra_epochs: int) -> None:
        """Queue `extra_epochs` more epochs of an ended run, from its saved model and optimizer.

        The run keeps its id and its history goes on (epoch n+1, n+2, ...); the same seed gives
        the same batches as one longer run would have had (and, without dropout, the same
        figures: Keras saves no state of the dropout masks' generator). ValueError when the
        run cannot go on (still active, no saved model, too many epochs); LabBusy as submit.
        """
        if isinstance(extra_epochs, bool) or not isinstance(extra_epochs, int) or extra_epochs < 1:
            raise ValueError(f"Continue for at least one more epoch; got {extra_epochs!r}.")
        snapshot = self.live(run_id)
        if snapshot is None:
            raise ValueError("There is no such run.")
        if snapshot.is_active:
            raise ValueError("This run is still queued or training.")
        keras_bytes = self.keras_bytes(run_id) if snapshot.has_model else None
        if not keras_bytes:
            raise ValueError("This run kept no model to continue from; train it again instead.")
        spec = snapshot.spec.replace(epochs=len(snapshot.history) + extra_epochs)
        self._ensure_lab_loaded(snapshot.lab_id)
        with self._lock:
            self._check_lab_room(snapshot.lab_id)
            run = self._runs.get(run_id)
            if run is None:
                run = _Run(
                    sequence=0,
                    history=list(snapshot.history),
                    **{
                        name: getattr(snapshot, name)
                        for name in _RECORD_FIELDS
                        if name not in ("epochs_done",)
                    },
                )
                self._runs[run_id] = run
                self._stored.pop(run_id, None)
                order = self._lab_order.setdefault(run.lab_id, [])
                if run_id not in order:
                    order.append(run_id)
            self._sequence += 1
            run.sequence = self._sequence
            run.spec = spec
            run.status = "queued"
            run.error = None
            run.ended_at = None
            run.stop_requested = False
            run.paused = False
            run.progress = _empty_progress(spec.epochs)
            run.progress["epoch"] = len(run.history)
            run.train_options = {
                "initial_model_bytes": keras_bytes,
                "initial_epoch": len(run.history),
            }
            self._lab_seen[run.lab_id] = time.monotonic()
            self._queue.append(run)
            self._changed(run, version=True)
            self._write("update_run", run_id, status="queued", spec=spec, error=None, ended_at=None)
            self._requeue()
            self._wake.notify_all()

    def find_learning_rate(self, spec: RunSpec) -> str:
        """Start the learning-rate range test for `spec` in a worker; its task id (see task)."""
        if not isinstance(spec, RunSpec):
            raise ValueError(f"The learning-rate test needs a RunSpec; got {type(spec).__name__}.")
        return self._start_task("lr_find", (spec.to_json(),))

    def task(self, task_id: str) -> dict[str, Any] | None:
        """A short job's reply once it is done (with "error" None or a message); None before."""
        task = self._tasks.get(task_id)
        if task is None:
            return {"error": "This result is no longer kept; start again."}
        return task.reply if task.done.is_set() else None

    def _start_task(self, kind: str, arguments: tuple[Any, ...]) -> str:
        task = _Task(kind, arguments)
        with self._lock:
            if self._closed:
                raise RuntimeError("The training engine has shut down.")
            self._tasks[task.task_id] = task
            while len(self._tasks) > KEPT_TASKS:
                self._tasks.popitem(last=False)
            self._load_requests.append(task)
            self._wake.notify_all()
        return task.task_id

    def _check_lab_room(self, lab_id: str) -> None:
        """Raise LabBusy when the lab has max_active_per_lab runs queued or training."""
        active = sum(1 for run_id in self._lab_order.get(lab_id, ()) if self._is_active(run_id))
        if active >= self.max_active_per_lab:
            raise LabBusy(
                f"This lab already has {active} runs queued or training; wait for one to "
                "finish or stop one."
            )

    def touch(self, lab_id: str) -> None:
        """Note that a page of `lab_id` rendered (keeps its queued runs and counts a watcher)."""
        now = time.monotonic()
        self._lab_seen[lab_id] = now  # one dict write: no lock needed for a refresh
        if now - self._lab_touch_written.get(lab_id, -math.inf) >= TOUCH_WRITE_INTERVAL_S:
            self._lab_touch_written[lab_id] = now
            self._write("touch_lab", lab_id)

    def live(self, run_id: str) -> LiveRun | None:
        """The run's current snapshot (in memory; None for an unknown id)."""
        run = self._runs.get(run_id)
        if run is not None:
            return run.snapshot
        stored = self._stored.get(run_id)
        if stored is not None:
            return stored
        record = self._store_call(self.store.get_run, run_id)
        if record is None:
            return None
        return self._load_stored(record)

    def lab_runs(self, lab_id: str) -> list[LiveRun]:
        """Every run of `lab_id`, oldest first (cached; rebuilt only after a change)."""
        cached = self._lab_cache.get(lab_id)
        if cached is not None:
            return list(cached)
        self._ensure_lab_loaded(lab_id)
        with self._lock:
            runs = []
            for run_id in self._lab_order.get(lab_id, ()):
                run = self._runs.get(run_id)
                snapshot = run.snapshot if run is not None else self._stored.get(run_id)
                if snapshot is not None:
                    runs.append(snapshot)
            self._lab_cache[lab_id] = runs
            return list(runs)

    def network(self, run_id: str) -> Any:
        """The run's trained network as a NumPy `Network`, or None when it has none."""
        cached = self._networks.get(run_id)
        if cached is not None:
            return cached
        data = self._pending_network_bytes.get(run_id)
        if data is None:
            data = self._store_call(self.store.network_bytes, run_id)
        if not data:
            return None
        from nnlab.network import Network

        network = Network.from_bytes(data)
        with self._lock:
            self._networks[run_id] = network
            while len(self._networks) > KEPT_NETWORKS:
                self._networks.popitem(last=False)
        return network

    def keras_bytes(self, run_id: str) -> bytes | None:
        """The run's model as a `.keras` file's bytes, or None when it has none."""
        data = self._pending_keras_bytes.get(run_id)
        if data is not None:
            return data
        return self._store_call(self.store.keras_bytes, run_id) or None

    def load_model_file(self, data: bytes, filename: str, dataset_name: str) -> LoadedNetwork:
        """Check and load an uploaded model file in a worker; ValueError with a message."""
        if not data:
            raise ValueError("The file is empty.")
        request = _Task("load_model", (bytes(data), str(filename), dataset_name))
        with self._lock:
            if self._closed:
                raise RuntimeError("The training engine has shut down.")
            self._load_requests.append(request)
            self._wake.notify_all()
        if not request.done.wait(LOAD_TIMEOUT_S):
            with self._lock:
                if request in self._load_requests:
                    self._load_requests.remove(request)
            raise ValueError("Every worker is busy training; try loading the file again soon.")
        reply = request.reply or {"error": "The model file could not be loaded."}
        if reply.get("error"):
            raise ValueError(reply["error"])
        from nnlab.network import Network

        spec = RunSpec.from_json(reply["spec_json"]) if reply.get("spec_json") else None
        return LoadedNetwork(
            network=Network.from_bytes(reply["network_bytes"]),
            spec=spec,
            label=reply.get("label"),
            dataset_name=reply.get("dataset_name") or dataset_name,
        )

    def watchers(self) -> int:
        """Labs whose page rendered in the last WATCH_WINDOW_S seconds."""
        return self._labs_seen_within(WATCH_WINDOW_S)

    def _labs_seen_within(self, seconds: float) -> int:
        since = time.monotonic() - seconds
        return sum(1 for seen in list(self._lab_seen.values()) if seen >= since)

    def refresh_interval(self) -> float:
        """Seconds between live-panel refreshes: 1 s, growing with the number of watchers."""
        return min(MAX_REFRESH_S, max(1.0, self.watchers() / WATCHERS_PER_SECOND))

    def load(self) -> tuple[int, int]:
        """(runs training, runs queued) across every lab."""
        return self._counts

    def workers(self) -> int:
        """How many worker processes this engine runs at most."""
        return self._workers_wanted

    def warm_up(self) -> None:
        """Start every worker now rather than when runs first wait for one."""
        with self._lock:
            missing = self._workers_wanted - sum(1 for w in self._workers if not w.retiring)
        for _ in range(max(0, missing)):
            self._start_worker()

    def worker_pids(self) -> list[int]:
        """Process ids of the workers alive now (for tests and the teacher's view)."""
        with self._lock:
            return [worker.process.pid for worker in self._workers if worker.process.pid]

    def worker_pid(self, run_id: str) -> int | None:
        """The process id of the worker that trains (or trained) `run_id`, if it reached one."""
        run = self._runs.get(run_id)
        return run.worker_pid if run is not None else None

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop the workers (politely, then by force) and the engine's threads."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._workers)
            busy = {id(worker) for worker in workers if worker.job is not None}
            for worker in workers:
                if worker.job is not None and isinstance(worker.job, _Run):
                    worker.stop_value.value = worker.job.job_no
            self._wake.notify_all()
        for worker in workers:
            self._send(worker, None)
        deadline = time.monotonic() + timeout_s
        for worker in workers:
            # A worker with a job gets time to stop after its batch and report; an idle one holds
            # nothing, and one still importing TensorFlow would only read its goodbye afterwards.
            wait_s = deadline - time.monotonic() if id(worker) in busy else IDLE_EXIT_WAIT_S
            worker.process.join(max(0.1, wait_s))
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(2)
        self._dispatcher.join(2)
        self._reader.join(5)
        self._writes.put(None)
        self._writer.join(timeout_s)
        with contextlib.suppress(Exception):
            atexit.unregister(self.shutdown)

    # --- state changes (call with the lock held) ---

    def _is_active(self, run_id: str) -> bool:
        run = self._runs.get(run_id)
        return run is not None and run.status in ACTIVE_STATUSES

    def _changed(self, run: _Run, *, version: bool = False) -> None:
        """Rebuild the run's snapshot after a change; bump its version for history/status."""
        if version:
            run.version += 1
        run.snapshot = run.live()
        self._lab_cache.pop(run.lab_id, None)

    def _record_of(self, run: _Run) -> Any:
        from nnlab.store import RunRecord

        return RunRecord(**run.record_fields())

    def _end_queued(self, run: _Run, error: str | None) -> None:
        """Take a run that never reached a worker out as 'stopped'."""
        run.status = "stopped"
        run.error = error
        run.ended_at = time.time()
        run.queue_position = 0
        run.wait_estimate_s = None
        self._changed(run, version=True)
        self._write_finish(run, None, None)

    def _write_finish(self, run: _Run, keras_bytes: bytes | None, network_bytes: bytes | None):
        self._write(
            "finish_run",
            run.run_id,
            status=run.status,
            error=run.error,
            ended_at=run.ended_at,
            test_loss=run.test_loss,
            test_accuracy=run.test_accuracy,
            stopped_early=run.stopped_early,
            keras_bytes=keras_bytes,
            network_bytes=network_bytes,
            _after=("enforce_lab_caps", run.lab_id),
        )

    def _expected_seconds(self, run: _Run) -> float:
        """Seconds the whole run should take on one worker, from measured throughput."""
        return run_workload(run.spec, run.train_images or None) / self._throughput

    def _requeue(self) -> None:
        """Recompute queue positions, wait estimates and load counts after a queue change."""
        running_by_lab: dict[str, int] = {}
        free_at: list[float] = []
        for worker in self._workers:
            job = worker.job
            if isinstance(job, _Run):
                running_by_lab[job.lab_id] = running_by_lab.get(job.lab_id, 0) + 1
                eta = job.progress.get("eta_seconds", math.nan)
                if job.status != "running" or not math.isfinite(eta):
                    eta = self._expected_seconds(job)
                free_at.append(max(0.0, eta))
            elif not worker.retiring:
                free_at.append(0.0)
        free_at.extend([0.0] * max(0, self._workers_wanted - len(free_at)))
        free_at.sort()
        entries = [QueuedEntry(run.run_id, run.lab_id, run.sequence) for run in self._queue]
        order = dispatch_order(entries, running_by_lab, self._last_dispatch)
        by_id = {run.run_id: run for run in self._queue}
        for position, entry in enumerate(order, start=1):
            run = by_id[entry.run_id]
            start = free_at.pop(0)  # list scheduling: it starts when the first worker frees up
            free_at.append(start + self._expected_seconds(run))
            free_at.sort()
            if run.queue_position != position or run.wait_estimate_s != start:
                run.queue_position = position
                run.wait_estimate_s = start
                self._changed(run)
        running = sum(1 for worker in self._workers if isinstance(worker.job, _Run))
        self._counts = (running, len(self._queue))
        self._requeued_at = time.monotonic()

    # --- loading older runs from the store ---

    def _load_stored(self, record: Any) -> LiveRun:
        history = self._store_call(self.store.history, record.run_id) or []
        fields = _record_fields(record)
        progress = _empty_progress(record.spec.epochs)
        progress["epoch"] = len(history)
        snapshot = LiveRun(**fields, progress=progress, history=tuple(history), version=1)
        with self._lock:
            if record.run_id not in self._runs:
                self._stored[record.run_id] = snapshot
        return snapshot

    def _ensure_lab_loaded(self, lab_id: str) -> None:
        """Read a lab's runs from the store once per process (finished runs never change)."""
        if lab_id in self._labs_loaded:
            return
        records = self._store_call(self.store.lab_runs, lab_id)
        loaded = [self._load_stored(record) for record in records or ()]
        with self._lock:
            if lab_id in self._labs_loaded:
                return
            self._labs_loaded.add(lab_id)
            known = self._lab_order.setdefault(lab_id, [])
            earlier = [run.run_id for run in loaded if run.run_id not in known]
            known[:0] = earlier
            self._lab_cache.pop(lab_id, None)

    # --- the store, written from one thread ---

    def _store_call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call the store; on failure keep going, remember the message and return None."""
        try:
            result = method(*args, **kwargs)
        except Exception as error:  # StoreError or a driver error: training must go on
            message = str(error).strip() or type(error).__name__
            self.store_error = message
            log.warning("store call %s failed: %s", getattr(method, "__name__", method), message)
            return None
        return result

    def _write(self, method_name: str, *args: Any, **kwargs: Any) -> None:
        self._writes.put((method_name, args, kwargs))

    def _write_loop(self) -> None:
        while True:
            item = self._writes.get()
            if item is None:
                return
            method_name, args, kwargs = item
            after = kwargs.pop("_after", None)
            result = self._store_call_ok(getattr(self.store, method_name), *args, **kwargs)
            if method_name == "finish_run" and result:
                run_id = args[0]
                with self._lock:
                    self._pending_keras_bytes.pop(run_id, None)
                    self._pending_network_bytes.pop(run_id, None)
            if after is not None:
                self._store_call(getattr(self.store, after[0]), *after[1:])

    def _store_call_ok(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        try:
            method(*args, **kwargs)
        except Exception as error:  # keep the run in memory; the page shows the message
            message = str(error).strip() or type(error).__name__
            self.store_error = message
            log.warning("store write failed: %s", message)
            return False
        return True

    # --- workers ---

    def _start_worker(self) -> _Worker | None:
        """Start one worker process (it imports TensorFlow, then says it is ready)."""
        with self._lock:
            if self._closed:
                return None
            index = self._next_worker_index
            self._next_worker_index += 1
            self._starting += 1  # counted as alive from now: no second start for the same gap
        parent_end, child_end = self._context.Pipe(duplex=True)
        stop_value = self._context.RawValue("q", 0)
        process = self._context.Process(
            target=worker_main,
            args=(
                child_end,
                stop_value,
                self.threads_per_worker,
                self.worker_memory_mb,
            ),
            name=f"nnlab-worker-{index}",
            daemon=True,
        )
        try:
            _start_without_main(process)
        finally:
            child_end.close()
        worker = _Worker(index, process, parent_end, stop_value, time.monotonic())
        with self._lock:
            self._workers.append(worker)
            self._starting -= 1
            self._wake.notify_all()
        return worker

    def _warm_target(self) -> int:
        """Workers to keep started with nothing to do: one, or one per lab a page showed in the
        last worker_idle_s (up to the worker count), once a worker has started here.

        A class opens its pages, then presses Train together: a worker started only then would
        import TensorFlow while the first runs wait for it (seconds of a core; on a small cloud
        share, tens of seconds). The labs' pages say a class is here before anyone trains.
        """
        if not self.worker_start_seconds:  # no worker ever got ready: a broken install
            return MIN_WARM_WORKERS
        labs = self._labs_seen_within(self.worker_idle_s)
        return max(MIN_WARM_WORKERS, min(self._workers_wanted, labs))

    def _retire_idle_workers(self) -> list[tuple[_Worker, Any]]:
        """Let workers idle for worker_idle_s exit (beyond the warm target), so memory goes back;
        and, with nothing waiting, those that served runs_per_worker jobs (a fresh one replaces
        them)."""
        if self._queue or self._load_requests:
            return []
        now = time.monotonic()
        warm = [w for w in self._workers if not w.retiring]
        idle = [w for w in warm if w.ready and w.job is None]
        long_idle = [w for w in idle if now - w.idle_since >= self.worker_idle_s]
        retire = long_idle[: max(0, len(warm) - self._warm_target())]
        retire += [w for w in idle if w not in retire and w.jobs_done >= self.runs_per_worker]
        # The one kept warm goes too when training grew it: _worker_exited starts a fresh one.
        retire += [w for w in long_idle if w not in retire and self._grown(w)]
        for worker in retire:
            worker.retiring = True
        return [(worker, None) for worker in retire]

    @staticmethod
    def _grown(worker: _Worker) -> bool:
        """Whether the worker holds RECYCLE_GROWTH_MB more than after its first job."""
        if worker.baseline_mb is None or not worker.process.pid:
            return False
        return resident_mb(worker.process.pid) - worker.baseline_mb > RECYCLE_GROWTH_MB

    def _send(self, worker: _Worker, message: Any) -> None:
        # A dead worker refuses the message: the reader sees its exit and fails the job.
        with worker.send_lock, contextlib.suppress(OSError, ValueError):
            worker.connection.send(message)

    def _dispatch_loop(self) -> None:
        while True:
            sends: list[tuple[_Worker, Any]] = []
            start_new = 0
            with self._lock:
                if self._closed:
                    return
                self._cancel_abandoned()
                self._evict_idle_labs()
                self._heartbeat()
                if self._queue and time.monotonic() - self._requeued_at >= REQUEUE_EVERY_S:
                    self._requeue()  # wait estimates follow the running runs' progress
                # Ready workers first: one still importing TensorFlow would make a run wait.
                idle = sorted(
                    (w for w in self._workers if w.job is None and not w.retiring),
                    key=lambda w: not w.ready,
                )
                alive = sum(1 for w in self._workers if not w.retiring) + self._starting
                sends.extend(self._retire_idle_workers())
                while idle and self._load_requests:
                    worker = idle.pop(0)
                    request = self._load_requests.pop(0)
                    self._next_job_no += 1
                    request.job_no = self._next_job_no
                    worker.job = request
                    sends.append((worker, (request.kind, request.job_no, *request.arguments)))
                dispatched = False
                while idle and self._queue:
                    worker = idle.pop(0)
                    run = self._pick_run()
                    self._next_job_no += 1
                    run.job_no = self._next_job_no
                    run.worker = worker
                    run.worker_pid = worker.process.pid
                    worker.job = run
                    self._last_dispatch[run.lab_id] = time.monotonic()
                    run.queue_position = 0  # on its way: the worker reports "started" next
                    run.wait_estimate_s = 0.0
                    self._changed(run)
                    options, run.train_options = run.train_options, {}
                    message = ("train", run.job_no, run.spec.to_json(), run.label, options)
                    sends.append((worker, message))
                    dispatched = True
                if dispatched:
                    self._requeue()
                waiting = len(self._queue) + len(self._load_requests)
                # A class is here: start workers ahead of its runs, but never beside a retiring
                # one (two TensorFlow starts and an exiting worker at once cost the class more).
                warm = self._warm_target()
                processes = len(self._workers) + self._starting
                start_new = max(
                    0,
                    min(waiting, self._workers_wanted - alive),
                    warm - processes if warm > MIN_WARM_WORKERS else 0,
                )
                if not sends and not start_new:
                    self._wake.wait(self._tick_s)
            for worker, message in sends:
                self._send(worker, message)
            for _ in range(start_new):
                self._start_worker()

    def _pick_run(self) -> _Run:
        running_by_lab: dict[str, int] = {}
        for worker in self._workers:
            if isinstance(worker.job, _Run):
                lab = worker.job.lab_id
                running_by_lab[lab] = running_by_lab.get(lab, 0) + 1
        entries = [QueuedEntry(run.run_id, run.lab_id, run.sequence) for run in self._queue]
        return self._queue.pop(select_next(entries, running_by_lab, self._last_dispatch))

    def _cancel_abandoned(self) -> None:
        """Cancel queued runs of labs nobody has watched for abandon_after_s."""
        if not self._queue:
            return
        now = time.monotonic()
        gone = [
            run
            for run in self._queue
            if now - self._lab_seen.get(run.lab_id, now) > self.abandon_after_s
        ]
        for run in gone:
            self._queue.remove(run)
            self._end_queued(run, ABANDONED.format(seconds=self.abandon_after_s))
        if gone:
            self._requeue()

    def _heartbeat(self) -> None:
        """Mark this process's active runs alive in the store; fail stale ones of dead ones."""
        now = time.monotonic()
        if now < self._next_heartbeat:
            return
        self._next_heartbeat = now + HEARTBEAT_S
        active = [run_id for run_id, run in self._runs.items() if run.status in ACTIVE_STATUSES]
        if active and hasattr(self.store, "touch_runs"):
            self._write("touch_runs", active)
        if self._stale_after_s:
            self._write("fail_interrupted", SERVER_RESTARTED, older_than_s=self._stale_after_s)

    def _evict_idle_labs(self) -> None:
        """Forget labs unseen for an hour with nothing active (the store keeps their runs)."""
        now = time.monotonic()
        for lab_id, seen in list(self._lab_seen.items()):
            if now - seen < LAB_IDLE_EVICT_S:
                continue
            run_ids = self._lab_order.get(lab_id, [])
            if any(self._is_active(run_id) for run_id in run_ids):
                continue
            for run_id in run_ids:
                self._runs.pop(run_id, None)
                self._stored.pop(run_id, None)
            self._lab_order.pop(lab_id, None)
            self._lab_cache.pop(lab_id, None)
            self._labs_loaded.discard(lab_id)
            self._lab_seen.pop(lab_id, None)

    # --- events from the workers ---

    def _read_loop(self) -> None:
        while True:
            with self._lock:
                # After shutdown, read on until the workers are gone: a stopped run's last
                # events (its weights) still reach the store.
                if self._closed and not self._workers:
                    return
                workers = list(self._workers)
            if not workers:
                time.sleep(self._tick_s)  # nothing to read until the first worker starts
                continue
            by_handle: dict[Any, _Worker] = {}
            for worker in workers:
                by_handle[worker.connection] = worker
                by_handle[worker.process.sentinel] = worker
            try:
                ready = wait_for_ready(list(by_handle), timeout=self._tick_s)
            except OSError:
                ready = []
            exited: list[_Worker] = []
            for handle in ready:
                worker = by_handle[handle]
                if handle is worker.connection:
                    if not self._drain(worker):
                        exited.append(worker)
                elif worker not in exited:
                    exited.append(worker)
            for worker in exited:
                self._drain(worker)  # events sent just before it exited come first
                worker.process.join(1)
                self._worker_exited(worker)

    def _drain(self, worker: _Worker) -> bool:
        """Handle every event waiting on the worker's pipe; False once the pipe is closed."""
        try:
            while worker.connection.poll():
                self._handle(worker, worker.connection.recv())
        except (EOFError, OSError):
            return False
        return True

    def _handle(self, worker: _Worker, event: tuple) -> None:
        kind = event[0]
        with self._lock:
            if kind == "ready":
                worker.ready = True
                worker.idle_since = time.monotonic()
                self.worker_start_seconds.append(time.monotonic() - worker.started_at)
                return
            job_no, payload = event[1], event[2]
            if kind in ("done", "task_done"):
                worker.jobs_done += 1
                if worker.baseline_mb is None and worker.process.pid:
                    worker.baseline_mb = resident_mb(worker.process.pid)
            job = worker.job
            if job is None or job.job_no != job_no:
                return  # an event of a job this engine no longer follows
            if kind == "task_done" and isinstance(job, _Task):
                worker.job = None
                worker.idle_since = time.monotonic()
                worker.retiring = bool(payload.get("retire"))
                job.reply = payload
                job.done.set()
                self._wake.notify_all()
            elif isinstance(job, _Run):
                self._handle_run_event(worker, job, kind, payload)

    def _handle_run_event(self, worker: _Worker, run: _Run, kind: str, payload: Any) -> None:
        if kind == "started":
            run.status = "running"
            run.started_at = payload["started_at"]
            run.train_images = payload["train_images"]
            run.validation_images = payload["validation_images"]
            run.progress["batches"] = payload["batches"]
            run.queue_position = 0
            run.wait_estimate_s = None
            if run in self._queue:
                self._queue.remove(run)
            self._changed(run, version=True)
            self._write(
                "update_run",
                run.run_id,
                status="running",
                started_at=run.started_at,
                train_images=run.train_images,
                validation_images=run.validation_images,
            )
            self._requeue()
        elif kind == "progress":
            run.progress = dict(payload)
            self._changed(run)
        elif kind == "paused":
            run.paused = bool(payload["paused"])
            self._changed(run, version=True)
        elif kind == "epoch":
            run.history.append(payload)
            run.progress["epoch"] = payload["epoch"]
            seconds = payload.get("seconds") or 0.0
            if seconds > 0 and run.train_images:
                measured = run_workload(run.spec, run.train_images) / run.spec.epochs / seconds
                # A moving average: one odd epoch (a worker starting up) moves it only a little.
                self._throughput = 0.7 * self._throughput + 0.3 * measured
            self._changed(run, version=True)
            self._write("add_epoch", run.run_id, dict(payload))
            self._requeue()
        elif kind == "done":
            worker.job = None
            worker.idle_since = time.monotonic()
            worker.retiring = bool(payload.get("retire"))
            run.worker = None
            run.paused = False
            run.status = payload["status"]
            run.error = payload.get("error")
            if self._closed and run.status == "stopped" and not run.stop_requested:
                run.error = (
                    "The server shut down during this run; the weights learned so far are kept."
                )
            run.ended_at = payload.get("ended_at") or time.time()
            run.test_loss = payload.get("test_loss")
            run.test_accuracy = payload.get("test_accuracy")
            run.stopped_early = bool(payload.get("stopped_early"))
            run.train_images = payload.get("train_images", run.train_images)
            run.validation_images = payload.get("validation_images", run.validation_images)
            keras_bytes = payload.get("keras_bytes")
            network_bytes = payload.get("network_bytes")
            run.has_model = bool(network_bytes)
            if network_bytes:
                self._keep_pending(self._pending_network_bytes, run.run_id, network_bytes)
            if keras_bytes:
                self._keep_pending(self._pending_keras_bytes, run.run_id, keras_bytes)
            self._changed(run, version=True)
            self._write_finish(run, keras_bytes, network_bytes)
            self._requeue()
            self._wake.notify_all()

    @staticmethod
    def _keep_pending(kept: OrderedDict[str, bytes], run_id: str, data: bytes) -> None:
        kept[run_id] = data
        while len(kept) > KEPT_PENDING_BYTES:
            kept.popitem(last=False)

    def _worker_exited(self, worker: _Worker) -> None:
        """A worker process ended: fail its job if it had one, and start a replacement."""
        code = worker.process.exitcode
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            job = worker.job
            worker.job = None
            worker.idle_since = time.monotonic()
            if isinstance(job, _Run) and job.status in ACTIVE_STATUSES:
                job.worker = None
                job.status = "failed"
                job.error = WORKER_DIED.format(code=code)
                job.ended_at = time.time()
                self._changed(job, version=True)
                self._write_finish(job, None, None)
            elif isinstance(job, _Task):
                job.reply = {
                    "error": f"The model loader stopped unexpectedly (exit code {code}); the "
                    "file may be too large or damaged."
                    if job.kind == "load_model"
                    else f"The worker stopped unexpectedly (exit code {code}); try again."
                }
                job.done.set()
            self._requeue()
            alive = sum(1 for w in self._workers if not w.retiring) + self._starting
            # The dispatcher starts workers for waiting work; here only the warm one is kept.
            replace = not self._closed and worker.ready and alive < MIN_WARM_WORKERS
            self._wake.notify_all()
        with contextlib.suppress(OSError):
            worker.connection.close()
        if replace:
            # Keep a warm worker ready; the dispatcher starts more when work waits. A worker
            # that died before it was ready is not replaced here, or a broken install would
            # start processes in a loop.
            self._start_worker()


# --- the process-wide engine -----------------------------------------------------------------

_ENGINE: Engine | None = None
_ENGINE_LOCK = threading.Lock()


def get_engine(database_url: str | None = None) -> Engine:
    """The engine of this process, created on first use with the configured store."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            from nnlab.store import open_store

            store, warning = open_store(database_url)
            engine = Engine(store)
            engine.store_warning = warning
            _ENGINE = engine
        return _ENGINE


def reset_engine() -> None:
    """Shut the process-wide engine down and forget it (for tests)."""
    global _ENGINE
    with _ENGINE_LOCK:
        engine, _ENGINE = _ENGINE, None
    if engine is not None:
        engine.shutdown()
        with contextlib.suppress(Exception):
            engine.store.close()


__all__ = [
    "Engine",
    "LabBusy",
    "LiveRun",
    "LoadedNetwork",
    "QueuedEntry",
    "cpu_budget",
    "dispatch_order",
    "get_engine",
    "reset_engine",
    "select_next",
    "worker_count",
]
