"""The run store: labs, runs, their epoch histories and trained models, kept in a database.

SQLAlchemy Core over SQLite by default (one file in a data folder, no set-up) or PostgreSQL
when `NNLAB_DATABASE_URL` names one, so replicas and reboots share the runs. Model files are
stored as blobs in both back ends: one transaction writes a run's result and its model, and
replicas on PostgreSQL see the same models.

The schema carries a version number in the `meta` table. `_MIGRATIONS[n]` brings a database
from version n-1 to n; they run in order, in one transaction, on first use. Every write is
one transaction, so a crash or a killed worker never leaves half-written rows;
`fail_interrupted` marks the runs a dead process left active as failed.

Database and file-system failures come out as `StoreError`, with a message a teacher can act
on and never a password; `open_store` falls back to a fresh local store instead of failing.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.pool import StaticPool

from nnlab.labs import new_lab_id, valid_lab_id  # noqa: F401 (re-exported: the contract)
from nnlab.spec import RunSpec

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
STATUSES = ("queued", "running", "finished", "stopped", "failed")
ACTIVE_STATUSES = ("queued", "running")
ENDED_STATUSES = ("finished", "stopped", "failed")
DATABASE_FILE_NAME = "nnlab.sqlite3"
DEFAULT_TIMEOUT_S = 5.0
_MAX_ID_LENGTH = 200  # the longest lab or run id the store accepts
# Lets several replicas on one PostgreSQL database migrate one at a time ("nnlab" in ASCII).
_MIGRATION_LOCK_KEY = 0x6E6E6C6162


class StoreError(RuntimeError):
    """The run store cannot be used; the message says why in plain words."""


# --- schema -------------------------------------------------------------------------------------

metadata = sa.MetaData()

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

labs_table = sa.Table(
    "labs",
    metadata,
    sa.Column("lab_id", sa.String(_MAX_ID_LENGTH), primary_key=True),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("last_seen", sa.Double, nullable=False, index=True),
)

runs_table = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(_MAX_ID_LENGTH), primary_key=True),
    sa.Column("lab_id", sa.String(_MAX_ID_LENGTH), nullable=False, index=True),
    sa.Column("label", sa.Text, nullable=False, default=""),
    sa.Column("spec_json", sa.Text, nullable=False),
    sa.Column("preset_key", sa.String(200)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("started_at", sa.Double),
    sa.Column("ended_at", sa.Double),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("train_images", sa.Integer),
    sa.Column("validation_images", sa.Integer),
    sa.Column("test_loss", sa.Double),
    sa.Column("test_accuracy", sa.Double),
    sa.Column("stopped_early", sa.Boolean, nullable=False, default=False),
    sa.Column("epochs_done", sa.Integer, nullable=False, default=0),
)

epochs_table = sa.Table(
    "epochs",
    metadata,
    sa.Column("run_id", sa.String(_MAX_ID_LENGTH), primary_key=True),
    sa.Column("epoch", sa.Integer, primary_key=True),
    sa.Column("loss", sa.Double),
    sa.Column("accuracy", sa.Double),
    sa.Column("val_loss", sa.Double),
    sa.Column("val_accuracy", sa.Double),
    sa.Column("seconds", sa.Double),
    # Everything else a training callback recorded for the epoch (diagnostics, the hidden-layer
    # map, the watched digits, learning-rate changes), as JSON: pages read it, nothing queries it.
    sa.Column("details", sa.Text),
)

models_table = sa.Table(
    "models",
    metadata,
    sa.Column("run_id", sa.String(_MAX_ID_LENGTH), primary_key=True),
    sa.Column("keras", sa.LargeBinary),
    sa.Column("network", sa.LargeBinary),
    sa.Column("bytes", sa.BigInteger, nullable=False, default=0),
)

# Class mode (issue 10; nnlab/classes.py reads and writes these). A class's members, drawings
# and the class itself go when it expires; the members' runs stay with their labs.
classes_table = sa.Table(
    "classes",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("join_code", sa.String(16), nullable=False, unique=True),
    # sha256 of the teacher's secret key: a copy of the database does not hand out the board
    sa.Column("teacher_key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("spec_json", sa.Text, nullable=False),
    sa.Column("preset_key", sa.String(200)),
    sa.Column("locked_json", sa.Text, nullable=False, default="[]"),
    sa.Column("hidden_json", sa.Text, nullable=False, default="[]"),
    sa.Column("challenge_key", sa.String(64)),
    sa.Column("step", sa.Integer, nullable=False, default=1),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("expires_at", sa.Double, nullable=False, index=True),
    sa.Column("ended_at", sa.Double),
)

class_members_table = sa.Table(
    "class_members",
    metadata,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("lab_id", sa.String(_MAX_ID_LENGTH), primary_key=True, index=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("name_key", sa.String(64), nullable=False),  # casefolded: "Mina" and "mina" clash
    sa.Column("joined_at", sa.Double, nullable=False),
    sa.Column("step_seen", sa.Integer, nullable=False, default=0),
    sa.UniqueConstraint("class_id", "name_key", name="uq_class_members_name"),
)

class_drawings_table = sa.Table(
    "class_drawings",
    metadata,
    sa.Column("drawing_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("class_id", sa.String(64), nullable=False, index=True),
    sa.Column("lab_id", sa.String(_MAX_ID_LENGTH), nullable=False),
    sa.Column("label", sa.Integer, nullable=False),
    sa.Column("image", sa.LargeBinary, nullable=False),  # 28x28 uint8, row by row (784 bytes)
    sa.Column("created_at", sa.Double, nullable=False),
)

_NNLAB_TABLES = (
    "meta",
    "labs",
    "runs",
    "epochs",
    "models",
    "classes",
    "class_members",
    "class_drawings",
)


def _migrate_to_1(connection: sa.Connection) -> None:
    # checkfirst: a later migration may find these tables already made by this one
    metadata.create_all(
        connection,
        tables=[meta_table, labs_table, runs_table, epochs_table, models_table],
        checkfirst=True,
    )


def _migrate_to_2(connection: sa.Connection) -> None:
    # Version 1 made `epochs` without `details`; a fresh database made by _migrate_to_1 above
    # already has it (create_all uses today's table), so add it only where it is missing.
    columns = {column["name"] for column in sa.inspect(connection).get_columns("epochs")}
    if "details" not in columns:
        connection.execute(sa.text("ALTER TABLE epochs ADD COLUMN details TEXT"))


def _migrate_to_3(connection: sa.Connection) -> None:
    # Class mode: classes, their members and their handwriting set (nnlab/classes.py).
    metadata.create_all(
        connection,
        tables=[classes_table, class_members_table, class_drawings_table],
        checkfirst=True,
    )


# version -> function bringing the schema from version-1 to version, applied in order.
# A later version adds an entry here and bumps SCHEMA_VERSION.
_MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {
    1: _migrate_to_1,
    2: _migrate_to_2,
    3: _migrate_to_3,
}


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    """One training run as stored: its spec, status, timing, results and whether a model exists."""

    run_id: str
    lab_id: str
    label: str
    spec: RunSpec
    preset_key: str | None = None
    status: str = "queued"
    error: str | None = None
    created_at: float = 0.0
    started_at: float | None = None
    ended_at: float | None = None
    train_images: int | None = None
    validation_images: int | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    stopped_early: bool = False
    epochs_done: int = 0
    has_model: bool = False

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(
                f"Run status must be one of {', '.join(STATUSES)}; got {self.status!r}."
            )

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end (or to now while running); None before it starts."""
        if self.started_at is None:
            return None
        end = self.ended_at if self.ended_at is not None else time.time()
        return max(0.0, end - self.started_at)

    @property
    def is_active(self) -> bool:
        """True while the run is queued or running."""
        return self.status in ACTIVE_STATUSES


# Columns update_run may change; spec is given as a RunSpec and stored as JSON.
_UPDATABLE = {
    "label",
    "spec",
    "preset_key",
    "status",
    "error",
    "started_at",
    "ended_at",
    "train_images",
    "validation_images",
    "test_loss",
    "test_accuracy",
    "stopped_early",
    "epochs_done",
}
_HISTORY_FIELDS = ("loss", "accuracy", "val_loss", "val_accuracy", "seconds")


# --- ids and URLs -------------------------------------------------------------------------------


def new_run_id() -> str:
    """A fresh random run id (32 hex characters)."""
    return uuid.uuid4().hex


def data_home() -> Path:
    """The data folder: env NNLAB_HOME, else the user's data directory for nnlab."""
    configured = os.environ.get("NNLAB_HOME", "").strip()
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # only needed when no folder is configured

    return Path(platformdirs.user_data_dir("nnlab"))


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return sa.engine.URL.create("sqlite", database=str(Path(path).absolute())).render_as_string()


def default_url() -> str:
    """Env NNLAB_DATABASE_URL, else the SQLite file `<NNLAB_HOME>/nnlab.sqlite3`."""
    configured = os.environ.get("NNLAB_DATABASE_URL", "").strip()
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


def _explain(error: BaseException, where: str, password: str | None) -> str:
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


# --- the store ----------------------------------------------------------------------------------


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


def _details_json(details: dict[str, Any]) -> str:
    """An epoch's extra figures as JSON; NaN and infinities become null (valid JSON everywhere)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if isinstance(value, dict):
            return {str(key): clean(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(item) for item in value]
        return value

    return json.dumps(clean(details), separators=(",", ":"))


def _finite_or_none(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    # SQLite turns NaN into NULL anyway; storing None keeps both back ends alike.
    return None if math.isnan(number) else number


class Store:
    """Labs, runs, epoch histories and models in one SQL database (thread-safe)."""

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
            raise StoreError(_explain(error, self.describe_location(), self._password)) from None

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
            raise StoreError(_explain(error, self.describe_location(), self._password)) from None

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
            if self.backend == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            version = self._stored_version(connection)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"The run store at {self.describe_location()} was made by a newer NN Lab "
                    f"(schema {version}, this one knows {SCHEMA_VERSION}); it was left untouched. "
                    "Update NN Lab or use another database."
                )
            if version == SCHEMA_VERSION:
                return
            for step in range(version + 1, SCHEMA_VERSION + 1):
                _MIGRATIONS[step](connection)
            self._set_version(connection, SCHEMA_VERSION)
            log.info(
                "run store at %s: schema %d -> %d",
                self.describe_location(),
                version,
                SCHEMA_VERSION,
            )

    def _stored_version(self, connection: sa.Connection) -> int:
        names = set(sa.inspect(connection).get_table_names())
        if "meta" not in names:
            foreign = sorted(names & set(_NNLAB_TABLES))
            if foreign:
                raise StoreError(
                    f"The database at {self.describe_location()} already has tables named "
                    f"{', '.join(foreign)} that are not NN Lab's; they were left untouched. "
                    "Give NN Lab a database (or schema) of its own."
                )
            return 0
        value = connection.execute(
            sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
        ).scalar()
        try:
            return int(value) if value is not None else 0
        except ValueError:
            raise StoreError(
                f"The run store at {self.describe_location()} has an unreadable schema version "
                f"({value!r}); it was left untouched."
            ) from None

    @staticmethod
    def _set_version(connection: sa.Connection, version: int) -> None:
        updated = connection.execute(
            meta_table.update()
            .where(meta_table.c.key == "schema_version")
            .values(value=str(version))
        ).rowcount
        if not updated:
            connection.execute(meta_table.insert().values(key="schema_version", value=str(version)))

    def schema_version(self) -> int:
        """The schema version stored in the database."""
        with self._read() as connection:
            return self._stored_version(connection)

    def _upsert_lab(self, connection: sa.Connection, lab_id: str, now: float) -> None:
        _check_id("lab id", lab_id)
        insert = (pg_dialect.insert if self.backend == "postgresql" else sqlite_dialect.insert)(
            labs_table
        )
        connection.execute(
            insert.values(lab_id=lab_id, created_at=now, last_seen=now).on_conflict_do_update(
                index_elements=[labs_table.c.lab_id], set_={"last_seen": now}
            )
        )

    # --- labs and runs ---

    def touch_lab(self, lab_id: str) -> None:
        """Record that the lab was seen now (creating it if new)."""
        with self._write() as connection:
            self._upsert_lab(connection, lab_id, time.time())

    def add_run(self, record: RunRecord) -> None:
        """Store a new run (its lab is touched too)."""
        _check_id("run id", record.run_id)
        now = time.time()
        with self._write() as connection:
            self._upsert_lab(connection, record.lab_id, now)
            connection.execute(
                runs_table.insert().values(
                    run_id=record.run_id,
                    lab_id=record.lab_id,
                    label=record.label or "",
                    spec_json=record.spec.to_json(),
                    preset_key=record.preset_key,
                    status=record.status,
                    error=record.error,
                    created_at=record.created_at or now,
                    started_at=record.started_at,
                    ended_at=record.ended_at,
                    updated_at=now,
                    train_images=record.train_images,
                    validation_images=record.validation_images,
                    test_loss=_finite_or_none(record.test_loss),
                    test_accuracy=_finite_or_none(record.test_accuracy),
                    stopped_early=bool(record.stopped_early),
                    epochs_done=record.epochs_done,
                )
            )

    def update_run(self, run_id: str, **fields: Any) -> bool:
        """Change some fields of a run; False when no such run exists."""
        unknown = sorted(set(fields) - _UPDATABLE)
        if unknown:
            raise ValueError(f"Cannot update run field(s): {', '.join(unknown)}.")
        if "status" in fields and fields["status"] not in STATUSES:
            raise ValueError(f"Run status must be one of {', '.join(STATUSES)}.")
        values = dict(fields)
        if "spec" in values:
            values["spec_json"] = values.pop("spec").to_json()
        for name in ("test_loss", "test_accuracy"):
            if name in values:
                values[name] = _finite_or_none(values[name])
        values["updated_at"] = time.time()
        with self._write() as connection:
            result = connection.execute(
                runs_table.update().where(runs_table.c.run_id == run_id).values(**values)
            )
            return result.rowcount > 0

    def touch_runs(self, run_ids: list[str] | tuple[str, ...]) -> int:
        """Mark runs as alive now (a heartbeat for fail_interrupted's age test)."""
        if not run_ids:
            return 0
        with self._write() as connection:
            result = connection.execute(
                runs_table.update()
                .where(runs_table.c.run_id.in_(list(run_ids)))
                .values(updated_at=time.time())
            )
            return result.rowcount

    def add_epoch(self, run_id: str, row: dict[str, Any]) -> None:
        """Store one epoch's figures (replacing that epoch if present) and set epochs_done."""
        epoch = row["epoch"]
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1:
            raise ValueError(f"Epoch must be a whole number from 1; got {epoch!r}.")
        values = {name: _finite_or_none(row.get(name)) for name in _HISTORY_FIELDS}
        details = {
            name: value
            for name, value in row.items()
            if name != "epoch" and name not in _HISTORY_FIELDS
        }
        values["details"] = _details_json(details) if details else None
        with self._write() as connection:
            connection.execute(
                epochs_table.delete().where(
                    (epochs_table.c.run_id == run_id) & (epochs_table.c.epoch == epoch)
                )
            )
            connection.execute(epochs_table.insert().values(run_id=run_id, epoch=epoch, **values))
            connection.execute(
                runs_table.update()
                .where(runs_table.c.run_id == run_id)
                .values(
                    epochs_done=sa.func.max(runs_table.c.epochs_done, epoch)
                    if self.backend == "sqlite"
                    else sa.func.greatest(runs_table.c.epochs_done, epoch),
                    updated_at=time.time(),
                )
            )

    def finish_run(
        self,
        run_id: str,
        *,
        status: str,
        error: str | None = None,
        ended_at: float | None = None,
        test_loss: float | None = None,
        test_accuracy: float | None = None,
        stopped_early: bool = False,
        keras_bytes: bytes | None = None,
        network_bytes: bytes | None = None,
    ) -> None:
        """End a run: its result and its model (if given) are written in ONE transaction."""
        if status not in ENDED_STATUSES:
            raise ValueError(f"A run ends as one of {', '.join(ENDED_STATUSES)}; got {status!r}.")
        now = time.time()
        with self._write() as connection:
            connection.execute(
                runs_table.update()
                .where(runs_table.c.run_id == run_id)
                .values(
                    status=status,
                    error=error,
                    ended_at=ended_at if ended_at is not None else now,
                    test_loss=_finite_or_none(test_loss),
                    test_accuracy=_finite_or_none(test_accuracy),
                    stopped_early=bool(stopped_early),
                    updated_at=now,
                )
            )
            if keras_bytes is not None or network_bytes is not None:
                connection.execute(models_table.delete().where(models_table.c.run_id == run_id))
                connection.execute(
                    models_table.insert().values(
                        run_id=run_id,
                        keras=keras_bytes,
                        network=network_bytes,
                        bytes=len(keras_bytes or b"") + len(network_bytes or b""),
                    )
                )

    def _select_runs(self) -> sa.Select:
        has_model = (
            sa.exists().where(models_table.c.run_id == runs_table.c.run_id).label("has_model")
        )
        return sa.select(runs_table, has_model)

    @staticmethod
    def _record(row: sa.Row) -> RunRecord | None:
        try:
            spec = RunSpec.from_json(row.spec_json)
        except ValueError as error:
            # e.g. written by a newer NN Lab sharing this database; skip it, keep the rest
            log.warning("run %s has an unreadable spec, skipped: %s", row.run_id, error)
            return None
        return RunRecord(
            run_id=row.run_id,
            lab_id=row.lab_id,
            label=row.label,
            spec=spec,
            preset_key=row.preset_key,
            status=row.status if row.status in STATUSES else "failed",
            error=row.error,
            created_at=row.created_at,
            started_at=row.started_at,
            ended_at=row.ended_at,
            train_images=row.train_images,
            validation_images=row.validation_images,
            test_loss=row.test_loss,
            test_accuracy=row.test_accuracy,
            stopped_early=bool(row.stopped_early),
            epochs_done=row.epochs_done,
            has_model=bool(row.has_model),
        )

    def get_run(self, run_id: str) -> RunRecord | None:
        """One run, or None."""
        with self._read() as connection:
            row = connection.execute(
                self._select_runs().where(runs_table.c.run_id == run_id)
            ).first()
        return self._record(row) if row is not None else None

    def lab_runs(self, lab_id: str) -> list[RunRecord]:
        """The lab's runs, oldest first (one query)."""
        with self._read() as connection:
            rows = connection.execute(
                self._select_runs()
                .where(runs_table.c.lab_id == lab_id)
                .order_by(runs_table.c.created_at, runs_table.c.run_id)
            ).all()
        records = (self._record(row) for row in rows)
        return [record for record in records if record is not None]

    def active_runs(self) -> list[RunRecord]:
        """Every queued or running run of every lab, oldest first."""
        with self._read() as connection:
            rows = connection.execute(
                self._select_runs()
                .where(runs_table.c.status.in_(ACTIVE_STATUSES))
                .order_by(runs_table.c.created_at, runs_table.c.run_id)
            ).all()
        records = (self._record(row) for row in rows)
        return [record for record in records if record is not None]

    def history(self, run_id: str) -> list[dict[str, float]]:
        """The run's epochs in order, as dicts like training.py's (NaN where not measured)."""
        with self._read() as connection:
            rows = connection.execute(
                sa.select(epochs_table)
                .where(epochs_table.c.run_id == run_id)
                .order_by(epochs_table.c.epoch)
            ).all()
        return [
            {"epoch": row.epoch}
            | {
                name: math.nan if getattr(row, name) is None else getattr(row, name)
                for name in _HISTORY_FIELDS
            }
            | (json.loads(row.details) if row.details else {})
            for row in rows
        ]

    def _model_column(self, run_id: str, column: sa.Column) -> bytes | None:
        with self._read() as connection:
            value = connection.execute(
                sa.select(column).where(models_table.c.run_id == run_id)
            ).scalar()
        return bytes(value) if value is not None else None

    def network_bytes(self, run_id: str) -> bytes | None:
        """The run's NumPy network file, or None."""
        return self._model_column(run_id, models_table.c.network)

    def keras_bytes(self, run_id: str) -> bytes | None:
        """The run's .keras file, or None."""
        return self._model_column(run_id, models_table.c.keras)

    # --- limits and cleanup ---

    def enforce_lab_caps(
        self, lab_id: str, keep_models: int = 5, keep_runs: int = 100
    ) -> tuple[int, int]:
        """Drop all but the newest models and the oldest ended runs past the caps.

        Returns (models dropped, runs deleted). Runs whose model is dropped keep their history.
        """
        if keep_models < 0 or keep_runs < 0:
            raise ValueError("Caps must be zero or more.")
        with self._write() as connection:
            with_model = (
                connection.execute(
                    sa.select(runs_table.c.run_id)
                    .join(models_table, models_table.c.run_id == runs_table.c.run_id)
                    .where(runs_table.c.lab_id == lab_id)
                    .order_by(runs_table.c.created_at.desc(), runs_table.c.run_id.desc())
                )
                .scalars()
                .all()
            )
            drop_models = list(with_model[keep_models:])
            if drop_models:
                connection.execute(
                    models_table.delete().where(models_table.c.run_id.in_(drop_models))
                )
            runs = connection.execute(
                sa.select(runs_table.c.run_id, runs_table.c.status)
                .where(runs_table.c.lab_id == lab_id)
                .order_by(runs_table.c.created_at, runs_table.c.run_id)
            ).all()
            excess = len(runs) - keep_runs
            doomed = [row.run_id for row in runs if row.status in ENDED_STATUSES][: max(0, excess)]
            self._delete_runs(connection, doomed)
        return len(drop_models), len(doomed)

    @staticmethod
    def _delete_runs(connection: sa.Connection, run_ids: list[str]) -> None:
        # In chunks: SQLite caps the number of bound parameters in one statement.
        for start in range(0, len(run_ids), 500):
            chunk = run_ids[start : start + 500]
            for table in (epochs_table, models_table, runs_table):
                connection.execute(table.delete().where(table.c.run_id.in_(chunk)))

    def fail_interrupted(self, reason: str, *, older_than_s: float = 0.0) -> int:
        """Mark queued/running runs not updated for `older_than_s` as failed; returns how many."""
        now = time.time()
        with self._write() as connection:
            result = connection.execute(
                runs_table.update()
                .where(runs_table.c.status.in_(ACTIVE_STATUSES))
                .where(runs_table.c.updated_at <= now - older_than_s)
                .values(status="failed", error=reason, ended_at=now, updated_at=now)
            )
            return result.rowcount

    def delete_old_labs(self, max_age_days: float) -> int:
        """Delete labs not seen for `max_age_days`, with their runs, epochs and models."""
        cutoff = time.time() - max_age_days * 86400.0
        with self._write() as connection:
            old_labs = (
                connection.execute(
                    sa.select(labs_table.c.lab_id).where(labs_table.c.last_seen < cutoff)
                )
                .scalars()
                .all()
            )
            for start in range(0, len(old_labs), 500):
                chunk = list(old_labs[start : start + 500])
                run_ids = sa.select(runs_table.c.run_id).where(runs_table.c.lab_id.in_(chunk))
                for table in (epochs_table, models_table):
                    connection.execute(table.delete().where(table.c.run_id.in_(run_ids)))
                connection.execute(runs_table.delete().where(runs_table.c.lab_id.in_(chunk)))
                connection.execute(labs_table.delete().where(labs_table.c.lab_id.in_(chunk)))
            return len(old_labs)

    def stats(self) -> dict[str, int]:
        """Counts of labs, runs, models and stored model bytes (for a health page)."""
        with self._read() as connection:
            return {
                "labs": connection.execute(
                    sa.select(sa.func.count()).select_from(labs_table)
                ).scalar_one(),
                "runs": connection.execute(
                    sa.select(sa.func.count()).select_from(runs_table)
                ).scalar_one(),
                "models": connection.execute(
                    sa.select(sa.func.count()).select_from(models_table)
                ).scalar_one(),
                "model_bytes": int(
                    connection.execute(
                        sa.select(sa.func.coalesce(sa.func.sum(models_table.c.bytes), 0))
                    ).scalar_one()
                ),
            }


def _check_id(what: str, value: object) -> None:
    if not isinstance(value, str) or not value or len(value) > _MAX_ID_LENGTH:
        raise ValueError(
            f"A {what} must be a non-empty text of at most {_MAX_ID_LENGTH} characters."
        )


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
