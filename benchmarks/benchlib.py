"""Shared plumbing for the benchmark scripts: the machine record, child processes, the report.

Each benchmark measures in fresh subprocesses (so memory and TensorFlow graph state never leak
from one measurement into the next), prints its figures, and rewrites its own section of
docs/BENCHMARKS.md between `<!-- BEGIN name -->` and `<!-- END name -->` markers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
REPORT_PATH = REPO_ROOT / "docs" / "BENCHMARKS.md"
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
RESULT_PREFIX = "BENCH_RESULT "  # a child prints one line starting with this, then JSON
if str(REPO_ROOT) not in sys.path:  # scripts run as `python benchmarks/x.py` import nnlab
    sys.path.insert(0, str(REPO_ROOT))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return float("nan")


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    for candidate in (name, f"{name}-cpu"):
        try:
            return version(candidate)
        except PackageNotFoundError:
            continue
    return "not installed"


def machine_record() -> dict[str, str]:
    """What the figures were measured on, including how busy the machine was at the start."""
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{_memory_gb():.1f} GB",
        "python": platform.python_version(),
        "tensorflow": _package_version("tensorflow"),
        "keras": _package_version("keras"),
        "streamlit": _package_version("streamlit"),
        "os": f"{platform.system()} {platform.release()}",
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "load_average_at_start": _load_average(),
    }


def machine_line(record: dict[str, str]) -> str:
    """One Markdown line describing the machine."""
    return (
        f"Machine: {record['cpu']}, {record['cores']} cores, {record['memory']} RAM, "
        f"{record['os']}; Python {record['python']}, TensorFlow {record['tensorflow']}, "
        f"Keras {record['keras']}, Streamlit {record['streamlit']}. Run {record['date']}; "
        f"load average at start {record['load_average_at_start']} (1/5/15 min)."
    )


def run_child(args: list[str], *, timeout_s: float = 3600, env: dict | None = None) -> dict:
    """Run `python <args>` in a fresh process and return the JSON it reported."""
    child_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    child_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT), child_env.get("PYTHONPATH", "")])
    )
    if env:
        child_env.update(env)
    completed = subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-25:])
    raise RuntimeError(f"child {args} exited {completed.returncode} without a result:\n{tail}")


def report_result(result: dict[str, Any]) -> None:
    """Called in a child: hand the result to the parent on stdout."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values: list[float]) -> float:
    """Median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def load_fashion_idx() -> tuple:
    """Fashion-MNIST as keras.datasets returns it, read from Debian's IDX files (uint8)."""
    import gzip

    import numpy as np

    def read(name: str, offset: int, shape: tuple) -> np.ndarray:
        with gzip.open(FASHION_DIR / name, "rb") as handle:
            return np.frombuffer(handle.read(), np.uint8, offset=offset).reshape(shape)

    return (
        (
            read("train-images-idx3-ubyte.gz", 16, (-1, 28, 28)),
            read("train-labels-idx1-ubyte.gz", 8, (-1,)),
        ),
        (
            read("t10k-images-idx3-ubyte.gz", 16, (-1, 28, 28)),
            read("t10k-labels-idx1-ubyte.gz", 8, (-1,)),
        ),
    )


def generator_dataset(spec: Any, data: Any) -> Any:
    """nnlab's training feed as first shipped: `tf.data.Dataset.from_generator` over batches.

    nnlab.training now gathers batches by index (see docs/BENCHMARKS.md, "Why nnlab was
    slower"); the speed labs keep this copy to measure what the generator feed costs. Same
    batches, same order: `epoch_order` of the spec, batch by batch, endless.
    """
    import itertools

    import tensorflow as tf

    from nnlab.spec import IMAGE_SIDE
    from nnlab.training import epoch_order

    batch_size = spec.batch_size

    def batches() -> Any:
        for epoch in itertools.count():
            order = epoch_order(spec, data.train_indices, epoch)
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                yield data.x_train[chosen], data.labels[chosen]

    label_spec = (
        tf.TensorSpec((None, data.labels.shape[1]), tf.float32)
        if data.labels.ndim == 2
        else tf.TensorSpec((None,), tf.int32)
    )
    signature = (tf.TensorSpec((None, IMAGE_SIDE, IMAGE_SIDE), tf.uint8), label_spec)
    return tf.data.Dataset.from_generator(batches, output_signature=signature).prefetch(2)


_REPORT_SKELETON = """# NN Lab benchmarks

Figures measured by the scripts in `benchmarks/`; each script rewrites its own section below
with the machine it ran on. They are measurements, not tests: rerun them on purpose (see
"How to rerun" at the end).

"""


def write_section(name: str, body: str) -> None:
    """Replace (or append) the `name` section of docs/BENCHMARKS.md with `body`."""
    REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
    text = REPORT_PATH.read_text() if REPORT_PATH.exists() else _REPORT_SKELETON
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    REPORT_PATH.write_text(text)
    print(f"updated section {name!r} of {REPORT_PATH.relative_to(REPO_ROOT)}")


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A GitHub Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
