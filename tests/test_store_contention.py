"""Nothing stored is lost under contention: another process holds the SQLite write lock for
longer than the store's busy timeout while the engine's writer stores a run, its epochs and its
end. The writes wait (the page is told why), then all land, in order."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from nnlab.core.labs import new_lab_id
from nnlab.core.runs import EpochRow, RunRecord, RunStatus
from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.engine.writer import AddEpoch, AddRun, FinishRun, StoreWriter
from nnlab.store.database import StoreError, sqlite_url
from nnlab.store.store import Store

BUSY_TIMEOUT_S = 0.3  # the store's own wait for a lock; the other process holds it far longer
# A second process: takes the write lock, says so, holds it until told on stdin.
HOLD_THE_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
print("released", flush=True)
"""


def _until(condition, what: str, deadline_s: float = 30.0) -> None:
    deadline = time.monotonic() + deadline_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)  # polling interval


@pytest.fixture
def locked_store(tmp_path: Path):
    """A SQLite store, and a second process that holds its write lock until released."""
    path = tmp_path / "nnlab.sqlite3"
    store = Store(sqlite_url(path), timeout_s=BUSY_TIMEOUT_S)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield store, holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(10)
        store.close()


def test_a_direct_write_past_the_busy_timeout_is_a_transient_store_error(locked_store) -> None:
    store, _ = locked_store
    started = time.monotonic()
    with pytest.raises(StoreError, match="locked") as raised:
        store.touch_lab(new_lab_id())
    assert raised.value.transient
    assert time.monotonic() - started >= BUSY_TIMEOUT_S * 0.9  # it waited the busy timeout


def test_writes_wait_for_the_lock_and_all_land_in_order(locked_store) -> None:
    store, holder = locked_store
    writer = StoreWriter(lambda: store)
    writer.start()
    spec = RunSpec(hidden_layers=(LayerSpec.dense(16),), epochs=2)
    record = RunRecord(uuid.uuid4().hex, new_lab_id(), "#1", spec, created_at=time.time())
    writer.put(AddRun(record))
    for epoch in (1, 2):
        writer.put(AddEpoch(record.run_id, EpochRow(epoch=epoch, loss=1.0 / epoch)))
    ended = []
    writer.put(
        FinishRun(record.run_id, RunStatus.FINISHED, None, time.time(), 0.4, 0.88, False,
                  b"keras", b"network"),
        then=lambda: ended.append(True),
    )  # fmt: skip
    # Past the busy timeout, twice: the page hears why, nothing is dropped, reads still work.
    _until(lambda: writer.retries >= 2, "the writer to try the locked store again")
    assert "locked" in (writer.error or "")
    assert store.get_run(record.run_id) is None and not ended

    holder.stdin.write("release\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "released"
    _until(lambda: bool(ended), "the run's end to be stored")
    stored = store.get_run(record.run_id)
    assert stored is not None and stored.status == RunStatus.FINISHED
    assert (stored.test_accuracy, stored.has_model) == (0.88, True)
    assert [row.epoch for row in store.history(record.run_id)] == [1, 2]
    assert store.network_bytes(record.run_id) == b"network"
    assert writer.error is None  # stored after all: the warning goes away
    writer.close(timeout_s=10)


def test_a_write_that_waiting_cannot_fix_is_dropped_and_the_next_one_goes_on(tmp_path) -> None:
    store = Store(sqlite_url(tmp_path / "nnlab.sqlite3"))
    writer = StoreWriter(lambda: store)
    writer.start()
    spec = RunSpec(hidden_layers=(LayerSpec.dense(16),), epochs=2)
    record = RunRecord(uuid.uuid4().hex, new_lab_id(), "#1", spec, created_at=time.time())
    done = []
    writer.put(AddRun(record))
    writer.put(AddRun(record), then=lambda: done.append("duplicate"))  # the same id again
    writer.put(AddEpoch(record.run_id, EpochRow(epoch=1)), then=lambda: done.append("epoch"))
    _until(lambda: done == ["epoch"], "the write after the bad one")
    assert writer.retries == 0 and writer.error  # said once, never retried
    writer.close(timeout_s=10)
    store.close()
