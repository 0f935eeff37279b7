"""The store's SQL for labs, runs, their epoch rows and their model files.

`RunTables` is the `Database` with these typed queries; `Store` (nnlab/store/store.py) is it
together with the class tables. Records are nnlab.core.runs' `RunRecord` and `EpochRow`: an
epoch's figures go to columns, its other recorded facts (`EpochRow.details`) to the JSON column
`details`. Model files are blobs in both back ends: one transaction writes a run's result and its
model, and replicas on PostgreSQL see the same models.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from nnlab.core.runs import (
    ACTIVE_STATUSES,
    ENDED_STATUSES,
    EPOCH_FIGURES,
    EpochRow,
    RunRecord,
    RunStatus,
)
from nnlab.core.spec import RunSpec
from nnlab.store.database import Database, check_id
from nnlab.store.schema import epochs_table, labs_table, models_table, runs_table

log = logging.getLogger(__name__)

# Columns update_run may change; spec is given as a RunSpec and stored as JSON.
UPDATABLE = frozenset(
    {
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
        "machine",
    }
)


_ACTIVE_VALUES = tuple(sorted(status.value for status in ACTIVE_STATUSES))


def _status_of(value: str) -> RunStatus:
    """A stored status; one this NN Lab does not know (a newer writer's) reads as failed."""
    try:
        return RunStatus(value)
    except ValueError:
        return RunStatus.FAILED


def _details_json(details: Mapping[str, Any]) -> str:
    """An epoch's extra figures as JSON; NaN and infinities become null (valid JSON everywhere)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if isinstance(value, Mapping):
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


def run_record(row: sa.Row) -> RunRecord | None:
    """The RunRecord of a `runs` row with a `has_model` column; None when its spec is unreadable."""
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
        status=_status_of(row.status),
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
        machine=row.machine,
    )


class RunTables(Database):
    """Labs, runs, epoch rows and model files (the run half of `Store`)."""

    def _upsert_lab(self, connection: sa.Connection, lab_id: str, now: float) -> None:
        check_id("lab id", lab_id)
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
        check_id("run id", record.run_id)
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
                    status=RunStatus.parse(record.status).value,
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
                    machine=record.machine,
                )
            )

    def update_run(self, run_id: str, **fields: Any) -> bool:
        """Change some of a run's stored fields (names in UPDATABLE); False when it is absent."""
        unknown = sorted(set(fields) - UPDATABLE)
        if unknown:
            raise ValueError(f"Cannot update run field(s): {', '.join(unknown)}.")
        values = dict(fields)
        if "status" in values:
            values["status"] = RunStatus.parse(values["status"]).value
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

    def add_epoch(self, run_id: str, row: EpochRow) -> None:
        """Store one epoch's row (replacing that epoch if present) and raise epochs_done to it."""
        epoch = row.epoch
        values: dict[str, Any] = {
            name: _finite_or_none(getattr(row, name)) for name in EPOCH_FIGURES
        }
        details = row.details
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
        status: RunStatus,
        error: str | None = None,
        ended_at: float | None = None,
        test_loss: float | None = None,
        test_accuracy: float | None = None,
        stopped_early: bool = False,
        keras_bytes: bytes | None = None,
        network_bytes: bytes | None = None,
    ) -> None:
        """End a run: its result and its model (if given) are written in ONE transaction."""
        ended = RunStatus.parse(status)
        if ended not in ENDED_STATUSES:
            names = ", ".join(sorted(status.value for status in ENDED_STATUSES))
            raise ValueError(f"A run ends as one of {names}; got {status!r}.")
        now = time.time()
        with self._write() as connection:
            connection.execute(
                runs_table.update()
                .where(runs_table.c.run_id == run_id)
                .values(
                    status=ended.value,
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

    def get_run(self, run_id: str) -> RunRecord | None:
        """One run, or None."""
        with self._read() as connection:
            row = connection.execute(
                self._select_runs().where(runs_table.c.run_id == run_id)
            ).first()
        return run_record(row) if row is not None else None

    def lab_runs(self, lab_id: str) -> list[RunRecord]:
        """The lab's runs, oldest first (one query)."""
        with self._read() as connection:
            rows = connection.execute(
                self._select_runs()
                .where(runs_table.c.lab_id == lab_id)
                .order_by(runs_table.c.created_at, runs_table.c.run_id)
            ).all()
        records = (run_record(row) for row in rows)
        return [record for record in records if record is not None]

    def active_runs(self) -> list[RunRecord]:
        """Every queued or running run of every lab, oldest first."""
        with self._read() as connection:
            rows = connection.execute(
                self._select_runs()
                .where(runs_table.c.status.in_(_ACTIVE_VALUES))
                .order_by(runs_table.c.created_at, runs_table.c.run_id)
            ).all()
        records = (run_record(row) for row in rows)
        return [record for record in records if record is not None]

    def history(self, run_id: str) -> list[EpochRow]:
        """The run's epochs in order (NaN where a figure was not measured)."""
        with self._read() as connection:
            rows = connection.execute(
                sa.select(epochs_table)
                .where(epochs_table.c.run_id == run_id)
                .order_by(epochs_table.c.epoch)
            ).all()
        return [
            EpochRow.from_dict(
                {"epoch": row.epoch}
                | {name: getattr(row, name) for name in EPOCH_FIGURES}
                | (json.loads(row.details) if row.details else {})
            )
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
            ended = [row.run_id for row in runs if _status_of(row.status) in ENDED_STATUSES]
            doomed = ended[: max(0, excess)]
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
                .where(runs_table.c.status.in_(_ACTIVE_VALUES))
                .where(runs_table.c.updated_at <= now - older_than_s)
                .values(status=RunStatus.FAILED.value, error=reason, ended_at=now, updated_at=now)
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
