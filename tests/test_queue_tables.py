"""The job queue's own tables and plumbing, without training: controls, machines, tasks, live
progress, the libpq URL a machine connects with, and the worker command's argument checks."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnlab.core.runs import RunStatus
from nnlab.core.spec import RunSpec
from nnlab.engine.job_queue import libpq_url
from nnlab.engine.machine import pack_examples, pack_upload, unpack_examples, unpack_upload
from nnlab.engine.records import new_record
from nnlab.store.queue_tables import MachineRow, RunControl
from nnlab.store.store import Store

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        opened = Store(f"sqlite:///{tmp_path / 'runs.sqlite3'}")
        yield opened
        opened.close()
        return
    from pg import fresh_schema_url, postgres_test_url

    with fresh_schema_url(postgres_test_url()) as url:
        opened = Store(url)
        yield opened
        opened.close()


def test_controls_keep_the_newest_rate_and_count_each(store) -> None:
    assert store.controls(["r1"]) == {}
    store.set_control("r1", pause=True)
    store.set_control("r1", learning_rate=0.1)
    store.set_control("r1", learning_rate=0.05)
    store.set_control("r2", stop=True)
    controls = store.controls(["r1", "r2", "r3"])
    assert controls["r1"] == RunControl(stop=False, pause=True, learning_rate=0.05, rate_no=2)
    assert controls["r2"].stop and set(controls) == {"r1", "r2"}
    store.clear_control("r1")
    assert "r1" not in store.controls(["r1"])


def test_machines_that_stopped_beating_are_not_counted(store) -> None:
    row = MachineRow("m1", "lab-pc", 42, 2, 1, time.time(), 0.0)
    store.beat_machine(row)
    assert [(m.name, m.workers, m.busy) for m in store.machines(30)] == [("lab-pc", 2, 1)]
    assert store.machines(-1) == []  # "seen in the last -1 s": nobody
    store.remove_machine("m1")
    assert store.machines(30) == []


def test_a_tasks_reply_and_a_runs_progress_round_trip(store) -> None:
    store.add_task("t1", "lr_find", b"payload")
    assert store.task_payload("t1") == b"payload" and store.task_reply("t1") is None
    store.finish_task("t1", {"error": None, "suggested": 0.01}, b"bytes")
    assert store.task_reply("t1") == ({"error": None, "suggested": 0.01}, b"bytes")
    record = new_record("lab", RunSpec())
    store.add_run(record)
    store.update_run(record.run_id, status=RunStatus.RUNNING, machine="gpu-server")
    store.set_progress({record.run_id: {"batch": 3, "batches": 10, "paused": True}})
    [(live, progress)] = store.live_rows([record.run_id, "absent"])
    assert live.machine == "gpu-server" and live.status == RunStatus.RUNNING
    assert progress == {"batch": 3, "batches": 10, "paused": True}


def test_the_machines_url_keeps_sslmode_and_drops_the_driver() -> None:
    url = "postgresql+psycopg://user:se%40cret@db.example:5432/nnlab?sslmode=require"
    assert libpq_url(url) == "postgresql://user:se%40cret@db.example:5432/nnlab?sslmode=require"
    with pytest.raises(ValueError, match="PostgreSQL"):
        libpq_url("sqlite:///runs.sqlite3")


def test_payloads_round_trip_without_pickles() -> None:
    import numpy as np

    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    got_images, got_labels = unpack_examples(pack_examples(images, [3, 7]))
    assert (got_images == images).all() and got_labels.tolist() == [3, 7]
    assert unpack_upload(pack_upload(b"\x00\n\x01", "my model.keras", "fashion")) == (
        b"\x00\n\x01",
        "my model.keras",
        "fashion",
    )


def test_the_worker_command_says_what_is_missing() -> None:
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "nnlab.worker", *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)},
        )

    missing = run()
    assert missing.returncode == 2 and "--database-url" in missing.stderr
    too_many = run("--database-url", "postgresql://x@127.0.0.1:1/db", "--workers", "0")
    assert too_many.returncode == 2 and "between 1 and 64" in too_many.stderr
    unreachable = run("--database-url", "postgresql://nobody@127.0.0.1:1/nnlab")
    assert unreachable.returncode == 2 and "cannot join the job queue" in unreachable.stderr
    sqlite = run("--database-url", "sqlite:///runs.sqlite3")
    assert sqlite.returncode == 2 and "PostgreSQL" in sqlite.stderr
