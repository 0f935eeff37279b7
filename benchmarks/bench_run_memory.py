"""A run's memory: nnlab.core.memory's estimate beside what a worker really grows by.

Each spec trains in a fresh process as a worker does (one TensorFlow thread, the data set
loaded and the model built first); a thread samples the process's resident memory every 5 ms
during `fit_spec`. "grown" is the peak minus the memory just before the fit. The estimate should
be above it (it bounds what Train accepts) and not far above (or it refuses runs that fit).

    python benchmarks/bench_run_memory.py
    python benchmarks/bench_run_memory.py --no-report
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchlib

# (label, spec fields): batches large enough that a run's own memory stands out.
CASES = [
    ("784-100-10, batch 8,000", {"hidden_layers": [{"units": 100}], "batch_size": 8000}),
    ("784-1000-10, batch 2,000", {"hidden_layers": [{"units": 1000}], "batch_size": 2000}),
    (
        "conv 32@3x3 + dense 64, batch 2,000",
        {"hidden_layers": [{"kind": "conv", "filters": 32}, {"units": 64}], "batch_size": 2000},
    ),
    (
        "conv 64@3x3 + dense 16, batch 4,000",
        {"hidden_layers": [{"kind": "conv", "filters": 64}, {"units": 16}], "batch_size": 4000},
    ),
]

CHILD = """
import json, sys, threading, time
from nnlab.engine.worker import limit_threads, resident_mb
limit_threads(1)
from nnlab.core.spec import RunSpec
from nnlab.core.memory import run_memory_mb
from nnlab.data.datasets import load_dataset
from nnlab.learn.model import build_model
from nnlab.learn.training import fit_spec
fields = json.loads(sys.argv[1])
spec = RunSpec.from_dict({"train_size": 8000, "epochs": 1, **fields})
dataset = load_dataset(spec.dataset)
build_model(spec)  # Keras' own first-model costs, paid before the measured fit
before = resident_mb()
peak = [before]
done = threading.Event()
def sample():
    while not done.wait(0.005):
        peak[0] = max(peak[0], resident_mb())
threading.Thread(target=sample, daemon=True).start()
fit_spec(spec, dataset)
done.set()
print(json.dumps({"grown_mb": max(peak[0], resident_mb()) - before,
                  "estimate_mb": run_memory_mb(spec)}))
"""


def measure(fields: dict) -> dict:
    """Train one spec in a fresh process; its growth and the estimate."""
    output = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(fields)],
        capture_output=True,
        text=True,
        check=True,
        cwd=benchlib.REPO_ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=900,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure every case, print the table, update docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-report", action="store_true")
    arguments = parser.parse_args()
    machine = benchlib.machine_record()
    rows = []
    for label, fields in CASES:
        result = measure(fields)
        ratio = result["estimate_mb"] / max(result["grown_mb"], 1.0)
        rows.append(
            [label, f"{result['grown_mb']:.0f}", f"{result['estimate_mb']:.0f}", f"{ratio:.2f}"]
        )
        print(rows[-1], flush=True)
    table = benchlib.markdown_table(["run", "grown MB", "estimate MB", "estimate / grown"], rows)
    body = f"""## A run's memory: estimate and measurement

Goal (issue "Every hand"): the estimate that bounds what Train accepts is above what a run
really takes, and not far above.

{benchlib.machine_line(machine)}
Command: `python benchmarks/bench_run_memory.py`. Each run: 8,000 MNIST images, 1 epoch, in a
fresh process with one TensorFlow thread; "grown" is the resident memory's peak during
`fit_spec` minus just before it (data loaded, a first model built).

{table}
"""
    print(body)
    if not arguments.no_report:
        benchlib.write_section("run_memory", body)


if __name__ == "__main__":
    main()
