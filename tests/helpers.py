"""Helpers for AppTest and real-browser tests (tests import them as `from helpers import ...`)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_PATH = str(REPO_ROOT / "app.py")
SCREENSHOT_DIR = REPO_ROOT / "tests" / ".screenshots"


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
