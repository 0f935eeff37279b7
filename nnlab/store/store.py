"""The run store: labs, runs, their epoch rows and models, and class mode's tables, in one database.

`Store` is one object built from three layers, each its own module so each stays readable:
nnlab/store/database.py (the connection, URL, SQLite settings, error messages; the schema comes
from schema.py through migrations.py), nnlab/store/runs.py (`RunTables`: typed methods for runs,
epochs, models, caps and clean-up) and nnlab/store/classes.py (`ClassTables`: typed methods for
classes, members, drawings and the board), plus nnlab/store/queue_tables.py (`QueueTables`: what
the job queue's machines and the app tell each other). The parts subclass `Database`, so
`Store` simply inherits them: one connection pool, one transaction per call, no SQL outside
nnlab/store. What the engine relies on is `RunStore` in nnlab/store/contract.py.

`open_store` falls back to a fresh local store (plus a warning) instead of failing.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from nnlab.store.classes import ClassTables
from nnlab.store.database import DATABASE_FILE_NAME, StoreError, sqlite_url
from nnlab.store.queue_tables import QueueTables
from nnlab.store.runs import RunTables

log = logging.getLogger(__name__)


class Store(RunTables, ClassTables, QueueTables):
    """Labs, runs, epoch rows, models and classes in one SQL database (thread-safe)."""


def open_store(url: str | None = None) -> tuple[Store, str | None]:
    """The configured store, or a fresh local one in a temp folder plus a warning saying why."""
    try:
        return Store(url), None
    except StoreError as error:
        problem = str(error)
    log.warning("run store unavailable, using a temporary one: %s", problem)
    try:
        folder = tempfile.mkdtemp(prefix="nnlab-store-")
        fallback = Store(sqlite_url(Path(folder) / DATABASE_FILE_NAME))
        where = f"a temporary folder ({folder})"
    except StoreError:
        fallback = Store("sqlite://")  # no writable folder at all: memory is all that is left
        where = "memory"
    except OSError:
        fallback = Store("sqlite://")
        where = "memory"
    return fallback, (
        f"{problem} NN Lab is using a fresh store in {where} instead: new runs work, but they "
        "are lost when the server restarts."
    )
