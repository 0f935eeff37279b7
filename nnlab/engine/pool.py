"""The worker processes: how many, how they start, which may retire, and reading their pipes.

Workers start once and are reused; one exits above a memory mark, or after `runs_per_worker`
jobs once no run is waiting (starting TensorFlow anew mid-class would cost the class a core for
seconds), and a fresh one replaces it. One stays started when idle, one per lab seen lately while
a class is here (up to the worker count). Their number comes from the CPUs this process may really
use (`cpu_budget`); each caps TensorFlow's threads so workers x threads fits in them.

The pool's lists are guarded by the engine's lock, which the engine passes in.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import multiprocessing.spawn
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_for_ready
from pathlib import Path
from typing import Any

from nnlab import config
from nnlab.engine.protocol import GOODBYE, Event
from nnlab.engine.worker import resident_mb, worker_main

MIN_WARM_WORKERS = 1  # kept started when idle, so the next Train needs no TensorFlow import
# The warm worker is swapped for a fresh one once idle if it grew this much past its size after
# its first job: TensorFlow keeps what it used, so a class would leave its memory behind.
RECYCLE_GROWTH_MB = 100.0
IDLE_EXIT_WAIT_S = 1.0  # at shutdown, how long an idle worker gets to exit before SIGTERM
RETIRE_GRACE_S = 5.0  # a worker past its run count leaves once idle this long
_SPAWN_LOCK = threading.Lock()


def start_without_main(process: Any) -> None:
    """Start a spawned process without re-running this process's __main__ in it.

    Under `streamlit run`, `sys.modules["__main__"]` is the app script while a page runs, and
    spawn would run app.py again in every worker (seconds of imports and page code before the
    worker could train). The worker's target lives in nnlab.engine.worker, so it needs no __main__.
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
    """How many worker processes to run: NNLAB_WORKERS, else the CPU budget."""
    workers = config.current().workers
    return workers if workers is not None else cpu_budget(cgroup_root)


# --- the memory this process may use ------------------------------------------------------------


def container_memory_mb(cgroup_root: str | Path = "/sys/fs/cgroup") -> float:
    """MB the server and its workers may use: NNLAB_MEMORY_MB, the cgroup's limit (memory.max,
    or v1 memory.limit_in_bytes), else the machine's RAM."""
    configured = config.current().memory_mb
    if configured is not None:
        return float(configured)
    root = Path(cgroup_root)
    total = _meminfo_mb()
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        text = _read_text(path)
        if text and text != "max":
            try:
                limit = int(text) / 2**20
            except ValueError:
                continue
            # v1 says "no limit" with a huge number: the machine's RAM is then the limit.
            return min(limit, total) if total else limit
    return total or 2048.0


def _meminfo_mb() -> float | None:
    """The machine's RAM in MB (MemTotal)."""
    for line in (_read_text(Path("/proc/meminfo")) or "").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024
    return None


# --- the processes ------------------------------------------------------------------------------


@dataclass(eq=False)
class Worker:
    """One worker process and the engine's side of its pipe."""

    index: int
    process: Any
    connection: Any
    stop_value: Any
    started_at: float
    job: Any = None  # the engine's RunState or task it serves now
    exit_reason: str | None = None  # why the engine ended it (the memory guard), for its run
    step_keys: set[str] = field(default_factory=set)  # architectures it trained (see warm)
    ready: bool = False
    retiring: bool = False
    idle_since: float = 0.0  # monotonic time it last became free (for retiring idle workers)
    baseline_mb: float | None = None  # resident memory after its first job
    jobs_done: int = 0
    # Pages (pause, a new rate), the dispatcher and shutdown all write to the pipe: one at a time.
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        """Which machine and process it is, e.g. 'lab-server:4242'."""
        return f"{socket.gethostname()}:{self.process.pid}"

    def send(self, message: Any) -> None:
        """Write one message to the pipe (a dead worker refuses it: its exit tells the rest)."""
        with self.send_lock, contextlib.suppress(OSError, ValueError):
            self.connection.send(message)

    def note_trained(self, step_key: str) -> bool:
        """It trains a run of `step_key` now; whether it had before (a compiled model to reuse).

        Approximate: its ModelCache may have dropped the oldest of more than NNLAB_STEP_CACHE
        architectures; the estimate it feeds is a moving average.
        """
        warm = step_key in self.step_keys
        self.step_keys.add(step_key)
        return warm

    def free(self, retire: bool) -> None:
        """Its job ended; it takes the next unless it is leaving."""
        self.job = None
        self.idle_since = time.monotonic()
        self.retiring = retire

    def grown(self) -> bool:
        """Whether it holds RECYCLE_GROWTH_MB more than after its first job."""
        if self.baseline_mb is None or not self.process.pid:
            return False
        return resident_mb(self.process.pid) - self.baseline_mb > RECYCLE_GROWTH_MB

    def job_done(self) -> None:
        """Count a finished job (its size after the first is the baseline for `grown`)."""
        self.jobs_done += 1
        if self.baseline_mb is None and self.process.pid:
            self.baseline_mb = resident_mb(self.process.pid)


class WorkerPool:
    """The engine's worker processes (their lists guarded by `lock`, the engine's)."""

    def __init__(self, lock: threading.RLock, wanted: int, threads: int, memory_mb: float) -> None:
        self._lock = lock
        self.wanted = wanted
        self.threads = threads
        self.memory_mb = memory_mb
        self.workers: list[Worker] = []
        self.starting = 0  # workers being started (not in `workers` yet)
        self.start_seconds: list[float] = []  # how long each worker took to be ready
        self.closed = False
        self._next_index = 0
        self._context = multiprocessing.get_context("spawn")

    def start(self) -> Worker | None:
        """Start one worker process (it imports TensorFlow, then says it is ready)."""
        with self._lock:
            if self.closed:
                return None
            index = self._next_index
            self._next_index += 1
            self.starting += 1  # counted as alive from now: no second start for the same gap
        parent_end, child_end = self._context.Pipe(duplex=True)
        stop_value = self._context.RawValue("q", 0)
        process = self._context.Process(
            target=worker_main,
            args=(child_end, stop_value, self.threads, self.memory_mb),
            name=f"nnlab-worker-{index}",
            daemon=True,
        )
        try:
            start_without_main(process)
        finally:
            child_end.close()
        worker = Worker(index, process, parent_end, stop_value, time.monotonic())
        with self._lock:
            self.workers.append(worker)
            self.starting -= 1
        return worker

    def alive(self) -> int:
        """Workers that stay (not retiring), counting those being started."""
        return sum(1 for worker in self.workers if not worker.retiring) + self.starting

    def processes(self) -> int:
        """Every worker process, retiring or starting included."""
        return len(self.workers) + self.starting

    def idle(self) -> list[Worker]:
        """Free workers that stay, ready ones first (one still importing TensorFlow is slower)."""
        free = (w for w in self.workers if w.job is None and not w.retiring)
        return sorted(free, key=lambda worker: not worker.ready)

    def pids(self) -> list[int]:
        """Process ids of the workers alive now."""
        return [worker.process.pid for worker in self.workers if worker.process.pid]

    def warm_target(self, labs_seen: int) -> int:
        """Workers to keep started with nothing to do: one, or one per lab a page showed lately
        (`labs_seen`, up to the worker count), once a worker has started here.

        A class opens its pages, then presses Train together: a worker started only then would
        import TensorFlow while the first runs wait for it (seconds of a core; on a small cloud
        share, tens of seconds). The labs' pages say a class is here before anyone trains.
        """
        if not self.start_seconds:  # no worker ever got ready: a broken install
            return MIN_WARM_WORKERS
        return max(MIN_WARM_WORKERS, min(self.wanted, labs_seen))

    def retire_idle(self, idle_s: float, labs_seen: int, runs_per_worker: int) -> list[Worker]:
        """Mark for exit the workers idle for `idle_s` beyond the warm target (memory goes back),
        those that served runs_per_worker jobs (a fresh one replaces them), and a long-idle one
        that training grew. Call only when nothing waits."""
        now = time.monotonic()
        warm = [w for w in self.workers if not w.retiring]
        idle = [w for w in warm if w.ready and w.job is None]
        long_idle = [w for w in idle if now - w.idle_since >= idle_s]
        retire = long_idle[: max(0, len(warm) - self.warm_target(labs_seen))]
        # Past its run count after a short grace: a job queue hands a machine one run at a time,
        # so "nothing waits here" alone is true between every two runs of a class.
        spent = [w for w in idle if w.jobs_done >= runs_per_worker]
        retire += [w for w in spent if w not in retire and now - w.idle_since >= RETIRE_GRACE_S]
        # The one kept warm goes too when training grew it: the engine starts a fresh one.
        retire += [w for w in long_idle if w not in retire and w.grown()]
        for worker in retire:
            worker.retiring = True
        return retire

    def remove(self, worker: Worker) -> None:
        """Forget a worker that exited."""
        if worker in self.workers:
            self.workers.remove(worker)

    def wait(
        self, workers: list[Worker], timeout_s: float
    ) -> tuple[list[tuple[Worker, list[Event]]], list[Worker]]:
        """The events the workers sent within `timeout_s` (by worker), and the workers that exited
        (whose last events come with the others)."""
        by_handle: dict[Any, Worker] = {}
        for worker in workers:
            by_handle[worker.connection] = worker
            by_handle[worker.process.sentinel] = worker
        try:
            ready = wait_for_ready(list(by_handle), timeout=timeout_s)
        except OSError:
            ready = []
        read: list[tuple[Worker, list[Event]]] = []
        exited: list[Worker] = []
        for handle in ready:
            worker = by_handle[handle]
            if handle is worker.connection:
                events, open_ = _drain(worker)
                read.append((worker, events))
                if not open_ and worker not in exited:
                    exited.append(worker)
            elif worker not in exited:
                exited.append(worker)
        for worker in exited:
            events, _ = _drain(worker)  # events sent just before it exited come first
            read.append((worker, events))
            worker.process.join(1)
        return read, exited

    def stop(self, workers: list[Worker], busy: set[int], timeout_s: float) -> None:
        """Say goodbye to the workers, then end them (politely, then by force)."""
        for worker in workers:
            worker.send(GOODBYE)
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


def _drain(worker: Worker) -> tuple[list[Event], bool]:
    """Every event waiting on the worker's pipe, and False once the pipe is closed."""
    events: list[Event] = []
    try:
        while worker.connection.poll():
            events.append(worker.connection.recv())
    except (EOFError, OSError):
        return events, False
    return events, True
