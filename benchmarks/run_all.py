"""Run every benchmark in turn and refresh docs/BENCHMARKS.md (about 1-2 hours on 2 cores).

    python benchmarks/run_all.py                 # everything, full size
    python benchmarks/run_all.py --skip accuracy # everything but the long accuracy table
    python benchmarks/run_all.py --only latency  # one of: cold_start, memory, speed, latency,
                                                 # accuracy, engine, classroom

Run it on a quiet machine: other work on the same cores slows the timed benchmarks (memory and
accuracy figures do not depend on it). bench_predict_latency.py only prints its figures; this
script records its output in the report.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

HERE = Path(__file__).resolve().parent
STEPS = {
    "cold_start": ["bench_cold_start.py"],
    "memory": ["bench_memory.py"],
    "speed": ["bench_training_speed.py"],
    "latency": ["bench_predict_latency.py"],
    "accuracy": ["bench_accuracy.py"],
    "engine": ["bench_engine.py"],
    "classroom": ["bench_classroom.py"],
}


def run_latency() -> None:
    """Run the prediction-latency benchmark and record what it printed."""
    machine = benchlib.machine_record()
    completed = subprocess.run(
        [sys.executable, str(HERE / "bench_predict_latency.py")],
        cwd=benchlib.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    output = completed.stdout.strip()
    print(output)
    if completed.returncode != 0:
        print(completed.stderr[-3000:])
        raise SystemExit("bench_predict_latency.py failed")
    write_latency_section(output, benchlib.machine_line(machine))


def write_latency_section(output: str, machine_line: str) -> None:
    """The latency section: the goal, the machine, and the script's own printout."""
    body = f"""## Prediction latency

Goal: canvas pixels -> probabilities in under 20 ms (median), server side.

{machine_line}

The Draw page holds NumPy networks (`nnlab.inspection.network.Network`) and calls
`nnlab.inspection.drawing.predict_digit(network, rgba)`: the "predict_digit" rows, timed in a
process that never imports TensorFlow, as the app process. The Keras rows time the same two
networks as Keras models in the benchmark's own process (the direct model call was the Draw page's
path before training moved to worker processes), for comparison; they ran right after the NumPy
rows, on the same loaded machine. The MLP is trained by the script (`nnlab.learn.training.train`,
3,000 MNIST images, 1 epoch) and converted with `network_from_keras`.

Command: `python benchmarks/run_all.py --only latency` (runs
`python benchmarks/bench_predict_latency.py` and records its output as printed):

```
{output}
```
"""
    benchlib.write_section("predict_latency", body)


def main() -> None:
    """Run the chosen benchmarks in order."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="comma-separated steps")
    parser.add_argument("--skip", default="", help="comma-separated steps")
    args = parser.parse_args()
    only = [step for step in args.only.split(",") if step]
    skip = set(step for step in args.skip.split(",") if step)
    for step, command in STEPS.items():
        if (only and step not in only) or step in skip:
            continue
        print(f"=== {step} ===", flush=True)
        if step == "latency":
            run_latency()
            continue
        subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]], check=True)


if __name__ == "__main__":
    main()
