"""The classroom engine alone: N labs submit a run at once while N simulated pages watch.

    python benchmarks/bench_engine.py --students 10,30

No Streamlit and no browser: one process holds an `nnlab.engine.engine.Engine` (a temporary SQLite
store, 2 workers), as the app's process does. A solo run is timed first (submit -> stored); then
N labs submit the same run within milliseconds, and N threads do what a watching page does
(`touch`, `lab_runs`, `live`, every `refresh_interval()` seconds) until every run ended. It
prints, side by side: the time until every run ended against N x solo / workers, the gap between
one run's end and the next run's start on the same worker, and what one watching refresh costs.
The classroom benchmark (bench_classroom.py) measures the same engine behind real pages; there
the class's 30 browsers share this machine's 2 cores with the server, which no real class does.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import benchlib

PRESET = "t004_relu100"
TRAIN_SIZE, EPOCHS = 6000, 3
GOAL_RATIO = 1.3


def measure(students: int, workers: int) -> dict:
    """One class of `students` labs on a fresh engine; the figures."""
    from nnlab import PRESETS
    from nnlab.engine.engine import Engine
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    home = Path(tempfile.mkdtemp(prefix="nnlab-bench-engine-"))
    engine = Engine(
        Store(sqlite_url(home / "runs.sqlite3")), workers=workers, prestart_workers=workers
    )
    try:
        deadline = time.monotonic() + 300
        while len(engine.worker_start_seconds) < workers and time.monotonic() < deadline:
            time.sleep(0.1)  # polling for the workers' TensorFlow import, with a deadline
        spec = PRESETS[PRESET].spec.replace(train_size=TRAIN_SIZE, epochs=EPOCHS)
        solo_id = engine.submit("solo", spec)
        while engine.live(solo_id).is_active:
            time.sleep(0.05)
        solo = engine.live(solo_id)
        solo_s = solo.ended_at - solo.created_at
        run_ids = [engine.submit(f"lab-{index}", spec) for index in range(students)]
        refresh_seconds: list[float] = []
        stop = threading.Event()

        def watch(index: int) -> None:
            # What the live panel asks the engine on every refresh.
            while not stop.is_set():
                started = time.perf_counter()
                engine.touch(f"lab-{index}")
                engine.lab_runs(f"lab-{index}")
                engine.live(run_ids[index])
                refresh_seconds.append(time.perf_counter() - started)
                stop.wait(engine.refresh_interval())

        watchers = [threading.Thread(target=watch, args=(i,), daemon=True) for i in range(students)]
        cpu_before = time.process_time()
        for thread in watchers:
            thread.start()
        while any(engine.live(run_id).is_active for run_id in run_ids):
            time.sleep(0.1)
        cpu_s = time.process_time() - cpu_before
        stop.set()
        runs = [engine.live(run_id) for run_id in run_ids]
        all_s = max(run.ended_at for run in runs) - min(run.created_at for run in runs)
        by_worker: dict[int | None, list] = {}
        for run_id, run in zip(run_ids, runs, strict=True):
            by_worker.setdefault(engine.worker_pid(run_id), []).append(run)
        gaps = []
        for worker_runs in by_worker.values():
            worker_runs.sort(key=lambda run: run.started_at)
            gaps += [b.started_at - a.ended_at for a, b in itertools.pairwise(worker_runs)]
        expected_s = students * solo_s / workers
        return {
            "students": students,
            "workers": workers,
            "solo_s": solo_s,
            "all_s": all_s,
            "expected_s": expected_s,
            "ratio": all_s / expected_s,
            "finished": sum(run.status == "finished" for run in runs),
            "gap_median_s": statistics.median(gaps) if gaps else float("nan"),
            "gap_max_s": max(gaps) if gaps else float("nan"),
            "refresh_ms_median": 1000 * statistics.median(refresh_seconds),
            "refreshes": len(refresh_seconds),
            "engine_process_cpu_s": cpu_s,
        }
    finally:
        engine.shutdown()


def main() -> None:
    """Measure each class size, print the table, update docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", default="10,30")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("NNLAB_OFFLINE", "1")
    record = benchlib.machine_record()
    results = [measure(int(n), args.workers) for n in args.students.split(",")]
    header = ["figure", *(f"N = {r['students']}" for r in results), "goal"]

    def row(name: str, key: str, digits: int = 1, goal: str = "") -> list[str]:
        return [name, *(f"{r[key]:.{digits}f}" for r in results), goal]

    rows = [
        row("solo run, submitted -> stored (s)", "solo_s"),
        row("every class run stored after (s)", "all_s"),
        row("expected N x solo / workers (s)", "expected_s"),
        row("ratio", "ratio", 2, f"<= {GOAL_RATIO}"),
        row("runs finished", "finished", 0),
        row("gap between runs on a worker, median (s)", "gap_median_s", 3),
        row("gap between runs on a worker, worst (s)", "gap_max_s", 3),
        row("one watching refresh (touch + lab_runs + live), median (ms)", "refresh_ms_median", 3),
        row("refreshes during the class", "refreshes", 0),
        row("CPU of the engine's process during the class (s)", "engine_process_cpu_s"),
    ]
    table = benchlib.markdown_table(header, rows)
    print(table)
    verdicts = ", ".join(
        f"N = {r['students']}: {'met' if r['ratio'] <= GOAL_RATIO else 'missed'}" for r in results
    )
    body = f"""## Classroom engine alone (no Streamlit, no browser)

{benchlib.machine_line(record)}

Command: `python benchmarks/bench_engine.py --students {args.students}`

`{PRESET}` ({TRAIN_SIZE:,} images, {EPOCHS} epochs), {args.workers} workers, a temporary SQLite
store; N labs submit at once while N threads refresh as watching pages do. Ratio goal
(<= {GOAL_RATIO}): {verdicts}.

{table}
"""
    if not args.no_report:
        benchlib.write_section("engine", body)


if __name__ == "__main__":
    main()
