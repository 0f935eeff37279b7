"""What one run costs a worker, phase by phase: nnlab's ways beside a tutorial's script.

One process pinned to one CPU (`--cpu`, as a one-core Cloud container), TensorFlow capped at one
thread as the workers are. Three ways of running the class preset (t004_relu100 on 6,000 images,
3 epochs: what bench_classroom.py's students train) alternate, `--runs` times each:

- `warm`: as a worker runs it now: `fit_spec` with the worker's ModelCache (a compiled model of
  the architecture reused, reset to the run's seed), then the .keras file and the NumPy copy;
- `fresh`: the same with a new model per run (`NNLAB_STEP_CACHE=0`: a new trace every run);
- `tutorial`: the tutorial's script: Sequential Dense layers on x / 255.0 (float64), `fit` with
  the preset's validation, then `evaluate` on the test set, all in one process (its traces are
  new for each new model too).

Each run's time is from before the model is built to after its last result, imports excluded;
the first run of each way is reported apart (its traces and the data set's first use). Phases of
a warm run: model (take + reset), epochs (training + validation), diagnostics, test scoring,
.keras file, NumPy copy.

    python benchmarks/bench_run_cost.py                 # 6 runs of each, CPU 0
    python benchmarks/bench_run_cost.py --runs 3 --no-report
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchlib

PRESET_KEY, PRESET_IMAGES, EPOCHS = "t004_relu100", 6000, 3


def pin(cpu: int) -> None:
    """Run this process (and TensorFlow's threads, started later) on one CPU, one thread."""
    os.sched_setaffinity(0, {cpu})
    from nnlab.engine.worker import limit_threads

    limit_threads(1)


def preset_spec() -> Any:
    """The class preset as the classroom benchmark trains it."""
    from nnlab.core.presets import PRESETS

    return PRESETS[PRESET_KEY].spec.replace(train_size=PRESET_IMAGES, epochs=EPOCHS)


def nnlab_run(spec: Any, dataset: Any, models: Any) -> dict[str, float]:
    """One run as a worker does it; seconds per phase and in all."""
    from nnlab.inspection.layers import use_one_blas_thread
    from nnlab.learn import callbacks as callbacks_module
    from nnlab.learn.keras_network import network_from_keras
    from nnlab.learn.model_files import model_file_bytes
    from nnlab.learn.training import fit_spec

    use_one_blas_thread()
    probes: list[Any] = []
    original = callbacks_module.DiagnosticsCallback

    def keep(*args: Any, **kwargs: Any) -> Any:
        probe = original(*args, **kwargs)
        probes.append(probe)
        return probe

    callbacks_module.DiagnosticsCallback = keep  # type: ignore[misc]
    marks: dict[str, float] = {}
    started = time.perf_counter()
    try:
        fit = fit_spec(spec, dataset, models=models, on_start=lambda *_: marks.setdefault(
            "started", time.perf_counter()))  # fmt: skip
    finally:
        callbacks_module.DiagnosticsCallback = original  # type: ignore[misc]
    fitted = time.perf_counter()
    model_file_bytes(fit.model, spec, spec.dataset, "bench")
    saved = time.perf_counter()
    network_from_keras(fit.model, reference_images=dataset.x_test[:100], dataset_name=spec.dataset)
    copied = time.perf_counter()
    if models is not None:
        models.give_back(spec, fit.model)
    epochs = sum(row.seconds for row in fit.history)
    diagnostics = sum(probes[0].seconds) if probes else 0.0
    return {
        "total": copied - started,
        "before_first_batch": marks.get("started", fitted) - started,
        "epochs": epochs - diagnostics,
        "diagnostics": diagnostics,
        "after_epochs": fitted - marks.get("started", fitted) - epochs,
        "keras_file": saved - fitted,
        "numpy_copy": copied - saved,
        "accuracy": fit.test_accuracy or float("nan"),
    }


def tutorial_run(spec: Any, dataset: Any) -> dict[str, float]:
    """The tutorial's way: a hand-written Sequential model on float64 / 255.0 arrays."""
    import keras
    import numpy as np
    from keras import layers

    started = time.perf_counter()
    x_train, y_train = dataset.x_train[:PRESET_IMAGES] / 255.0, dataset.y_train[:PRESET_IMAGES]
    x_test, y_test = dataset.x_test / 255.0, dataset.y_test
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten()])
    for layer in spec.hidden_layers:
        model.add(layers.Dense(layer.units, activation=layer.activation))
    model.add(layers.Dense(10, activation=spec.output_activation))
    model.compile(optimizer=keras.optimizers.RMSprop(spec.learning_rate), loss=spec.loss,
                  metrics=["accuracy"])  # fmt: skip
    validation: dict[str, Any] = {"validation_data": (x_test, y_test)}
    if spec.validation == "split":
        validation = {"validation_split": spec.validation_split}
    model.fit(x_train, np.asarray(y_train), epochs=spec.epochs, batch_size=spec.batch_size,
              verbose=0, **validation)  # fmt: skip
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return {"total": time.perf_counter() - started, "accuracy": float(accuracy)}


WAYS = ("warm", "fresh", "tutorial")


def measure(runs: int, cpu: int, ways: tuple[str, ...] = WAYS) -> dict[str, list[dict[str, float]]]:
    """Every way in `ways` `runs` times, interleaved, in this process."""
    pin(cpu)
    import keras  # noqa: F401  (imported before the clock starts, as a worker has it)

    from nnlab.data.datasets import load_dataset
    from nnlab.learn.model import ModelCache

    spec = preset_spec()
    dataset = load_dataset(spec.dataset)
    cache = ModelCache(4)
    results: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
    run_way = {
        "warm": lambda run_spec: nnlab_run(run_spec, dataset, cache),
        "fresh": lambda run_spec: nnlab_run(run_spec, dataset, None),
        "tutorial": lambda run_spec: tutorial_run(run_spec, dataset),
    }
    for number in range(runs):
        run_spec = spec.replace(seed=spec.seed + number)  # each student's own seed
        for way in ways:
            results[way].append(run_way[way](run_spec))
        print(
            f"run {number + 1}: "
            + ", ".join(f"{way} {rows[-1]['total']:.3f} s" for way, rows in results.items()),
            flush=True,
        )
    return results


def report(results: dict[str, list[dict[str, float]]], cpu: int, machine: dict) -> str:
    """The Markdown section: totals side by side, and a warm run's phases."""
    later = {way: [row["total"] for row in rows[1:]] for way, rows in results.items()}
    tutorial = statistics.median(later["tutorial"])
    rows = []
    for way, runs in results.items():
        median = statistics.median(later[way])
        rows.append([
            way, f"{runs[0]['total']:.3f}", f"{median:.3f}", f"{min(later[way]):.3f}",
            f"{median / tutorial:.2f}", f"{statistics.median(r['accuracy'] for r in runs):.4f}",
        ])  # fmt: skip
    phases = ["before_first_batch", "epochs", "diagnostics", "after_epochs", "keras_file",
              "numpy_copy"]  # fmt: skip
    phase_rows = []
    for phase in phases:
        warm = statistics.median(row[phase] for row in results["warm"][1:])
        fresh = statistics.median(row[phase] for row in results["fresh"][1:])
        phase_rows.append([phase, f"{warm * 1000:.0f}", f"{fresh * 1000:.0f}"])
    runs = len(results["warm"])
    return f"""## Cost of one run (worker time)

Goal (issue "Cheap runs"): a run costs close to its arithmetic; the class's runs <= 0.3 x the
tutorial-style script's.

{benchlib.machine_line(machine)}
Command: `python benchmarks/bench_run_cost.py --runs {runs} --cpu {cpu}` (one process pinned to CPU
{cpu}, TensorFlow on one thread as in a worker). The class preset: {PRESET_KEY}, {PRESET_IMAGES:,}
images, {EPOCHS} epochs; each run its own seed. "later" = runs 2-{runs}.

{
        benchlib.markdown_table(
            [
                "way",
                "first run s",
                "later median s",
                "later best s",
                "ratio to tutorial (median)",
                "test accuracy",
            ],
            rows,
        )
    }

Phases, median of later runs, ms (warm = the worker's way; fresh = a new model every run):

{benchlib.markdown_table(["phase", "warm", "fresh"], phase_rows)}

before_first_batch: data subset, the model (taken from the cache and reset, or built and
compiled), the batch stream; epochs: training and validation, without diagnostics;
after_epochs: the test figures (taken from the last validation when it scored the final weights
on the test set; scored again otherwise) and Keras' own end of fit; keras_file: the .keras bytes
the store keeps; numpy_copy: the NumPy network the app's pages use, with its reference outputs.
"""


def main() -> None:
    """Measure, print, and (unless --no-report) update docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument(
        "--ways", default=",".join(WAYS), help=f"comma-separated, of {', '.join(WAYS)}"
    )
    parser.add_argument(
        "--json", action="store_true", help="print only the later runs' median seconds per way"
    )
    arguments = parser.parse_args()
    ways = tuple(way for way in arguments.ways.split(",") if way)
    if not ways or set(ways) - set(WAYS):
        parser.error(f"--ways takes {', '.join(WAYS)}")
    if set(ways) != set(WAYS) and not arguments.json:
        parser.error("the report compares all three ways: a subset of --ways needs --json")
    results = measure(max(arguments.runs, 2), arguments.cpu, ways)
    if arguments.json:  # for bench_classroom.py, which runs the tutorial on the server's CPU
        medians = {
            way: statistics.median(r["total"] for r in rows[1:]) for way, rows in results.items()
        }
        print(json.dumps(medians))
        return
    machine = benchlib.machine_record()
    body = report(results, arguments.cpu, machine)
    print(body)
    if not arguments.no_report:
        benchlib.write_section("run_cost", body)


if __name__ == "__main__":
    main()
