"""Shared fixtures: offline data, tiny data sets, a live Streamlit server and headless Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Tests never reach the network: data comes from the cache, Debian's files or the bundled sample.
os.environ.setdefault("NNLAB_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)  # polling interval, not a wait for a result
    raise TimeoutError(f"streamlit did not become healthy at {url} within {deadline_s} s")


@contextlib.contextmanager
def run_streamlit_server() -> Iterator[str]:
    """Start `streamlit run app.py` on a free port, yield its base URL, stop it afterwards."""
    port = _free_port()
    env = dict(os.environ, NNLAB_OFFLINE="1", PYTHONUNBUFFERED="1")
    log_dir = REPO_ROOT / "tests" / ".screenshots"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"streamlit-server-{port}.log", "w") as log:
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
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(url, process, deadline_s=60)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def streamlit_server() -> Iterator[str]:
    """One app server shared by the browser tests; yields its base URL."""
    with run_streamlit_server() as url:
        yield url


def _chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium through Playwright; skips without one, fails in CI."""
    executable = _chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if executable is None or sync_playwright is None:
        reason = "no Chromium (apt-get install chromium) or no playwright (pip)"
        if os.environ.get("NNLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Browser tests are required here (NNLAB_REQUIRE_BROWSER=1): {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, streamlit_server):
    """A fresh browser page (own session) sized like a classroom projector."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    browser_page = context.new_page()
    browser_page.base_url = streamlit_server  # type: ignore[attr-defined]
    yield browser_page
    context.close()
