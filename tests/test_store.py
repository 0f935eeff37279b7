"""The run store on SQLite (always) and PostgreSQL (when NNLAB_TEST_DATABASE_URL names one)."""

from __future__ import annotations

import inspect
import math
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from nnlab.core.labs import new_lab_id, valid_lab_id
from nnlab.core.runs import EpochRow, RunRecord, RunStatus
from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.store import database, migrations, schema
from nnlab.store.contract import RunStore
from nnlab.store.database import StoreError, default_url, sqlite_url
from nnlab.store.migrations import SCHEMA_VERSION
from nnlab.store.store import Store, open_store
from tests.pg import fresh_schema_url, postgres_test_url

REPO_ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE_PG = "postgresql+psycopg://u:secret@127.0.0.1:1/x"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store: a SQLite file, or a fresh schema on the test PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "data" / "nnlab.sqlite3")
        return
    with fresh_schema_url(postgres_test_url()) as schema_url:
        yield schema_url


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    opened = Store(url)
    yield opened
    opened.close()


def make_run(lab_id: str, *, status: str = "queued", label: str = "", **fields) -> RunRecord:
    return RunRecord(
        run_id=uuid.uuid4().hex,
        lab_id=lab_id,
        label=label,
        spec=RunSpec(hidden_layers=(LayerSpec.dense(16),), epochs=2),
        status=status,
        **fields,
    )


def set_column(store: Store, table: sa.Table, key: str, key_value: str, **values) -> None:
    """Change stored values behind the store's back (to age a lab or a run)."""
    with store._engine.begin() as connection:
        connection.execute(table.update().where(table.c[key] == key_value).values(**values))


# --- round trip ---------------------------------------------------------------------------------


def test_run_round_trip_with_history_and_model(store: Store) -> None:
    lab = new_lab_id()
    spec = RunSpec(dataset="fashion_mnist", hidden_layers=(LayerSpec.conv(8), LayerSpec.dense(32)))
    record = RunRecord(
        run_id=uuid.uuid4().hex, lab_id=lab, label="conv try", spec=spec, preset_key="t004"
    )
    store.add_run(record)
    assert store.get_run(record.run_id).status == "queued"
    assert store.update_run(record.run_id, status="running", started_at=1000.0, train_images=600)
    first_epoch = EpochRow(
        epoch=1, loss=0.9, accuracy=0.7, val_loss=0.8, val_accuracy=0.75, seconds=1.5
    )
    store.add_epoch(record.run_id, first_epoch)
    # a diverged epoch: NaN comes back as NaN on both back ends
    store.add_epoch(
        record.run_id,
        EpochRow(epoch=2, loss=math.nan, accuracy=0.1, val_accuracy=0.1, seconds=1.25),
    )
    store.finish_run(
        record.run_id,
        status="finished",
        ended_at=1010.0,
        test_loss=0.5,
        test_accuracy=0.8,
        keras_bytes=b"keras-file",
        network_bytes=b"\x00npz\xff",
    )

    loaded = store.get_run(record.run_id)
    assert loaded.spec == spec
    assert (loaded.label, loaded.preset_key, loaded.lab_id) == ("conv try", "t004", lab)
    assert (loaded.status, loaded.error, loaded.epochs_done) == ("finished", None, 2)
    assert (loaded.started_at, loaded.ended_at, loaded.duration_s) == (1000.0, 1010.0, 10.0)
    assert (loaded.test_loss, loaded.test_accuracy, loaded.train_images) == (0.5, 0.8, 600)
    assert loaded.has_model and not loaded.is_active and not loaded.stopped_early
    assert store.keras_bytes(record.run_id) == b"keras-file"
    assert store.network_bytes(record.run_id) == b"\x00npz\xff"

    history = store.history(record.run_id)
    assert [row.epoch for row in history] == [1, 2]
    assert history[0] == first_epoch
    assert math.isnan(history[1].loss) and math.isnan(history[1].val_loss)
    assert history[1].figure("loss") is None and history[1].figure("accuracy") == 0.1
    assert loaded.status is RunStatus.FINISHED
    assert store.lab_runs(lab) == [loaded]
    assert store.lab_runs(new_lab_id()) == []
    assert store.get_run("no-such-run") is None
    assert store.keras_bytes("no-such-run") is None
    assert not store.update_run("no-such-run", status="failed")


def test_lab_runs_oldest_first_in_one_query(store: Store) -> None:
    lab = new_lab_id()
    ids = []
    for index in range(5):
        record = make_run(lab, created_at=100.0 + index, label=f"run {index}")
        store.add_run(record)
        ids.append(record.run_id)
    store.finish_run(ids[2], status="finished", network_bytes=b"n")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(store._engine, "before_cursor_execute", count)
    runs = store.lab_runs(lab)
    sa.event.remove(store._engine, "before_cursor_execute", count)
    assert [run.run_id for run in runs] == ids
    assert [run.has_model for run in runs] == [False, False, True, False, False]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_update_run_rejects_unknown_fields_and_statuses(store: Store) -> None:
    record = make_run(new_lab_id())
    store.add_run(record)
    with pytest.raises(ValueError, match="lab_id"):
        store.update_run(record.run_id, lab_id="other")
    with pytest.raises(ValueError, match="status"):
        store.update_run(record.run_id, status="exploded")
    with pytest.raises(ValueError):
        store.finish_run(record.run_id, status="running")
    new_spec = RunSpec(epochs=7)
    store.update_run(record.run_id, spec=new_spec, label="renamed")
    assert store.get_run(record.run_id).spec == new_spec


# --- atomicity ----------------------------------------------------------------------------------


def test_finish_run_is_one_transaction(store: Store) -> None:
    record = make_run(new_lab_id())
    store.add_run(record)
    store.update_run(record.run_id, status="running", started_at=time.time())

    def crash_on_model_insert(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO MODELS"):
            raise RuntimeError("simulated crash while writing the model")

    sa.event.listen(store._engine, "before_cursor_execute", crash_on_model_insert)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.finish_run(
            record.run_id,
            status="finished",
            test_accuracy=0.9,
            keras_bytes=b"k",
            network_bytes=b"n",
        )
    sa.event.remove(store._engine, "before_cursor_execute", crash_on_model_insert)
    after = store.get_run(record.run_id)
    # the run update that ran before the crash was rolled back with it
    assert (after.status, after.test_accuracy, after.ended_at) == ("running", None, None)
    assert not after.has_model and store.network_bytes(record.run_id) is None


KILLED_WRITER = """
import os, sys
import sqlalchemy as sa
from nnlab.store.store import Store
store = Store(sys.argv[1])
def die(_conn, _cursor, statement, *_args):
    if statement.lstrip().upper().startswith("INSERT INTO MODELS"):
        os._exit(9)  # the worker is killed halfway through writing its result
sa.event.listen(store._engine, "before_cursor_execute", die)
store.finish_run(sys.argv[2], status="finished", test_accuracy=0.9, network_bytes=b"n" * 1000)
"""


def test_killed_process_leaves_no_half_written_rows(store: Store, url: str) -> None:
    record = make_run(new_lab_id())
    store.add_run(record)
    store.update_run(record.run_id, status="running", started_at=time.time())
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, url, record.run_id],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == 9, killed.stderr
    reopened = Store(url)
    try:
        half = reopened.get_run(record.run_id)
        assert (half.status, half.test_accuracy, half.has_model) == ("running", None, False)
        assert reopened.fail_interrupted("The server restarted during training.") == 1
        failed = reopened.get_run(record.run_id)
        assert failed.status == "failed"
        assert failed.error == "The server restarted during training."
        assert failed.ended_at is not None
    finally:
        reopened.close()


# --- caps, cleanup, interrupted runs -----------------------------------------------------------


def test_lab_caps_drop_oldest_models_and_ended_runs(store: Store) -> None:
    lab, other_lab = new_lab_id(), new_lab_id()
    oldest_running = make_run(lab, status="running", created_at=1.0)
    store.add_run(oldest_running)
    finished = []
    for index in range(7):
        record = make_run(lab, created_at=10.0 + index)
        store.add_run(record)
        store.add_epoch(record.run_id, EpochRow(epoch=1, loss=1.0 / (index + 1)))
        store.finish_run(record.run_id, status="finished", network_bytes=b"n%d" % index)
        finished.append(record.run_id)
    neighbour = make_run(other_lab, created_at=0.5)
    store.add_run(neighbour)
    store.finish_run(neighbour.run_id, status="finished", network_bytes=b"x")

    assert store.enforce_lab_caps(lab, keep_models=3, keep_runs=100) == (4, 0)
    runs = {run.run_id: run for run in store.lab_runs(lab)}
    assert [runs[run_id].has_model for run_id in finished] == [False] * 4 + [True] * 3
    assert store.network_bytes(finished[0]) is None
    assert store.network_bytes(finished[-1]) == b"n6"
    assert store.history(finished[0])[0].loss == 1.0  # the history stays

    # 8 runs, cap 5: the 3 oldest ENDED runs go; the older running one stays
    assert store.enforce_lab_caps(lab, keep_models=3, keep_runs=5) == (0, 3)
    left = [run.run_id for run in store.lab_runs(lab)]
    assert left == [oldest_running.run_id, *finished[3:]]
    assert store.history(finished[0]) == []
    assert store.get_run(neighbour.run_id).has_model  # another lab is never touched


def test_delete_old_labs_removes_their_runs(store: Store) -> None:
    old_lab, fresh_lab = new_lab_id(), new_lab_id()
    old_run, fresh_run = make_run(old_lab), make_run(fresh_lab)
    for record in (old_run, fresh_run):
        store.add_run(record)
        store.add_epoch(record.run_id, EpochRow(epoch=1, loss=0.5))
        store.finish_run(record.run_id, status="finished", network_bytes=b"n")
    set_column(store, schema.labs_table, "lab_id", old_lab, last_seen=time.time() - 40 * 86400)
    assert store.delete_old_labs(max_age_days=30) == 1
    assert store.lab_runs(old_lab) == [] and store.get_run(old_run.run_id) is None
    assert store.history(old_run.run_id) == [] and store.network_bytes(old_run.run_id) is None
    assert store.get_run(fresh_run.run_id).has_model
    assert store.delete_old_labs(max_age_days=30) == 0
    store.touch_lab(fresh_lab)
    assert store.stats() == {"labs": 1, "runs": 1, "models": 1, "model_bytes": 1}


def test_touch_lab_keeps_a_lab_alive(store: Store) -> None:
    lab = new_lab_id()
    store.touch_lab(lab)
    set_column(store, schema.labs_table, "lab_id", lab, last_seen=time.time() - 90 * 86400)
    store.touch_lab(lab)
    assert store.delete_old_labs(max_age_days=30) == 0


def test_fail_interrupted_marks_only_stale_active_runs(store: Store) -> None:
    lab = new_lab_id()
    queued, running, done = make_run(lab), make_run(lab, status="running"), make_run(lab)
    for record in (queued, running, done):
        store.add_run(record)
    store.finish_run(done.run_id, status="stopped", stopped_early=True)
    assert store.fail_interrupted("lost", older_than_s=3600) == 0
    set_column(store, schema.runs_table, "run_id", running.run_id, updated_at=time.time() - 7200)
    assert store.fail_interrupted("worker died", older_than_s=3600) == 1
    assert store.get_run(running.run_id).error == "worker died"
    assert store.get_run(queued.run_id).status == "queued"
    store.touch_runs([queued.run_id])
    assert store.fail_interrupted("server restarted") == 1
    assert store.get_run(queued.run_id).status == "failed"
    assert store.get_run(running.run_id).error == "worker died"
    stopped = store.get_run(done.run_id)
    assert (stopped.status, stopped.error, stopped.stopped_early) == ("stopped", None, True)
    assert store.active_runs() == []


# --- schema versions ---------------------------------------------------------------------------


def test_schema_created_with_version(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    with store._engine.begin() as connection:
        names = set(sa.inspect(connection).get_table_names())
    assert {"meta", "labs", "runs", "epochs", "models"} <= names


def test_migration_from_an_older_version(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Store(url)
    record = make_run(new_lab_id())
    first.add_run(record)
    first.close()
    calls = []

    def add_future_table(connection: sa.Connection) -> None:
        calls.append(1)
        connection.execute(sa.text("CREATE TABLE future_things (thing_id VARCHAR(64) PRIMARY KEY)"))

    newer = {**migrations.MIGRATIONS, SCHEMA_VERSION + 1: add_future_table}
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", newer)
        patch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        migrated = Store(url)
        assert migrated.schema_version() == SCHEMA_VERSION + 1 and calls == [1]
        assert migrated.get_run(record.run_id) == first.get_run(record.run_id)
        migrated.close()
        Store(url).close()
        assert calls == [1]  # applied once, not on every open
    # this NN Lab only knows the older schema: it refuses, and changes nothing
    with pytest.raises(StoreError, match="newer NN Lab"):
        Store(url)
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        patch.setattr(migrations, "MIGRATIONS", newer)
        again = Store(url)
        assert again.schema_version() == SCHEMA_VERSION + 1
        again.close()


def test_epoch_details_round_trip(store: Store) -> None:
    record = make_run(new_lab_id())
    store.add_run(record)
    diagnostics = {"gradient_norm": [0.5, float("nan")], "dead": [0.0, 0.25]}
    watch = {"digits": [[7, 0.93]]}
    changes = ({"batch": 3, "lr": 0.01},)
    store.add_epoch(
        record.run_id,
        EpochRow(
            epoch=1, loss=0.5, accuracy=0.8, lr=0.001, lr_changes=changes,
            diagnostics=diagnostics, watch=watch,
        ),
    )  # fmt: skip
    store.add_epoch(record.run_id, EpochRow(epoch=2, loss=0.4, accuracy=0.9))
    first, second = store.history(record.run_id)
    # NaN inside the details comes back as None (JSON has no NaN); plain epochs have no extras
    assert first.diagnostics == {"gradient_norm": [0.5, None], "dead": [0.0, 0.25]}
    assert first.watch == watch and first.lr == 0.001 and first.loss == 0.5
    assert first.lr_changes == changes and first.map is None
    assert second.details == {}
    with store._engine.begin() as connection:
        stored = connection.execute(
            sa.select(schema.epochs_table.c.details).where(schema.epochs_table.c.epoch == 2)
        ).scalar()
    assert stored is None


def test_version_1_database_gains_epoch_details(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "v1.sqlite3")
    with sa.create_engine(url).begin() as connection:
        # the version-1 schema: today's tables without the `details` column
        schema.metadata.create_all(connection)
        connection.execute(sa.text("ALTER TABLE epochs DROP COLUMN details"))
        connection.execute(schema.meta_table.insert().values(key="schema_version", value="1"))
    store = Store(url)
    assert store.schema_version() == SCHEMA_VERSION
    record = make_run(new_lab_id())
    store.add_run(record)
    store.add_epoch(record.run_id, EpochRow(epoch=1, loss=0.3, lr=0.01))
    assert store.history(record.run_id)[0].lr == 0.01
    store.close()


def test_unversioned_sqlite_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v0.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE notes (text TEXT)")
        raw.execute("INSERT INTO notes VALUES ('keep me')")
    raw.close()
    store = Store(sqlite_url(path))
    assert store.schema_version() == SCHEMA_VERSION
    store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT text FROM notes").fetchall() == [("keep me",)]
    raw.close()


def test_foreign_tables_are_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "theirs.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE runs (id INTEGER, distance_km REAL)")
    raw.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not NN Lab's"):
        Store(sqlite_url(path))
    assert path.read_bytes() == before


# --- bad input ----------------------------------------------------------------------------------


def test_corrupt_sqlite_file_falls_back_and_stays_untouched(tmp_path: Path) -> None:
    path = tmp_path / "nnlab.sqlite3"
    garbage = b"this is not a database, just some bytes\x00\xff" * 200
    path.write_bytes(garbage)
    with pytest.raises(StoreError) as raised:
        Store(sqlite_url(path))
    message = str(raised.value)
    assert "damaged" in message and str(path) in message and "not a database" in message
    assert "Traceback" not in message
    fallback, warning = open_store(sqlite_url(path))
    try:
        assert warning is not None and "damaged" in warning and str(path) in warning
        assert fallback.path is not None and fallback.path != path
        lab = new_lab_id()
        fallback.add_run(make_run(lab))
        assert len(fallback.lab_runs(lab)) == 1
    finally:
        fallback.close()
    assert path.read_bytes() == garbage
    assert sorted(item.name for item in tmp_path.iterdir()) == ["nnlab.sqlite3"]


def test_unreachable_postgresql_fails_fast_without_the_password() -> None:
    started = time.monotonic()
    with pytest.raises(StoreError) as raised:
        Store(UNREACHABLE_PG)
    assert time.monotonic() - started < 15
    message = str(raised.value)
    assert "secret" not in message and "PostgreSQL" in message and "127.0.0.1" in message
    fallback, warning = open_store(UNREACHABLE_PG.replace("postgresql+psycopg", "postgres"))
    try:
        assert warning is not None and "secret" not in warning and "127.0.0.1" in warning
        assert fallback.describe().startswith("SQLite at ")
    finally:
        fallback.close()


@pytest.mark.parametrize(
    "bad_url", ["not a url at all", "mysql://u:secret@db.example/nnlab", "://secret@"]
)
def test_bad_urls_give_plain_errors(bad_url: str) -> None:
    with pytest.raises(StoreError) as raised:
        Store(bad_url)
    assert "secret" not in str(raised.value)


def test_locked_sqlite_file_gives_a_clear_error(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "nnlab.sqlite3")
    store = Store(url, timeout_s=0.2)
    lab = new_lab_id()
    store.add_run(make_run(lab))
    holder = sqlite3.connect(tmp_path / "nnlab.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(StoreError, match="locked"):
            store.add_run(make_run(lab))
        assert len(store.lab_runs(lab)) == 1  # WAL: reading still works meanwhile
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.add_run(make_run(lab))
    assert len(store.lab_runs(lab)) == 2
    store.close()


def test_full_disk_gives_a_clear_error_and_keeps_data(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "nnlab.sqlite3"))
    lab = new_lab_id()
    kept = make_run(lab)
    store.add_run(kept)

    def cap_file_size(dbapi_connection, _record) -> None:
        # SQLite's own size limit: writes past it fail exactly like a full disk (SQLITE_FULL)
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    sa.event.listen(store._engine, "connect", cap_file_size)
    store._engine.dispose()
    with pytest.raises(StoreError, match="no space left") as raised:
        store.add_run(make_run(lab, label="x" * 200_000))
    assert str(tmp_path) in str(raised.value)
    assert [run.run_id for run in store.lab_runs(lab)] == [kept.run_id]
    store.close()


def test_os_level_disk_full_message() -> None:
    error = OSError(28, "No space left on device")
    message = database.explain(error, "/data/nnlab.sqlite3", None)
    assert "no space left" in message and "/data/nnlab.sqlite3" in message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "A" * 21,
        "A" * 23,
        "A" * 21 + "/",
        "A" * 21 + " ",
        "A" * 22 + "\n",
        "ａ" * 22,  # full-width letters look right but are not the id alphabet
        "123e4567-e89b-12d3-a456-426614174000",
        "'; DROP TABLE runs; --",
        "x" * 100_000,
        None,
        12345,
        b"A" * 22,
    ],
)
def test_garbage_lab_ids_are_invalid(text: object) -> None:
    assert not valid_lab_id(text)


def test_new_lab_ids_are_valid_and_distinct() -> None:
    ids = {new_lab_id() for _ in range(500)}
    assert len(ids) == 500 and all(valid_lab_id(lab_id) for lab_id in ids)


def test_garbage_lab_id_in_queries_is_harmless(store: Store) -> None:
    lab = new_lab_id()
    store.add_run(make_run(lab))
    assert store.lab_runs("'; DROP TABLE runs; --") == []
    assert store.enforce_lab_caps("%", keep_models=0, keep_runs=0) == (0, 0)
    assert len(store.lab_runs(lab)) == 1
    with pytest.raises(ValueError):
        store.touch_lab("x" * 10_000)


def test_unreadable_spec_row_is_skipped(store: Store) -> None:
    lab = new_lab_id()
    good, bad = make_run(lab), make_run(lab)
    store.add_run(good)
    store.add_run(bad)
    set_column(store, schema.runs_table, "run_id", bad.run_id, spec_json='{"from_the_future": 1}')
    assert [run.run_id for run in store.lab_runs(lab)] == [good.run_id]
    assert store.get_run(bad.run_id) is None


def test_two_threads_write_at_once(store: Store) -> None:
    lab = new_lab_id()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def write_runs(prefix: str) -> None:
        try:
            barrier.wait(timeout=30)
            for index in range(15):
                record = make_run(lab, label=f"{prefix}{index}")
                store.add_run(record)
                store.add_epoch(record.run_id, EpochRow(epoch=1, loss=0.1))
                store.finish_run(record.run_id, status="finished", network_bytes=b"n" * 100)
                store.touch_lab(lab)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=write_runs, args=(prefix,)) for prefix in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    runs = store.lab_runs(lab)
    assert len(runs) == 30 and all(run.has_model and run.epochs_done == 1 for run in runs)


# --- configuration ------------------------------------------------------------------------------


def test_default_url_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NNLAB_DATABASE_URL", raising=False)
    monkeypatch.setenv("NNLAB_HOME", str(tmp_path / "home"))
    assert default_url() == sqlite_url(tmp_path / "home" / "nnlab.sqlite3")
    store, warning = open_store()
    try:
        assert warning is None
        assert store.describe() == f"SQLite at {tmp_path / 'home' / 'nnlab.sqlite3'}"
        assert (tmp_path / "home" / "nnlab.sqlite3").exists()
    finally:
        store.close()
    monkeypatch.setenv("NNLAB_DATABASE_URL", " postgresql://u:pw@db.example:5432/nnlab ")
    assert default_url() == "postgresql://u:pw@db.example:5432/nnlab"
    monkeypatch.delenv("NNLAB_HOME")
    monkeypatch.delenv("NNLAB_DATABASE_URL")
    assert default_url().startswith("sqlite:///") and default_url().endswith("nnlab.sqlite3")


def test_describe_masks_the_password(store: Store) -> None:
    text = store.describe()
    if store.backend == "sqlite":
        assert text.startswith("SQLite at /")
    else:
        assert text.startswith("PostgreSQL at postgresql+psycopg://")
        assert store._password is None or store._password not in text


# --- what the engine relies on ------------------------------------------------------------------


def _protocol_methods(protocol: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(protocol).items()
        if callable(member) and not name.startswith("_")
    }


def test_store_satisfies_the_run_store_protocol(store: Store) -> None:
    assert isinstance(store, RunStore)
    methods = _protocol_methods(RunStore)
    assert {"add_run", "add_epoch", "finish_run", "history", "expire_classes"} <= set(methods)
    for name, wanted in methods.items():
        got = inspect.signature(getattr(Store, name))
        assert list(got.parameters) == list(wanted.parameters), name
        for parameter in wanted.parameters.values():
            found = got.parameters[parameter.name]
            assert found.kind == parameter.kind, (name, parameter.name)
            assert found.default == parameter.default, (name, parameter.name)
        assert got.return_annotation == wanted.return_annotation, name


def test_statuses_are_the_core_enum_and_strings_still_work(store: Store) -> None:
    record = make_run(new_lab_id())
    store.add_run(record)
    assert store.get_run(record.run_id).status is RunStatus.QUEUED
    assert store.update_run(record.run_id, status=RunStatus.RUNNING, started_at=5.0)
    assert [run.run_id for run in store.active_runs()] == [record.run_id]
    store.finish_run(record.run_id, status=RunStatus.STOPPED, ended_at=7.0)
    stopped = store.get_run(record.run_id)
    assert (stopped.status, stopped.duration_s, stopped.is_active) == ("stopped", 2.0, False)
    assert make_run(new_lab_id()).duration_s == 0.0  # not started yet


def test_store_expires_classes_itself(store: Store) -> None:
    from nnlab.classroom.service import ClassStore

    info, _ = ClassStore(store).create_class("Old", RunSpec(), expiry_days=1, now=0.0)
    assert store.expire_classes(now=1.0) == 0
    assert store.expire_classes() == 1
    assert store.find_class(class_id=info.class_id) is None
    assert store.expire_classes() == 0


# tests/data/store_v3.sqlite3 was written by NN Lab 951cff7 (schema 3, the last release before the
# store moved into nnlab/store/): two runs of one lab (one finished with epochs and a model, one
# failed), a class with a locked optimizer, a member and one drawing.
OLD_STORE = Path(__file__).parent / "data" / "store_v3.sqlite3"
OLD_LAB = "LabFromOldVersion000001"
OLD_CLASS = ("CWEZR9", "f7e1d147709b4bb4a3622dfc1c5ca787", "A9P30rWMqOyJFx5yukLjyQHz3upWGSsq")
OLD_NOW = 1_790_000_100.0  # while that class was open


def test_a_store_written_by_the_last_release_opens_with_everything_in_it(tmp_path: Path) -> None:
    import shutil

    from nnlab.classroom.service import ClassStore

    path = tmp_path / "nnlab.sqlite3"
    shutil.copyfile(OLD_STORE, path)
    store = Store(sqlite_url(path))
    assert store.schema_version() == SCHEMA_VERSION
    finished, failed = store.lab_runs(OLD_LAB)
    spec = RunSpec(
        hidden_layers=(LayerSpec(units=16, activation="relu"),), epochs=2, train_size=300,
        optimizer="sgd", momentum=0.9, learning_rate=0.05, seed=7,
    )  # fmt: skip
    assert (finished.run_id, finished.status) == ("run-old-finished", "finished")
    assert finished.spec == spec
    assert (finished.test_accuracy, finished.epochs_done, finished.has_model) == (0.79, 2, True)
    assert (finished.train_images, finished.validation_images) == (240, 60)
    assert (failed.status, failed.has_model) == ("failed", False)
    assert failed.error == "The loss became NaN"
    first, second = store.history("run-old-finished")
    assert (first.epoch, first.loss, first.val_accuracy, first.lr) == (1, 0.9, 0.65, 0.05)
    assert first.diagnostics == {"grad_norm": [0.5]} and second.details == {}
    assert store.keras_bytes("run-old-finished") == b"PK-keras-bytes"
    assert store.network_bytes("run-old-finished") == b"network-bytes"

    code, class_id, teacher_key = OLD_CLASS
    classes = ClassStore(store)
    info = classes.class_by_code(code, now=OLD_NOW)
    assert (info.class_id, info.name, info.spec, info.locked) == (
        class_id, "Old class", spec, frozenset({"optimizer"}),
    )  # fmt: skip
    assert classes.class_for_teacher(teacher_key, now=OLD_NOW).class_id == class_id
    assert [member.display_name for member in classes.members(class_id)] == ["Ana"]
    images, labels = classes.drawing_arrays(class_id)
    assert images.shape == (1, 28, 28) and list(labels) == [7]
    assert [run.run_id for run in classes.board(class_id).runs] == ["run-old-failed"]
    # and it keeps working: a new run of the same lab is stored beside the old ones
    store.add_run(make_run(OLD_LAB))
    assert len(store.lab_runs(OLD_LAB)) == 3
