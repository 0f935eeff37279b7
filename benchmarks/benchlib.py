"""Shared plumbing for the benchmark scripts: the machine record, child processes, Streamlit
servers and their processes in /proc, the report.

Each benchmark measures in fresh subprocesses (so memory and TensorFlow graph state never leak
from one measurement into the next), prints its figures, and rewrites its own section of
docs/BENCHMARKS.md between `<!-- BEGIN name -->` and `<!-- END name -->` markers.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
REPORT_PATH = REPO_ROOT / "docs" / "BENCHMARKS.md"
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
OUT_DIR = REPO_ROOT / "benchmarks" / ".out"  # server logs, screenshots, raw results
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

    nnlab.learn.training now gathers batches by index (see docs/BENCHMARKS.md, "Why nnlab was
    slower"); the speed labs keep this copy to measure what the generator feed costs. Same
    batches, same order: `epoch_order` of the spec, batch by batch, endless.
    """
    import itertools

    import tensorflow as tf

    from nnlab.core.shapes import IMAGE_SIDE
    from nnlab.learn.training import epoch_order

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


# ---------------------------------------------------------------------------------------------
# A Streamlit server of the app, and its processes in /proc

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The app's script run has finished (Streamlit marks the root element).
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def chromium_executable() -> str | None:
    """Debian's Chromium (for Playwright), or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(
    url: str, process: subprocess.Popen, deadline_s: float = 90, poll_s: float = 0.1
) -> None:
    """Poll `url`/_stcore/health until it answers 200; raise if the process exits or time's up."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(poll_s)
    raise TimeoutError(f"streamlit did not become healthy within {deadline_s} s")


@contextlib.contextmanager
def streamlit_server(
    log_name: str,
    *,
    workers: int | None = None,
    options: Sequence[str] = (),
    health_deadline_s: float = 90,
    health_poll_s: float = 0.1,
    cpus: set[int] | None = None,
) -> Iterator[tuple[str, int, Path]]:
    """`streamlit run app.py` on a free loopback port with a fresh NNLAB_HOME; (url, pid, home).

    Offline, without NNLAB_DATABASE_URL (so the run store is a new SQLite file in the home),
    NNLAB_WORKERS=`workers` if given; `options` are extra Streamlit settings as
    "section.name=value". Output goes to OUT_DIR/`log_name`. Yields once /_stcore/health
    answers; on exit the server is stopped (terminate, then kill) and its home removed.
    `cpus`: the CPUs the server runs on, and its workers with it (they inherit the affinity, and
    the engine sizes its pool from it), as a container of that many cores would.
    """
    extra = [
        part
        for option in options
        for part in ("--" + option.split("=", 1)[0], option.split("=", 1)[1])
    ]
    port = free_port()
    home = tempfile.mkdtemp(prefix="nnlab-bench-home-")
    env = dict(
        os.environ,
        NNLAB_OFFLINE="1",
        NNLAB_HOME=home,
        PYTHONUNBUFFERED="1",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    env.pop("NNLAB_DATABASE_URL", None)
    if workers:
        env["NNLAB_WORKERS"] = str(workers)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with open(OUT_DIR / log_name, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                *extra,
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process, health_deadline_s, health_poll_s)
            yield url, process.pid, Path(home)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            shutil.rmtree(home, ignore_errors=True)


def proc_stat(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name (index 1 is the parent, 11 and 12 utime, stime)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _is_spawned_worker(pid: int) -> bool:
    """True for a process started by multiprocessing's spawn (not its resource tracker)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"spawn_main" in command and b"resource_tracker" not in command


def children_by_parent() -> dict[int, list[int]]:
    """Every process on the machine now, by its parent's pid (from /proc/PID/stat)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = proc_stat(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def descendants(pids: set[int]) -> set[int]:
    """Every process started, directly or not, by one of `pids`."""
    children = children_by_parent()
    found: set[int] = set()
    todo = list(pids)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def worker_pids(server_pid: int) -> list[int]:
    """Descendants of the server started by multiprocessing's spawn (the training workers)."""
    return sorted(pid for pid in descendants({server_pid}) if _is_spawned_worker(pid))


def tensorflow_mapped(pid: int) -> bool:
    """True when TensorFlow's native library is mapped into the process (False once gone)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    return "libtensorflow" in maps or "_pywrap_tensorflow" in maps


def rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) of one process in MB (NaN once it is gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def pss_mb(pid: int) -> float:
    """Proportional set size of one process in MB, from /proc/PID/smaps_rollup (0 once gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return 0.0


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


# ---------------------------------------------------------------------------------------------
# What a page's WebSocket carries: one message sent per script or fragment run it asks for

# Counted inside the page: Playwright's own WebSocket events would carry every frame's payload to
# the benchmark process (tens of kB per refresh for thirty pages), which costs the machine more
# than what is measured.
SOCKET_COUNTER_JS = """(() => {
    const counts = {sent: 0, received: 0, receivedBytes: 0};
    window.__nnlabSocket = counts;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
        counts.sent += 1;
        return send.call(this, data);
    };
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', (event) => {
                counts.received += 1;
                const data = event.data;
                counts.receivedBytes += data.byteLength ?? data.size ?? data.length ?? 0;
            });
        }
    };
})()"""


@dataclass
class Socket:
    """What one page's WebSocket carried: messages sent (rerun requests) and received."""

    sent: int = 0
    received: int = 0
    received_bytes: int = 0

    def __sub__(self, earlier: Socket) -> Socket:
        return Socket(
            max(0, self.sent - earlier.sent),
            max(0, self.received - earlier.received),
            max(0, self.received_bytes - earlier.received_bytes),
        )


async def count_socket_traffic(page) -> None:
    """Count the page's WebSocket messages from its next load on (call before `goto`); a reload
    starts the count again."""
    await page.add_init_script(SOCKET_COUNTER_JS)


async def socket_traffic(pages: list) -> list[Socket]:
    """Each page's WebSocket messages so far (zero for a page that cannot answer)."""

    async def one(page) -> Socket:
        try:
            counts = await page.evaluate("() => window.__nnlabSocket || null")
        except Exception:
            return Socket()
        if not counts:
            return Socket()
        return Socket(counts["sent"], counts["received"], counts["receivedBytes"])

    return list(await asyncio.gather(*(one(page) for page in pages)))
