"""The store's database: where it is, its connection, its SQLite settings and its error messages.

SQLAlchemy Core over SQLite by default (one file in the data folder, no set-up) or PostgreSQL
when `NNLAB_DATABASE_URL` names one (read from nnlab.config), so replicas and reboots share the
runs. `Database` opens (creating or migrating, nnlab/store/migrations.py) and hands out one
transaction at a time: `_write()` commits whole or rolls back whole, so a crash or a killed
worker never leaves half-written rows. Database and file-system failures come out as
`StoreError`, with a message a teacher can act on and never a password.

`Database` holds no SQL of its own tables: nnlab/store/runs.py and nnlab/store/classes.py
subclass it with their typed queries and nnlab/store/store.py joins them into `Store`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from nnlab import config
from nnlab.store import migrations
from nnlab.store.schema import MAX_ID_LENGTH

log = logging.getLogger(__name__)

DATABASE_FILE_NAME = "nnlab.sqlite3"
DEFAULT_TIMEOUT_S = 5.0


class StoreError(RuntimeError):
    """The run store cannot be used; the message says why in plain words.

    `transient` is True when trying the same thing again later may work: the database is locked
    by another process or cannot be reached for now (not a full disk, a damaged file or a bad
    row).
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def is_transient(error: BaseException) -> bool:
    """True for a lock held elsewhere or a lost connection: worth the same write again."""
    cause = _root_cause(error)
    text = str(cause).lower()
    if isinstance(error, (sa.exc.DisconnectionError, sa.exc.TimeoutError)):
        return True
    if isinstance(cause, sqlite3.OperationalError):
        return "locked" in text or "busy" in text
    return isinstance(error, sa.exc.OperationalError) and not isinstance(cause, sqlite3.Error)


def check_id(what: str, value: object) -> None:
    """ValueError unless `value` is a lab or run id the store can keep (text, 1-200 chars)."""
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise ValueError(
            f"A {what} must be a non-empty text of at most {MAX_ID_LENGTH} characters."
        )


# --- where the store is -------------------------------------------------------------------------


def data_home() -> Path:
    """The data folder: NNLAB_HOME, else the user's data directory for nnlab."""
    configured = config.current().home
    if configured is not None:
        return configured
    import platformdirs  # only needed when no folder is configured

    return Path(platformdirs.user_data_dir("nnlab"))


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return sa.engine.URL.create("sqlite", database=str(Path(path).absolute())).render_as_string()


def default_url() -> str:
    """NNLAB_DATABASE_URL, else the SQLite file `<NNLAB_HOME>/nnlab.sqlite3`."""
    configured = config.current().database_url
    if configured:
        return configured
    return sqlite_url(data_home() / DATABASE_FILE_NAME)


def _parse_url(url: str) -> sa.engine.URL:
    # The URL is never echoed back: it may hold a password.
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError, TypeError):
        raise StoreError(
            "The database URL is not one NN Lab understands. Use sqlite:///path/to/file.sqlite3 "
            "or postgresql://user:password@host:5432/database."
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgres", "postgresql") and driver in ("", "psycopg2"):
        # Heroku-style and driver-less URLs use psycopg 3, the driver NN Lab installs.
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"NN Lab stores runs in SQLite or PostgreSQL, not {backend!r}. "
            "Set NNLAB_DATABASE_URL to a postgresql:// URL or leave it unset."
        )
    return parsed


# --- error messages -----------------------------------------------------------------------------


def _root_cause(error: BaseException) -> BaseException:
    original = getattr(error, "orig", None)
    return original if isinstance(original, BaseException) else error


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def explain(error: BaseException, where: str, password: str | None) -> str:
    """A plain message for a database or file-system error at `where`."""
    cause = _root_cause(error)
    text = str(cause).lower()
    is_sqlite = isinstance(cause, sqlite3.Error)
    is_os = isinstance(cause, OSError)
    if "no space left" in text or "disk is full" in text or (is_os and cause.errno == errno.ENOSPC):
        message = (
            f"The disk holding the run store at {where} is full (no space left), so nothing new "
            "was saved. Free some space; runs saved before are kept."
        )
    elif is_sqlite and ("not a database" in text or "malformed" in text):
        message = (
            f"The run store at {where} is damaged ({_first_line(str(cause))}). It was left "
            "untouched; move it away (or restore a backup) to start a fresh one."
        )
    elif is_sqlite and "locked" in text:
        message = (
            f"The run store at {where} is locked by another program and stayed locked; "
            "try again, or close the program holding it."
        )
    elif is_sqlite and "readonly" in text.replace("-", "").replace(" ", ""):
        message = f"The run store at {where} is read-only; NN Lab needs to write to it."
    elif is_sqlite and "unable to open" in text:
        message = (
            f"The run store at {where} cannot be opened; check that its folder exists and "
            "NN Lab may write there."
        )
    elif is_os:
        message = f"The run store at {where} cannot be used: {cause.strerror or cause}."
    elif isinstance(error, sa.exc.OperationalError) and not is_sqlite:
        message = (
            f"Cannot reach the PostgreSQL database at {where} "
            f"({_first_line(str(cause)) or type(cause).__name__}). "
            "Check the address, the password and that the server is running."
        )
    else:
        detail = _first_line(str(cause)) or type(cause).__name__
        message = f"The run store at {where} failed: {detail}"
    if password:
        message = message.replace(password, "***")
    return message


# --- the connection -----------------------------------------------------------------------------


def _install_sqlite_events(engine: sa.Engine, busy_timeout_ms: int) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's documented recipe: let SQLAlchemy emit BEGIN itself so DDL and reads
        # are transactional too, and writers can ask for BEGIN IMMEDIATE (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # A write transaction takes the write lock up front: upgrading a read lock later
        # fails at once with "database is locked" instead of waiting for busy_timeout.
        writes = connection.get_execution_options().get("nnlab_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


class Database:
    """One SQL database with the store's schema, opened and migrated (thread-safe)."""

    def __init__(self, url: str | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        """Open (creating or migrating the schema of) the store at `url` (default_url())."""
        self._url = _parse_url(url if url is not None else default_url())
        self._password = self._url.password if isinstance(self._url.password, str) else None
        self.backend = self._url.get_backend_name()
        self.path: Path | None = None
        self._engine: sa.Engine | None = None
        try:
            self._engine = self._create_engine(timeout_s)
            self._writer = self._engine.execution_options(nnlab_write=True)
            self._migrate()
            if self.path is not None:
                self._use_wal()
        except StoreError:
            self.close()
            raise
        except (sa.exc.SQLAlchemyError, OSError, sqlite3.Error) as error:
            self.close()
            raise StoreError(explain(error, self.describe_location(), self._password)) from None

    def _create_engine(self, timeout_s: float) -> sa.Engine:
        if self.backend == "sqlite":
            database = self._url.database or ""
            if database in ("", ":memory:"):
                # One shared in-memory connection; only the fallback of last resort uses it.
                engine = sa.create_engine(
                    "sqlite://",
                    connect_args={"check_same_thread": False},
                    poolclass=StaticPool,
                )
            else:
                self.path = Path(database).expanduser().absolute()
                self.path.parent.mkdir(parents=True, exist_ok=True)
                engine = sa.create_engine(
                    self._url.set(database=str(self.path)),
                    connect_args={"check_same_thread": False, "timeout": timeout_s},
                )
            _install_sqlite_events(engine, int(timeout_s * 1000))
            return engine
        return sa.create_engine(
            self._url,
            # libpq waits at least 2 s; a dead host must not hang a page for minutes.
            connect_args={"connect_timeout": max(2, math.ceil(timeout_s))},
            pool_pre_ping=True,
            pool_recycle=1800,
        )

    # --- plumbing ---

    def _use_wal(self) -> None:
        # WAL: readers (page reruns) never wait for the writer (the engine), nor it for them.
        # Set once the file is known to be ours (a foreign file stays byte for byte as it was);
        # the mode is stored in the file, so every later connection gets it.
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.close()
        finally:
            raw.close()

    def describe_location(self) -> str:
        """Where the store is, without a password: a file path or a masked URL."""
        if self.backend == "sqlite":
            return str(self.path) if self.path is not None else "memory"
        return self._url.render_as_string(hide_password=True)

    def describe(self) -> str:
        """'SQLite at <path>' or 'PostgreSQL at <url with the password masked>'."""
        if self.backend == "sqlite":
            return f"SQLite at {self.describe_location()}"
        return f"PostgreSQL at {self.describe_location()}"

    @property
    def url(self) -> str:
        """The store's URL with the password masked."""
        return self._url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Close every pooled connection."""
        if self._engine is not None:
            self._engine.dispose()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except (sa.exc.SQLAlchemyError, OSError, sqlite3.Error) as error:
            message = explain(error, self.describe_location(), self._password)
            raise StoreError(message, transient=is_transient(error)) from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One write transaction: committed whole, or rolled back whole on any error."""
        with self._guard(), self._writer.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self._guard(), self._engine.begin() as connection:
            yield connection

    def _migrate(self) -> None:
        with self._writer.begin() as connection:
            try:
                migrations.migrate(connection, self.backend, self.describe_location())
            except migrations.SchemaError as error:
                raise StoreError(str(error)) from None

    def schema_version(self) -> int:
        """The schema version stored in the database."""
        with self._read() as connection:
            try:
                return migrations.stored_version(connection, self.describe_location())
            except migrations.SchemaError as error:
                raise StoreError(str(error)) from None
