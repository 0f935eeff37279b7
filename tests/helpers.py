"""Helpers for AppTest and real-browser tests (tests import them as `from helpers import ...`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnlab.core.runs import EpochRow

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_PATH = str(REPO_ROOT / "app.py")
SCREENSHOT_DIR = REPO_ROOT / "tests" / ".screenshots"


def page_files() -> list[str]:
    """Every page script in navigation order, from the app's own page table (home excluded)."""
    from pages.common.navigation import PAGES

    return [entry.file for entry in PAGES if entry.file is not None]


@dataclass(frozen=True)
class TinyData:
    """A Dataset-like slice of the MNIST sample: a run needs only the four arrays."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def tiny_mnist(train: int = 600, test: int = 200) -> TinyData:
    """The first `train` training and `test` test images of MNIST (offline: the bundled sample)."""
    from nnlab.data.datasets import load_dataset

    mnist = load_dataset("mnist")
    return TinyData(
        mnist.x_train[:train], mnist.y_train[:train], mnist.x_test[:test], mnist.y_test[:test]
    )


def figures(history) -> list[dict]:
    """A history (EpochRows or their dicts) without wall-clock seconds, which differ by nature."""
    rows = [row.to_dict() if isinstance(row, EpochRow) else row for row in history]
    return [{key: value for key, value in row.items() if key != "seconds"} for row in rows]


def wait_until(
    condition: Callable[[], bool], timeout_s: float = 120, what: str = "condition"
) -> None:
    """Poll `condition` until it holds; TimeoutError after `timeout_s` seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)  # polling interval, not a wait for a result
    raise TimeoutError(f"{what} not met within {timeout_s} s")


def app_test(timeout_s: float = 120, language: str = "en"):
    """An AppTest of the whole app (navigation included), not yet run."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP_PATH, default_timeout=timeout_s)
    app.query_params["lang"] = language
    return app


def wait_for_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the Streamlit script run has finished (Streamlit's own e2e idiom)."""
    from playwright.sync_api import expect

    expect(
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    ).to_be_attached(timeout=timeout_ms)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/.screenshots/ and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- the app server's processes (Linux /proc), for the class tests --------------------------------


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return b""


def _parent(pid: int) -> int:
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return 0
    return int(re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE).group(1))


def _serves(pid: int, server_url: str) -> bool:
    port = server_url.rsplit(":", 1)[1].encode()
    command = _cmdline(pid)
    return b"streamlit" in command and b"--server.port " + port in command


def server_pid(server_url: str) -> int:
    """The process id of the Streamlit server at `server_url`."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _serves(int(entry.name), server_url):
            return int(entry.name)
    raise AssertionError(f"no streamlit process serves {server_url}")


def worker_pids(server_url: str) -> list[int]:
    """The training worker processes of the server at `server_url` (its spawned children)."""
    server = server_pid(server_url)
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    return [pid for pid in pids if _parent(pid) == server and b"spawn" in _cmdline(pid)]
