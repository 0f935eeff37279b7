"""More machines: a class's time on one and on two training machines, and the queue's own cost.

Everything in one run, on one PostgreSQL (the URL from --database-url, NNLAB_BENCH_DATABASE_URL or
NNLAB_TEST_DATABASE_URL; a fresh schema is made and dropped):

- the app: a `QueueEngine` in this process, training nothing itself (`local_workers=0`), pinned
  to --app-cpu with all its threads;
- machines: `python -m nnlab.worker --workers 1` processes, as the README starts them, each pinned
  to its own CPU with `taskset` (machine A on --cpu-a, machine B on --cpu-b).

1. The queue's own cost per run: --solo-runs small runs one after another through the local pool
   (`Engine`, one worker, the same PostgreSQL store) and through the queue (machine A alone),
   everything on --cpu-a as on a one-core box: submit -> stored finished, from the store's
   timestamps; the difference of the medians is what the queue adds to a run. The page-visible
   time (until the engine's snapshot says "finished") is shown too: the queue's engine polls at
   the live view's refresh interval.
2. A stop: submit -> training on machine A -> stop -> stored "stopped", --stops times.
3. The class: --students labs submit the class preset (bench_classroom's: 004 ReLU 784-100-10,
   RMSprop, batch 32, 6,000 images, 3 epochs) at once; the class's time is first submit -> last
   run stored finished; once with machine A, once with A and B (each machine warmed first).

On a machine with two CPUs the app shares machine B's CPU (say so when you quote the figure).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

REPO_ROOT = Path(__file__).resolve().parent.parent
PRESET_KEY, PRESET_IMAGES, EPOCHS = "t004_relu100", 6000, 3


def pin_threads(cpus: set[int]) -> None:
    """Pin every thread of this process (affinity is per thread on Linux) to `cpus`."""
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(int(task), cpus)


@contextlib.contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """A URL whose tables land in a new schema, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start_machine(url: str, name: str, cpu: int, home: Path) -> subprocess.Popen:
    """The documented command, pinned to one CPU, in its own process group."""
    environment = {**os.environ, "NNLAB_HOME": str(home), "PYTHONPATH": str(REPO_ROOT)}
    command = ["taskset", "-c", str(cpu), sys.executable, "-m", "nnlab.worker"]
    command += ["--database-url", url, "--workers", "1", "--name", name]
    return subprocess.Popen(
        command,
        env=environment,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_machine(process: subprocess.Popen) -> None:
    """SIGTERM (runs stop after their batch), SIGKILL after 30 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    """Poll `predicate` until true; RuntimeError naming `what` past the deadline."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def small_spec(seed: int = 1) -> Any:
    """A run whose arithmetic is a few hundred milliseconds: the queue's cost shows."""
    from nnlab.core.spec import LayerSpec, RunSpec

    return RunSpec(
        train_size=600, epochs=1, hidden_layers=(LayerSpec.dense(32),), batch_size=100, seed=seed
    )


def class_spec() -> Any:
    """The class preset as bench_classroom trains it."""
    from nnlab.core.presets import PRESETS

    return PRESETS[PRESET_KEY].spec.replace(train_size=PRESET_IMAGES, epochs=EPOCHS)


def one_by_one(engine: Any, runs: int) -> tuple[list[float], list[float]]:
    """(stored seconds, page-visible seconds) of `runs` small runs trained one after another."""
    stored, visible = [], []
    for number in range(runs):
        started = time.monotonic()
        run_id = engine.submit(f"lab-solo-{number}", small_spec(number))
        wait_for(lambda run_id=run_id: not engine.live(run_id).is_active, 120, "a solo run")
        visible.append(time.monotonic() - started)
        wait_for(lambda run_id=run_id: not engine.store.get_run(run_id).is_active, 30, "the store")
        record = engine.store.get_run(run_id)
        if record.status.value != "finished":
            raise RuntimeError(f"a solo run ended {record.status}: {record.error}")
        stored.append(record.ended_at - record.created_at)
    return stored[1:], visible[1:]  # the first run warms the worker


def class_time(engine: Any, students: int, tag: str) -> tuple[float, dict[str, list[float]]]:
    """Seconds from the first submit to the last run stored finished, `students` labs at once,
    and each machine's run durations."""
    spec = class_spec()
    run_ids = [engine.submit(f"lab-{tag}-{number}", spec) for number in range(students)]
    for run_id in run_ids:
        wait_for(lambda run_id=run_id: not engine.live(run_id).is_active, 900, "the class")
        wait_for(lambda run_id=run_id: not engine.store.get_run(run_id).is_active, 30, "stored")
    records = [engine.store.get_run(run_id) for run_id in run_ids]
    failed = [record.error for record in records if record.status.value != "finished"]
    if failed:
        raise RuntimeError(f"{len(failed)} class runs did not finish: {failed[:3]}")
    durations: dict[str, list[float]] = {}
    for record in records:
        durations.setdefault(record.machine or "?", []).append(record.ended_at - record.started_at)
    class_s = max(record.ended_at for record in records) - min(r.created_at for r in records)
    return class_s, durations


def warm(engine: Any, machines: int) -> None:
    """Class-preset runs until every machine trained one in a row, so each worker compiled the
    preset's step (a worker past its run count is replaced once idle: it must warm again)."""
    for attempt in range(6):
        run_ids = [engine.submit(f"lab-warm-{attempt}-{n}", class_spec()) for n in range(machines)]
        for run_id in run_ids:
            wait_for(lambda run_id=run_id: not engine.live(run_id).is_active, 300, "a warm-up")
        used = {engine.store.get_run(run_id).machine for run_id in run_ids}
        if len(used) == machines:
            return
    raise RuntimeError("the warm-up runs never landed on every machine")


def stop_latency(engine: Any, tries: int) -> list[float]:
    """Seconds from stop() to the run stored as stopped, for a run training on a machine."""
    spec = small_spec().replace(epochs=200, batch_size=10)
    seconds = []
    for number in range(tries):
        run_id = engine.submit(f"lab-stop-{number}", spec)
        wait_for(lambda run_id=run_id: engine.live(run_id).progress.batch > 0, 120, "training")
        asked = time.time()
        engine.stop(run_id)
        wait_for(
            lambda run_id=run_id: engine.store.get_run(run_id).status.value == "stopped",
            60,
            "the stop",
        )
        seconds.append(engine.store.get_run(run_id).ended_at - asked)
    return seconds


def measure(url: str, args: argparse.Namespace, home: Path) -> dict[str, Any]:
    """Every figure of the report, in one run."""
    from nnlab.engine.engine import Engine
    from nnlab.engine.queue_engine import QueueEngine
    from nnlab.store.store import Store

    figures: dict[str, Any] = {}
    # 1-2. One CPU for all, as a one-core box: the app with the local pool's worker, then the
    # app with machine A; the difference is what the queue itself costs.
    pin_threads({args.cpu_a})
    local = Engine(Store(url), workers=1, abandon_after_s=600, prestart_workers=1)
    local.warm_up()
    wait_for(lambda: len(local.worker_start_seconds) == 1, 120, "the local worker")
    figures["local"] = one_by_one(local, args.solo_runs)
    local.shutdown()
    local.store.close()

    engine = QueueEngine(Store(url), url, local_workers=0, abandon_after_s=3600)
    pin_threads({args.cpu_a})
    first = start_machine(url, "machine-a", args.cpu_a, home)
    second = None
    try:
        wait_for(lambda: len(engine.machines()) == 1, 120, "machine A")
        figures["queue"] = one_by_one(engine, args.solo_runs)
        figures["stop"] = stop_latency(engine, args.stops)
        # 3. The class: the app on its own CPU, machines on theirs.
        pin_threads({args.app_cpu})
        warm(engine, 1)
        polls, cpu = engine.polls, engine.poll_cpu_s
        figures["class_one"] = class_time(engine, args.students, "one")  # 3.
        figures["poll_ms"] = (engine.poll_cpu_s - cpu) / max(1, engine.polls - polls) * 1000
        figures["polls"] = engine.polls - polls
        second = start_machine(url, "machine-b", args.cpu_b, home)
        wait_for(lambda: len(engine.machines()) == 2, 120, "machine B")
        warm(engine, 2)
        figures["class_two"] = class_time(engine, args.students, "two")
    finally:
        for process in (first, second):
            if process is not None:
                stop_machine(process)
        engine.shutdown()
        engine.store.close()
    return figures


def report(figures: dict[str, Any], args: argparse.Namespace, machine: dict[str, str]) -> str:
    """The BENCHMARKS.md section."""
    local_stored, local_visible = (statistics.median(v) for v in figures["local"])
    queue_stored, queue_visible = (statistics.median(v) for v in figures["queue"])
    (one, one_runs), (two, two_runs) = figures["class_one"], figures["class_two"]
    per_machine = "; ".join(
        f"{name}: {len(runs)} runs, median {statistics.median(runs):.2f} s"
        for name, runs in sorted(
            {**{f"{k} alone": v for k, v in one_runs.items()}, **two_runs}.items()
        )
    )
    queue_cost_ms = (queue_stored - local_stored) * 1000
    rows = [
        [
            "a small run, submit -> stored finished (median)",
            f"{local_stored * 1000:.0f} ms",
            f"{queue_stored * 1000:.0f} ms",
            f"queue's own cost {queue_cost_ms:+.0f} ms (goal <= 50 ms)",
        ],
        [
            "the same, until the engine's snapshot says finished",
            f"{local_visible * 1000:.0f} ms",
            f"{queue_visible * 1000:.0f} ms",
            "the queue's engine polls at the live view's refresh interval",
        ],
        [
            "stop -> stored stopped (median, max)",
            "",
            f"{statistics.median(figures['stop']):.2f} s, {max(figures['stop']):.2f} s",
            "goal: a control reaches a run on another machine within 1 s",
        ],
        [
            f"class of {args.students}, first submit -> last stored",
            "",
            f"one machine {one:.1f} s; two {two:.1f} s",
            f"two / one = {two / one:.2f} (goal <= 0.55)",
        ],
        [
            f"the app's poller during the one-machine class ({figures['polls']} polls)",
            "",
            f"{figures['poll_ms']:.1f} ms of CPU per poll",
            f"one poll serves every page: {figures['poll_ms'] / args.students:.2f} ms per "
            f"watching student (goal <= 10 ms per refresh)",
        ],
    ]
    table = benchlib.markdown_table(["what", "local pool", "job queue", "figure"], rows)
    return (
        "### More machines (`python benchmarks/bench_machines.py`)\n\n"
        f"{benchlib.machine_line(machine)}\n\n"
        f"Solo runs and stops: everything on CPU {args.cpu_a} (the app with the local pool's "
        "worker, then the app with machine A), as on a one-core box. The class: the app "
        f"(QueueEngine, no workers of its own) on CPU {args.app_cpu}, machine A "
        f"(`python -m nnlab.worker --workers 1`) on CPU {args.cpu_a}, machine B on CPU "
        f"{args.cpu_b}; PostgreSQL unpinned. {args.solo_runs - 1} measured solo runs "
        f"(784-32-10, 600 images, 1 epoch), {args.stops} stops, the class preset "
        f"{PRESET_KEY} ({PRESET_IMAGES} images, {EPOCHS} epochs) x {args.students} labs; runs of "
        f"the class: {per_machine}.\n\n"
        f"{table}\n"
    )


def main() -> None:
    """Measure, print, and (unless --no-report) update docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--solo-runs", type=int, default=16)
    parser.add_argument("--stops", type=int, default=5)
    parser.add_argument("--app-cpu", type=int, default=0)
    parser.add_argument("--cpu-a", type=int, default=1)
    parser.add_argument("--cpu-b", type=int, default=0)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    base = (
        args.database_url
        or os.environ.get("NNLAB_BENCH_DATABASE_URL")
        or os.environ.get("NNLAB_TEST_DATABASE_URL")
    )
    if not base:
        parser.error("give --database-url postgresql+psycopg://... (a server you may add to)")
    home = Path(os.environ.get("NNLAB_HOME") or f"/tmp/nnlab-bench-machines-{os.getpid()}")
    os.environ["NNLAB_HOME"] = str(home)
    with fresh_schema(base) as url:
        figures = measure(url, args, home)
    body = report(figures, args, benchlib.machine_record())
    print(body)
    if not args.no_report:
        benchlib.write_section("machines", body)


if __name__ == "__main__":
    main()
