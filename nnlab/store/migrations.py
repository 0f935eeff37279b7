"""Schema versions: one migration step per version, applied in order in one transaction.

The version lives in the `meta` table. `MIGRATIONS[n]` brings a database from version n-1 to n;
`migrate` runs the missing steps on first use (a fresh database counts as version 0) and refuses a
database made by a newer NN Lab, leaving it untouched. A later version adds a step here and bumps
SCHEMA_VERSION.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa

from nnlab.store.schema import (
    NNLAB_TABLES,
    class_drawings_table,
    class_members_table,
    classes_table,
    epochs_table,
    labs_table,
    machines_table,
    meta_table,
    metadata,
    models_table,
    run_controls_table,
    runs_table,
    tasks_table,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4
# Lets several replicas on one PostgreSQL database migrate one at a time ("nnlab" in ASCII).
MIGRATION_LOCK_KEY = 0x6E6E6C6162


class SchemaError(RuntimeError):
    """The database cannot be migrated: newer, foreign or unreadable (the message says which)."""


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
    # Class mode: classes, their members and their handwriting set (nnlab/store/classes.py).
    metadata.create_all(
        connection,
        tables=[classes_table, class_members_table, class_drawings_table],
        checkfirst=True,
    )


def _migrate_to_4(connection: sa.Connection) -> None:
    # More machines: the runs' machine and live progress, controls, machines and short jobs.
    columns = {column["name"] for column in sa.inspect(connection).get_columns("runs")}
    for name, kind in (("machine", "VARCHAR(200)"), ("progress", "TEXT")):
        if name not in columns:
            connection.execute(sa.text(f"ALTER TABLE runs ADD COLUMN {name} {kind}"))
    metadata.create_all(
        connection, tables=[run_controls_table, machines_table, tasks_table], checkfirst=True
    )


# version -> function bringing the schema from version-1 to version, applied in order.
# A later version adds an entry here and bumps SCHEMA_VERSION.
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {
    1: _migrate_to_1,
    2: _migrate_to_2,
    3: _migrate_to_3,
    4: _migrate_to_4,
}


def migrate(connection: sa.Connection, backend: str, where: str) -> tuple[int, int]:
    """Bring the database to SCHEMA_VERSION; (version found, version now). SchemaError if not."""
    if backend == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
        )
    version = stored_version(connection, where)
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"The run store at {where} was made by a newer NN Lab "
            f"(schema {version}, this one knows {SCHEMA_VERSION}); it was left untouched. "
            "Update NN Lab or use another database."
        )
    if version == SCHEMA_VERSION:
        return version, version
    for step in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[step](connection)
    _set_version(connection, SCHEMA_VERSION)
    log.info("run store at %s: schema %d -> %d", where, version, SCHEMA_VERSION)
    return version, SCHEMA_VERSION


def stored_version(connection: sa.Connection, where: str) -> int:
    """The schema version the database records (0 when it has no NN Lab tables yet)."""
    names = set(sa.inspect(connection).get_table_names())
    if "meta" not in names:
        foreign = sorted(names & set(NNLAB_TABLES))
        if foreign:
            raise SchemaError(
                f"The database at {where} already has tables named "
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
        raise SchemaError(
            f"The run store at {where} has an unreadable schema version "
            f"({value!r}); it was left untouched."
        ) from None


def _set_version(connection: sa.Connection, version: int) -> None:
    updated = connection.execute(
        meta_table.update().where(meta_table.c.key == "schema_version").values(value=str(version))
    ).rowcount
    if not updated:
        connection.execute(meta_table.insert().values(key="schema_version", value=str(version)))
