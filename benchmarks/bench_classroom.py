"""A class on one server: N students in one headless Chromium press Train within 2 s.

For each class size N a fresh `streamlit run app.py` starts (own empty NNLAB_HOME, loopback
only). Then:

1. Solo: a warm-up run first (the first worker's TensorFlow start), then one student opens the
   preset link and trains alone; click -> "Finished" is the solo time. After it, the idle
   memory with TensorFlow loaded in the workers is recorded: PSS of the server plus its worker
   processes (/proc/PID/smaps_rollup; PSS because TensorFlow's shared
   libraries count once in a container's memory, unlike summed RSS).
2. Class: N browser contexts (one lab each) open the link; all press Train within 2 s. A sampler
   thread records, every 0.5 s, CPU time of the server process and of its worker children
   (/proc/PID/stat, the largest value seen per process, so replaced workers still count) and PSS;
   a child process times `/_stcore/health` (5 s timeout; apart, so this process's own load does
   not count as the server's latency). About 5 s after the clicks a late
   student opens the home page and then Build & Train.
3. Each student's time to the first epoch and to "Finished"; the time until every run finished
   against N x solo / workers.
4. Everyone leaves (contexts closed); `--after-s` seconds later PSS is measured again.

CPUs as Cloud runs it: the server and its workers on `--server-cpus` (default CPU 0: a one-core
container; the workers inherit the affinity and the engine sizes its pool from it), this
benchmark, its Playwright drivers and the browsers on the others (on a real class they are the
students' laptops). The class's time is also set against N x the tutorial-style script
(`bench_run_cost.py --ways tutorial`) run on the server's CPU in the same run, and against the
class time a member's Build & Train showed before Train. `--no-pin` shares every CPU instead
(the class's browser then runs at the lowest priority, lifted only for the clicks).

    python benchmarks/bench_classroom.py                    # N = 10 and 30, ~15 min
    python benchmarks/bench_classroom.py --students 3 --after-s 20 --no-report   # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

PRESET_KEY, PRESET_IMAGES, EPOCHS = "t004_relu100", 6000, 3
PRESET_LINK = f"/build_and_train?preset={PRESET_KEY}&n={PRESET_IMAGES}&ep={EPOCHS}&lang=en"
OPEN_AT_ONCE = 5
STUDENT_BROWSER_NICE = 19  # the class's browsers stand for the students' own machines
LOG_DIR = benchlib.OUT_DIR
CLOCK_TICK_S = 1 / os.sysconf("SC_CLK_TCK")
# A cgroup (v1 cpu controller) for the class's browsers, where the machine allows one: an "idle"
# group runs only on CPU nobody else wants, which is what thirty laptops cost the server.
BROWSER_CGROUP = Path("/sys/fs/cgroup/cpu/nnlab_bench_class_browsers")


def machine_busy_s() -> float:
    """CPU seconds the whole machine spent busy since boot, all cores (from /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) * CLOCK_TICK_S


RATIO_GOAL = 1.3  # all runs finished within 1.3 x (N x solo / workers), at N = 30
STORED_GOAL_S = 20.0  # N = 30: every run stored this long after the first click arrived
TUTORIAL_RATIO_GOAL = 0.3  # the class's time against N x the tutorial-style script
SOLO_GOAL_S = 1.5  # one student alone, warm worker: Train -> "Finished" shown
ESTIMATE_GOAL = 0.25  # the class time shown before Train, off the measured one by at most this
TUTORIAL_RUNS = 4  # the tutorial-style script's runs in one process; the first is not counted
# The class's time on a member's Build & Train, e.g. "For 30 students: about 20 s with 1 worker."
CLASS_ESTIMATE = re.compile(r"For \d+ students: about (?P<n>\d+) (?P<unit>s|min) with")
LATE_PAGE_GOAL_S = 5.0
HEALTH_GOAL_S = 1.0
PEAK_GOAL_MB = 2.2 * 1024
AFTER_GOAL_EXTRA_MB = 150.0
SERVER_CPU_PER_REFRESH_GOAL_MS = 10.0

# Reads the live panel: "finished", "failed: ..." or "epoch" once the first epoch is shown.
LIVE_STATE_JS = """(wantEpoch) => {
    const status = document.querySelector('.st-key-b_live_status');
    const text = status ? status.innerText : '';
    if (text.includes('Finished')) return 'finished';
    if (/failed|Stopped/.test(text)) return 'failed: ' + text.slice(0, 200);
    if (!wantEpoch) return false;
    const metric = document.querySelector('.st-key-b_live_metrics [data-testid="stMetric"]');
    const match = metric ? metric.innerText.match(/(\\d+)\\s*\\/\\s*(\\d+)/) : null;
    return match && Number(match[1]) >= 1 ? 'epoch' : false;
}"""


# ---------------------------------------------------------------------------------------------
# The server and its processes


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of one process in clock ticks, or None once it is gone."""
    fields = benchlib.proc_stat(pid)
    return int(fields[11]) + int(fields[12]) if fields else None


def store_statuses(home: Path) -> dict[str, int]:
    """Runs by status in the server's SQLite store: what happened, whatever the pages showed."""
    import sqlite3

    try:
        uri = f"file:{home / 'nnlab.sqlite3'}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as connection:
            rows = connection.execute("SELECT status, COUNT(*) FROM runs GROUP BY status")
            return {status: count for status, count in rows}
    except sqlite3.Error as error:
        return {"unreadable": 0, str(error)[:60]: 0}


def _store_rows(home: Path, query: str) -> list[tuple]:
    """Rows of a query on the server's SQLite store, opened read-only; [] when unreadable."""
    import sqlite3

    try:
        uri = f"file:{home / 'nnlab.sqlite3'}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as connection:
            return list(connection.execute(query))
    except sqlite3.Error:
        return []


def store_times(home: Path) -> list[tuple[float, float]]:
    """(submitted, ended) unix times of every ended run in the server's store, oldest first."""
    query = "SELECT created_at, ended_at FROM runs WHERE ended_at IS NOT NULL ORDER BY created_at"
    return [(float(created), float(ended)) for created, ended in _store_rows(home, query)]


def store_spans(home: Path) -> list[tuple[float, float, float]]:
    """(submitted, started, ended) unix times of every ended run, oldest first (the worker's
    clock gives started and ended)."""
    query = (
        "SELECT created_at, started_at, ended_at FROM runs "
        "WHERE started_at IS NOT NULL AND ended_at IS NOT NULL ORDER BY created_at"
    )
    return [(float(c), float(s), float(e)) for c, s, e in _store_rows(home, query)]


def idle_slots_s(spans: list[tuple[float, float, float]], workers: int) -> float:
    """Worker-seconds no run trained while runs were waiting: from the first submit to the last
    start, `workers` slots minus the runs training (dispatch, a worker's start, its setup)."""
    if not spans:
        return float("nan")
    begin, end = min(c for c, _, _ in spans), max(s for _, s, _ in spans)
    edges = sorted({begin, end, *(t for _, s, e in spans for t in (s, e) if begin <= t <= end)})
    idle = 0.0
    for left, right in itertools.pairwise(edges):
        middle = (left + right) / 2
        running = sum(1 for _, s, e in spans if s <= middle < e)
        idle += max(0, workers - running) * (right - left)
    return idle


def memory_snapshot(server_pid: int) -> dict:
    """PSS of the server plus workers, and how many workers have TensorFlow loaded."""
    workers = benchlib.worker_pids(server_pid)
    server = benchlib.pss_mb(server_pid)
    worker_mb = [benchlib.pss_mb(pid) for pid in workers]
    return {
        "server_mb": server,
        "workers_mb": sum(worker_mb),
        "total_mb": server + sum(worker_mb),
        "workers": len(workers),
        "workers_with_tf": sum(benchlib.tensorflow_mapped(pid) for pid in workers),
    }


class Sampler:
    """Background threads: CPU and PSS every 0.5 s, and the health endpoint's latency."""

    def __init__(self, server_pid: int, url: str, interval_s: float = 0.5) -> None:
        self.server_pid = server_pid
        self.url = url
        self.interval_s = interval_s
        self.ticks: dict[int, int] = {}  # pid -> largest utime+stime seen
        self.roles: dict[int, str] = {server_pid: "server"}
        self.peak: dict = {"total_mb": 0.0}
        self.max_workers = 0
        self.health_s: list[float] = []
        self.health_failures = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._sample_loop, daemon=True),
            threading.Thread(target=self._health_loop, daemon=True),
        ]

    def start(self) -> None:
        """Start sampling."""
        self.sample_once()
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        """Stop sampling (bounded wait: a health request times out after 5 s)."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=10)

    def sample_once(self) -> None:
        """One CPU and memory sample."""
        workers = benchlib.worker_pids(self.server_pid)
        with self.lock:
            for pid in [self.server_pid, *workers]:
                self.roles.setdefault(pid, "worker")
                ticks = cpu_ticks(pid)
                if ticks is not None:
                    self.ticks[pid] = max(ticks, self.ticks.get(pid, 0))
            self.max_workers = max(self.max_workers, len(workers))
        server = benchlib.pss_mb(self.server_pid)
        worker_mb = sum(benchlib.pss_mb(pid) for pid in workers)
        with self.lock:
            if server + worker_mb > self.peak["total_mb"]:
                self.peak = {
                    "total_mb": server + worker_mb,
                    "server_mb": server,
                    "workers_mb": worker_mb,
                    "workers": len(workers),
                }

    def cpu_seconds(self) -> dict[int, float]:
        """CPU seconds so far per process (for differences between two moments)."""
        with self.lock:
            return {pid: ticks * CLOCK_TICK_S for pid, ticks in self.ticks.items()}

    def cpu_between(self, before: dict, after: dict) -> dict[str, float]:
        """Server and worker CPU seconds spent between two cpu_seconds() readings."""
        spent = {"server": 0.0, "worker": 0.0}
        for pid, seconds in after.items():
            spent[self.roles.get(pid, "worker")] += seconds - before.get(pid, 0.0)
        return spent

    def _sample_loop(self) -> None:
        while not self.stopping.wait(self.interval_s):
            self.sample_once()

    def _health_loop(self) -> None:
        # The probe runs in a child process: timed here, the benchmark's own GIL (thirty pages'
        # events, the samples) would count as the server's latency.
        probe = subprocess.Popen(
            [sys.executable, "-c", HEALTH_PROBE, self.url, str(self.interval_s)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            self.stopping.wait()
        finally:
            probe.terminate()
            output, _ = probe.communicate(timeout=30)
        for line in output.splitlines():
            with contextlib.suppress(ValueError):
                elapsed = float(line)
                with self.lock:
                    if elapsed >= 0:
                        self.health_s.append(elapsed)
                    else:
                        self.health_failures += 1


# Times /_stcore/health every interval; prints seconds per request, -1 for a failed one.
HEALTH_PROBE = """
import signal, sys, time, urllib.request
url, interval = sys.argv[1], float(sys.argv[2])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as reply:
            reply.read()
            ok = reply.status == 200
    except OSError:
        ok = False
    elapsed = time.perf_counter() - started
    print(elapsed if ok else -1, flush=True)
    time.sleep(max(0.0, interval - elapsed))
"""


# ---------------------------------------------------------------------------------------------
# Students


@dataclass
class Student:
    """One student's session and timings (seconds from their own click)."""

    index: int
    context: object = None
    page: object = None
    clicked_at: float = float("nan")
    first_epoch_s: float = float("nan")
    finished_s: float = float("nan")
    outcome: str = "not started"
    notes: list[str] = field(default_factory=list)
    loads: int = 0  # page loads after the click (none expected: the watchdog only nudges)


def child_pids(parent: int) -> set[int]:
    """Process ids whose parent is `parent` (the Playwright drivers this process started)."""
    return set(benchlib.children_by_parent().get(parent, []))


def group_cpu_s(pids: set[int]) -> float:
    """CPU seconds (utime + stime) of the processes still alive among `pids`."""
    return sum((cpu_ticks(pid) or 0) for pid in pids) * CLOCK_TICK_S


def cpu_by_group(groups: dict[str, set[int]]) -> dict[str, float]:
    """CPU seconds so far of each named group of processes (the class's browsers: its cgroup)."""
    found = {name: group_cpu_s(pids) for name, pids in groups.items()}
    with contextlib.suppress(OSError, ValueError):
        procs = (BROWSER_CGROUP / "cgroup.procs").read_text().split()
        found["class browsers"] = group_cpu_s({int(pid) for pid in procs})
    return found


def _chromium_pids() -> set[int]:
    """Process ids of every Chromium process on this machine now."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name.startswith("chrom"):
                pids.add(int(entry.name))
    return pids


async def open_preset(
    browser, url: str, deadline_s: float, count_traffic: bool = False
) -> tuple[object, object, int]:
    """A new context (own lab) on the preset link, idle with its Train button enabled.

    A page that shows no Train button by its deadline is reloaded once, as a student would
    press F5; returns (context, page, reloads). `count_traffic`: the page counts its socket
    messages (`benchlib.socket_traffic`).
    """
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = await context.new_page()
    if count_traffic:
        await benchlib.count_socket_traffic(page)
    train = page.get_by_role("button", name="Train", exact=True)
    for attempt in range(2):
        try:
            await page.goto(url + PRESET_LINK, timeout=deadline_s * 1000)
            await expect(page.locator(benchlib.IDLE)).to_be_attached(timeout=deadline_s * 1000)
            await expect(train).to_be_enabled(timeout=deadline_s * 1000)
            return context, page, attempt
        except AssertionError:
            if attempt == 1:
                await context.close()
                raise
    raise AssertionError("unreachable")


async def follow_run(student: Student, deadline_s: float) -> None:
    """Wait for the student's first epoch, then for the end of the run (bounded)."""
    page = student.page
    try:
        state = await (
            await page.wait_for_function(
                LIVE_STATE_JS, arg=True, polling=200, timeout=deadline_s * 1000
            )
        ).json_value()
        student.first_epoch_s = time.perf_counter() - student.clicked_at
        if state == "epoch":
            remaining = deadline_s - student.first_epoch_s
            state = await (
                await page.wait_for_function(
                    LIVE_STATE_JS, arg=False, polling=200, timeout=max(1, remaining) * 1000
                )
            ).json_value()
        if state == "finished":
            student.finished_s = time.perf_counter() - student.clicked_at
            student.outcome = "finished"
        else:
            student.outcome = "failed"
            student.notes.append(state)
    except Exception as error:  # a timeout or a crashed page: recorded, not fatal
        student.outcome = "timed out"
        student.notes.append(type(error).__name__)
        with contextlib.suppress(Exception):  # what the page shows, for the report
            status = page.locator(".st-key-b_live_status")
            student.notes.append(repr((await status.inner_text(timeout=5_000))[:120]))
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(LOG_DIR / f"stuck-student-{student.index}.png"))


async def press_train(student: Student) -> None:
    """Click Train; the clock starts as the click is issued."""
    student.clicked_at = time.perf_counter()
    student.page.on("load", lambda _: setattr(student, "loads", student.loads + 1))
    # A long timeout: the click lands at once, but Playwright then waits for the page's reaction,
    # and the class's browser runs at the lowest priority while the workers train.
    await student.page.get_by_role("button", name="Train", exact=True).click(timeout=180_000)


async def late_student(browser, url: str, delay_s: float, deadline_s: float) -> dict:
    """A student arriving during training: home page usable, then Build & Train ready."""
    from playwright.async_api import expect

    await asyncio.sleep(delay_s)
    result = {"home_s": float("nan"), "build_s": float("nan"), "error": ""}
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    try:
        page = await context.new_page()
        started = time.perf_counter()
        await page.goto(url + "/?lang=en", timeout=deadline_s * 1000)
        await expect(page.get_by_role("heading", name="NN Lab")).to_be_visible(
            timeout=deadline_s * 1000
        )
        await expect(page.locator(benchlib.IDLE)).to_be_attached(timeout=deadline_s * 1000)
        result["home_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await (
            page.get_by_test_id("stSidebarNav")
            .get_by_text("Build & Train")
            .click(timeout=deadline_s * 1000)
        )
        await expect(page.get_by_role("heading", name="Build & Train")).to_be_visible(
            timeout=deadline_s * 1000
        )
        await expect(page.locator(benchlib.IDLE)).to_be_attached(timeout=deadline_s * 1000)
        result["build_s"] = time.perf_counter() - started
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
    finally:
        await context.close()
    return result


# ---------------------------------------------------------------------------------------------
# One class size


def refresh_interval_s(watchers: int) -> float:
    """The live panel's refresh interval the engine targets."""
    from nnlab.core.runs import refresh_interval

    return refresh_interval(watchers)


def refreshes(spans: list[tuple[float, float]]) -> float:
    """Live-panel refreshes: the integral over time of watchers / interval(watchers), given
    each student's (start, end) of watching in seconds (their click to their run's end, or to
    the end of the class for a run that never finished)."""
    if not spans:
        return float("nan")
    start, end = min(a for a, _ in spans), max(b for _, b in spans)
    step, total, moment = 0.05, 0.0, start
    while moment < end:
        watching = sum(1 for a, b in spans if a <= moment < b)
        if watching:
            total += watching / refresh_interval_s(watching) * step
        moment += step
    return total


def add_refresh_cost(result: dict) -> None:
    """Server CPU per script run the pages asked for, counted on their sockets (older result
    files: per refresh the page would ask for, from the watching spans)."""
    if result.get("script_runs"):
        result["refreshes"] = result["script_runs"]
    else:
        spans = result.get("watch_spans") or [
            (0.0, s["finished_s"] if s["outcome"] == "finished" else result["class_wall_s"])
            for s in result["per_student"]
        ]
        result["refreshes"] = refreshes(spans)
    result["server_ms_per_refresh"] = 1000 * result["server_cpu_s"] / result["refreshes"]


async def steady_window(
    sampler: Sampler, students: list[Student], late_delay_s: float, quiet_after_click_s: float = 2.0
) -> dict:
    """Server CPU while every student only watches: after the clicks, before any run ends and
    before the late student arrives (no page loads, no full-page reruns, only live refreshes)."""
    await asyncio.sleep(quiet_after_click_s)
    before, started = sampler.cpu_seconds(), time.perf_counter()
    traffic_before = await benchlib.socket_traffic([s.page for s in students])
    end_by = started + max(0.0, late_delay_s - quiet_after_click_s - 0.5)
    while time.perf_counter() < end_by and all(s.outcome == "not started" for s in students):
        await asyncio.sleep(0.1)
    after, seconds = sampler.cpu_seconds(), time.perf_counter() - started
    server_cpu_s = sampler.cpu_between(before, after)["server"]
    # Counted on the pages' sockets: a browser short of CPU asks less often than the page says.
    traffic = await benchlib.socket_traffic([s.page for s in students])
    refreshes = sum((now - then).sent for now, then in zip(traffic, traffic_before, strict=True))
    asked = len(students) * seconds / refresh_interval_s(len(students))
    return {
        "seconds": seconds,
        "server_cpu_s": server_cpu_s,
        "refreshes": refreshes,
        "refreshes_asked": asked,
        "server_ms_per_refresh": 1000 * server_cpu_s / refreshes if refreshes else float("nan"),
    }


def class_of_students(home: Path, pages: list) -> tuple[object, str, str]:
    """A class in the server's store with every student's lab as a member (as joining does).

    Returns (ClassStore, class id, teacher key). The labs come from the pages' addresses
    (`lab=`, which the app keeps on every page)."""
    from urllib.parse import parse_qs, urlparse

    from nnlab.classroom.service import ClassStore
    from nnlab.core.presets import PRESETS
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    classes = ClassStore(Store(sqlite_url(home / "nnlab.sqlite3")))
    # The class starts from the link's own settings, so joining changes nothing the students train.
    spec = PRESETS[PRESET_KEY].spec.replace(train_size=PRESET_IMAGES, epochs=EPOCHS)
    info, teacher_key = classes.create_class(
        "Benchmark class", spec, preset_key=PRESET_KEY, capacity=100
    )
    for number, page in enumerate(pages, start=1):
        lab = parse_qs(urlparse(page.url).query).get("lab", [None])[0]
        if lab:
            classes.join(info.join_code, lab, f"Student {number}")
    return classes, info.class_id, teacher_key


def board_refresh_ms(classes, class_id: str) -> float:
    """CPU milliseconds of what one board refresh asks of the store and nnlab (uncached)."""
    from nnlab.classroom.leaderboard import leaderboard_entries

    started = time.thread_time()
    board = classes.board(class_id, max_age_s=0.0)
    leaderboard_entries(board.runs, board.info.challenge_key)
    return 1000 * (time.thread_time() - started)


async def reopen(page, gate: asyncio.Semaphore, deadline_s: float = 90) -> None:
    """Reload a student's page (now a class member's) until Train is enabled again."""
    from playwright.async_api import expect

    async with gate:
        await page.reload(timeout=deadline_s * 1000)
        await expect(page.locator(benchlib.IDLE)).to_be_attached(timeout=deadline_s * 1000)
        train = page.get_by_role("button", name="Train", exact=True)
        await expect(train).to_be_enabled(timeout=deadline_s * 1000)


async def open_board(browser, url: str, teacher_key: str):
    """The teacher's board on a projector (1920x1080), opened before the class presses Train."""
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    page = await context.new_page()
    await page.goto(f"{url}/class_board?class_key={teacher_key}", timeout=90_000)
    await expect(page.locator(benchlib.IDLE)).to_be_attached(timeout=90_000)
    return context


async def watch_board(context, classes, class_id: str, done) -> list[float]:
    """While the board stays open: every 3 s, what one refresh costs (see board_refresh_ms)."""
    costs: list[float] = []
    try:
        while not done.is_set():
            costs.append(await asyncio.to_thread(board_refresh_ms, classes, class_id))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=3.0)  # the board's own interval
    finally:
        await context.close()
    return costs


async def settle(server_pid: int, quiet_s: float = 3.0, deadline_s: float = 30.0) -> None:
    """Wait until the server and workers used < 10 % of a core for `quiet_s` (bounded)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        pids = [server_pid, *benchlib.worker_pids(server_pid)]
        before = sum(cpu_ticks(pid) or 0 for pid in pids)
        await asyncio.sleep(quiet_s)
        after = sum(cpu_ticks(pid) or 0 for pid in pids)
        if (after - before) * CLOCK_TICK_S < 0.1 * quiet_s:
            return


def tutorial_seconds(args: argparse.Namespace) -> float:
    """The class preset the tutorial's way (bench_run_cost.py), on the server's first CPU: the
    median of its later runs, in a process of its own while the server idles."""
    cpu = min(args.server_cpus) if args.server_cpus else 0
    command = [sys.executable, str(Path(__file__).with_name("bench_run_cost.py")), "--json"]
    command += ["--ways", "tutorial", "--runs", str(TUTORIAL_RUNS), "--cpu", str(cpu)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    return float(json.loads(output.stdout.strip().splitlines()[-1])["tutorial"])


async def shown_class_seconds(page) -> float:
    """The class's time a class member's Build & Train shows before Train ("For 30 students:
    about 20 s with 1 worker."), in seconds; NaN when the page shows none."""
    # Playwright takes the pattern to JavaScript, which spells named groups differently.
    caption = page.get_by_text(re.compile(CLASS_ESTIMATE.pattern.split(" (?P")[0])).first
    try:
        text = await caption.inner_text(timeout=10_000)
    except Exception:
        return float("nan")
    found = CLASS_ESTIMATE.search(text)
    if found is None:
        return float("nan")
    return float(found["n"]) * (60 if found["unit"] == "min" else 1)


async def one_class(
    browser, late_browser, students_n: int, args: argparse.Namespace, groups: dict[str, set[int]]
) -> dict:
    """Solo run, idle memory, the class, the late student, everyone leaving; the figures."""
    result: dict = {
        "students": students_n,
        "load_before": benchlib._load_average(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    server = benchlib.streamlit_server(
        f"classroom-server-{students_n}.log",
        workers=args.workers,
        options=args.server_option,
        cpus=args.server_cpus,
    )
    with server as (url, pid, home):
        # 1. A warm-up run (the first worker's TensorFlow start may still be under way, and the
        # first run in a process traces more), then the solo run: one run on a warm server.
        for role in ("warm-up", "solo"):
            context, page, _reloads = await open_preset(browser, url, deadline_s=120)
            solo = Student(index=-1, context=context, page=page)
            await press_train(solo)
            await follow_run(solo, deadline_s=args.solo_deadline_s)
            await context.close()
            if solo.outcome != "finished":
                raise RuntimeError(f"the {role} run did not finish: {solo.outcome} {solo.notes}")
        result["solo_s"] = solo.finished_s
        result["solo_first_epoch_s"] = solo.first_epoch_s
        await settle(pid)
        result["tutorial_s"] = await asyncio.to_thread(tutorial_seconds, args)
        result["server_cpus"] = sorted(args.server_cpus) if args.server_cpus else None
        result["browser_cpus"] = sorted(args.browser_cpus) if args.browser_cpus else None
        result["idle"] = memory_snapshot(pid)
        workers = args.workers or _engine_worker_count() or max(1, result["idle"]["workers"])
        result["workers"] = workers
        deadline_s = max(300.0, args.deadline_factor * students_n * solo.finished_s / workers)
        print(
            f"N={students_n}: solo {solo.finished_s:.1f} s, {workers} workers, "
            f"idle PSS {result['idle']['total_mb']:.0f} MB; class deadline {deadline_s:.0f} s",
            flush=True,
        )

        # 2. The class opens the link; all press Train together.
        # Pages open at most OPEN_AT_ONCE at a time (a class does not load 30 pages in the same
        # second; they press Train together); a page that cannot open is left out and counted.
        gate = asyncio.Semaphore(OPEN_AT_ONCE)

        async def open_gated() -> tuple[object, object, int] | None:
            async with gate:
                try:
                    return await open_preset(browser, url, 90, count_traffic=True)
                except Exception as error:
                    print(f"a student's page did not open: {str(error).splitlines()[0]}")
                    return None

        opened = await asyncio.gather(*(open_gated() for _ in range(students_n)))
        result["pages_not_opened"] = sum(1 for item in opened if item is None)
        result["pages_reloaded"] = sum(1 for item in opened if item and item[2])
        students = [
            Student(index=i, context=item[0], page=item[1])
            for i, item in enumerate(item for item in opened if item is not None)
        ]
        if not students:
            raise RuntimeError("no student's page opened")
        classes, class_id, teacher_key = class_of_students(home, [s.page for s in students])
        # Members now: each page loads the class (banner, locks) before the clicks, as a
        # student who joined would see it.
        await asyncio.gather(*(reopen(s.page, gate) for s in students))
        result["shown_class_s"] = await shown_class_seconds(students[0].page)
        class_done = asyncio.Event()
        board_context = await open_board(browser, url, teacher_key)
        board_task = asyncio.create_task(watch_board(board_context, classes, class_id, class_done))
        sampler = Sampler(pid, url)
        sampler.start()
        try:
            cpu_before, machine_before = sampler.cpu_seconds(), machine_busy_s()
            groups_before = cpu_by_group(groups)
            traffic_before = await benchlib.socket_traffic([s.page for s in students])
            lifted = set() if args.browser_cpus else class_browser_pids()
            lift_for_the_clicks(lifted)
            class_started = time.perf_counter()
            await asyncio.gather(*(press_train(s) for s in students))
            clicks = [s.clicked_at for s in students]
            result["click_spread_s"] = max(clicks) - min(clicks)
            # Warm-up and solo runs, then one run per student.
            await wait_for_submits(home, len(students) + 2)
            if lifted:
                lower_after_the_clicks(lifted | class_browser_pids() | benchlib.descendants(lifted))
            late_task = asyncio.create_task(late_student(late_browser, url, args.late_delay_s, 60))
            steady_task = asyncio.create_task(steady_window(sampler, students, args.late_delay_s))
            await asyncio.gather(*(follow_run(s, deadline_s) for s in students))
            result["steady"] = await steady_task
            class_done.set()
            costs = sorted(await board_task)
            result["board"] = {
                "members": len(classes.members(class_id)),
                "runs": len(classes.board(class_id, max_age_s=0.0).runs),
                "refreshes": len(costs),
                "median_ms": statistics.median(costs) if costs else float("nan"),
                "max_ms": costs[-1] if costs else float("nan"),
            }
            sampler.sample_once()
            cpu_after, machine_after = sampler.cpu_seconds(), machine_busy_s()
            groups_after = cpu_by_group(groups)
            traffic = await benchlib.socket_traffic([s.page for s in students])
            result["script_runs"] = sum(
                (now - then).sent for now, then in zip(traffic, traffic_before, strict=True)
            )
            class_ended = time.perf_counter()
            result["late"] = await late_task
            result["store_statuses"] = store_statuses(home)
            result["store_times"] = store_times(home)
        finally:
            sampler.stop()
        # The server's own clock: what the engine did, however late a busy browser showed it.
        times = result["store_times"]
        if len(times) == len(students) + 2:  # the warm-up and solo runs first, then the class
            (solo_created, solo_ended), class_times = times[1], times[2:]
            result["server_solo_s"] = solo_ended - solo_created
            result["server_all_s"] = max(e for _, e in class_times) - min(c for c, _ in class_times)
            result["server_ratio"] = result["server_all_s"] / (
                len(students) * result["server_solo_s"] / workers
            )
            class_spans = store_spans(home)[2:]
            result["server_click_spread_s"] = max(c for c, _ in class_times) - min(
                c for c, _ in class_times
            )
            result["idle_slots_s"] = idle_slots_s(class_spans, workers)
            # The class against the same work done the tutorial's way, run after run, on the
            # server's CPU: what a teacher would get from thirty copies of the notebook.
            result["tutorial_ratio"] = result["server_all_s"] / (
                len(students) * result["tutorial_s"] / workers
            )
            result["training_s"] = sum(e - s for _, s, e in class_spans)

        # 3. Per-student times; the whole class against the sum of solo times.
        expected_s = len(students) * solo.finished_s / workers
        result["expected_s"] = expected_s
        finished = [s for s in students if s.outcome == "finished"]
        ends = [s.clicked_at + s.finished_s for s in finished]
        result["all_finished_s"] = (
            max(ends) - class_started if len(finished) == len(students) else float("nan")
        )
        result["last_finished_s"] = max(ends) - class_started if ends else float("nan")
        result["ratio"] = result["all_finished_s"] / expected_s
        result["per_student"] = [
            {
                "first_epoch_s": s.first_epoch_s,
                "finished_s": s.finished_s,
                "outcome": s.outcome,
                "notes": s.notes,
                "loads": s.loads,
            }
            for s in students
        ]
        result["outcomes"] = {
            name: sum(1 for s in students if s.outcome == name)
            for name in ("finished", "failed", "timed out")
        }

        # 4. Where the CPU went.
        spent = sampler.cpu_between(cpu_before, cpu_after)
        result["server_cpu_s"] = spent["server"]
        result["worker_cpu_s"] = spent["worker"]
        result["class_wall_s"] = class_ended - class_started
        # Everything else the machine ran meanwhile: the class's browsers and other tenants.
        result["other_cpu_s"] = max(
            0.0, machine_after - machine_before - spent["server"] - spent["worker"]
        )
        result["browser_cgroup"] = BROWSER_CGROUP.is_dir()
        # Of that: this benchmark's own processes (a class's browsers stand for thirty laptops,
        # its Playwright driver for their network), the rest is the machine's other tenants.
        result["other_cpu_by_group"] = {
            name: groups_after[name] - groups_before.get(name, 0.0) for name in groups_after
        }
        total_cpu = spent["server"] + spent["worker"]
        result["training_share"] = spent["worker"] / total_cpu if total_cpu else float("nan")
        result["watch_spans"] = [
            (
                s.clicked_at - class_started,
                (s.clicked_at + s.finished_s if s.outcome == "finished" else class_ended)
                - class_started,
            )
            for s in students
        ]
        add_refresh_cost(result)
        result["peak"] = sampler.peak
        result["max_workers_seen"] = sampler.max_workers
        result["worker_processes_seen"] = sum(1 for r in sampler.roles.values() if r == "worker")
        health = sorted(sampler.health_s)
        result["health"] = {
            "count": len(health),
            "failures": sampler.health_failures,
            "median_s": statistics.median(health) if health else float("nan"),
            "p95_s": health[int(0.95 * (len(health) - 1))] if health else float("nan"),
            "max_s": health[-1] if health else float("nan"),
        }

        # 5. Everyone leaves.
        await asyncio.gather(*(s.context.close() for s in students), return_exceptions=True)
        await asyncio.sleep(args.after_s)
        result["after"] = memory_snapshot(pid)
    result["load_after"] = benchlib._load_average()
    return result


def _engine_worker_count() -> int | None:
    """The engine's own worker count for this machine (its module imports no TensorFlow)."""
    try:
        from nnlab.engine.pool import worker_count

        return int(worker_count())
    except Exception:
        return None


# ---------------------------------------------------------------------------------------------
# Report


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table_rows(results: list[dict]) -> list[list[str]]:
    """One row per figure, one column per class size, plus the goal."""

    def row(label: str, cell, goal: str = "") -> list[str]:
        return [label, *(cell(r) for r in results), goal]

    def health_ok(r: dict) -> bool:
        return r["health"]["max_s"] < HEALTH_GOAL_S and r["health"]["failures"] == 0

    def steady_ok(r: dict) -> bool:
        return r["steady"]["server_ms_per_refresh"] <= SERVER_CPU_PER_REFRESH_GOAL_MS

    def late_ok(r: dict) -> bool:
        return r["late"]["home_s"] <= LATE_PAGE_GOAL_S

    def after_ok(r: dict) -> bool:
        return r["after"]["total_mb"] <= r["idle"]["total_mb"] + AFTER_GOAL_EXTRA_MB

    def stored_ok(r: dict) -> bool:
        return r.get("server_all_s", float("inf")) <= STORED_GOAL_S

    def shown_off(r: dict) -> float:
        return r.get("shown_class_s", float("nan")) / r.get("server_all_s", float("nan")) - 1

    return [
        row("load average before / after (1 min, 2 cores)", _loads),
        row(
            "CPUs: server and workers / browsers and this benchmark",
            lambda r: (
                f"{r['server_cpus']} / {r['browser_cpus']}"
                if r.get("server_cpus")
                else "shared (not pinned)"
            ),
        ),
        row("workers", lambda r: str(r["workers"])),
        row(
            "worker processes alive at most / seen in class",
            lambda r: f"{r['max_workers_seen']} / {r['worker_processes_seen']}",
        ),
        row(
            "solo run, click -> finished (s)",
            lambda r: f"{_fmt(r['solo_s'], 2)} ({_verdict(r['solo_s'] <= SOLO_GOAL_S)})",
            f"<= {SOLO_GOAL_S}",
        ),
        row("N clicks spread over (s)", lambda r: _fmt(r["click_spread_s"], 2), "<= 2"),
        row(
            "the server received the N runs over (s; the class's browser at normal priority"
            " until then)",
            lambda r: _fmt(r.get("server_click_spread_s", float("nan")), 2),
            "<= 2",
        ),
        row(
            "pages reloaded once / never opened",
            lambda r: f"{r['pages_reloaded']} / {r['pages_not_opened']}",
        ),
        row(
            "pages that reloaded after the click (the panel's watchdog nudges, never reloads)",
            lambda r: str(sum(s.get("loads", 0) for s in r["per_student"])),
            "0",
        ),
        row(
            "runs finished / failed / timed out",
            lambda r: "{finished} / {failed} / {timed out}".format(**r["outcomes"]),
        ),
        row(
            "runs in the store at the class's end (warm-up and solo runs included)",
            lambda r: (
                ", ".join(f"{k} {v}" for k, v in r.get("store_statuses", {}).items()) or "n/a"
            ),
        ),
        row(
            "server side (store times): solo run submitted -> stored (s)",
            lambda r: _fmt(r.get("server_solo_s", float("nan"))),
        ),
        row(
            "server side: every class run stored after (s), ratio to N x solo / workers",
            lambda r: (
                f"{_fmt(r.get('server_all_s', float('nan')))}, "
                f"{_fmt(r.get('server_ratio', float('nan')), 2)} "
                f"({_verdict(r.get('server_ratio', float('inf')) <= RATIO_GOAL)})"
            ),
            f"<= {RATIO_GOAL} at N = 30",
        ),
        row(
            "server side: every class run stored after the first click arrived (s)",
            lambda r: f"{_fmt(r.get('server_all_s', float('nan')))} ({_verdict(stored_ok(r))})",
            f"<= {STORED_GOAL_S:.0f} at N = 30",
        ),
        row(
            "tutorial-style script on the server's CPU, one run (s; median of later runs)",
            lambda r: _fmt(r.get("tutorial_s", float("nan")), 2),
        ),
        row(
            "the class's time / (N x the tutorial-style script / workers)",
            lambda r: (
                f"{_fmt(r.get('tutorial_ratio', float('nan')), 2)} "
                f"({_verdict(r.get('tutorial_ratio', float('inf')) <= TUTORIAL_RATIO_GOAL)})"
            ),
            f"<= {TUTORIAL_RATIO_GOAL} at N = 30",
        ),
        row(
            "class time shown before Train (s) and how far off the measured one",
            lambda r: (
                f"{_fmt(r.get('shown_class_s', float('nan')), 0)}, {shown_off(r):+.0%} "
                f"({_verdict(abs(shown_off(r)) <= ESTIMATE_GOAL)})"
            ),
            f"within {ESTIMATE_GOAL:.0%}",
        ),
        row(
            "server side: the class's runs, time in training summed (s) / worker-seconds outside"
            " training while runs waited (each run's setup and result, dispatch, worker starts)",
            lambda r: (
                f"{r['training_s']:.1f} / {r['idle_slots_s']:.1f}"
                if "idle_slots_s" in r
                else "not measured"
            ),
        ),
        row("pages: every run shown finished after (s)", lambda r: _fmt(r["all_finished_s"])),
        row("expected N x solo / workers (s)", lambda r: _fmt(r["expected_s"])),
        row("pages: ratio (the browsers' own delay included)", lambda r: _fmt(r["ratio"], 2)),
        row(
            "first epoch, median / worst (s)",
            lambda r: _spread([s["first_epoch_s"] for s in r["per_student"]]),
        ),
        row(
            "finished, median / worst (s)",
            lambda r: _spread([s["finished_s"] for s in r["per_student"]]),
        ),
        row(
            "CPU share of training (workers / all)",
            lambda r: f"{100 * r['training_share']:.0f} %",
        ),
        row(
            "CPU s: server / workers",
            lambda r: f"{r['server_cpu_s']:.1f} / {r['worker_cpu_s']:.1f}",
        ),
        row(
            "cores the workers got, of 2 / CPU s to everything else (class browsers, others)",
            lambda r: (
                f"{r['worker_cpu_s'] / (r['server_all_s'] or r['class_wall_s']):.2f} / "
                f"{r['other_cpu_s']:.1f}"
                + (" (browsers in an idle cgroup)" if r.get("browser_cgroup") else "")
                if "other_cpu_s" in r
                else "not measured"
            ),
        ),
        row(
            "of everything else, CPU s: benchmark / class driver / class browsers / late student"
            " / rest of the machine",
            lambda r: _other_cpu(r) if "other_cpu_by_group" in r else "not measured",
        ),
        row(
            "server CPU per script run, whole class (ms; runs counted; clicks, ends included)",
            lambda r: (
                f"{_fmt(r['server_ms_per_refresh'])} ({r['script_runs']:,} runs)"
                if r.get("script_runs")
                else _fmt(r["server_ms_per_refresh"])
            ),
        ),
        row(
            "server CPU per refresh while all only watch (ms; window s; refreshes counted / asked)",
            lambda r: (
                f"{_fmt(r['steady']['server_ms_per_refresh'])} "
                f"({_verdict(steady_ok(r))}; {_fmt(r['steady']['seconds'])} s; "
                f"{r['steady']['refreshes']:.0f} / {r['steady'].get('refreshes_asked', 0):.0f})"
                if "steady" in r
                else "–"
            ),
            f"<= {SERVER_CPU_PER_REFRESH_GOAL_MS:.0f}",
        ),
        row(
            "class board: one refresh's store read + leaderboard, CPU median / max (ms)",
            lambda r: (
                f"{_fmt(r['board']['median_ms'])} / {_fmt(r['board']['max_ms'])} "
                f"({r['board']['members']} students, {r['board']['runs']} runs)"
                if "board" in r
                else "–"
            ),
        ),
        row(
            "late student: home page usable (s)",
            lambda r: f"{_fmt(r['late']['home_s'])} ({_verdict(late_ok(r))})",
            f"<= {LATE_PAGE_GOAL_S:.0f}",
        ),
        row("late student: then Build & Train ready (s)", lambda r: _fmt(r["late"]["build_s"])),
        row(
            "health latency median / p95 / max (ms)",
            lambda r: "{:.0f} / {:.0f} / {:.0f}".format(
                1000 * r["health"]["median_s"],
                1000 * r["health"]["p95_s"],
                1000 * r["health"]["max_s"],
            ),
        ),
        row(
            "health: failed requests of all",
            lambda r: (
                f"{r['health']['failures']} of "
                f"{r['health']['count'] + r['health']['failures']} ({_verdict(health_ok(r))})"
            ),
            f"all < {HEALTH_GOAL_S:.0f} s",
        ),
        row(
            "PSS idle, TF in workers (MB)",
            lambda r: (
                f"{r['idle']['total_mb']:.0f} ({r['idle']['workers_with_tf']}/"
                f"{r['idle']['workers']} workers with TF)"
            ),
        ),
        row(
            "PSS peak, server + workers (MB)",
            lambda r: (
                f"{r['peak']['total_mb']:.0f} ({_verdict(r['peak']['total_mb'] <= PEAK_GOAL_MB)})"
            ),
            f"<= {PEAK_GOAL_MB:.0f}",
        ),
        row(
            "PSS after everyone left (MB)",
            lambda r: (
                f"{r['after']['total_mb']:.0f}, idle "
                f"{r['after']['total_mb'] - r['idle']['total_mb']:+.0f} "
                f"({_verdict(after_ok(r))})"
            ),
            f"<= idle + {AFTER_GOAL_EXTRA_MB:.0f}",
        ),
    ]


def _other_cpu(r: dict) -> str:
    groups = r["other_cpu_by_group"]
    names = ["benchmark", "class driver", "class browsers", "late student (driver, browser)"]
    rest = r["other_cpu_s"] - sum(groups.get(name, 0.0) for name in names)
    return " / ".join([*(f"{groups.get(name, 0.0):.1f}" for name in names), f"{rest:.1f}"])


def _loads(r: dict) -> str:
    return f"{r['load_before'].split()[0]} / {r.get('load_after', 'n/a ').split()[0]}"


def _spread(values: list[float]) -> str:
    done = [v for v in values if v == v]
    if not done:
        return "n/a"
    missing = len(values) - len(done)
    text = f"{statistics.median(done):.1f} / {max(done):.1f}"
    return text + (f" ({missing} never)" if missing else "")


def per_student_lines(results: list[dict]) -> list[str]:
    """Each student's first-epoch and finished times, sorted by finish."""
    lines = []
    for r in results:
        pairs = sorted(
            r["per_student"], key=lambda s: (s["finished_s"] != s["finished_s"], s["finished_s"])
        )
        cells = ", ".join(f"{_fmt(s['first_epoch_s'])}/{_fmt(s['finished_s'])}" for s in pairs)
        if all(s["first_epoch_s"] != s["first_epoch_s"] for s in pairs):
            cells = f"no page showed a first epoch within the deadline ({r['class_wall_s']:.0f} s)"
        lines.append(f"- N = {r['students']} (first epoch / finished, s): {cells}")
    return lines


def report_body(results: list[dict], machine: dict, command: str, table: str) -> str:
    """The docs/BENCHMARKS.md section."""
    notes = []
    for r in results:
        if r["late"]["error"]:
            notes.append(f"- N = {r['students']}: the late student failed: {r['late']['error']}")
        failed = [s for s in r["per_student"] if s["outcome"] != "finished"]
        if failed:
            notes.append(
                f"- N = {r['students']}: {len(failed)} run(s) did not finish: "
                + "; ".join(f"{s['outcome']} {' '.join(s['notes'])}"[:120] for s in failed[:5])
            )
    return f"""## A class on one server

Goals (issues 13 and "Cheap runs"): with N = 30 students pressing Train, every run stored
within {STORED_GOAL_S:.0f} s of the first click the server received, and within {RATIO_GOAL}x of
N x solo time / workers; the class's time <= {TUTORIAL_RATIO_GOAL} x N tutorial-style scripts on
the same core; the class time shown before Train within {ESTIMATE_GOAL:.0%} of the measured
one; one student alone: Train -> "Finished" shown <= {SOLO_GOAL_S} s; a late student's home
page within {LATE_PAGE_GOAL_S:.0f} s; `/_stcore/health` always under {HEALTH_GOAL_S:.0f} s; peak
memory of server plus workers <= 2.2 GB; {AFTER_GOAL_EXTRA_MB:.0f} MB or less above idle (TensorFlow
loaded in the workers) after everyone left; <= {SERVER_CPU_PER_REFRESH_GOAL_MS:.0f} ms of server
CPU per refresh of a watching student.

{benchlib.machine_line(machine)} The machine is shared: other work on the 2 cores slows every
timed figure here.

Command: `{command}`

Each class size gets a fresh `streamlit run app.py` (empty NNLAB_HOME, loopback only) and one
headless Chromium; each student is its own browser context (own lab) on
`{PRESET_LINK}` (t004_relu100, 6,000 images, 3 epochs). Solo: after a warm-up run (the first
worker's TensorFlow start), one student trains alone, click -> "Finished"; its run's submitted ->
stored time in the store is the server-side solo time. Class: N students press Train
(asyncio.gather); times run from each student's own click. A late student opens the home page
{results[0]["late_delay_s"]:.0f} s after the clicks, in a second Chromium of normal priority
driven by a Playwright driver of its own. CPUs as Cloud runs the app: the server and its
workers are pinned to their CPU(s) (a one-core container by default; the workers inherit the
affinity and the engine sizes its pool from it), this benchmark, its Playwright drivers and
every browser to the other CPU(s), since on a real class the students' browsers run on their own
laptops. (With `--no-pin` they share every CPU; the class's Chromium then runs at nice
{STUDENT_BROWSER_NICE} in an idle cpu cgroup where the machine allows one, lifted to normal
priority for the clicks alone.) Here the thirty browsers share one core, so the pages show
their runs' ends much later than the server stores them: the server-side figures come from the
store's timestamps, from the first click the server received. The tutorial-style script
(`bench_run_cost.py --ways tutorial`) runs on the server's CPU in the same run, while the
server idles. The class time "shown before Train" is read from a class member's Build & Train
("For 30 students: about ... with 1 worker.") after the warm-up and solo runs.
The CPU the machine spent on anything but the server and its workers is split into this
benchmark's own processes and the rest (the machine's other tenants).
The students' labs are made members of a class (as joining does) and the teacher's class board
stays open during the class (1920x1080, in the class's browser); every 3 s the benchmark also
times, in its own process on the same store, what one board refresh asks of the store and nnlab
(the uncached read of every member's runs and epochs, and the leaderboard).
Memory is PSS (`/proc/PID/smaps_rollup`) of the server plus its spawn workers, sampled every
0.5 s; CPU is utime + stime (`/proc/PID/stat`, largest value seen per process, so replaced
workers count) between the clicks and the last run's end. Training share = worker CPU / (worker
+ server CPU). Server CPU per refresh = server CPU seconds (every thread: pages, engine, store)
/ script runs the pages asked for, counted as the messages each page sent on its WebSocket (a
browser short of CPU asks less often than the page's interval says: "asked" is what the
interval would give, 1 s up to 10 watchers, watchers / 10 s above, at most 5 s). Memory after
leaving is read {results[0]["after_s"]:.0f} s after every context closed.

{table}

{chr(10).join(per_student_lines(results))}
{chr(10).join(notes)}
"""


def into_idle_cgroup(pids: set[int]) -> bool:
    """Move the class's browser processes into an idle cpu cgroup; False where not allowed.

    Renderers the browser starts later are born in its cgroup. Nice values and the autogroup's
    nice (`lowest_priority`) still let thirty tabs take a good part of two cores from the
    workers; an idle group only gets what the server and the workers leave.
    """
    try:
        BROWSER_CGROUP.mkdir(exist_ok=True)
        idle = BROWSER_CGROUP / "cpu.idle"
        if idle.exists():
            idle.write_text("1")
        else:
            (BROWSER_CGROUP / "cpu.shares").write_text("2")
        for pid in pids:
            (BROWSER_CGROUP / "cgroup.procs").write_text(str(pid))
        return True
    except OSError:
        return False


def leave_idle_cgroup() -> None:
    """Remove the browsers' cgroup (the browser has exited, so it is empty)."""
    with contextlib.suppress(OSError):
        BROWSER_CGROUP.rmdir()


def lowest_priority(pid: int) -> None:
    """Nice 19 for a browser process and for its autogroup.

    Playwright starts Chromium in a session of its own (Node's `detached`), and with the kernel's
    autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`) every session is one
    scheduling group: the browser's group got as much CPU as the server's whole group, whatever
    the processes' nice values. The autogroup's own nice (`/proc/PID/autogroup`) is what ranks it
    against the server's group; renderers started later join the same group.
    """
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, STUDENT_BROWSER_NICE)
    with contextlib.suppress(OSError), open(f"/proc/{pid}/autogroup", "w") as autogroup:
        autogroup.write(str(STUDENT_BROWSER_NICE))


def class_browser_pids() -> set[int]:
    """The class's browser processes: the idle cgroup's members, or none without the cgroup."""
    try:
        return {int(pid) for pid in (BROWSER_CGROUP / "cgroup.procs").read_text().split()}
    except (OSError, ValueError):
        return set()


def lift_for_the_clicks(pids: set[int]) -> None:
    """Normal priority for the class's browser while the clicks travel to the server.

    In its idle group the browser only runs on CPU nobody else wants: once the first runs
    trained, the remaining clicks reached the server over a minute and a half (14:19 run), not
    within the 2 s a class's clicks take, so the engine could not start runs nobody had sent.
    """
    with contextlib.suppress(OSError):
        root = BROWSER_CGROUP.parent / "cgroup.procs"
        for pid in pids:
            with contextlib.suppress(OSError):
                root.write_text(str(pid))
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/autogroup", "w") as autogroup:
            autogroup.write("0")


def lower_after_the_clicks(pids: set[int]) -> None:
    """Back to the idle group and nice 19 once the server has every click."""
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/autogroup", "w") as autogroup:
            autogroup.write(str(STUDENT_BROWSER_NICE))
    into_idle_cgroup(pids)


async def wait_for_submits(home: Path, count: int, deadline_s: float = 60.0) -> None:
    """Poll the store until `count` runs exist (bounded)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if sum(store_statuses(home).values()) >= count:
            return
        await asyncio.sleep(0.1)  # polling interval


async def run_all(
    args: argparse.Namespace, on_result: Callable[[list[dict]], None] | None = None
) -> list[dict]:
    """Every class size in turn, one Chromium for all; `on_result` gets the results so far."""
    from playwright.async_api import async_playwright

    executable = benchlib.chromium_executable()
    results = []
    # Two Playwright drivers, so the CPU of each is counted apart: the class's relays thirty
    # pages (on a real class, the students' network), the late student's one. The class's stays
    # at normal priority: in the idle group with thirty renderers, its clicks time out.
    if args.browser_cpus:  # Playwright's drivers and the browsers inherit it
        os.sched_setaffinity(0, args.browser_cpus)
    drivers_before = child_pids(os.getpid())
    async with async_playwright() as playwright:
        class_driver = child_pids(os.getpid()) - drivers_before
        async with async_playwright() as late_playwright:
            late_driver = child_pids(os.getpid()) - drivers_before - class_driver
            before = _chromium_pids()
            browser = await playwright.chromium.launch(
                executable_path=executable, headless=True, args=benchlib.CHROMIUM_FLAGS
            )
            # The class's browsers stand for thirty laptops: on a real class they use none of
            # the server's CPU. Here they share its 2 cores, so they run at the lowest priority
            # (their renderer processes inherit it); the late student, the one measured, gets a
            # browser of normal priority.
            class_browser = _chromium_pids() - before
            if not args.browser_cpus:  # sharing the server's CPUs: at the lowest priority
                for pid in class_browser:
                    lowest_priority(pid)
                into_idle_cgroup(class_browser)
            before = _chromium_pids()
            late_browser = await late_playwright.chromium.launch(
                executable_path=executable, headless=True, args=benchlib.CHROMIUM_FLAGS
            )
            late_browser_pids = _chromium_pids() - before
            groups = {
                "benchmark": {os.getpid()},
                "class driver": class_driver,
                "late student (driver, browser)": late_driver | late_browser_pids,
            }
            try:
                for students_n in args.students:
                    result = await one_class(browser, late_browser, students_n, args, groups)
                    result["late_delay_s"], result["after_s"] = args.late_delay_s, args.after_s
                    results.append(result)
                    LOG_DIR.mkdir(parents=True, exist_ok=True)
                    (LOG_DIR / f"classroom-{students_n}.json").write_text(
                        json.dumps(result, indent=1)
                    )
                    print(
                        benchlib.markdown_table(
                            ["figure", f"N = {students_n}", "goal"], table_rows([result])
                        ),
                        flush=True,
                    )
                    if on_result:
                        on_result(results)
            finally:
                await browser.close()
                await late_browser.close()
                leave_idle_cgroup()
    return results


def main() -> None:
    """Measure every class size, print the table, update docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", default="10,30", help="comma-separated class sizes")
    parser.add_argument("--after-s", type=float, default=120.0, help="wait after everyone left")
    parser.add_argument("--late-delay-s", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=None, help="NNLAB_WORKERS for the server")
    parser.add_argument("--solo-deadline-s", type=float, default=300.0)
    parser.add_argument(
        "--deadline-factor",
        type=float,
        default=3.0,
        help="a class gives up after this many times its expected time (at least 300 s)",
    )
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="SECTION.NAME=VALUE",
        help="an extra `streamlit run` setting, e.g. runner.postScriptGC=false (repeatable)",
    )
    parser.add_argument(
        "--server-cpus",
        default="0",
        help="CPUs of the server and its workers (comma-separated); the rest run the browsers",
    )
    parser.add_argument(
        "--no-pin", action="store_true", help="server and browsers share every CPU instead"
    )
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument(
        "--render",
        action="store_true",
        help="only rewrite the report from benchmarks/.out/classroom-N.json of an earlier run",
    )
    args = parser.parse_args()
    args.students = [int(n) for n in args.students.split(",") if n.strip()]
    available = os.sched_getaffinity(0)
    args.server_cpus = {int(cpu) for cpu in args.server_cpus.split(",") if cpu.strip()}
    args.browser_cpus = available - args.server_cpus
    if args.no_pin or not args.browser_cpus or not args.server_cpus <= available:
        if not args.no_pin:
            print(f"cannot pin: CPUs {sorted(available)} here; server and browsers share them")
        args.server_cpus, args.browser_cpus = None, None
    machine = benchlib.machine_record()
    print(benchlib.machine_line(machine), flush=True)
    command = " ".join(["python benchmarks/bench_classroom.py", *map(shlex.quote, sys.argv[1:])])

    def record(results: list[dict]) -> None:
        # Written after every class size, so a later failure keeps the figures measured so far.
        if not args.no_report:
            table = benchlib.markdown_table(_header(results), table_rows(results))
            benchlib.write_section("classroom", report_body(results, machine, command, table))

    if args.render:
        results = [json.loads((LOG_DIR / f"classroom-{n}.json").read_text()) for n in args.students]
        for result in results:
            add_refresh_cost(result)
        machine["load_average_at_start"] = results[0]["load_before"]
        machine["date"] = results[0].get("date", "see the load figures")
        sizes = ",".join(map(str, args.students))
        command = f"python benchmarks/bench_classroom.py --students {sizes}"
        record(results)
        return
    results = asyncio.run(run_all(args, on_result=record))
    print(benchlib.markdown_table(_header(results), table_rows(results)))
    print("\n".join(per_student_lines(results)))


def _header(results: list[dict]) -> list[str]:
    return ["figure", *(f"N = {r['students']}" for r in results), "goal"]


if __name__ == "__main__":
    main()
