"""The classroom engine: runs in worker processes, fair queue, stop, abandon, crashes, storage.

One engine with two workers serves most tests (each worker imports TensorFlow once, ~5 s); the
pure parts (queue order, CPU budget, refresh interval) need no process at all.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import figures, wait_until

from nnlab import LayerSpec, RunSpec
from nnlab.core.costs import run_workload
from nnlab.core.runs import EPOCH_FIGURES
from nnlab.core.spec import SpecError
from nnlab.engine.engine import Engine, LabBusy
from nnlab.engine.pool import cgroup_cpu_limit, cpu_budget, worker_count
from nnlab.engine.queue import QueuedEntry, dispatch_order, select_next, wait_estimates
from nnlab.engine.reasons import ABANDONED

REPO_ROOT = Path(__file__).resolve().parent.parent


def tiny_spec(**changes) -> RunSpec:
    """Seconds to train, yet a real network on real digits."""
    base = RunSpec(
        train_size=200,
        epochs=2,
        hidden_layers=(LayerSpec.dense(16),),
        batch_size=50,
        dropout_rate=0.2,  # random masks: reproducibility must cover them
    )
    return base.replace(**changes)


def long_spec(**changes) -> RunSpec:
    """A run that keeps a worker busy until it is stopped (hundreds of small batches)."""
    return tiny_spec(epochs=200, batch_size=5, **changes)


def wait_ended(engine: Engine, run_id: str, timeout_s: float = 180):
    wait_until(lambda: not engine.live(run_id).is_active, timeout_s, f"run {run_id} ended")
    return engine.live(run_id)


# --- pure parts: no processes -----------------------------------------------------------------


def test_select_next_is_round_robin_between_labs() -> None:
    queued = [
        QueuedEntry("a1", "A", 1),
        QueuedEntry("a2", "A", 2),
        QueuedEntry("b1", "B", 3),
        QueuedEntry("c1", "C", 4),
    ]
    # A already trains one run: B's and C's first runs go before A's second.
    assert queued[select_next(queued, {"A": 1}, {"A": 10.0})].run_id == "b1"
    # Nobody runs: the lab served longest ago (never) first, then the oldest run.
    assert queued[select_next(queued, {}, {"A": 10.0, "B": 5.0})].run_id == "c1"
    assert queued[select_next(queued, {}, {})].run_id == "a1"
    order = [entry.run_id for entry in dispatch_order(queued, {}, {})]
    assert order == ["a1", "b1", "c1", "a2"]  # nobody's second run before everyone's first
    with pytest.raises(ValueError):
        select_next([], {}, {})


def test_dispatch_order_with_many_labs_interleaves() -> None:
    queued = [
        QueuedEntry(f"{lab}{n}", lab, n * 10 + i) for n in range(3) for i, lab in enumerate("XYZ")
    ]
    queued.sort(key=lambda entry: (entry.lab_id, entry.queued_at))  # each lab's runs together
    order = [entry.run_id for entry in dispatch_order(queued, {}, {})]
    assert order == ["X0", "Y0", "Z0", "X1", "Y1", "Z1", "X2", "Y2", "Z2"]


def test_wait_estimates_schedule_runs_on_the_first_free_worker() -> None:
    order = [QueuedEntry(name, name, n) for n, name in enumerate("abc")]
    seconds = {"a": 10.0, "b": 20.0, "c": 5.0}
    # Two workers, one free now, one in 4 s: a starts now, b at 4 s, c when a ends.
    starts = wait_estimates(order, [4.0, 0.0], lambda entry: seconds[entry.run_id])
    assert starts == [0.0, 4.0, 10.0]


def test_cpu_budget_reads_cgroup_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7})
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cpu.max").write_text("max 100000\n")
    assert cgroup_cpu_limit(v2) is None and cpu_budget(v2) == 8
    (v2 / "cpu.max").write_text("200000 100000\n")
    assert cgroup_cpu_limit(v2) == 2.0 and cpu_budget(v2) == 2
    (v2 / "cpu.max").write_text("150000 100000\n")
    assert cpu_budget(v2) == 1  # 1.5 CPUs: a second thread would only queue
    (v2 / "cpu.max").write_text("5000 100000\n")
    assert cpu_budget(v2) == 1  # never zero
    (v2 / "cpu.max").write_text("1600000 100000\n")
    assert cpu_budget(v2) == 8  # a quota above the CPUs we may run on does not add CPUs
    v1 = tmp_path / "v1"
    (v1 / "cpu,cpuacct").mkdir(parents=True)
    (v1 / "cpu,cpuacct" / "cpu.cfs_quota_us").write_text("300000\n")
    (v1 / "cpu,cpuacct" / "cpu.cfs_period_us").write_text("100000\n")
    assert cpu_budget(v1) == 3
    (v1 / "cpu,cpuacct" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cpu_budget(v1) == 8
    empty = tmp_path / "none"
    empty.mkdir()
    assert cpu_budget(empty) == 8
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    assert cpu_budget(empty) == 3
    monkeypatch.setenv("NNLAB_WORKERS", "5")
    assert worker_count(empty) == 5
    monkeypatch.setenv("NNLAB_WORKERS", "lots")
    assert worker_count(empty) == 3  # a typo falls back to the budget
    monkeypatch.delenv("NNLAB_WORKERS")
    (v2 / "cpu.max").write_text("200000 100000\n")
    assert worker_count(v2) == 2


def test_container_memory_reads_the_setting_then_cgroup_files_then_ram(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nnlab.engine.pool import _meminfo_mb, container_memory_mb

    ram = _meminfo_mb()
    assert ram and ram > 256
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "memory.max").write_text(f"{2700 * 2**20}\n")  # a Cloud container
    assert container_memory_mb(v2) == 2700
    (v2 / "memory.max").write_text("max\n")
    assert container_memory_mb(v2) == ram
    v1 = tmp_path / "v1"
    (v1 / "memory").mkdir(parents=True)
    (v1 / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # no limit
    assert container_memory_mb(v1) == ram
    monkeypatch.setenv("NNLAB_MEMORY_MB", "1500")
    assert container_memory_mb(v1) == 1500
    monkeypatch.setenv("NNLAB_MEMORY_MB", "a lot")
    assert container_memory_mb(v1) == ram  # a typo falls back


def test_workload_grows_with_images_epochs_and_layers() -> None:
    small = tiny_spec()
    assert run_workload(small.replace(epochs=4)) == 2 * run_workload(small)
    assert run_workload(small.replace(train_size=400)) == 2 * run_workload(small)
    assert run_workload(small.replace(hidden_layers=(LayerSpec.dense(64),))) > run_workload(small)
    assert run_workload(small.replace(hidden_layers=(LayerSpec.conv(8),))) > run_workload(small)


def test_settings_come_from_config_and_a_bad_one_is_shown_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    monkeypatch.setenv("NNLAB_ABANDON_S", "abc")
    monkeypatch.setenv("NNLAB_WORKER_IDLE_S", "7")
    store = Store(sqlite_url(tmp_path / "runs.sqlite3"))
    engine = Engine(store, workers=1, prestart_workers=0)  # no worker: nothing is submitted
    try:
        assert engine.abandon_after_s == 120.0 and engine.worker_idle_s == 7.0
        # The bad value is the page's to show (tests/test_config.py), not a store problem.
        assert engine.store_warning is None
        assert engine.store_error is None  # the start-up clean-ups (classes too) went through
    finally:
        engine.shutdown()
        store.close()


# --- one engine, two workers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    folder = tmp_path_factory.mktemp("engine-store")
    opened = Store(sqlite_url(folder / "runs.sqlite3"))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def engine(store):
    started = time.monotonic()
    running = Engine(store, workers=2, max_active_per_lab=2, prestart_workers=2)
    wait_until(lambda: len(running.worker_start_seconds) == 2, 180, "two workers ready")
    print(
        f"\nworkers ready after {time.monotonic() - started:.1f} s: {running.worker_start_seconds}"
    )
    yield running
    running.shutdown()


def _stop_all(engine: Engine, run_ids: list[str]) -> None:
    for run_id in run_ids:
        engine.stop(run_id)
    for run_id in run_ids:
        wait_ended(engine, run_id)


@pytest.mark.slow
def test_a_run_finishes_with_history_network_and_storage(engine: Engine, store) -> None:
    started = time.monotonic()
    run_id = engine.submit("lab-finish", tiny_spec(), preset_key="t004", label="#1 tiny")
    queued = engine.live(run_id)
    assert queued.status in ("queued", "running") and queued.history == ()
    assert queued.label == "#1 tiny" and queued.preset_key == "t004"
    run = wait_ended(engine, run_id)
    print(f"\ntiny run end to end: {time.monotonic() - started:.2f} s")
    assert run.status == "finished", run.error
    assert [row.epoch for row in run.history] == [1, 2]
    for row in run.history:
        assert all(math.isfinite(getattr(row, name)) for name in EPOCH_FIGURES)
    assert run.train_images == 200 and run.validation_images > 0
    assert run.progress.epoch == 2 and run.progress.batch == run.progress.batches == 4
    assert run.worker_name and run.worker_name.endswith(f":{engine.worker_pid(run_id)}")
    assert run.final["epochs_done"] == 2 and run.final["status"] == "finished"
    assert 0 <= run.test_accuracy <= 1 and run.test_loss > 0
    assert run.has_model and run.duration_s > 0 and run.queue_position == 0
    assert engine.lab_runs("lab-finish") == [run]

    network = engine.network(run_id)
    from nnlab.data.datasets import load_dataset

    probabilities = network.predict(load_dataset("mnist").x_test[:5])
    assert probabilities.shape == (5, 10)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    assert engine.keras_bytes(run_id)[:4] == b"PK\x03\x04"

    # Everything reached the store (written by the engine's own thread, so poll).
    wait_until(lambda: store.get_run(run_id).status == "finished", 30, "stored")
    stored = store.get_run(run_id)
    assert stored.epochs_done == 2 and stored.has_model and stored.lab_id == "lab-finish"
    assert figures(store.history(run_id)) == figures(run.history)
    assert store.network_bytes(run_id) and store.keras_bytes(run_id)
    assert engine.store_error is None


@pytest.mark.slow
def test_same_spec_gives_the_same_history_on_any_worker(engine: Engine) -> None:
    spec = tiny_spec(seed=5, hidden_layers=(LayerSpec.conv(4, 3),))
    # Two labs at once: both workers are free, so the two runs train on different processes.
    first = engine.submit("lab-repro-1", spec)
    second = engine.submit("lab-repro-2", spec)
    runs = [wait_ended(engine, first), wait_ended(engine, second)]
    assert [run.status for run in runs] == ["finished", "finished"], [r.error for r in runs]
    assert engine.worker_pid(first) != engine.worker_pid(second)
    assert figures(runs[0].history) == figures(runs[1].history)
    # The same figures as `train` in a plain process with the workers' thread count (the last
    # float bits of a conv layer's loss depend on how many threads split the batch).
    alone = _history_in_plain_process(spec, engine.threads_per_worker)
    assert figures(runs[0].history) == figures(alone)
    other_seed = wait_ended(engine, engine.submit("lab-repro-1", spec.replace(seed=6)))
    assert figures(other_seed.history) != figures(alone)


def _history_in_plain_process(spec: RunSpec, threads: int) -> list[dict]:
    code = (
        "import json, sys\n"
        "from nnlab.core.spec import RunSpec\n"
        "from nnlab.engine.worker import limit_threads\n"
        f"limit_threads({threads})\n"
        "from nnlab.learn.training import train\n"
        "rows = train(RunSpec.from_json(sys.stdin.read()))[1]\n"
        "print(json.dumps([row.to_dict() for row in rows]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        input=spec.to_json(),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_stop_ends_after_the_current_batch_and_keeps_the_weights(engine: Engine) -> None:
    spec = long_spec()
    run_id = engine.submit("lab-stop", spec)
    wait_until(lambda: engine.live(run_id).progress.batch >= 1, 120, "training started")
    engine.stop(run_id)
    assert engine.live(run_id).stop_requested
    run = wait_ended(engine, run_id, 60)
    assert run.status == "stopped" and run.error is None
    assert len(run.history) < 5 < spec.epochs
    assert run.has_model
    from nnlab.learn.model import build_model

    initial = build_model(spec).get_weights()[0]
    dense = next(layer for layer in engine.network(run_id).layers if layer.kind == "Dense")
    assert dense.weights[0].shape == initial.shape
    assert not np.array_equal(dense.weights[0], initial)  # what it learned is kept


def test_job_controls_pause_resume_rate_and_stop() -> None:
    import multiprocessing

    from nnlab.engine.protocol import GOODBYE, Control, Paused
    from nnlab.engine.worker import JobControls

    engine_end, worker_end = multiprocessing.Pipe(duplex=True)
    stop_value = multiprocessing.RawValue("q", 0)
    controls = JobControls(worker_end, stop_value, job_no=7)
    assert not controls.should_stop() and controls.commands() is None
    # Everything the engine sent during one batch is read after it, in order: a pause, a new
    # rate while paused, a message of an older job (ignored), and the resume.
    engine_end.send(Control(7, pause=True))
    engine_end.send(Control(7, learning_rate=0.05))
    engine_end.send(Control(6, learning_rate=9.0))
    engine_end.send(Control(7, pause=False))
    assert not controls.should_stop() and not controls.paused
    assert [engine_end.recv(), engine_end.recv()] == [Paused(7, True), Paused(7, False)]
    assert controls.commands() == {"learning_rate": 0.05} and controls.commands() is None
    # A stop ends a pause; a goodbye (None) from the engine ends the job and then the worker.
    engine_end.send(Control(7, pause=True))
    stop_value.value = 7
    assert controls.should_stop()
    stop_value.value = 0
    later = JobControls(worker_end, stop_value, job_no=8)
    engine_end.send(GOODBYE)
    assert later.should_stop() and later.exit_after_job


@pytest.mark.slow
def test_pause_holds_a_run_and_resume_finishes_it_unchanged(engine: Engine) -> None:
    spec = tiny_spec(epochs=3, batch_size=5, seed=11)
    run_id = engine.submit("lab-pause", spec)
    wait_until(lambda: engine.live(run_id).progress.batch >= 1, 120, "training started")
    engine.pause(run_id)
    wait_until(lambda: engine.live(run_id).paused, 30, "the worker paused")
    held = engine.live(run_id)
    assert held.status == "running" and held.is_active
    engine.resume(run_id)
    run = wait_ended(engine, run_id)
    assert run.status == "finished" and not run.paused, run.error
    # A pause changes nothing the run learns: same figures as a run never paused.
    alone = wait_ended(engine, engine.submit("lab-pause", spec))
    assert figures(run.history) == figures(alone.history)
    with pytest.raises(ValueError, match="not training"):
        engine.pause(run_id)


@pytest.mark.slow
def test_a_new_learning_rate_reaches_a_running_run(engine: Engine) -> None:
    # 400 batches an epoch: a call of the compiled step trains up to 64 of them, so the pause
    # and the change land between calls, well before the run ends.
    spec = tiny_spec(epochs=3, batch_size=5, seed=12, train_size=2000)
    with pytest.raises(ValueError, match="learning rate"):
        engine.set_learning_rate("no-such-run", -1)
    run_id = engine.submit("lab-rate", spec)
    wait_until(lambda: engine.live(run_id).progress.batch >= 1, 120, "training started")
    engine.pause(run_id)  # so the change lands inside the first epoch, whatever the speed
    wait_until(lambda: engine.live(run_id).paused, 30, "the worker paused")
    engine.set_learning_rate(run_id, 0.004)
    engine.resume(run_id)
    changed = wait_ended(engine, run_id)
    unchanged = wait_ended(engine, engine.submit("lab-rate", spec))
    assert changed.status == unchanged.status == "finished", changed.error
    assert figures(changed.history) != figures(unchanged.history)
    landed = next(i for i, row in enumerate(changed.history) if row.lr_changes)
    assert changed.history[landed].lr_changes[0]["to"] == 0.004
    # The new rate stays for the epochs after.
    assert all(row.lr == 0.004 for row in changed.history[landed + 1 :])


@pytest.mark.slow
def test_continuing_a_run_extends_its_history(engine: Engine, store) -> None:
    # No dropout: Keras keeps no state of its dropout masks' random generator in a saved model,
    # so with dropout the later epochs' masks (and figures) differ from one longer run's.
    spec = tiny_spec(epochs=2, seed=13, dropout_rate=0.0)
    run_id = engine.submit("lab-continue", spec)
    first = wait_ended(engine, run_id)
    assert first.status == "finished", first.error
    engine.continue_run(run_id, 2)
    again = engine.live(run_id)
    assert again.is_active and again.spec.epochs == 4 and len(again.history) == 2
    run = wait_ended(engine, run_id)
    assert run.status == "finished", run.error
    assert [row.epoch for row in run.history] == [1, 2, 3, 4]
    assert figures(run.history[:2]) == figures(first.history)
    # The same as four epochs in one go: same seed, same batches, optimizer state kept.
    whole = wait_ended(engine, engine.submit("lab-continue", spec.replace(epochs=4)))
    curves = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy")
    for row, one_go in zip(run.history, whole.history, strict=True):
        assert [getattr(row, key) for key in curves] == pytest.approx(
            [getattr(one_go, key) for key in curves]
        )
    wait_until(lambda: store.get_run(run_id).epochs_done == 4, 30, "stored")
    assert store.get_run(run_id).spec.epochs == 4
    with pytest.raises(ValueError, match="at least one"):
        engine.continue_run(run_id, 0)


@pytest.mark.slow
def test_fine_tuning_starts_from_a_model_and_adds_examples(engine: Engine) -> None:
    base = wait_ended(engine, engine.submit("lab-tune", tiny_spec(epochs=1, dropout_rate=0.0)))
    marks = np.zeros((20, 28, 28), np.uint8)
    marks[:, 4:24, 12:16] = 255  # twenty vertical bars, all labelled 4
    with pytest.raises(ValueError, match="no model"):
        engine.submit("lab-tune", tiny_spec(), start_from="no-such-run")
    tuned_id = engine.submit(
        "lab-tune",
        tiny_spec(epochs=6, batch_size=20, dropout_rate=0.0, learning_rate=0.01),
        start_from=base.run_id,
        extra_train=(marks, np.full(20, 4)),
    )
    tuned = wait_ended(engine, tuned_id)
    assert tuned.status == "finished", tuned.error
    assert tuned.train_images == base.train_images + 20
    before = engine.network(base.run_id).predict(marks[:1])[0, 4]
    after = engine.network(tuned_id).predict(marks[:1])[0, 4]
    assert after > max(before, 0.5)  # it learned the class's own examples


@pytest.mark.slow
def test_lab_busy_past_its_limit_and_the_queue_reports_a_wait(engine: Engine) -> None:
    busy = [engine.submit("lab-busy", long_spec(seed=seed)) for seed in (1, 2)]
    try:
        with pytest.raises(LabBusy):
            engine.submit("lab-busy", tiny_spec())
        wait_until(lambda: engine.load()[0] == 2, 120, "both workers training")
        waiting = engine.submit("lab-waiting", tiny_spec())
        run = engine.live(waiting)
        assert run.status == "queued" and run.queue_position == 1
        assert run.wait_estimate_s is not None and run.wait_estimate_s > 0
        assert engine.load() == (2, 1)
        engine.stop(waiting)  # a queued run leaves the queue at once, without training
        run = engine.live(waiting)
        assert run.status == "stopped" and run.history == () and not run.has_model
    finally:
        _stop_all(engine, busy)


@pytest.mark.slow
def test_a_queued_run_of_a_silent_lab_is_cancelled(engine: Engine) -> None:
    busy = [engine.submit("lab-keeps-watching", long_spec(seed=seed)) for seed in (3, 4)]
    try:
        # Running, not only handed to the workers: a dispatched run is "queued" until its worker
        # has loaded the data and says it started.
        wait_until(
            lambda: all(engine.live(run_id).status == "running" for run_id in busy),
            120,
            "both workers training",
        )
        engine.abandon_after_s = 1.0
        silent = engine.submit("lab-tab-closed", tiny_spec())
        assert engine.live(silent).status == "queued"
        run = wait_ended(engine, silent, 30)  # nobody touches this lab again
        assert run.status == "stopped"
        assert run.error == ABANDONED.format(seconds=1.0)
        # Running runs are never cancelled for silence.
        assert all(engine.live(run_id).status == "running" for run_id in busy)
    finally:
        engine.abandon_after_s = 120.0
        _stop_all(engine, busy)


@pytest.mark.slow
def test_a_killed_worker_fails_its_run_and_the_next_run_works(engine: Engine) -> None:
    run_id = engine.submit("lab-crash", long_spec())
    wait_until(lambda: engine.live(run_id).progress.batch >= 1, 120, "training started")
    os.kill(engine.worker_pid(run_id), signal.SIGKILL)
    run = wait_ended(engine, run_id, 30)
    assert run.status == "failed"
    assert "stopped unexpectedly" in run.error and "-9" in run.error
    after = wait_ended(engine, engine.submit("lab-crash", tiny_spec()))
    assert after.status == "finished", after.error
    assert len(after.history) == 2


@pytest.mark.slow
def test_a_run_that_outgrows_its_memory_share_is_stopped_and_the_next_run_trains(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nnlab.engine.engine as engine_module

    # A spec the estimate refuses here only on a small box: let it through, as an estimate that
    # was wrong would, and give a run a 100 MB share (the guard stops it past 150 MB of growth).
    wide = tiny_spec(
        train_size=4000, batch_size=4000, hidden_layers=(LayerSpec.conv(64, 3), LayerSpec.dense(16))
    )
    monkeypatch.setattr(engine_module, "check_memory", lambda spec, budget_mb: None)
    monkeypatch.setattr(engine._guard, "budget_mb", 100.0)
    run = wait_ended(engine, engine.submit("lab-memory", wide), 120)
    assert run.status == "failed"
    assert "used more than 150 MB of memory" in run.error and "smaller batch size" in run.error
    monkeypatch.undo()  # the real share again: the next run of the lab trains
    after = wait_ended(engine, engine.submit("lab-memory", tiny_spec()))
    assert after.status == "finished", after.error


@pytest.mark.slow
def test_submit_refuses_a_run_past_its_memory_share_with_what_to_lower(engine: Engine) -> None:
    conv = LayerSpec.conv(256, 1)
    # Over 40 GB for one batch: past a run's share on any machine a class runs on.
    wide = tiny_spec(train_size=None, batch_size=60_000, hidden_layers=(conv, conv))
    with pytest.raises(SpecError, match="Use a batch size of"):
        engine.submit("lab-memory-refused", wide)
    assert not engine.lab_runs("lab-memory-refused")


@pytest.mark.slow
def test_a_failing_store_does_not_stop_training(engine: Engine) -> None:
    from nnlab.store.database import StoreError

    real = engine.store

    class BrokenStore:
        """The real store for reads; every write fails as a full disk would."""

        def __getattr__(self, name):
            if name in ("add_run", "update_run", "add_epoch", "finish_run", "touch_lab"):

                def refuse(*args, **kwargs):
                    raise StoreError("The disk is full.")

                return refuse
            return getattr(real, name)

    engine.store = BrokenStore()
    try:
        run = wait_ended(engine, engine.submit("lab-disk-full", tiny_spec()))
    finally:
        engine.store = real
    assert run.status == "finished" and len(run.history) == 2
    assert engine.store_error == "The disk is full."
    assert engine.network(run.run_id).predict(np.zeros((1, 28, 28), np.uint8)).shape == (1, 10)
    assert engine.keras_bytes(run.run_id)
    engine.store_error = None


@pytest.mark.slow
def test_model_files_load_in_a_worker(engine: Engine) -> None:
    run = wait_ended(engine, engine.submit("lab-upload", tiny_spec(epochs=1)))
    loaded = engine.load_model_file(engine.keras_bytes(run.run_id), "mine.keras", "mnist")
    assert loaded.spec == tiny_spec(epochs=1) and loaded.dataset_name == "mnist"
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    assert np.allclose(
        loaded.network.predict(images), engine.network(run.run_id).predict(images), atol=1e-5
    )
    with pytest.raises(ValueError, match="Keras model"):
        engine.load_model_file(b"not a model at all", "mine.keras", "mnist")


@pytest.mark.slow
def test_refresh_slows_down_as_more_labs_watch(engine: Engine) -> None:
    before = engine.watchers()
    assert engine.refresh_interval() == max(0.25, before / 10)
    for number in range(40):
        engine.touch(f"lab-watching-{number}")
    assert engine.watchers() >= 40
    assert 4.0 <= engine.refresh_interval() <= 5.0
    started = time.perf_counter()
    for _ in range(1000):
        engine.lab_runs("lab-watching-1")
        engine.refresh_interval()
    per_call_ms = time.perf_counter() - started  # 1000 calls: seconds = ms per call
    assert per_call_ms < 1.0


# --- the app process never imports TensorFlow ---------------------------------------------------


@pytest.mark.slow
def test_the_app_process_never_imports_tensorflow(tmp_path: Path) -> None:
    code = f"""
import sys, time
import numpy as np
from nnlab import LayerSpec, RunSpec
from nnlab.engine.engine import Engine
from nnlab.store.database import sqlite_url
from nnlab.store.store import Store

if __name__ == "__main__":
    engine = Engine(Store(sqlite_url({str(tmp_path / "app.sqlite3")!r})), workers=1)
    run_id = engine.submit("lab", RunSpec(train_size=100, epochs=1, batch_size=50,
                                          hidden_layers=(LayerSpec.dense(8),)))
    deadline = time.monotonic() + 180
    while engine.live(run_id).is_active and time.monotonic() < deadline:
        time.sleep(0.05)
    run = engine.live(run_id)
    assert run.status == "finished", run.error
    assert engine.network(run_id).predict(np.zeros((1, 784), np.uint8)).shape == (1, 10)
    engine.shutdown()
    loaded = [name for name in ("tensorflow", "keras") if name in sys.modules]
    assert not loaded, f"the app process imported {{loaded}}"
    print("ok")
"""
    script = tmp_path / "app_process.py"
    script.write_text(code)
    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    assert completed.returncode == 0 and "ok" in completed.stdout, completed.stderr[-3000:]


def test_workers_never_run_the_app_script_again(tmp_path, monkeypatch) -> None:
    """Under `streamlit run`, __main__ is app.py; a spawned worker must not execute it."""
    import multiprocessing
    import types

    from nnlab.engine.pool import start_without_main

    marker = tmp_path / "ran"
    script = tmp_path / "app_like.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    process = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(0,))
    start_without_main(process)
    process.join(timeout=60)
    assert process.exitcode == 0
    assert not marker.exists(), "the worker ran the app script"


@pytest.mark.slow
def test_idle_workers_exit_but_one_stays_warm_and_a_class_warms_them_again(tmp_path) -> None:
    """After the class leaves, workers beyond one exit, so their memory goes back; when labs
    show pages again (a class about to press Train), the others start before anyone trains."""
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    store = Store(sqlite_url(tmp_path / "runs.sqlite3"))
    idle_engine = Engine(store, workers=2, prestart_workers=2)
    try:
        wait_until(lambda: len(idle_engine.worker_start_seconds) == 2, 180, "two workers ready")
        idle_engine.worker_idle_s = 1.0
        wait_until(lambda: len(idle_engine.worker_pids()) == 1, 60, "one worker left")
        run_id = idle_engine.submit("lab-idle", tiny_spec())
        wait_ended(idle_engine, run_id)
        assert idle_engine.live(run_id).status == "finished"
        assert len(idle_engine.worker_pids()) == 1  # the warm one trained it; none was added

        def class_pages_render() -> bool:
            idle_engine.touch("lab-class-a")
            idle_engine.touch("lab-class-b")
            return len(idle_engine.worker_start_seconds) == 3

        wait_until(class_pages_render, 180, "a second worker ready before any Train")
        assert len(idle_engine.worker_pids()) == 2
        # The class left (no page for longer than worker_idle_s): back to the one warm worker.
        wait_until(lambda: len(idle_engine.worker_pids()) == 1, 60, "one worker left again")
    finally:
        idle_engine.shutdown()
        store.close()


@pytest.mark.slow
def test_a_worker_past_its_run_count_serves_the_queue_first_then_is_replaced(tmp_path) -> None:
    """runs_per_worker retires a worker only once nothing waits: a new TensorFlow start in the
    middle of a class would take a core from the class's runs for seconds."""
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    store = Store(sqlite_url(tmp_path / "runs.sqlite3"))
    counted = Engine(store, workers=1, prestart_workers=1, runs_per_worker=2)
    try:
        wait_until(lambda: len(counted.worker_start_seconds) == 1, 180, "worker ready")
        [first_worker] = counted.worker_pids()
        # Four runs of four labs queued at once: the worker passes its count with runs waiting.
        run_ids = [counted.submit(f"lab-count-{n}", tiny_spec(seed=n)) for n in range(4)]
        for run_id in run_ids:
            assert wait_ended(counted, run_id).status == "finished"
        assert {counted.worker_pid(run_id) for run_id in run_ids} == {first_worker}
        # Nothing waits now: it is replaced by a fresh worker, which trains the next run.
        wait_until(
            lambda: counted.worker_pids() and counted.worker_pids() != [first_worker],
            120,
            "a fresh worker",
        )
        after = counted.submit("lab-count-after", tiny_spec(seed=9))
        assert wait_ended(counted, after).status == "finished"
        assert counted.worker_pid(after) != first_worker
    finally:
        counted.shutdown()
        store.close()


@pytest.mark.slow
def test_a_grown_warm_worker_is_swapped_for_a_fresh_one(tmp_path, monkeypatch) -> None:
    """The one worker kept warm gives its memory back too, once idle, if training grew it."""
    from nnlab.engine import pool
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    store = Store(sqlite_url(tmp_path / "runs.sqlite3"))
    warm_engine = Engine(store, workers=1, prestart_workers=1)
    try:
        wait_until(lambda: len(warm_engine.worker_start_seconds) == 1, 180, "worker ready")
        first = wait_ended(warm_engine, warm_engine.submit("lab-grow", tiny_spec()))
        assert first.status == "finished", first.error
        [trained_by] = warm_engine.worker_pids()
        # Any growth past its size after the first job counts here: a second run grows it.
        monkeypatch.setattr(pool, "RECYCLE_GROWTH_MB", -1.0)
        second = wait_ended(warm_engine, warm_engine.submit("lab-grow", tiny_spec(seed=2)))
        assert second.status == "finished", second.error
        warm_engine.worker_idle_s = 1.0
        wait_until(
            lambda: warm_engine.worker_pids() and warm_engine.worker_pids() != [trained_by],
            120,
            "a fresh warm worker",
        )
        assert len(warm_engine.worker_pids()) == 1
        third = wait_ended(warm_engine, warm_engine.submit("lab-grow", tiny_spec(seed=3)))
        assert third.status == "finished", third.error
    finally:
        warm_engine.shutdown()
        store.close()
