"""Screenshot every page in headless Chromium, in English and Korean, for review and the README.

    python scripts/take_screenshots.py               # every page, both languages: docs/screenshots/
    python scripts/take_screenshots.py --out /tmp/s  # somewhere else

Starts `streamlit run app.py` on a free port (offline, bundled data), opens each page, waits for
Streamlit to finish its script run, and saves a PNG. `build.png` (the README's picture) is Build &
Train while a small Fashion-MNIST run trains. Needs Debian's chromium and playwright (dev tools).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT / "tests")]

from conftest import CHROMIUM_FLAGS, run_streamlit_server  # noqa: E402

PAGES = {"home": "", "build_and_train": "build_and_train", "evaluate": "evaluate", "draw": "draw"}
PAGES |= {"inside": "inside", "classroom": "classroom"}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# A run small enough to show a few epochs within a minute on two cores.
TRAINING_LINK = "build_and_train?preset=t004_relu100&n=3000&ep=6&lang={lang}"


def main() -> None:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import expect, sync_playwright

    with run_streamlit_server() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS
        )
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        for lang in ("en", "ko"):
            for name, path in PAGES.items():
                page.goto(f"{url}/{path}?lang={lang}")
                expect(page.locator(IDLE)).to_be_attached(timeout=120_000)
                page.screenshot(path=str(args.out / f"{name}_{lang}.png"))
                print("saved", name, lang)
        # The README's picture: curves growing while a run trains.
        page.goto(f"{url}/{TRAINING_LINK.format(lang='en')}")
        expect(page.locator(IDLE)).to_be_attached(timeout=120_000)
        page.get_by_role("button", name="Train", exact=True).click()
        epochs = page.locator(".st-key-b_live_metrics").get_by_test_id("stMetric").first
        expect(epochs).to_contain_text(re.compile(r"[4-6] / 6"), timeout=300_000)
        heading = page.get_by_role("heading", name="Training live")
        heading.evaluate("element => element.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(args.out / "build.png"))
        print("saved build.png")
        browser.close()


if __name__ == "__main__":
    main()
