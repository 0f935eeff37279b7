"""More machines: runs through the job queue on the real PostgreSQL, trained by worker processes
started with the documented command (`python -m nnlab.worker --database-url ...`), separate OS
processes as other machines would be, while the app's engine (`QueueEngine`) runs in this process
and trains nothing itself.

The tests of this module share one database and two machines, in this order: an engine restart
keeps queued runs (before any machine is connected); six labs' twelve runs in fair order on both
machines; stop, pause and a new learning rate reaching a run on a machine, and continuing it
there; the learning-rate test and a model upload served by a machine; and last, a machine killed
mid-run (its run failed with the reason, the other machine carries on). Skipped with a reason
without PostgreSQL outside CI, as the store's tests are.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers import wait_until
from pg import fresh_schema_url, postgres_test_url

from nnlab.core.runs import RunStatus
from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.engine.job_queue import STALLED_AFTER_S
from nnlab.engine.reasons import ABANDONED, MACHINE_LOST

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
MACHINE_NAMES = ("lab-pc", "gpu-server")


def tiny_spec(**changes) -> RunSpec:
    """Seconds to train, yet a real network on real digits."""
    return RunSpec(
        train_size=200, epochs=2, hidden_layers=(LayerSpec.dense(16),), batch_size=50
    ).replace(**changes)


def long_spec(**changes) -> RunSpec:
    """A run that keeps a worker busy until it is stopped (hundreds of small batches)."""
    return tiny_spec(epochs=200, batch_size=5, **changes)


def start_machine(url: str, name: str, home: Path) -> subprocess.Popen:
    """`python -m nnlab.worker` as the README gives it, in its own process group."""
    environment = {**os.environ, "NNLAB_HOME": str(home), "PYTHONPATH": str(REPO_ROOT)}
    environment.pop("NNLAB_DATABASE_URL", None)
    command = [sys.executable, "-m", "nnlab.worker", "--database-url", url, "--workers", "1"]
    return subprocess.Popen(
        [*command, "--name", name],
        cwd=REPO_ROOT,
        env=environment,
        start_new_session=True,  # a kill takes the machine's worker processes with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_machine(process: subprocess.Popen) -> None:
    """Leave politely (SIGTERM), by force after 30 s; the whole process group goes."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # any worker process left behind


def queue_engine(url: str):
    """The app's engine on the queue, training nothing itself (the machines do)."""
    from nnlab.engine.queue_engine import QueueEngine
    from nnlab.store.store import Store

    return QueueEngine(Store(url), url, local_workers=0, abandon_after_s=600)


def wait_ended(engine, run_id: str, timeout_s: float = 180):
    wait_until(lambda: not engine.live(run_id).is_active, timeout_s, f"run {run_id} ended")
    return engine.live(run_id)


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with fresh_schema_url(postgres_test_url()) as url:
        yield url


@pytest.fixture(scope="module")
def machines(database_url: str, tmp_path_factory) -> Iterator[dict[str, subprocess.Popen]]:
    home = tmp_path_factory.mktemp("machines")
    started = {name: start_machine(database_url, name, home) for name in MACHINE_NAMES}
    yield started
    for process in started.values():
        stop_machine(process)


@pytest.fixture(scope="module")
def engine(database_url: str, machines) -> Iterator[object]:
    running = queue_engine(database_url)
    wait_until(lambda: len(running.machines()) == len(MACHINE_NAMES), 90, "both machines joined")
    yield running
    running.shutdown()
    running.store.close()


def test_a_queued_run_whose_lab_nobody_watches_is_cancelled(database_url: str) -> None:
    from nnlab.engine.queue_engine import QueueEngine
    from nnlab.store.store import Store

    watched = QueueEngine(Store(database_url), database_url, local_workers=0, abandon_after_s=1)
    try:
        run_id = watched.submit("lab-gone", tiny_spec())  # no machine yet: it waits
        run = wait_ended(watched, run_id, 30)
        assert run.status == RunStatus.STOPPED and run.error == ABANDONED.format(seconds=1)
        assert run_id not in {job.run_id for job in watched._queue.jobs("todo")}
        assert watched.store.get_run(run_id).status == RunStatus.STOPPED
    finally:
        watched.shutdown()
        watched.store.close()


def test_an_engine_restart_keeps_queued_runs(database_url: str, request) -> None:
    first = queue_engine(database_url)
    queued = [first.submit("lab-restart", tiny_spec(seed=seed)) for seed in (1, 2)]
    first.shutdown()
    stored = {first.store.get_run(run_id).status for run_id in queued}
    first.store.close()
    assert stored == {RunStatus.QUEUED}, "a shut-down engine must leave its queued runs queued"

    again = queue_engine(database_url)
    try:
        runs = {run.run_id: run for run in again.lab_runs("lab-restart")}
        assert {runs[run_id].status for run_id in queued} == {RunStatus.QUEUED}
        request.getfixturevalue("machines")  # now machines join and take them
        for run_id in queued:
            run = wait_ended(again, run_id)
            assert run.status == RunStatus.FINISHED and run.has_model, run.error
            assert run.worker_name in MACHINE_NAMES and len(run.history) == 2
    finally:
        again.shutdown()
        again.store.close()


def test_twelve_runs_of_six_labs_finish_in_fair_order_on_both_machines(engine) -> None:
    # Both machines busy first, so the class's runs queue up as they do in a lesson.
    blockers = [engine.submit("lab-busy", long_spec(seed=seed)) for seed in (1, 2)]
    wait_until(
        lambda: all(engine.live(run_id).progress.batch > 0 for run_id in blockers),
        90,
        "both machines train",
    )
    labs = [f"lab-fair-{number}" for number in range(6)]
    submitted = []
    for lab in labs:  # each lab presses Train twice at once, as an eager class does
        submitted += [engine.submit(lab, tiny_spec(seed=seed)) for seed in (1, 2)]
    for run_id in blockers:
        engine.stop(run_id)
    runs = [wait_ended(engine, run_id) for run_id in submitted]
    assert [run.status for run in runs] == [RunStatus.FINISHED] * 12, [r.error for r in runs]
    stored = sorted((engine.store.get_run(run.run_id) for run in runs), key=lambda r: r.started_at)
    order = [record.lab_id for record in stored]
    # The queue hands out every lab's first run before any second one. Two machines that take
    # two jobs at once may start them in either order, hence the slack of one place.
    assert len(set(order[:5])) == 5 and set(order[:7]) == set(labs), (
        f"a lab's second run started before another's first: {order}"
    )
    assert {run.worker_name for run in runs} == set(MACHINE_NAMES)
    assert all(len(engine.store.history(run.run_id)) == 2 for run in runs)
    assert [wait_ended(engine, run_id).status for run_id in blockers] == [RunStatus.STOPPED] * 2
    wait_until(lambda: engine.load() == (0, 0), 10, "the queue is empty")
    assert engine.workers() == 2


def test_controls_reach_a_run_on_a_machine_and_it_continues_there(engine) -> None:
    run_id = engine.submit("lab-controls", long_spec())
    wait_until(lambda: engine.live(run_id).progress.batch > 0, 90, "the run trains")
    engine.set_learning_rate(run_id, 0.005)
    engine.pause(run_id)
    wait_until(lambda: engine.live(run_id).paused, 10, "the machine paused the run")
    paused_at = engine.live(run_id).progress
    engine.resume(run_id)
    wait_until(lambda: not engine.live(run_id).paused, 10, "the machine resumed the run")
    wait_until(lambda: len(engine.live(run_id).history) >= 2, 60, "two epochs trained")
    asked = time.monotonic()
    engine.stop(run_id)
    run = wait_ended(engine, run_id, 30)
    stopped_after_s = time.monotonic() - asked
    assert run.status == RunStatus.STOPPED and run.has_model, run.error
    assert stopped_after_s < 10, f"the stop took {stopped_after_s:.1f} s to come back"
    rates = [row.lr for row in run.history]
    changes = [change["to"] for row in run.history for change in row.lr_changes]
    assert changes == [pytest.approx(0.005)], f"the new rate never reached the machine: {rates}"
    assert rates[-1] == pytest.approx(0.005)
    assert paused_at.epoch <= len(run.history)
    # Continued: two more epochs from its stored model, on whichever machine takes it.
    done = len(run.history)
    engine.continue_run(run_id, 2)
    again = wait_ended(engine, run_id)
    assert again.status == RunStatus.FINISHED, again.error
    assert [row.epoch for row in again.history][-3:] == [done, done + 1, done + 2]


def test_the_learning_rate_test_an_upload_and_fine_tuning_run_on_a_machine(engine) -> None:
    task_id = engine.find_learning_rate(tiny_spec())
    wait_until(lambda: engine.task(task_id) is not None, 120, "the learning-rate test ended")
    reply = engine.task(task_id)
    assert reply["error"] is None and reply["suggested"] > 0, reply
    trained = wait_ended(engine, engine.submit("lab-upload", tiny_spec()))
    loaded = engine.load_model_file(engine.keras_bytes(trained.run_id), "mine.keras", "mnist")
    assert loaded.spec is not None and loaded.network.layers
    with pytest.raises(ValueError, match=r"could not be loaded|not a"):
        engine.load_model_file(b"not a model at all", "broken.keras", "mnist")
    # Fine-tuning on a class's handwriting: the trained model goes on with extra examples.
    images = np.zeros((20, 28, 28), np.uint8)
    images[:, 8:20, 12:16] = 255  # twenty strokes, all "1"
    tuned_id = engine.submit(
        "lab-upload",
        tiny_spec(epochs=1),
        start_from=trained.run_id,
        extra_train=(images, np.ones(20, np.int64)),
    )
    tuned = wait_ended(engine, tuned_id)
    assert tuned.status == RunStatus.FINISHED and tuned.has_model, tuned.error
    assert tuned.train_images == trained.train_images + 20


def test_a_killed_machine_fails_its_run_and_the_other_carries_on(engine, machines) -> None:
    run_id = engine.submit("lab-kill", long_spec())
    wait_until(lambda: engine.live(run_id).progress.batch > 0, 90, "the run trains")
    name = engine.live(run_id).worker_name
    victim = machines[name]
    os.killpg(victim.pid, signal.SIGKILL)  # the machine dies: no goodbye, no last write
    victim.wait(10)
    killed = time.monotonic()
    run = wait_ended(engine, run_id, 60)
    noticed_after_s = time.monotonic() - killed
    assert run.status == RunStatus.FAILED
    assert run.error == MACHINE_LOST.format(machine=name, seconds=STALLED_AFTER_S), run.error
    assert noticed_after_s <= 30, f"the dead machine was noticed after {noticed_after_s:.0f} s"
    survivor = wait_ended(engine, engine.submit("lab-kill", tiny_spec()))
    assert survivor.status == RunStatus.FINISHED and survivor.worker_name != name
    wait_until(lambda: len(engine.machines()) == 1, 30, "the dead machine left the count")
