"""WCAG 2.2 AA on every page, checked by axe-core in the browser: no serious or critical violation.

axe-core comes from the npm registry (`.ci/run` installs the pinned version; locally:
`npm install --prefix ~/.cache/nnlab/axe axe-core@4.14.1`, or point NNLAB_AXE_JS at axe.min.js).
Every page is opened as a student first sees it, in the normal look and in projector mode, and
the class board in its light and dark looks; the page is checked once its script run ended.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers import wait_for_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_VERSION = "4.14.1"
DEFAULT_AXE = Path.home() / ".cache/nnlab/axe/node_modules/axe-core/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = ["/", "/build_and_train", "/evaluate", "/draw", "/inside", "/classroom"]
RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return result.violations
        .filter((violation) => ["serious", "critical"].includes(violation.impact))
        .map((violation) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            nodes: violation.nodes.slice(0, 3).map((node) => {
                const why = (node.failureSummary || "").slice(0, 200);
                return `${node.html.slice(0, 120)} :: ${why}`;
            }),
        }));
}"""


@pytest.fixture(scope="module")
def axe_script() -> str:
    """axe-core's source; skipped without it, a failure where browser tests are required."""
    path = Path(os.environ.get("NNLAB_AXE_JS") or DEFAULT_AXE)
    if path.is_file():
        return path.read_text()
    install = f"npm install --prefix ~/.cache/nnlab/axe axe-core@{AXE_VERSION}"
    reason = f"no axe-core at {path}: {install}"
    if os.environ.get("NNLAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"The accessibility tests are required here: {reason}")
    pytest.skip(reason)
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def board_key(streamlit_home: Path) -> str:
    """A class in the shared server's store, for its board."""
    from nnlab.classroom.service import class_store
    from nnlab.core.spec import RunSpec
    from nnlab.store.database import DATABASE_FILE_NAME, sqlite_url
    from nnlab.store.store import Store

    store = Store(sqlite_url(streamlit_home / DATABASE_FILE_NAME))
    try:
        _, key = class_store(store).create_class("Accessible class", RunSpec())
    finally:
        store.close()
    return key


def violations(page, axe_script: str, settle_s: float = 10.0) -> list[dict]:
    """The page's serious and critical WCAG 2.2 AA violations, once its script run ended.

    Streamlit fades elements in, and those of a fragment that refreshes while axe reads the page
    (the board's) are drawn faded for a moment: the page passes once a reading within `settle_s`
    is clean (each reading takes axe a few hundred milliseconds), so only lasting ones fail.
    """
    wait_for_idle(page)
    page.add_script_tag(content=axe_script)
    deadline = time.monotonic() + settle_s
    found = page.evaluate(RUN_AXE, WCAG_TAGS)
    while found and time.monotonic() < deadline:
        found = page.evaluate(RUN_AXE, WCAG_TAGS)
    return found


@pytest.mark.parametrize("look", ["normal", "projector"])
def test_every_page_has_no_serious_accessibility_violation(
    browser, streamlit_server, axe_script, look
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    found = {}
    try:
        for path in PAGES:
            query = "?lang=en" + ("&projector=1" if look == "projector" else "")
            page.goto(streamlit_server + path + query)
            expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=60_000)
            found[path] = violations(page, axe_script)
    finally:
        context.close()
    assert not any(found.values()), {path: issues for path, issues in found.items() if issues}


def test_the_class_board_has_no_serious_violation_in_either_look(
    browser, streamlit_server, axe_script, board_key
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        page.goto(f"{streamlit_server}/class_board?class_key={board_key}&lang=en")
        expect(page.get_by_role("heading", name="Accessible class")).to_be_visible(timeout=60_000)
        light = violations(page, axe_script)
        page.get_by_text("Dark", exact=True).click()
        expect(page.locator('[data-testid="stApp"]')).to_have_css(
            "background-color", "rgb(11, 16, 32)"
        )
        dark = violations(page, axe_script)
    finally:
        context.close()
    assert light == [] and dark == [], {"light": light, "dark": dark}


def test_the_draw_page_after_a_stroke_has_no_serious_violation(
    browser, streamlit_server, axe_script
) -> None:
    from playwright.sync_api import expect

    # The canvas's toolbar (its own buttons, in a shadow root) shows once something is drawn.
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{streamlit_server}/draw?lang=en")
        canvas = page.locator("canvas.upper-canvas")
        canvas.wait_for(state="visible")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        x = box["x"] + box["width"] / 2
        page.mouse.move(x, box["y"] + box["height"] * 0.2)
        page.mouse.down()
        page.mouse.move(x, box["y"] + box["height"] * 0.8, steps=8)
        page.mouse.up()
        expect(page.get_by_test_id("stMetric").filter(has_text="Prediction")).to_be_visible()
        found = violations(page, axe_script)
    finally:
        context.close()
    assert found == [], found
