"""Cold start: `streamlit run app.py` to the home page in headless Chromium, then to Build & Train.

Each repetition starts a fresh server on a free port (Chromium is launched once beforehand and
not counted), measures server start -> home page rendered (script idle and the "NN Lab" heading
visible), records the server's resident memory and whether TensorFlow's shared library is mapped
into it (read from /proc/<pid>/maps: the honest check that no TensorFlow import happened), then
clicks "Build & Train" and measures until that page is ready. Training runs in worker processes
(`nnlab.engine.engine`), which Build & Train may start: they are counted, and checked for
TensorFlow, apart from the server. Every server gets a fresh NNLAB_HOME (an empty run store), as on
a first start. A last check renders the home page with AppTest in a clean subprocess and asserts
"tensorflow" is not in sys.modules.

    python benchmarks/bench_cold_start.py            # 5 repetitions
    python benchmarks/bench_cold_start.py --reps 2   # quicker
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

HOME_GOAL_S = 3.0

APPTEST_CHECK = """
import sys
from streamlit.testing.v1 import AppTest
app = AppTest.from_file("app.py", default_timeout=60)
app.run()
assert not app.exception, app.exception
loaded = sorted(name for name in ("tensorflow", "keras") if name in sys.modules)
print("BENCH_TF_MODULES", ",".join(loaded) or "none")
"""


def _workers_with_tensorflow(pid: int) -> tuple[int, int]:
    """(worker processes of the server, how many of them have TensorFlow mapped)."""
    workers = benchlib.worker_pids(pid)
    return len(workers), sum(benchlib.tensorflow_mapped(worker) for worker in workers)


def one_repetition(browser, log_dir: Path, rep: int) -> dict:
    """Start a server, open the home page, then Build & Train; return the timings."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    server = benchlib.streamlit_server(
        f"cold-start-server-{rep}.log", health_deadline_s=60, health_poll_s=0.02
    )
    # The browser context closes first, then the server stops.
    with server as (url, server_pid, _home), contextlib.closing(context):
        healthy_s = time.perf_counter() - start
        page.goto(url)
        expect(page.locator(benchlib.IDLE)).to_be_attached(timeout=60_000)
        expect(page.get_by_role("heading", name="NN Lab")).to_be_visible(timeout=60_000)
        home_s = time.perf_counter() - start
        home_rss = benchlib.rss_mb(server_pid)
        home_tf = benchlib.tensorflow_mapped(server_pid)
        home_children = _workers_with_tensorflow(server_pid)[0]
        lab_in_url = "lab=" in page.url
        if rep == 0:
            page.screenshot(path=str(log_dir / "cold-start-home.png"))

        clicked = time.perf_counter()
        page.get_by_test_id("stSidebarNav").get_by_text("Build & Train").click()
        page.wait_for_url("**/build**", timeout=60_000)
        # Ready: the page's Train button is shown (or, while the page is a placeholder, its
        # first element) and the script run has finished.
        ready = page.get_by_role("button", name="Train")
        placeholder = page.locator('[data-testid="stMain"] [data-testid="stAlert"]')
        expect(ready.or_(placeholder).first).to_be_visible(timeout=120_000)
        expect(page.locator(benchlib.IDLE)).to_be_attached(timeout=120_000)
        build_s = time.perf_counter() - clicked
        build_rss = benchlib.rss_mb(server_pid)
        build_tf = benchlib.tensorflow_mapped(server_pid)
        build_children, build_children_tf = _workers_with_tensorflow(server_pid)
        lab_in_url = lab_in_url and "lab=" in page.url
        if rep == 0:
            page.screenshot(path=str(log_dir / "cold-start-build.png"))
    return {
        "healthy_s": healthy_s,
        "home_s": home_s,
        "home_rss_mb": home_rss,
        "home_tf": home_tf,
        "build_s": build_s,
        "build_rss_mb": build_rss,
        "build_tf": build_tf,
        "home_children": home_children,
        "build_children": build_children,
        "build_children_tf": build_children_tf,
        "lab_in_url": lab_in_url,
    }


def apptest_tf_modules() -> str:
    """Render the home page with AppTest in a clean process; which of tensorflow/keras loaded."""
    completed = subprocess.run(
        [sys.executable, "-c", APPTEST_CHECK],
        cwd=benchlib.REPO_ROOT,
        env=dict(os.environ, NNLAB_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_TF_MODULES "):
            return line.split(" ", 1)[1]
    return f"check failed: {completed.stderr.strip().splitlines()[-1:]}"


def main() -> None:
    """Measure, print, and update docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    machine = benchlib.machine_record()
    print(benchlib.machine_line(machine))
    log_dir = benchlib.OUT_DIR
    log_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=benchlib.chromium_executable(),
            headless=True,
            args=benchlib.CHROMIUM_FLAGS,
        )
        for rep in range(args.reps):
            result = one_repetition(browser, log_dir, rep)
            results.append(result)
            print(
                f"rep {rep + 1}: healthy {result['healthy_s']:.2f} s, "
                f"home {result['home_s']:.2f} s "
                f"(RSS {result['home_rss_mb']:.0f} MB, TF loaded: {result['home_tf']}), "
                f"Build & Train {result['build_s']:.2f} s (RSS {result['build_rss_mb']:.0f} MB, "
                f"TF loaded: {result['build_tf']}; worker processes {result['build_children']}, "
                f"{result['build_children_tf']} with TF), lab in URL: {result['lab_in_url']}",
                flush=True,
            )
        browser.close()
    modules = apptest_tf_modules()
    print(f"AppTest home page in a clean process: modules loaded among tensorflow/keras: {modules}")

    def med(key: str) -> float:
        return benchlib.median([r[key] for r in results])

    def worst(key: str) -> float:
        return max(r[key] for r in results)

    any_home_tf = any(r["home_tf"] for r in results)
    any_build_tf = any(r["build_tf"] for r in results)
    workers_text = ", ".join(
        f"{r['build_children']} ({r['build_children_tf']} with TensorFlow mapped)" for r in results
    )
    home_workers_text = ", ".join(str(r["home_children"]) for r in results)
    home = med("home_s")
    verdict = "met" if home <= HOME_GOAL_S and not any_home_tf else "MISSED"
    rows = [
        [
            "server start -> /_stcore/health answers",
            f"{med('healthy_s'):.2f}",
            f"{worst('healthy_s'):.2f}",
            "",
        ],
        [
            "server start -> home page rendered in Chromium",
            f"{home:.2f}",
            f"{worst('home_s'):.2f}",
            f"<= {HOME_GOAL_S:.0f} s: {verdict}",
        ],
        [
            "home page -> Build & Train ready",
            f"{med('build_s'):.2f}",
            f"{worst('build_s'):.2f}",
            "",
        ],
    ]
    table = benchlib.markdown_table(["step", "median s", "worst s", "goal"], rows)
    print(table)
    if args.no_report:
        return
    body = f"""## Cold start

Goal: home page within {HOME_GOAL_S:.0f} s of server start, with no TensorFlow import on the way.

{benchlib.machine_line(machine)}

{args.reps} repetitions, each a fresh `streamlit run app.py` (headless, free port, NNLAB_OFFLINE=1)
opened in headless Chromium (Playwright, launched once beforehand). "Rendered" means the script
run has finished (`data-test-script-state="notRunning"`) and the "NN Lab" heading is visible;
"Build & Train ready" means that page's Train button (or, while it is a placeholder, its first
element) is visible and the script is idle.
Command: `python benchmarks/bench_cold_start.py --reps {args.reps}`

{table}

- Server resident memory after the home page: median {med("home_rss_mb"):.0f} MB (importing
  TensorFlow alone adds about 500 MB); TensorFlow's native library mapped into the server
  (/proc/PID/maps) after the home page: {"yes" if any_home_tf else "no"} in any repetition.
- After Build & Train: median {med("build_rss_mb"):.0f} MB; TensorFlow mapped:
  {"yes" if any_build_tf else "no"}. Worker processes of the server then: {workers_text}
  (after the home page: {home_workers_text}); training and TensorFlow live there.
- The `lab` parameter was in the page's URL after the home page and after Build & Train:
  {"yes" if all(r["lab_in_url"] for r in results) else "NOT in every repetition"}.
- Home page rendered by AppTest in a clean process: of tensorflow/keras, loaded: {modules}.
"""
    benchlib.write_section("cold_start", body)


if __name__ == "__main__":
    main()
