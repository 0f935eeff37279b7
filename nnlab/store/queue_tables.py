"""The job queue's own tables: a run's controls, the connected machines, short jobs, live progress.

When runs go through the job queue (PostgreSQL: nnlab.engine.job_queue), the app and the
training machines meet only in the database. A student's stop, pause or new learning rate is a
row in `run_controls` that the machine training the run reads a few times a second; a machine
beats its row in `machines` every few seconds (the app counts workers and machines from it);
the learning-rate test and a model upload are `tasks` (input and reply); a running run's
progress is a JSON column of its `runs` row. The queue itself is procrastinate's tables.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from nnlab.store.database import Database, check_id
from nnlab.store.runs import run_record
from nnlab.store.schema import (
    machines_table,
    models_table,
    run_controls_table,
    runs_table,
    tasks_table,
)

KEPT_TASKS_S = 3600.0  # short jobs' rows are deleted this long after they were asked for


@dataclass(frozen=True)
class RunControl:
    """What students asked of a run lately: stop, pause, and the newest learning rate."""

    stop: bool = False
    pause: bool = False
    learning_rate: float | None = None
    rate_no: int = 0  # counts the learning rates set: a machine applies each new one once


@dataclass(frozen=True)
class MachineRow:
    """A training machine as it last reported itself."""

    machine_id: str
    name: str
    pid: int
    workers: int
    busy: int
    started_at: float
    last_seen: float


class QueueTables(Database):
    """Controls, machines, tasks and live progress (the job queue's half of `Store`)."""

    def _insert(self, table: sa.Table) -> Any:
        dialect = pg_dialect if self.backend == "postgresql" else sqlite_dialect
        return dialect.insert(table)

    # --- controls ---

    def set_control(
        self,
        run_id: str,
        *,
        stop: bool | None = None,
        pause: bool | None = None,
        learning_rate: float | None = None,
    ) -> None:
        """Ask the machine training `run_id` to stop, pause or resume, or train at a new rate."""
        check_id("run id", run_id)
        changes: dict[str, Any] = {"updated_at": time.time()}
        if stop is not None:
            changes["stop"] = bool(stop)
        if pause is not None:
            changes["pause"] = bool(pause)
        if learning_rate is not None:
            changes["learning_rate"] = float(learning_rate)
        row = {"run_id": run_id, "stop": False, "pause": False, "rate_no": 0, **changes}
        if learning_rate is not None:
            row["rate_no"] = 1
            changes["rate_no"] = run_controls_table.c.rate_no + 1
        insert = self._insert(run_controls_table).values(**row)
        with self._write() as connection:
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[run_controls_table.c.run_id], set_=changes
                )
            )

    def clear_control(self, run_id: str) -> None:
        """Forget a run's controls (it is queued again, e.g. to continue it)."""
        with self._write() as connection:
            connection.execute(
                run_controls_table.delete().where(run_controls_table.c.run_id == run_id)
            )

    def controls(self, run_ids: Iterable[str]) -> dict[str, RunControl]:
        """The controls of those runs that have any (one query)."""
        ids = list(run_ids)
        if not ids:
            return {}
        with self._read() as connection:
            rows = connection.execute(
                sa.select(run_controls_table).where(run_controls_table.c.run_id.in_(ids))
            ).all()
        return {
            row.run_id: RunControl(
                stop=bool(row.stop),
                pause=bool(row.pause),
                learning_rate=row.learning_rate,
                rate_no=row.rate_no,
            )
            for row in rows
        }

    # --- live rows ---

    def set_progress(self, progress: Mapping[str, Mapping[str, Any]]) -> None:
        """Write running runs' live progress (run id -> JSON-able dict), in one transaction."""
        if not progress:
            return
        now = time.time()
        with self._write() as connection:
            for run_id, value in progress.items():
                connection.execute(
                    runs_table.update()
                    .where(runs_table.c.run_id == run_id)
                    .values(progress=json.dumps(dict(value)), updated_at=now)
                )

    def live_rows(self, run_ids: Iterable[str]) -> list[tuple[Any, dict[str, Any]]]:
        """(RunRecord, progress dict) of those runs, in one query (unreadable specs skipped)."""
        ids = list(run_ids)
        if not ids:
            return []
        has_model = (
            sa.exists().where(models_table.c.run_id == runs_table.c.run_id).label("has_model")
        )
        with self._read() as connection:
            rows = connection.execute(
                sa.select(runs_table, has_model).where(runs_table.c.run_id.in_(ids))
            ).all()
        live = []
        for row in rows:
            record = run_record(row)
            if record is not None:
                try:
                    progress = json.loads(row.progress) if row.progress else {}
                except ValueError:
                    progress = {}
                live.append((record, progress if isinstance(progress, dict) else {}))
        return live

    # --- machines ---

    def beat_machine(self, row: MachineRow) -> None:
        """A machine says it is alive now, with its workers and how many are busy."""
        values = {
            "machine_id": row.machine_id,
            "name": row.name[:200],
            "pid": row.pid,
            "workers": row.workers,
            "busy": row.busy,
            "started_at": row.started_at,
            "last_seen": time.time(),
        }
        update = {key: values[key] for key in ("name", "workers", "busy", "last_seen")}
        insert = self._insert(machines_table).values(**values)
        with self._write() as connection:
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[machines_table.c.machine_id], set_=update
                )
            )

    def remove_machine(self, machine_id: str) -> None:
        """A machine left (its last heartbeat)."""
        with self._write() as connection:
            connection.execute(
                machines_table.delete().where(machines_table.c.machine_id == machine_id)
            )

    def machines(self, seen_within_s: float) -> list[MachineRow]:
        """Machines that reported in the last `seen_within_s` seconds, by name."""
        since = time.time() - seen_within_s
        with self._read() as connection:
            rows = connection.execute(
                sa.select(machines_table)
                .where(machines_table.c.last_seen >= since)
                .order_by(machines_table.c.name, machines_table.c.machine_id)
            ).all()
        return [MachineRow(**row._mapping) for row in rows]

    # --- short jobs ---

    def add_task(self, task_id: str, kind: str, payload: bytes | None = None) -> None:
        """A short job's row (its input); old ones go."""
        check_id("task id", task_id)
        now = time.time()
        with self._write() as connection:
            connection.execute(
                tasks_table.delete().where(tasks_table.c.created_at < now - KEPT_TASKS_S)
            )
            connection.execute(
                tasks_table.insert().values(
                    task_id=task_id, kind=kind, payload=payload, created_at=now
                )
            )

    def task_payload(self, task_id: str) -> bytes | None:
        """A short job's input, or None."""
        with self._read() as connection:
            return connection.execute(
                sa.select(tasks_table.c.payload).where(tasks_table.c.task_id == task_id)
            ).scalar()

    def finish_task(self, task_id: str, reply: Mapping[str, Any], result: bytes | None) -> None:
        """A machine's reply to a short job (JSON-able dict) and its bytes."""
        with self._write() as connection:
            connection.execute(
                tasks_table.update()
                .where(tasks_table.c.task_id == task_id)
                .values(reply_json=json.dumps(dict(reply)), result=result, done_at=time.time())
            )

    def task_reply(self, task_id: str) -> tuple[dict[str, Any], bytes | None] | None:
        """(reply, result bytes) once a machine answered; None before (or for no such task)."""
        with self._read() as connection:
            row = connection.execute(
                sa.select(tasks_table.c.reply_json, tasks_table.c.result).where(
                    tasks_table.c.task_id == task_id
                )
            ).first()
        if row is None or row.reply_json is None:
            return None
        return json.loads(row.reply_json), row.result
