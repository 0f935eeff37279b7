"""Helpers for AppTest and real-browser tests (tests import them as `from helpers import ...`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_PATH = str(REPO_ROOT / "app.py")
SCREENSHOT_DIR = REPO_ROOT / "tests" / ".screenshots"


def page_files() -> list[str]:
    """Every page script in navigation order, from the app's own page table (home excluded)."""
    from nnlab.registry import PAGES

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
    from nnlab.datasets import load_dataset

    mnist = load_dataset("mnist")
    return TinyData(
        mnist.x_train[:train], mnist.y_train[:train], mnist.x_test[:test], mnist.y_test[:test]
    )


def figures(history) -> list[dict]:
    """A history without wall-clock seconds, which differ between runs by nature."""
    return [{key: value for key, value in row.items() if key != "seconds"} for row in history]


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
