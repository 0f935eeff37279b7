"""Screenshot every page in headless Chromium, per language and viewport, for review and the README.

    python scripts/take_screenshots.py                         # all of them: docs/screenshots/
    python scripts/take_screenshots.py --out /tmp/s            # somewhere else
    python scripts/take_screenshots.py --lang ko --viewports 820x1180t

Starts `streamlit run app.py` on a free port (offline, bundled data), opens each page of the app's
page table (pages.common.navigation.PAGES) in a fresh tab, waits for Streamlit to finish its
script run, and saves a full-page PNG named `<page>-<lang>-<W>x<H>[-touch].png`. A viewport
ending in `t` is a touch tablet (touch events, but not a phone's mobile viewport). `build.png`
(the README's picture) is Build & Train while a small Fashion-MNIST run trains. Needs Debian's
chromium and playwright (dev tools).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from conftest import CHROMIUM_FLAGS, run_streamlit_server  # noqa: E402

from pages.common.browser import TABLET_MAX_WIDTH  # noqa: E402
from pages.common.navigation import PAGES, Page  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from playwright.sync_api import Page as BrowserPage

# Pages skipped because they cannot be opened without a class: the class board (class_board)
# opens only from a teacher's link (?class_key=..., made when a class is created on Classroom).
NEEDS_A_CLASS = frozenset({"class_board"})
LANGUAGES = ("en", "ko")
DEFAULT_VIEWPORTS = "1366x768,1920x1080,820x1180t"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
DRAWN = '[data-testid="stMain"] h1, [data-testid="stException"]'
# What a page draws after its script run that RENDERED does not see, by page key: the drawing
# canvas is a component that fills its shadow root a moment later (the container is CANVAS_BOX
# in pages/3_draw.py; Playwright's CSS locators see into open shadow roots).
DRAWN_LATER = {"draw": ".st-key-draw_canvas_box canvas"}
LOAD_TIMEOUT_MS = 120_000  # a page's first run imports TensorFlow
# A run small enough to show a few epochs within a minute on two cores.
TRAINING_LINK = "build_and_train?preset=t004_relu100&n=3000&ep=6&lang={lang}"
# Everything drawn after the script run, where it shows (not in a closed tab): web fonts, images,
# widgets (Streamlit draws a grey skeleton until a widget's code has loaded) and charts (Vega and
# Graphviz draw a canvas or an svg into their container a moment after their data has arrived).
RENDERED = """() => {
  const shown = selector => [...document.querySelectorAll(selector)]
    .filter(element => element.checkVisibility());
  return document.fonts.status === "loaded"
    && [...document.images].every(image => image.complete)
    && shown('[data-testid^="stSkeleton"], [data-testid="stAppSkeleton"]').length === 0
    && shown('[data-testid="stVegaLiteChart"], [data-testid="stGraphVizChart"]')
         .every(chart => chart.querySelector("canvas, svg"));
}"""
# How tall the page is with nothing scrolled: Streamlit scrolls its main area inside the window,
# so the document alone is no taller than the viewport.
CONTENT_HEIGHT = """() => Math.max(document.documentElement.scrollHeight,
  ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')]
     .map(element => element.scrollHeight))"""


@dataclass(frozen=True)
class Viewport:
    """A browser window size, and whether it is a touch tablet."""

    width: int
    height: int
    touch: bool = False

    @property
    def label(self) -> str:
        """The file name part: `1366x768`, or `820x1180-touch` for a touch tablet."""
        return f"{self.width}x{self.height}" + ("-touch" if self.touch else "")


def parse_viewports(text: str) -> list[Viewport]:
    """`1366x768,820x1180t` -> viewports; a trailing `t` marks a touch tablet."""
    viewports = []
    for item in text.split(","):
        match = re.fullmatch(r"\s*(\d+)x(\d+)(t?)\s*", item)
        if match is None:
            raise argparse.ArgumentTypeError(f"not a viewport like 1366x768 or 820x1180t: {item!r}")
        width, height, touch = match.groups()
        viewports.append(Viewport(int(width), int(height), touch == "t"))
    return viewports


def parse_languages(text: str) -> list[str]:
    """`en,ko` -> ["en", "ko"], each one the app knows."""
    languages = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [language for language in languages if language not in LANGUAGES]
    if unknown or not languages:
        raise argparse.ArgumentTypeError(f"languages are {', '.join(LANGUAGES)}: {text!r}")
    return languages


def page_link(entry: Page, lang: str) -> str:
    """The page's address below the server, in this language."""
    # The home page is the default page, which Streamlit serves at the root.
    path = "" if entry.file is None else entry.url_path
    return f"{path}?lang={lang}"


def wait_until_drawn(page: BrowserPage, viewport: Viewport) -> None:
    """Wait for the script run to end and for what the browser draws after it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    # Before the first run the app is idle too, with nothing drawn: wait for the page's title (or
    # the exception that stopped it) first.
    expect(page.locator(DRAWN).first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(IDLE)).to_be_attached(timeout=LOAD_TIMEOUT_MS)
    if viewport.touch and viewport.width <= TABLET_MAX_WIDTH:
        # The app closes the sidebar on a touch tablet (pages.common.browser); wait until it
        # has slid away. If it stays, the screenshot shows that.
        try:
            expect(page.get_by_test_id("stSidebar")).not_to_be_in_viewport(timeout=10_000)
        except AssertionError:
            print("  the sidebar stayed open on a touch tablet")
    try:
        page.wait_for_function(RENDERED, timeout=LOAD_TIMEOUT_MS)
    except PlaywrightTimeoutError:
        print("  still loading after", LOAD_TIMEOUT_MS // 1000, "s: the screenshot shows it")


def screenshot_full_page(page: BrowserPage, viewport: Viewport, path: Path) -> None:
    """Save the whole page: the window grows to the content's height for the screenshot."""
    height = viewport.height
    for _ in range(5):  # content drawn at the new height can make the page taller again
        content = page.evaluate(CONTENT_HEIGHT)
        if content <= height:
            break
        height = content
        page.set_viewport_size({"width": viewport.width, "height": height})
        wait_until_drawn(page, viewport)
    page.screenshot(path=str(path), full_page=True)


def screenshot_pages(
    browser: Browser, url: str, viewports: list[Viewport], languages: list[str], out: Path
) -> None:
    """Save every page that opens without a class, in each language and viewport."""
    from playwright.sync_api import expect

    for viewport in viewports:
        context = browser.new_context(
            viewport={"width": viewport.width, "height": viewport.height},
            has_touch=viewport.touch,
            is_mobile=False,
        )
        for lang in languages:
            for entry in PAGES:
                if entry.key in NEEDS_A_CLASS:
                    continue
                # A fresh tab each time: the app's once-per-tab behaviour (the tablet sidebar)
                # happens on every screenshot, as on a first visit.
                page = context.new_page()
                page.goto(f"{url}/{page_link(entry, lang)}")
                wait_until_drawn(page, viewport)
                if entry.key in DRAWN_LATER:
                    later = page.locator(DRAWN_LATER[entry.key]).first
                    expect(later).to_be_visible(timeout=LOAD_TIMEOUT_MS)
                name = f"{entry.key}-{lang}-{viewport.label}.png"
                screenshot_full_page(page, viewport, out / name)
                page.close()
                print("saved", name)
        context.close()


def screenshot_training(browser: Browser, url: str, out: Path) -> None:
    """The README's picture: Build & Train's curves growing while a run trains."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/{TRAINING_LINK.format(lang='en')}")
    expect(page.locator(IDLE)).to_be_attached(timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("button", name="Train", exact=True).click()
    epochs = page.locator(".st-key-b_live_metrics").get_by_test_id("stMetric").first
    expect(epochs).to_contain_text(re.compile(r"[4-6] / 6"), timeout=300_000)
    # The live column (Train, the run's metrics and curves) sits beside the settings.
    live = page.locator(".st-key-b_live_column")
    live.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.wait_for_function(RENDERED, timeout=LOAD_TIMEOUT_MS)
    page.screenshot(path=str(out / "build.png"))
    print("saved build.png")
    context.close()


def main() -> None:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--viewports",
        type=parse_viewports,
        default=parse_viewports(DEFAULT_VIEWPORTS),
        help=f"comma-separated WxH, a trailing t for a touch tablet (default {DEFAULT_VIEWPORTS})",
    )
    parser.add_argument(
        "--lang",
        type=parse_languages,
        default=list(LANGUAGES),
        help=f"comma-separated languages (default {','.join(LANGUAGES)})",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with run_streamlit_server() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS
        )
        screenshot_pages(browser, url, args.viewports, args.lang, args.out)
        screenshot_training(browser, url, args.out)
        browser.close()


if __name__ == "__main__":
    main()
