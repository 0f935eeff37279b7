"""Peak resident memory: one run, then 4 and 8 runs at once in one process, against a tutorial.

Each measurement is a fresh process that reports its own peak resident set (VmHWM from
/proc/self/status). nnlab: the data set is loaded once and shared, N TrainingRuns of 784-128-10
(different seeds) start together in worker threads (NNLAB_MAX_CONCURRENT_RUNS raised so none
queue). Baseline: the tutorial-style script (x / 255.0 in NumPy, float64, model.fit).

    python benchmarks/bench_memory.py              # 60k Fashion-MNIST, 1 epoch, runs 1, 4, 8
    python benchmarks/bench_memory.py --quick      # 6k images
    python benchmarks/bench_memory.py --counts 1,2 --epochs 2
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

ONE_RUN_GOAL_MB = 1000.0
PER_EXTRA_RUN_GOAL_MB = 80.0


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


class _RssSampler:
    """Samples the current RSS every 50 ms in a thread (VmHWM gives the peak; this the shape)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.samples.append(int(line.split()[1]) / 1024)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def child_nnlab(count: int, train_size: int | None, epochs: int) -> dict:
    """`count` TrainingRuns at once in this process; the peak RSS and the stages before it."""
    import nnlab
    from nnlab.training import TrainingRun

    dataset = nnlab.load_dataset("fashion_mnist")
    after_data = benchlib.peak_rss_mb()
    import keras  # noqa: F401  (counted apart: the fixed cost of TensorFlow)

    after_import = benchlib.peak_rss_mb()
    sampler = _RssSampler()
    start = time.perf_counter()
    runs = [TrainingRun(_spec(train_size, epochs, seed), dataset).start() for seed in range(count)]
    for run in runs:
        run.wait()
    seconds = time.perf_counter() - start
    sampler.stop()
    failed = [run.error for run in runs if run.status != "finished"]
    if failed:
        raise SystemExit(f"runs failed: {failed}")
    return {
        "peak_rss_mb": benchlib.peak_rss_mb(),
        "after_data_mb": after_data,
        "after_tf_import_mb": after_import,
        "seconds": seconds,
        "val_accuracy": [run.history[-1]["val_accuracy"] for run in runs],
        "data_source": dataset.source,
    }


def child_baseline(train_size: int | None, epochs: int) -> dict:
    """The tutorial way: float64 copies of the images, model.fit on the arrays."""
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
    return {
        "peak_rss_mb": benchlib.peak_rss_mb(),
        "seconds": time.perf_counter() - start,
        "val_accuracy": [float(history.history["val_accuracy"][-1])],
    }


def main() -> None:
    """Parse arguments; as a child, measure once; as the parent, interleave and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="6k images")
    parser.add_argument("--counts", default="1,4,8", help="concurrent runs to measure")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train-size", type=int, default=None)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    train_size = args.train_size or (6000 if args.quick else None)

    if args.child:
        if args.child == "baseline":
            benchlib.report_result(child_baseline(train_size, args.epochs))
        else:
            benchlib.report_result(child_nnlab(int(args.child), train_size, args.epochs))
        return

    machine = benchlib.machine_record()
    print(benchlib.machine_line(machine))
    counts = [int(text) for text in args.counts.split(",")]
    kinds = ["baseline", *map(str, counts)]
    results: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for rep in range(args.reps):
        for kind in kinds if rep % 2 == 0 else reversed(kinds):
            child_args = [__file__, "--child", kind, "--epochs", str(args.epochs)]
            if train_size:
                child_args += ["--train-size", str(train_size)]
            env = {"NNLAB_MAX_CONCURRENT_RUNS": str(max(counts) + 1)}
            result = benchlib.run_child(child_args, env=env)
            results[kind].append(result)
            print(
                f"{kind:8s} rep {rep + 1}: peak {result['peak_rss_mb']:.0f} MB, "
                f"{result['seconds']:.1f} s, "
                + (
                    f"after data {result['after_data_mb']:.0f} MB, after TF import "
                    f"{result['after_tf_import_mb']:.0f} MB"
                    if kind != "baseline"
                    else "tutorial style"
                ),
                flush=True,
            )

    def peak(kind: str) -> float:
        return benchlib.median([r["peak_rss_mb"] for r in results[kind]])

    baseline = peak("baseline")
    one = peak(str(counts[0]))
    rows = [["tutorial-style script (float64 / 255.0)", "1", f"{baseline:.0f}", "", ""]]
    for count in counts:
        value = peak(str(count))
        if count == 1:
            per_run, goal = (
                "",
                f"<= {ONE_RUN_GOAL_MB:.0f} MB: "
                + (
                    "met"
                    if value <= ONE_RUN_GOAL_MB
                    else f"MISSED by {value - ONE_RUN_GOAL_MB:.0f}"
                ),
            )
        else:
            extra = (value - one) / (count - counts[0])
            per_run = f"{extra:.0f}"
            goal = f"<= {PER_EXTRA_RUN_GOAL_MB:.0f} MB per extra run: " + (
                "met"
                if extra <= PER_EXTRA_RUN_GOAL_MB
                else f"MISSED by {extra - PER_EXTRA_RUN_GOAL_MB:.0f}"
            )
        rows.append(["nnlab TrainingRun threads", str(count), f"{value:.0f}", per_run, goal])
    table = benchlib.markdown_table(
        ["what", "runs at once", "peak RSS MB (median)", "MB per extra run", "goal"], rows
    )
    fixed = results[str(counts[0])][0]
    print(table)
    if args.no_report:
        return
    size_text = f"{train_size:,} training images" if train_size else "all 60,000 training images"
    command = "python benchmarks/bench_memory.py " + " ".join(sys.argv[1:])
    body = f"""## Memory

Goals: one run at most {ONE_RUN_GOAL_MB:.0f} MB peak; each further concurrent run at most
{PER_EXTRA_RUN_GOAL_MB:.0f} MB more.

{benchlib.machine_line(machine)}

784-128-10 (ReLU, Adam, batch 32) on Fashion-MNIST ({size_text}, validation on the 10,000 test
images), {args.epochs} epoch(s); every measurement a fresh process reporting its own peak RSS
(VmHWM), {args.reps} repetition(s), median shown. Command: `{command.strip()}`

{table}

In the nnlab processes, before any training: {fixed["after_data_mb"]:.0f} MB after loading the
data set (Python, NumPy, nnlab and the uint8 images), {fixed["after_tf_import_mb"]:.0f} MB after
importing TensorFlow/Keras: most of a single run's peak is that fixed cost, paid once per process.
"""
    benchlib.write_section("memory", body)


if __name__ == "__main__":
    main()
