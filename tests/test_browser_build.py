"""Build & Train in a real browser: load a preset, train it on tiny data, stop a second run,
then see the run on the Evaluate page. Screenshots of both pages are kept."""

from __future__ import annotations

import re

import pytest
from helpers import screenshot, wait_for_idle

pytestmark = pytest.mark.browser

PRESET_TITLE = "003 · MNIST 784-512-10, ReLU + RMSprop, one-hot labels"


def _set_number(page, label: str, value: int) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    wait_for_idle(page)


def test_preset_train_stop_and_evaluate(page) -> None:
    from playwright.sync_api import expect

    # In through the sidebar, as students do. (Opening /build directly sometimes shows Streamlit's
    # "Page not found" dialog while a pages/ folder sits beside app.py: see the report.)
    page.goto(page.base_url)
    wait_for_idle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Build & Train").click()
    wait_for_idle(page)
    expect(page.get_by_role("heading", name="Build & Train")).to_be_visible()
    # No TensorFlow yet: the live preview of the default network is already there.
    expect(page.get_by_text("Trainable parameters")).to_be_visible()

    screenshot(page, "build_first_paint")
    page.get_by_role("tab", name="003 · Deep Learning with Python").click()
    page.get_by_role("button", name=PRESET_TITLE).click()
    wait_for_idle(page)
    expect(page.get_by_text("Settings from the preset")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("407,050")

    page.get_by_text("Use every training image").click()
    wait_for_idle(page)
    # Small batches make each epoch last long enough to watch the count grow.
    _set_number(page, "Training images to use", 600)
    _set_number(page, "Epochs", 10)
    _set_number(page, "Batch size", 10)
    expect(page.get_by_text("This run will train on 600 images")).to_be_visible()
    expect(page.get_by_text("changed: Training-set size, Epochs, Batch size")).to_be_visible()

    page.get_by_role("button", name="Train", exact=True).click()
    epochs = page.locator(".st-key-b_live_metrics").get_by_test_id("stMetric").first
    # The epoch count grows while the page stays live (the fragment redraws itself): 10 epochs
    # of 60 batches last long enough to be seen part way, however fast the worker trains.
    expect(epochs).to_contain_text(re.compile(r"^\D*[1-9] / 10"), timeout=300_000)
    # While it trains, every refresh stamps the page and the watchdog is armed.
    stamp = page.locator("[data-nnlab-refresh]")
    first = stamp.get_attribute("data-nnlab-refresh")
    expect(stamp).not_to_have_attribute("data-nnlab-refresh", first, timeout=30_000)
    assert page.evaluate("window.nnlabWatch.active") is True
    # Its nudge is a button nobody sees; pressed, the page runs again and the panel goes on.
    nudge = page.locator(".st-key-b_live_nudge")
    expect(nudge).to_be_hidden()
    page.evaluate("document.querySelector('.st-key-b_live_nudge button').click()")
    second = stamp.get_attribute("data-nnlab-refresh")
    expect(stamp).not_to_have_attribute("data-nnlab-refresh", second, timeout=30_000)
    expect(epochs).to_contain_text("10 / 10", timeout=300_000)
    expect(page.get_by_text(re.compile(r"Finished 10 epoch"))).to_be_visible(timeout=60_000)
    wait_for_idle(page)
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts.filter(has_text="Loss")).not_to_have_count(0)
    comparison = page.get_by_text("Tutorial vs this run")
    expect(comparison).to_be_visible()
    page.locator(".st-key-b_live_charts").scroll_into_view_if_needed()
    screenshot(page, "build_after_run")

    # A second, longer run: Stop ends it after the current batch and keeps what it learned.
    _set_number(page, "Epochs", 200)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text(re.compile(r"Epoch \d+/200 · batch"))).to_be_visible(timeout=300_000)
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_text(re.compile(r"Stopped after \d+ epoch"))).to_be_visible(timeout=60_000)
    wait_for_idle(page)
    expect(page.get_by_text("#2 · MNIST 784-512-10 RMSprop").first).to_be_visible()
    page.get_by_role("heading", name="Run history").scroll_into_view_if_needed()
    screenshot(page, "build_after_stop")

    page.get_by_test_id("stSidebarNav").get_by_text("Evaluate").click()
    wait_for_idle(page, timeout_ms=120_000)
    expect(page.get_by_role("heading", name="Misclassified samples")).to_be_visible(timeout=300_000)
    expect(page.get_by_text(re.compile(r"Label: .+ · Predict: ")).first).to_be_visible()
    screenshot(page, "evaluate_after_build")


def test_train_and_the_live_view_stay_in_sight_on_a_laptop(browser, streamlit_server) -> None:
    """1366x768: Train and the live panel are in view without scrolling, and stay there while
    the settings scroll; a run's curves appear in view too."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"{streamlit_server}/?lang=en")
        wait_for_idle(page)
        page.get_by_test_id("stSidebarNav").get_by_text("Build & Train").click()
        wait_for_idle(page)
        train = page.get_by_role("button", name="Train", exact=True)
        live = page.locator(".st-key-b_live_column")
        expect(train).to_be_in_viewport(ratio=1)
        expect(live).to_be_in_viewport()
        # Scroll the settings (the mouse over the left column) down to the Training group.
        page.mouse.move(500, 500)
        page.mouse.wheel(0, 2500)
        training = page.get_by_role("heading", name="Training", exact=True)
        expect(training).to_be_in_viewport()
        expect(page.get_by_role("heading", name="Build & Train")).not_to_be_in_viewport()
        expect(train).to_be_in_viewport(ratio=1)
        screenshot(page, "build_1366_scrolled")

        _set_number(page, "Epochs", 30)
        page.get_by_text("Use every training image").click()
        wait_for_idle(page)
        _set_number(page, "Training images to use", 1000)
        _set_number(page, "Batch size", 10)
        train.click()
        epochs = page.locator(".st-key-b_live_metrics").get_by_test_id("stMetric").first
        expect(epochs).to_contain_text(re.compile(r"^\D*([2-9]|[12][0-9]) / 30"), timeout=300_000)
        # Mid-run, still scrolled down at the settings: the count and the curves are in view.
        expect(training).to_be_in_viewport()
        expect(epochs).to_be_in_viewport(ratio=1)
        expect(page.get_by_role("button", name="Stop", exact=True)).to_be_in_viewport(ratio=1)
        loss_chart = page.locator(".st-key-b_live_charts").get_by_test_id("stVegaLiteChart").first
        expect(loss_chart).to_be_in_viewport(ratio=0.9)
        screenshot(page, "build_1366_training")
        page.get_by_role("button", name="Stop", exact=True).click()
        expect(page.get_by_text(re.compile(r"Stopped after \d+ epoch"))).to_be_visible(
            timeout=60_000
        )
    finally:
        context.close()


def test_the_watchdog_nudges_a_page_whose_live_panel_stopped_refreshing(browser) -> None:
    from pages.build.live import WATCHDOG_JS

    page = browser.new_page()
    try:
        page.set_content('<span data-nnlab-refresh="0"></span>')
        # (A function, not an expression: Playwright calls an expression's function value.)
        page.evaluate(
            "() => { window.nnlabNudge = () => { window.nudges = (window.nudges || 0) + 1; }; }"
        )
        # A panel that refreshes every 0.5 s keeps the page as it is...
        page.evaluate(
            """window.ticks = 0; window.ticker = setInterval(() => {
                 window.ticks += 1;
                 document.querySelector("[data-nnlab-refresh]")
                   .setAttribute("data-nnlab-refresh", String(window.ticks));
               }, 500);"""
        )
        script = WATCHDOG_JS % {"active": "true", "limit_ms": 2500}
        page.add_script_tag(content=script.removeprefix("<script>").removesuffix("</script>"))
        page.wait_for_function("window.ticks >= 12", timeout=30_000)
        assert page.evaluate("window.nudges") is None
        # ... and one that stopped gets a nudge (a full run) once its last refresh is older than
        # the limit.
        page.evaluate("clearInterval(window.ticker)")
        page.wait_for_function("window.nudges === 1", timeout=30_000)
        # No run active (the full run re-arms it with active: false): no more nudges.
        page.evaluate("window.nnlabWatch.active = false; window.nudges = 0;")
        page.evaluate("window.nnlabWatch.limitMs = 100")
        # Four polls a second apart: the watchdog (each second) looked at least three times.
        page.wait_for_function(
            "(window.polls = (window.polls || 0) + 1) > 4", polling=1000, timeout=30_000
        )
        assert page.evaluate("window.nudges") == 0
    finally:
        page.close()
