"""The process-wide training engine: the local one on SQLite, the job queue's on PostgreSQL.

With a PostgreSQL store, runs go through the job queue in that database (nnlab.engine.job_queue)
so any number of app replicas and training machines share them; this server's own worker
processes are one machine among them. With SQLite (the default), the local `Engine` trains in
this server's worker processes, with no other service.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from nnlab.engine.contract import TrainingEngine

log = logging.getLogger(__name__)

_ENGINE: TrainingEngine | None = None
_ENGINE_LOCK = threading.Lock()


def make_engine(database_url: str | None = None) -> TrainingEngine:
    """A new engine on the configured store (the queue's when it is PostgreSQL)."""
    from nnlab import config
    from nnlab.engine.engine import Engine
    from nnlab.store.store import open_store

    database_url = database_url or config.current().database_url
    store, warning = open_store(database_url)
    if store.backend == "postgresql" and database_url:
        try:
            from nnlab.engine.queue_engine import QueueEngine

            engine: TrainingEngine = QueueEngine(store, database_url)
            engine.store_warning = warning
            return engine
        except Exception as error:  # no queue tables allowed, procrastinate missing: train here
            log.warning("job queue unavailable, training on this server only: %s", error)
            warning = (
                f"The job queue could not start in the store's database ({error}); runs train "
                "on this server only."
            )
    engine = Engine(store)
    engine.store_warning = warning
    return engine


def get_engine(database_url: str | None = None) -> TrainingEngine:
    """The engine of this process, created on first use with the configured store."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = make_engine(database_url)
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
