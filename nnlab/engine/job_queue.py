"""The job queue on the store's PostgreSQL, through procrastinate: how runs reach other machines.

Cloud accepts no inbound connection and school machines sit behind NAT, so the app and every
training machine connect out to one service, the store's PostgreSQL, and meet in its tables:
procrastinate's jobs (one per run, learning-rate test or model upload) and NN Lab's own run
controls, machines, tasks and live progress (nnlab/store/queue_tables.py).

procrastinate does the queue's hard parts: `SELECT ... FOR UPDATE SKIP LOCKED` so a job goes to
one machine, priorities (fairness: a lab's k-th active run waits behind everyone's first), a
queueing lock per run (never queued twice), cancelling a job nobody took, and its workers'
heartbeats, from which `JobQueue.stalled` finds the jobs of a machine that died.

`JobQueue` is the app's side (synchronous: defer, cancel, list, fail); `nnlab.engine.machine`
is a training machine's side (procrastinate's asyncio worker, in a thread).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)

QUEUE = "nnlab"  # procrastinate's queue name for every NN Lab job
TRAIN_TASK = "nnlab.train"
LR_FIND_TASK = "nnlab.lr_find"
LOAD_MODEL_TASK = "nnlab.load_model"
# A machine's procrastinate worker beats this often; one silent for STALLED_AFTER_S is gone (its
# process or its machine died): its jobs are failed within STALLED_AFTER_S + the app's check.
HEARTBEAT_S = 2.0
STALLED_AFTER_S = 12.0
# Serialises the creation of procrastinate's tables by several processes ("nnlq" in ASCII).
SCHEMA_LOCK_KEY = 0x6E6E6C71


def libpq_url(database_url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL (`postgresql+psycopg://` -> `postgresql://`).

    Everything else stays: user, password, host, database and query options such as `sslmode`.
    """
    url = sa.make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(
            "Training machines need the store's PostgreSQL URL (postgresql://...); got a "
            f"{url.get_backend_name()} URL."
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_schema(database_url: str) -> None:
    """Create procrastinate's tables in the store's database once (any process may be first)."""
    import psycopg
    from procrastinate.schema import SchemaManager

    with psycopg.connect(libpq_url(database_url), connect_timeout=10) as connection:
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
        row = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row is None or row[0] is None:
            connection.execute(SchemaManager.get_schema())
            log.info("job queue: procrastinate's tables created")


ACTIVE_JOBS_SQL = """
SELECT id, task_name, priority, args, status
  FROM procrastinate_jobs
 WHERE queue_name = %(queue)s AND status IN ('todo', 'doing')
 ORDER BY priority DESC, id
"""


@dataclass(frozen=True)
class QueuedJob:
    """One job of the queue as the app sees it."""

    job_id: int
    task: str
    priority: int
    arguments: dict[str, Any]

    @property
    def run_id(self) -> str | None:
        """The run it trains (None for a short job)."""
        value = self.arguments.get("run_id")
        return str(value) if value else None


class JobQueue:
    """The app's side of the queue: defer jobs, cancel, list and fail them (synchronous)."""

    def __init__(self, database_url: str) -> None:
        import procrastinate

        ensure_schema(database_url)
        connector = procrastinate.SyncPsycopgConnector(
            conninfo=libpq_url(database_url), min_size=1, max_size=4, kwargs={"connect_timeout": 5}
        )
        self.app = procrastinate.App(connector=connector)
        self.app.open()

    def defer_train(self, run_id: str, priority: int, **arguments: Any) -> int:
        """Queue a run (its row is stored already); the job's id."""
        deferrer = self.app.configure_task(
            TRAIN_TASK, queue=QUEUE, priority=priority, queueing_lock=run_id
        )
        return deferrer.defer(run_id=run_id, **arguments)

    def defer_task(self, task: str, task_id: str, priority: int = 1000) -> int:
        """Queue a short job (served before runs: a student waits for it on the page)."""
        return self.app.configure_task(task, queue=QUEUE, priority=priority).defer(task_id=task_id)

    def cancel(self, job_id: int) -> bool:
        """Take a job nobody has started out of the queue; False when a machine has it."""
        try:
            return bool(self.app.job_manager.cancel_job_by_id(job_id))
        except Exception as error:  # already ended, or gone: nothing to cancel
            log.info("job %s not cancelled: %s", job_id, error)
            return False

    def jobs(self, status: str) -> list[QueuedJob]:
        """The queue's jobs in `status` ('todo' or 'doing'), in the order machines take them."""
        return self.waiting_and_running()[0 if status == "todo" else 1]

    def waiting_and_running(self) -> tuple[list[QueuedJob], list[QueuedJob]]:
        """(jobs waiting, jobs being done), each in the order machines take them: one query.

        procrastinate's list_jobs filters one status per query; the app's poller asks for both
        every refresh interval, so this reads procrastinate's documented jobs table itself.
        """
        rows = self.app.connector.get_sync_connector().execute_query_all(
            query=ACTIVE_JOBS_SQL, queue=QUEUE
        )
        waiting: list[QueuedJob] = []
        running: list[QueuedJob] = []
        for row in rows:
            job = QueuedJob(row["id"], row["task_name"], row["priority"], dict(row["args"] or {}))
            (waiting if row["status"] == "todo" else running).append(job)
        return waiting, running

    def stalled(self, seconds: float = STALLED_AFTER_S) -> list[QueuedJob]:
        """Jobs being done by a worker that has not beaten for `seconds` (its machine died)."""
        from procrastinate import sql

        rows = self.app.connector.get_sync_connector().execute_query_all(
            query=sql.queries["select_stalled_jobs_by_heartbeat"],
            queue=QUEUE,
            task_name=None,
            seconds_since_heartbeat=seconds,
        )
        return [
            QueuedJob(row["id"], row["task_name"], row["priority"], dict(row["args"] or {}))
            for row in rows
        ]

    def fail(self, job_id: int) -> None:
        """Mark a stalled job failed (its run was failed with the reason)."""
        from procrastinate import sql

        with contextlib.suppress(Exception):  # another replica may have done it first
            self.app.connector.get_sync_connector().execute_query(
                query=sql.queries["finish_job"], job_id=job_id, status="failed", delete_job=False
            )

    def close(self) -> None:
        """Release the queue's connections."""
        with contextlib.suppress(Exception):
            self.app.close()
