"""The engine's memory guard: a run whose worker grows past the run's share is stopped.

The spec's estimate (nnlab.core.memory) refuses what plainly does not fit before it is queued;
this catches what the estimate missed. Every GUARD_POLL_S it reads each busy worker's resident
memory; one that grew more than GUARD_MARGIN x the run's share since its run began is killed,
and its run fails with MEMORY_EXCEEDED (events.worker_exited), while the server and the other
runs go on. Killing is the only stop that works mid-allocation: a worker inside one large
TensorFlow op reads no stop flag until the op ends, and by then the container may be gone.
The workers also ask the kernel to pick them first when memory runs out (worker.py,
oom_score_adj), so even a growth faster than the guard's poll ends a worker, not the app.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

from nnlab.core.memory import run_budget_mb
from nnlab.engine.pool import Worker, WorkerPool, container_memory_mb
from nnlab.engine.reasons import MEMORY_EXCEEDED
from nnlab.engine.records import RunState
from nnlab.engine.worker import resident_mb

GUARD_POLL_S = 0.1
# The estimate is rough (TensorFlow's temporaries, the allocator's slack): a run may grow to this
# many times its share before the guard stops it.
GUARD_MARGIN = 1.5


class MemoryGuard:
    """A daemon thread that kills a worker whose run outgrew its share (see the module)."""

    def __init__(
        self, lock: threading.RLock, pool: WorkerPool, workers: int, poll_s: float = GUARD_POLL_S
    ) -> None:
        self._lock = lock
        self._pool = pool
        # A run's share of what the server may use (NNLAB_MEMORY_MB, the container's limit).
        self.budget_mb = run_budget_mb(container_memory_mb(), workers)
        self._poll_s = poll_s
        self._stopping = threading.Event()
        # (pid, run id) -> resident MB when the guard first saw that worker on that run
        self._starts: dict[tuple[int, str], float] = {}
        self._thread = threading.Thread(target=self._loop, name="nnlab-memory-guard", daemon=True)

    def start(self) -> None:
        """Begin watching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the thread ends within one poll)."""
        self._stopping.set()

    def _loop(self) -> None:
        while not self._stopping.wait(self._poll_s):
            self.check()

    def check(self) -> list[Worker]:
        """One look at every busy worker; the workers it killed."""
        with self._lock:
            busy = [
                (worker, worker.job)
                for worker in self._pool.workers
                if isinstance(worker.job, RunState) and worker.process.pid
            ]
        limit = GUARD_MARGIN * self.budget_mb
        seen: dict[tuple[int, str], float] = {}
        killed = []
        for worker, run in busy:
            key = (worker.process.pid, run.run_id)
            used = resident_mb(worker.process.pid)
            start = seen[key] = self._starts.get(key, used)
            if used - start > limit and worker.exit_reason is None:
                worker.exit_reason = MEMORY_EXCEEDED.format(used=limit, budget=self.budget_mb)
                with contextlib.suppress(OSError):
                    os.kill(worker.process.pid, signal.SIGKILL)
                killed.append(worker)
        self._starts = seen  # runs that ended are forgotten
        return killed
