"""Shared fixtures: offline data, tiny data, fake and real engines, an app server, Chromium."""

from __future__ import annotations

import contextlib
import gc
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

from helpers import TinyData, tiny_mnist  # noqa: E402  (needs the repository on sys.path)

# --- test lanes ----------------------------------------------------------------------------------
# `python -m pytest -m "not slow and not browser" -n 2` is the fast lane. A test that starts
# Chromium or an app server is a browser test whatever its module declares, so the lane can never
# start one.
BROWSER_FIXTURES = frozenset({"browser", "page", "streamlit_server", "streamlit_home"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: the added marks must count
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a browser or app-server fixture `browser`."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


# --- the garbage collector and TensorFlow ---------------------------------------------------------
# Importing TensorFlow leaves about a million long-lived objects that every full collection walks
# again: measured on the fast lane, each AppTest run became 3-4x slower in a process that had
# imported it (tests/test_build_page.py 11 s -> 46 s). Once a big import has arrived, the objects
# alive then are frozen out of the collector's sight (gc.freeze); garbage is collected first, so
# nothing a test left behind is kept.
_MODULES_AT_LAST_FREEZE = 0
_NEW_MODULES_WORTH_A_FREEZE = 300


def _freeze_after_big_imports() -> None:
    """gc.collect + gc.freeze when many modules arrived since the last time (TensorFlow: ~2,000)."""
    global _MODULES_AT_LAST_FREEZE
    if len(sys.modules) - _MODULES_AT_LAST_FREEZE >= _NEW_MODULES_WORTH_A_FREEZE:
        gc.collect()
        gc.freeze()
        _MODULES_AT_LAST_FREEZE = len(sys.modules)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection imported (a test module may import TensorFlow at its top)."""
    _freeze_after_big_imports()


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Freeze once a test has imported TensorFlow (or anything as big) for the tests after it."""
    _freeze_after_big_imports()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """When a browser test fails, keep what every open page showed (before teardown closes them).

    CI prints only text: each page's address and visible text go into the report; full-page
    screenshots go to tests/.screenshots/failed/ for a local run.
    """
    outcome = yield
    report = outcome.get_result()
    launched = getattr(item, "funcargs", {}).get("browser")
    if report.when != "call" or not report.failed or launched is None:
        return
    from helpers import SCREENSHOT_DIR

    folder = SCREENSHOT_DIR / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    pages = [open_page for context in launched.contexts for open_page in context.pages]
    for number, open_page in enumerate(pages, start=1):
        with contextlib.suppress(Exception):  # a crashed page must not hide the real failure
            open_page.screenshot(path=str(folder / f"{item.name}-{number}.png"), full_page=True)
            text = open_page.locator("section.stMain").inner_text(timeout=5_000)
            item.add_report_section(
                "call", f"page {number} {open_page.url}", text[:6_000] or "(no text)"
            )


@pytest.fixture(scope="session")
def tiny() -> TinyData:
    """600 training and 200 test images of MNIST, shared read-only by the tests that train."""
    return tiny_mnist()


# --- the training engine the pages see ------------------------------------------------------------
# A fast test never starts the real engine (its workers import TensorFlow): every test gets a
# FakeEngine (tests/fake_engine.py) as the process-wide engine, unless it is marked slow or asks
# for a real one (`real_engine`; `engine` is test_engine.py's own Engine).
REAL_ENGINE_FIXTURES = frozenset({"real_engine", "session_engine", "engine"})
# One TensorFlow import per worker per session, not per module: the session's engine keeps both
# workers however long the tests between two of its users take.
SESSION_ENGINE_WORKERS = 2
SESSION_WORKER_IDLE_S = 3600


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch):
    """An in-memory engine as `nnlab.engine.factory.get_engine()` (what pages use) for this test."""
    from fake_engine import FakeEngine

    import nnlab.engine.factory

    fake = FakeEngine()
    monkeypatch.setattr(nnlab.engine.factory, "_ENGINE", fake)
    return fake


@pytest.fixture(autouse=True)
def _pages_get_a_fake_engine(request: pytest.FixtureRequest) -> None:
    """Install `fake_engine` for every fast test that did not ask for a real engine."""
    if request.node.get_closest_marker("slow") is not None:
        return
    if REAL_ENGINE_FIXTURES & set(request.fixturenames):
        return
    request.getfixturevalue("fake_engine")


@pytest.fixture(scope="session")
def session_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The process-wide engine (what the pages get) for the whole session, its workers started.

    Its own NNLAB_HOME (an empty SQLite store in a temporary folder), two workers (the drills
    train a crowd; the machine's cores are shared) that stay for the session. The settings are
    in the environment only while the engine starts (it reads them then), so no other test
    inherits them. Tests share it by using fresh lab ids; `real_engine` checks each test leaves
    it idle.
    """
    from nnlab.engine.factory import get_engine, reset_engine

    reset_engine()
    patch = pytest.MonkeyPatch()
    patch.setenv("NNLAB_HOME", str(tmp_path_factory.mktemp("engine-home")))
    patch.delenv("NNLAB_DATABASE_URL", raising=False)
    patch.setenv("NNLAB_WORKERS", str(SESSION_ENGINE_WORKERS))
    patch.setenv("NNLAB_WORKER_IDLE_S", str(SESSION_WORKER_IDLE_S))
    try:
        running = get_engine()
        running.warm_up()
    finally:
        patch.undo()
    yield running
    reset_engine()


@pytest.fixture
def real_engine(session_engine, request: pytest.FixtureRequest) -> Iterator[object]:
    """The session's real engine for one test, which must leave no run training or queued."""
    import nnlab.engine.factory

    # A fake engine installed by an earlier test is gone (monkeypatch undid it); the pages must
    # get this one.
    assert nnlab.engine.factory.get_engine() is session_engine, "the process-wide engine changed"
    yield session_engine
    deadline = time.monotonic() + 120
    while session_engine.load() != (0, 0):
        if time.monotonic() > deadline:
            pytest.fail(f"{request.node.name} left runs in the engine: {session_engine.load()}")
        time.sleep(0.05)  # polling interval: a stopped run ends after its current batch


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
def run_streamlit_server(extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Start `streamlit run app.py` on a free port, yield its base URL, stop it afterwards.

    Each server gets its own empty run store (NNLAB_HOME in a fresh temporary folder, unless
    `extra_env` names one), so tests never see runs of another server or of the developer's lab.
    """
    import tempfile

    port = _free_port()
    home = tempfile.mkdtemp(prefix="nnlab-test-home-")
    env = dict(os.environ, NNLAB_OFFLINE="1", PYTHONUNBUFFERED="1", NNLAB_HOME=home)
    env.pop("NNLAB_DATABASE_URL", None)
    env.update(extra_env or {})
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
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            shutil.rmtree(home, ignore_errors=True)


# The one app server of the session, shared by every browser test module (one server start, one
# set of worker starts). Its settings are those a class needs: two workers, and a short abandon
# time so a closed tab's queued run is cancelled within a test (tests that queue nothing are not
# affected: only queued runs of labs that show no page are cancelled). Tests keep apart by
# fresh browser contexts, so each has its own session and lab.
SERVER_WORKERS = 2
SERVER_ABANDON_S = 8


@pytest.fixture(scope="session")
def streamlit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """NNLAB_HOME of the session's app server: tests that create a class open its store."""
    return tmp_path_factory.mktemp("server-home")


@pytest.fixture(scope="session")
def streamlit_server(streamlit_home: Path) -> Iterator[str]:
    """One app server shared by the browser tests; yields its base URL."""
    env = {
        "NNLAB_HOME": str(streamlit_home),
        "NNLAB_WORKERS": str(SERVER_WORKERS),
        "NNLAB_ABANDON_S": str(SERVER_ABANDON_S),
    }
    with run_streamlit_server(env) as url:
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


# --- class mode: shared by test_class_join.py and test_class_locks.py -----------------------


@pytest.fixture
def app_py_runs_every_time(monkeypatch):
    """Run app.py on every AppTest run, as the server does once it left pages/ directory mode.

    AppTest resets Streamlit to that mode before each run, so a second run would execute the
    page file alone: no join link, no class lookup, no locks from app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def classes(fake_engine, tmp_path):
    """A real class store (SQLite in a temporary folder) behind the fake engine."""
    from nnlab.classroom.service import class_store
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    store = Store(sqlite_url(tmp_path / "classes.sqlite3"))
    fake_engine.store = store
    yield class_store(store)
    store.close()
