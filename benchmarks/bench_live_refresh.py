"""What one live-panel refresh costs the server: CPU and bytes per refresh, counted, not assumed.

A fresh `streamlit run app.py` (empty NNLAB_HOME, 2 workers unless `--workers`), N students in
one headless Chromium at normal priority (so each page refreshes as often as it asks), each on a
long preset link (`--epochs`, so no run ends during the windows). Every page counts its
WebSocket messages (a counter inside the page, `benchlib.SOCKET_COUNTER_JS`): each message it
sends is one rerun request (a live refresh while the student only watches), each message it
receives part of an answer.

1. Idle: every student on Build & Train, nothing training: server CPU per second.
2. Watching: all press Train; once two runs show an epoch (charts and diagnostics on screen),
   a window of `--window-s` seconds: server CPU (all its threads: the pages, the engine reading
   progress, the store), refreshes counted from the pages' sockets, bytes sent to the pages, and
   the split between students watching a training run and students waiting in the queue.
3. `--profile`: a second window under py-spy (pip install py-spy; needs ptrace): the server's
   CPU by part (script runs, engine threads, event loop) per refresh, then where the script
   runs spend it, by function.

    python benchmarks/bench_live_refresh.py                      # N = 10, ~2 min
    python benchmarks/bench_live_refresh.py --students 30 --profile --report   # into the docs
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_classroom
import benchlib

PRESET_KEY, PRESET_IMAGES = "t004_relu100", 60000
CLOCK_TICK_S = 1 / os.sysconf("SC_CLK_TCK")
STATE_JS = """() => {
    const status = document.querySelector('.st-key-b_live_status');
    const text = status ? status.innerText : '';
    if (/Finished|failed|Stopped/.test(text)) return 'ended';
    if (/queue|Starting/i.test(text)) return 'queued';
    const metric = document.querySelector('.st-key-b_live_metrics [data-testid="stMetric"]');
    const match = metric ? metric.innerText.match(/(\\d+)\\s*\\/\\s*(\\d+)/) : null;
    return match && Number(match[1]) >= 1 ? 'training' : 'starting';
}"""


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the server process (every thread) so far."""
    ticks = bench_classroom.cpu_ticks(pid)
    return (ticks or 0) * CLOCK_TICK_S


async def open_page(browser, address: str):
    """A student (own context, own lab) on `address`, idle with Train enabled, socket watched."""
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = await context.new_page()
    await benchlib.count_socket_traffic(page)
    await page.goto(address, timeout=120_000)
    await expect(page.locator(benchlib.IDLE)).to_be_attached(timeout=120_000)
    await expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(
        timeout=120_000
    )
    return page


async def window(pid: int, pages: list, seconds: float) -> tuple[float, list, float]:
    """Server CPU seconds and each page's socket traffic over `seconds` of wall time."""
    before = await benchlib.socket_traffic(pages)
    cpu_before, started = server_cpu_s(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu, wall = server_cpu_s(pid) - cpu_before, time.perf_counter() - started
    after = await benchlib.socket_traffic(pages)
    return cpu, [now - then for now, then in zip(after, before, strict=True)], wall


PARTS = (  # where a server thread's samples go, by the first frame that names it
    ("page script runs (the live fragment)", "_run_script_thread"),
    ("engine: reading workers' progress", "Engine._read_loop"),
    ("engine: queue and housekeeping", "Engine._dispatch_loop"),
    ("engine: store writes", "Engine._write_loop"),
    ("Streamlit's config and secrets file polling", "polling_path_watcher"),
    ("event loop: sockets, sessions, HTTP", "_run_server_loop"),
)
SPY_RATE = 200


def start_profile(pid: int, seconds: float) -> subprocess.Popen | None:
    """py-spy recording the server for `seconds` (None when py-spy is not installed)."""
    spy = shutil.which("py-spy")
    if spy is None:
        return None
    return subprocess.Popen(
        [
            *(spy, "record", "--pid", str(pid), "--duration", str(int(seconds))),
            *("--rate", str(SPY_RATE), "--gil", "--format", "raw", "--nonblocking"),
            *("--output", str(benchlib.OUT_DIR / "live-refresh-profile.txt")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_report(refreshes: int, seconds: float, parts_only: bool = False) -> str:
    """The recorded samples: CPU by part of the server, then inside the script runs."""
    parts: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    for line in (benchlib.OUT_DIR / "live-refresh-profile.txt").read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples, frames = int(count), stack.split(";")
        part = next((name for name, mark in PARTS if mark in stack), "other")
        parts[part] += samples
        if part != PARTS[0][0]:
            continue
        names = [f"{f.split(' (')[0]} ({f.split('(')[-1].split(':')[0]})" for f in frames]
        for name in set(names[names.index(next(n for n in names if "_run_script_thread" in n)) :]):
            inclusive[name] += samples
        own[names[-1]] += samples
    total = sum(parts.values())
    lines = [f"{total} samples at {SPY_RATE} Hz ({total / SPY_RATE:.2f} s of CPU)"]
    for name, n in parts.most_common():
        cpu_ms = 1000 * n / SPY_RATE
        per_refresh = f"{cpu_ms / refreshes:6.2f} ms per refresh  " if refreshes else ""
        lines.append(
            f"  {cpu_ms / seconds:6.1f} ms per s  {per_refresh}{100 * n / total:5.1f} %  {name}"
        )
    if parts_only:
        return "\n".join(lines)
    script = parts[PARTS[0][0]] or 1
    lines.append("Inside the script runs (inclusive, share of the script runs' samples):")
    lines += [f"  {100 * n / script:5.1f} %  {name}" for name, n in inclusive.most_common(35)]
    lines.append("Inside the script runs (own time):")
    lines += [f"  {100 * n / script:5.1f} %  {name}" for name, n in own.most_common(15)]
    return "\n".join(lines)


async def measure(args: argparse.Namespace) -> None:
    """Open the class, take the windows, print the figures."""
    from playwright.async_api import async_playwright

    link = f"/build_and_train?preset={PRESET_KEY}&n={PRESET_IMAGES}&ep={args.epochs}&lang=en"
    with benchlib.streamlit_server("live-refresh-server.log", workers=args.workers) as (
        url,
        pid,
        _home,
    ):
        async with async_playwright() as playwright:
            before = bench_classroom._chromium_pids()
            browser = await playwright.chromium.launch(
                executable_path=benchlib.chromium_executable(),
                headless=True,
                args=benchlib.CHROMIUM_FLAGS,
            )
            browsers = bench_classroom._chromium_pids() - before
            in_cgroup = False
            if args.idle_browsers:
                for browser_pid in browsers:
                    bench_classroom.lowest_priority(browser_pid)
                in_cgroup = bench_classroom.into_idle_cgroup(browsers)
            try:
                pages = [await open_page(browser, url + link) for _ in range(args.students)]
                await asyncio.sleep(10)  # the pages' first runs settle
                idle_cpu, _, idle_wall = await window(pid, pages, args.idle_s)
                idle_report = ""
                if args.profile:
                    spy = start_profile(pid, args.idle_s)
                    if spy is not None:
                        await window(pid, pages, args.idle_s)
                        spy.wait(timeout=60)
                        idle_report = profile_report(0, args.idle_s, parts_only=True)
                for page in pages:
                    await page.get_by_role("button", name="Train", exact=True).click(
                        timeout=120_000
                    )
                deadline = time.monotonic() + 180
                while time.monotonic() < deadline:
                    states = [await page.evaluate(STATE_JS) for page in pages]
                    if states.count("training") >= min(args.workers, len(pages)):
                        break
                    await asyncio.sleep(0.5)
                states = [await page.evaluate(STATE_JS) for page in pages]
                await pages[0].screenshot(path=benchlib.OUT_DIR / "live-refresh-window.png")
                cpu, traffic, wall = await window(pid, pages, args.window_s)
                states_after = [await page.evaluate(STATE_JS) for page in pages]
                report = ""
                if args.profile:
                    spy = start_profile(pid, args.window_s)
                    _, profiled, _ = await window(pid, pages, args.window_s)
                    if spy is None:
                        report = "py-spy not installed (pip install py-spy): no profile"
                    else:
                        spy.wait(timeout=60)
                        report = profile_report(sum(t.sent for t in profiled), args.window_s)
            finally:
                await browser.close()
                bench_classroom.leave_idle_cgroup()
    print_figures(args, idle_cpu / idle_wall, cpu, wall, traffic, states, states_after, in_cgroup)
    if idle_report:
        print("\nWhere the server's CPU went with every page open, nothing training (py-spy):")
        print(idle_report)
    if report:
        print("\nWhere the server's CPU went while the class watched (py-spy, inclusive):")
        print(report)


def print_figures(
    args: argparse.Namespace,
    idle_cores: float,
    cpu: float,
    wall: float,
    traffic: list[benchlib.Socket],
    states: list[str],
    states_after: list[str],
    in_cgroup: bool,
) -> None:
    """The figures, side by side for the two kinds of watcher."""
    machine = benchlib.machine_record()
    print(benchlib.machine_line(machine))
    priority = "normal priority"
    if args.idle_browsers:
        priority = "an idle cgroup" if in_cgroup else "nice 19"
    print(
        f"N = {args.students} students, {args.workers} workers, window {wall:.1f} s; "
        f"browsers at {priority}"
    )
    print(
        f"states at the window's start: {collections.Counter(states)}; end: "
        f"{collections.Counter(states_after)}"
    )
    refreshes = sum(t.sent for t in traffic)
    rows = []
    for kind in ("training", "queued"):
        chosen = [
            t for t, s, e in zip(traffic, states, states_after, strict=True) if s == e == kind
        ]
        sent = sum(t.sent for t in chosen)
        if chosen:
            rows.append(
                [
                    f"watching a {'training' if kind == 'training' else 'queued'} run",
                    len(chosen),
                    f"{sent / len(chosen) / wall:.2f}",
                    f"{sum(t.received_bytes for t in chosen) / max(sent, 1) / 1000:.1f}",
                    f"{sum(t.received for t in chosen) / max(sent, 1):.1f}",
                ]
            )
    rows.append(
        [
            "all",
            len(traffic),
            f"{refreshes / len(traffic) / wall:.2f}",
            f"{sum(t.received_bytes for t in traffic) / max(refreshes, 1) / 1000:.1f}",
            f"{sum(t.received for t in traffic) / max(refreshes, 1):.1f}",
        ]
    )
    print(
        benchlib.markdown_table(
            [
                "students",
                "pages",
                "refreshes per s each",
                "kB to the page per refresh",
                "messages per refresh",
            ],
            rows,
        )
    )
    per_s = refreshes / wall
    print(f"server CPU with every page open and nothing training: {1000 * idle_cores:.1f} ms per s")
    print(
        f"server CPU while the class watches: {cpu:.2f} s over {wall:.1f} s "
        f"({cpu / wall:.2f} core), {refreshes} refreshes counted ({per_s:.1f} per s): "
        f"{1000 * cpu / max(refreshes, 1):.1f} ms per refresh, all of the server's CPU counted "
        f"(the engine reading the workers' progress and the idle cost included); "
        f"**{1000 * (cpu / wall - idle_cores) / max(per_s, 1e-9):.1f} ms per refresh** above the "
        f"idle server (goal <= 10 ms)"
    )


def section_body(students: int, command: str, output: str) -> str:
    """The docs/BENCHMARKS.md section of one run: the command and what it printed."""
    return f"""## Live refresh, N = {students} (`bench_live_refresh.py`)

What one live-panel refresh costs the server, refreshes counted on the pages' sockets (the goal:
<= 10 ms of server CPU per refresh of a watching student). Command: `{command}`

```
{output.strip()}
```
"""


def main() -> None:
    """Parse the options and measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=50, help="long runs: none ends mid-window")
    parser.add_argument("--window-s", type=float, default=20.0)
    parser.add_argument("--idle-s", type=float, default=10.0)
    parser.add_argument(
        "--idle-browsers",
        action="store_true",
        help="browsers at the lowest priority, as bench_classroom runs them (they then refresh "
        "less often than the page asks while the workers take both cores)",
    )
    parser.add_argument("--profile", action="store_true", help="a second window under py-spy")
    parser.add_argument(
        "--report", action="store_true", help="also write the output to docs/BENCHMARKS.md"
    )
    args = parser.parse_args()
    printed = io.StringIO()
    with contextlib.suppress(KeyboardInterrupt), contextlib.redirect_stdout(printed):
        asyncio.run(measure(args))
    sys.stdout.write(printed.getvalue())
    if args.report:
        command = " ".join(["python benchmarks/bench_live_refresh.py", *sys.argv[1:]])
        benchlib.write_section(
            f"live_refresh_{args.students}",
            section_body(args.students, command, printed.getvalue()),
        )


if __name__ == "__main__":
    main()
