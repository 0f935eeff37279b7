"""Memory of the classroom engine: idle workers, then 1, 4 and 8 runs at once, against a tutorial.

Training runs in worker processes (`nnlab.engine.engine.Engine`), so the memory a class costs is the
app process plus its workers. Each measurement is a fresh process that builds an Engine with a
temporary SQLite store (NNLAB_HOME in a temp folder) and W workers, waits until they have
imported TensorFlow (`warm_up`), samples the idle figure, then submits N runs of 784-128-10 at
once, each from its own lab (different seeds), and follows them to the end. Every 0.2 s it reads
/proc/PID/smaps_rollup of itself and of every worker (`engine.worker_pids()`) and sums, at the
same instant:

- PSS (proportional set size): each shared page divided among the processes that map it, so the
  TensorFlow, NumPy and Python libraries the workers share count once, not once per process.
  This is the figure to hold against the machine's RAM.
- RSS: every resident page of each process, shared or not; the sum counts the shared libraries
  once per process and overstates what the group costs.
- USS (Private_Clean + Private_Dirty): pages only that process maps; the floor.

The baseline is the tutorial-style script (x / 255.0 in NumPy, float64, model.fit) in one process,
sampled the same way; its VmHWM is kept for comparison with the figures of earlier versions.

    python benchmarks/bench_memory.py                  # 5,000 images, 1 epoch, N = 1, 4, 8
    python benchmarks/bench_memory.py --quick          # 2,000 images, N = 1, 2
    python benchmarks/bench_memory.py --counts 1,2 --epochs 2 --workers 1
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

ONE_RUN_GOAL_MB = 1000.0
PER_EXTRA_RUN_GOAL_MB = 80.0
SAMPLE_INTERVAL_S = 0.2
IDLE_SAMPLE_S = 3.0  # how long the idle engine is sampled once every worker is ready
WORKERS_READY_TIMEOUT_S = 900.0  # importing TensorFlow on a loaded 2-core machine can be slow
RUNS_TIMEOUT_S = 3600.0
DEFAULT_TRAIN_SIZE = 5000
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
DISTINCT_EVERY = 5  # distinct pages (about 0.1 s per TensorFlow process) every 5th sample: 1 s


def _spec(train_size: int | None, epochs: int, seed: int):
    from nnlab import LayerSpec, RunSpec

    return RunSpec(
        dataset="fashion_mnist",
        train_size=train_size,
        validation="test",
        hidden_layers=(LayerSpec.dense(128, "relu"),),
        optimizer="adam",
        epochs=epochs,
        batch_size=32,
        seed=seed,
    )


def smaps_rollup_mb(pid: int | str = "self") -> dict[str, float] | None:
    """RSS, PSS and USS of one process in MB, from /proc/PID/smaps_rollup (None once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (OSError, ProcessLookupError):
        return None
    fields: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
            fields[parts[0][:-1]] = int(parts[1]) / 1024
    if "Pss" not in fields:
        return None
    return {
        "rss": fields.get("Rss", 0.0),
        "pss": fields["Pss"],
        "uss": fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0),
    }


def _present_frames(pid: int) -> list:
    """Physical frame numbers of the pages resident in one process (empty when unreadable)."""
    import numpy as np

    frames = []
    present_bit, frame_mask = np.uint64(1 << 63), np.uint64((1 << 55) - 1)
    try:
        with open(f"/proc/{pid}/smaps") as smaps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
            start = end = 0
            for line in smaps:
                first = line.split(maxsplit=1)[0]
                if not first.endswith(":"):  # a mapping's header: "start-end perms ..."
                    low, high = first.split("-")
                    start, end = int(low, 16), int(high, 16)
                elif first == "Rss:" and int(line.split()[1]) > 0:
                    pagemap.seek(start // PAGE_SIZE * 8)
                    entries = np.frombuffer(
                        pagemap.read((end - start) // PAGE_SIZE * 8), dtype=np.uint64
                    )
                    frames.append(entries[(entries & present_bit) != 0] & frame_mask)
    except (OSError, ValueError):
        return []
    return frames


def distinct_resident_mb(pids: list[int]) -> float | None:
    """Memory the processes hold together: distinct physical pages, each counted once.

    Read from /proc/PID/pagemap, which shows frame numbers only to root (CAP_SYS_ADMIN); None
    otherwise. Unlike PSS it does not depend on other processes of the machine.
    """
    import numpy as np

    frames = [chunk for pid in pids for chunk in _present_frames(pid)]
    if not frames:
        return None
    every = np.concatenate(frames)
    if not every.any():
        return None  # frame numbers hidden (not root): all read as 0
    return len(np.unique(every)) * PAGE_SIZE / 2**20


def vm_hwm_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of another process in MB, or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class GroupSampler:
    """Every 0.2 s, the RSS, PSS and USS of this process and of `other_pids()`, summed."""

    def __init__(self, other_pids: Callable[[], list[int]] = list) -> None:
        self._other_pids = other_pids
        self.samples: list[dict[str, float]] = []
        self.distinct: list[float] = []  # distinct resident pages of the group, MB, every 1 s
        self.peak_by_pid: dict[int, dict[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _take(self) -> None:
        total = {"rss": 0.0, "pss": 0.0, "uss": 0.0, "processes": 0.0}
        pids = [os.getpid(), *self._other_pids()]
        if len(self.samples) % DISTINCT_EVERY == 0:
            distinct = distinct_resident_mb(pids)
            if distinct is not None:
                self.distinct.append(distinct)
        for pid in pids:
            figures = smaps_rollup_mb(pid)
            if figures is None:
                continue  # a worker that exited between the listing and the read
            total["processes"] += 1
            peak = self.peak_by_pid.setdefault(pid, dict(figures))
            for key, value in figures.items():
                total[key] += value
                peak[key] = max(peak[key], value)
        self.samples.append(total)

    def _loop(self) -> None:
        self._take()
        while not self._stop.wait(SAMPLE_INTERVAL_S):
            self._take()

    def stop(self) -> dict[str, float]:
        """Stop sampling; the peak of each sum (a final sample included) and the sample count."""
        self._stop.set()
        self._thread.join()
        self._take()
        peaks = {key: max(s[key] for s in self.samples) for key in ("rss", "pss", "uss")}
        peaks["processes"] = max(s["processes"] for s in self.samples)
        peaks["samples"] = len(self.samples)
        peaks["distinct"] = max(self.distinct, default=None)
        return peaks

    def medians(self) -> dict[str, float]:
        """Median of each sum over the samples so far (for a steady state such as idle)."""
        medians = {
            key: benchlib.median([s[key] for s in self.samples]) for key in ("rss", "pss", "uss")
        }
        medians["distinct"] = benchlib.median(self.distinct) if self.distinct else None
        return medians


def _wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)  # polling interval, not a fixed wait


def child_engine(count: int, workers: int, train_size: int | None, epochs: int) -> dict:
    """An Engine with `workers` workers and a temp store; `count` runs from as many labs."""
    home = tempfile.mkdtemp(prefix="nnlab-bench-memory-")
    os.environ["NNLAB_HOME"] = home
    os.environ.pop("NNLAB_DATABASE_URL", None)
    from nnlab.core.labs import new_lab_id
    from nnlab.engine.engine import Engine
    from nnlab.store.store import Store

    store = Store()
    app_alone = smaps_rollup_mb()
    engine = Engine(store, workers=workers, abandon_after_s=RUNS_TIMEOUT_S)
    try:
        started = time.perf_counter()
        engine.warm_up()
        _wait_for(
            lambda: len(engine.worker_start_seconds) >= workers,
            WORKERS_READY_TIMEOUT_S,
            "the workers to import TensorFlow",
        )
        ready_s = time.perf_counter() - started
        idle_sampler = GroupSampler(engine.worker_pids)
        time.sleep(IDLE_SAMPLE_S)  # sampling the idle engine for a fixed span, not waiting on it
        idle_peaks = idle_sampler.stop()
        idle = idle_sampler.medians()
        idle_workers = [smaps_rollup_mb(pid) for pid in engine.worker_pids()]

        labs = [new_lab_id() for _ in range(count)]
        sampler = GroupSampler(engine.worker_pids)
        start = time.perf_counter()
        run_ids = [
            engine.submit(lab, _spec(train_size, epochs, seed), label=f"bench {seed}")
            for seed, lab in enumerate(labs)
        ]

        def all_ended() -> bool:
            for lab in labs:
                engine.touch(lab)  # as a watching student's page would: keeps queued runs
            return all(not engine.live(run_id).is_active for run_id in run_ids)

        _wait_for(all_ended, RUNS_TIMEOUT_S, "the runs to end")
        seconds = time.perf_counter() - start
        peaks = sampler.stop()
        worker_hwm = [vm_hwm_mb(pid) for pid in engine.worker_pids()]
        runs = [engine.live(run_id) for run_id in run_ids]
    finally:
        engine.shutdown()
        store.close()
        shutil.rmtree(home, ignore_errors=True)
    failed = [f"{run.status}: {run.error}" for run in runs if run.status != "finished"]
    if failed:
        raise SystemExit(f"runs did not finish: {failed}")
    return {
        "peak": peaks,
        "idle": idle,
        "idle_peak": idle_peaks,
        "idle_workers": [figures for figures in idle_workers if figures],
        "app_alone": app_alone,
        "worker_peak_by_pid": {
            str(pid): figures for pid, figures in sampler.peak_by_pid.items() if pid != os.getpid()
        },
        "app_peak": sampler.peak_by_pid.get(os.getpid()),
        "worker_vm_hwm_mb": [value for value in worker_hwm if value is not None],
        "workers_ready_s": ready_s,
        "seconds": seconds,
        "val_accuracy": [run.history[-1].val_accuracy for run in runs],
        "train_images": [run.train_images for run in runs],
    }


def child_baseline(train_size: int | None, epochs: int) -> dict:
    """The tutorial way: float64 copies of the images, model.fit on the arrays, one process."""
    sampler = GroupSampler()
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = benchlib.load_fashion_idx()
    if train_size:
        x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_train, x_test = x_train / 255.0, x_test / 255.0
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=32,
        validation_data=(x_test, y_test),
        verbose=0,
    )
    seconds = time.perf_counter() - start
    return {
        "peak": sampler.stop(),
        "vm_hwm_mb": benchlib.peak_rss_mb(),
        "seconds": seconds,
        "val_accuracy": [float(history.history["val_accuracy"][-1])],
    }


def other_tensorflow_processes() -> int:
    """Processes on this machine (outside this benchmark) that have TensorFlow's library mapped.

    They matter for PSS: a library page they map too is divided among them as well, so a busy
    shared machine lowers the PSS of our workers without lowering what they really hold.
    """
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            maps = (entry / "maps").read_text()
        except OSError:
            continue
        if "libtensorflow" in maps or "_pywrap_tensorflow" in maps:
            count += 1
    return count


def _goal(value: float, limit: float, unit: str) -> str:
    verdict = "met" if value <= limit else f"MISSED by {value - limit:.0f}"
    return f"<= {limit:.0f} {unit}: {verdict}"


def main() -> None:
    """Parse arguments; as a child, measure once; as the parent, interleave and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 images, runs 1 and 2")
    parser.add_argument("--counts", default=None, help="runs submitted at once (default 1,4,8)")
    parser.add_argument("--workers", type=int, default=2, help="engine worker processes")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train-size", type=int, default=None, help="0 for all 60,000")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.train_size is None:
        args.train_size = 2000 if args.quick else DEFAULT_TRAIN_SIZE
    train_size = args.train_size or None
    counts_text = args.counts or ("1,2" if args.quick else "1,4,8")

    if args.child:
        if args.child == "baseline":
            benchlib.report_result(child_baseline(train_size, args.epochs))
        else:
            benchlib.report_result(
                child_engine(int(args.child), args.workers, train_size, args.epochs)
            )
        return

    machine = benchlib.machine_record()
    print(benchlib.machine_line(machine))
    other_tf = other_tensorflow_processes()
    print(f"other processes with TensorFlow mapped at the start: {other_tf}", flush=True)
    counts = [int(text) for text in counts_text.split(",")]
    # "solo": one run on a one-worker engine, the smallest the engine can be.
    kinds = ["baseline", *(["solo"] if args.workers > 1 else []), *map(str, counts)]
    results: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for rep in range(args.reps):
        for kind in kinds if rep % 2 == 0 else list(reversed(kinds)):
            child_args = [__file__, "--child", "1" if kind == "solo" else kind]
            child_args += ["--epochs", str(args.epochs), "--train-size", str(args.train_size)]
            child_args += ["--workers", "1" if kind == "solo" else str(args.workers)]
            result = benchlib.run_child(child_args)
            results[kind].append(result)
            peak = result["peak"]
            line = (
                f"{kind:8s} rep {rep + 1}: peak PSS {peak['pss']:.0f} MB, RSS sum "
                f"{peak['rss']:.0f} MB, USS sum {peak['uss']:.0f} MB over "
                f"{peak['processes']:.0f} process(es), {result['seconds']:.1f} s"
            )
            if kind != "baseline":
                idle = result["idle"]
                line += (
                    f"; idle PSS {idle['pss']:.0f} MB (RSS sum {idle['rss']:.0f}), workers "
                    f"ready after {result['workers_ready_s']:.1f} s"
                )
            else:
                line += f"; VmHWM {result['vm_hwm_mb']:.0f} MB"
            print(line, flush=True)

    def med(kind: str, *path: str) -> float:
        values = []
        for result in results[kind]:
            value = result
            for key in path:
                value = value[key]
            values.append(value)
        return benchlib.median(values)

    def figure(kind: str, *path: str) -> str:
        value = med(kind, *path) if all(_has(r, path) for r in results[kind]) else None
        return "n/a" if value is None else f"{value:.0f}"

    def _goals(kind: str, limit: float, unit: str) -> str:
        """The goal judged on PSS and, where measured, on distinct pages."""
        text = "PSS " + _goal(med(kind, "peak", "pss"), limit, unit)
        if all(_has(r, ("peak", "distinct")) for r in results[kind]):
            distinct = _goal(med(kind, "peak", "distinct"), limit, unit).split(": ", 1)[1]
            text += f"; distinct pages {distinct}"
        return text

    first, last = str(counts[0]), str(counts[-1])
    columns = ("pss", "rss", "uss", "distinct")
    rows = [
        [
            "tutorial-style script (float64 / 255.0), one process",
            "1",
            "1",
            figure("baseline", "peak", "pss"),
            f"{figure('baseline', 'peak', 'rss')} (VmHWM {figure('baseline', 'vm_hwm_mb')})",
            figure("baseline", "peak", "uss"),
            figure("baseline", "peak", "distinct"),
            "",
            "",
        ],
        [
            f"engine idle: app process + {args.workers} ready workers (median while idle)",
            "0",
            str(1 + args.workers),
            *(figure(first, "idle", key) for key in columns),
            "",
            "",
        ],
    ]
    if "solo" in results:
        rows.append(
            [
                "engine, 1 worker, 1 run",
                "1",
                f"{med('solo', 'peak', 'processes'):.0f}",
                *(figure("solo", "peak", key) for key in columns),
                "",
                _goals("solo", ONE_RUN_GOAL_MB, "MB"),
            ]
        )
    one = med(first, "peak", "pss")
    for count in counts:
        kind = str(count)
        value = med(kind, "peak", "pss")
        if count == counts[0]:
            per_run = ""
            goal = _goals(kind, ONE_RUN_GOAL_MB, "MB") if count == 1 else ""
        else:
            extra = (value - one) / (count - counts[0])
            per_run = f"{extra:.0f}"
            goal = "PSS " + _goal(extra, PER_EXTRA_RUN_GOAL_MB, "MB per extra run")
            if all(_has(r, ("peak", "distinct")) for r in results[kind] + results[first]):
                distinct_step = med(kind, "peak", "distinct") - med(first, "peak", "distinct")
                distinct_extra = distinct_step / (count - counts[0])
                per_run += f" (distinct pages: {distinct_extra:.0f})"
                verdict = _goal(distinct_extra, PER_EXTRA_RUN_GOAL_MB, "MB").split(": ", 1)[1]
                goal += f"; distinct pages {verdict}"
        rows.append(
            [
                f"engine, {args.workers} workers, {count} run(s) from as many labs",
                str(count),
                f"{med(kind, 'peak', 'processes'):.0f}",
                *(figure(kind, "peak", key) for key in columns),
                per_run,
                goal,
            ]
        )
    table = benchlib.markdown_table(
        [
            "what",
            "runs at once",
            "processes",
            "peak PSS MB (sum)",
            "peak RSS MB (sum)",
            "peak USS MB (sum)",
            "distinct pages MB",
            "PSS MB per extra run",
            "goal",
        ],
        rows,
    )
    print(table)
    sample = results[first][0]
    app_alone = sample["app_alone"]
    idle_workers = sample["idle_workers"]
    worker_rss = benchlib.median([w["rss"] for w in idle_workers])
    worker_pss = benchlib.median([w["pss"] for w in idle_workers])
    worker_uss = benchlib.median([w["uss"] for w in idle_workers])
    idle_rss, idle_pss = med(first, "idle", "rss"), med(first, "idle", "pss")
    timing = ", ".join(f"N={count}: {med(str(count), 'seconds'):.0f} s" for count in counts) + (
        f"; baseline {med('baseline', 'seconds'):.0f} s"
    )
    print(
        f"app process alone {app_alone['pss']:.0f} MB PSS; an idle worker: RSS {worker_rss:.0f}, "
        f"PSS {worker_pss:.0f}, USS {worker_uss:.0f} MB; wall times {timing}"
    )
    if args.no_report:
        return
    size_text = f"{train_size:,} training images" if train_size else "all 60,000 training images"
    command = "python benchmarks/bench_memory.py " + " ".join(sys.argv[1:])
    hwm = ", ".join(f"{value:.0f}" for value in results[last][0]["worker_vm_hwm_mb"])
    body = f"""## Memory

Goals: one run at most {ONE_RUN_GOAL_MB:.0f} MB peak; each further concurrent run at most
{PER_EXTRA_RUN_GOAL_MB:.0f} MB more. Since training moved to worker processes, "memory" is the
app process plus its workers, measured as the sum of their PSS.

{benchlib.machine_line(machine)} Other processes on the machine with TensorFlow mapped at the
start: {other_tf}.

784-128-10 (ReLU, Adam, batch 32) on Fashion-MNIST (the full set from Debian's files, loaded
once per worker; each run trains on {size_text}, a seeded subset (the baseline: the first ones),
validation on the 10,000 test images), {args.epochs} epoch(s). Each row is a fresh process: an
`Engine` with a temporary SQLite store and {args.workers} workers, started with `warm_up()`; N runs
submitted at once, each from its own lab; /proc/PID/smaps_rollup of the app process and every
worker read every {SAMPLE_INTERVAL_S} s and summed at the same instant; the peak of each sum shown
({args.reps} repetition(s), median). "Distinct pages": the physical pages the group holds, each
counted once (from /proc/PID/pagemap, which needs root; sampled every
{SAMPLE_INTERVAL_S * DISTINCT_EVERY:.0f} s). The baseline is the tutorial-style script in one
process, sampled the same way. Command: `{command.strip()}`

{table}

The goal column judges the PSS sum, as the goals are written, and the distinct pages, which do
not depend on what else runs on the machine; where they disagree, trust the distinct pages (see
below). "engine, 1 worker" is the smallest engine (what NNLAB_WORKERS=1 gives), for one student.

Why PSS: the workers are separate Python processes that map the same TensorFlow, NumPy and
Python libraries. RSS counts those shared pages once per process, so the RSS sum overstates what
the group holds: idle, RSS sum {idle_rss:.0f} MB against PSS {idle_pss:.0f} MB
(distinct pages: {figure(first, "idle", "distinct")} MB). One idle worker (TensorFlow imported,
nothing trained): RSS {worker_rss:.0f} MB, PSS {worker_pss:.0f} MB, USS {worker_uss:.0f} MB; the
app process alone (engine and store, no TensorFlow): {app_alone["pss"]:.0f} MB PSS,
{app_alone["rss"]:.0f} MB RSS. PSS also divides a library page with processes outside the
benchmark that map it (other TensorFlow processes on a shared machine), so there it reads lower
than what the group holds, and moves as those processes come and go; the distinct-pages figure
does not, and the USS sum is the floor.

Memory grows with the number of workers, not of runs: with {args.workers} workers at most
{args.workers} runs train at once, later runs wait in the queue (a few kB each in the app
process) and a worker keeps its loaded data set and TensorFlow for its next run. So the cost of
"one more run" is a step, not a slope: the second run makes the second worker load the data set
and train; from then on little grows (the workers' allocators settle, the app keeps each finished
run's record). "PSS MB per extra run" divides that step by the extra runs
as the goal is written. Wall time from submit to the last run's end: {timing} (a loaded machine;
these are not speed figures). Peak VmHWM of the workers after {last} runs: {hwm} MB.
"""
    benchlib.write_section("memory", body)


def _has(result: dict, path: tuple[str, ...]) -> bool:
    """True when result[path[0]][path[1]]... exists and is not None."""
    value = result
    for key in path:
        if not isinstance(value, dict) or value.get(key) is None:
            return False
        value = value[key]
    return True


if __name__ == "__main__":
    main()
