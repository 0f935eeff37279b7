"""Steering a run in a real browser: pause, a new learning rate, resume, stop, continue."""

from __future__ import annotations

import re

import pytest
from helpers import screenshot, wait_for_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Tutorial 000's sigmoid net on 2,000 images for up to 200 epochs: it trains until stopped.
LONG_LINK = "/build_and_train?preset=t000_sigmoid_mse&n=2000&ep=200&lang=en"


def test_pause_change_the_rate_resume_stop_and_continue(page) -> None:
    from playwright.sync_api import expect

    page.goto(page.base_url + LONG_LINK)
    wait_for_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    status = page.locator(".st-key-b_live_status")
    epochs = page.locator(".st-key-b_live_metrics").get_by_test_id("stMetric").first
    expect(epochs).to_contain_text(re.compile(r"[1-9]\d* / 200"), timeout=300_000)

    status.get_by_role("button", name="Pause").click()
    expect(status.get_by_text(re.compile("Paused after epoch"))).to_be_visible(timeout=60_000)
    held = epochs.text_content()
    expect(status.get_by_role("button", name="Resume")).to_be_visible()
    # While paused the run stays where it is: the epoch count does not move between refreshes.
    wait_for_idle(page)
    expect(epochs).to_have_text(held)

    status.get_by_role("button", name="Learning rate").click()
    rate = page.get_by_role("dialog").get_by_role("spinbutton", name="Learning rate")
    rate.fill("0.5")
    rate.press("Enter")
    page.get_by_role("dialog").get_by_role("button", name="Use this rate").click()
    expect(page.get_by_text("Learning rate 0.5 from the next batch on.")).to_be_visible()
    page.keyboard.press("Escape")

    status.get_by_role("button", name="Resume").click()
    expect(status.get_by_role("button", name="Pause")).to_be_visible(timeout=60_000)
    expect(epochs).not_to_have_text(held, timeout=120_000)  # training goes on
    screenshot(page, "run_controls_training")

    status.get_by_role("button", name="Stop").click()
    expect(status.get_by_text(re.compile(r"Stopped after (\d+) epoch"))).to_be_visible(
        timeout=120_000
    )
    done = int(re.search(r"Stopped after (\d+) epoch", status.inner_text())[1])

    more = page.get_by_label("More epochs")
    more.fill("2")
    more.press("Enter")
    wait_for_idle(page)
    page.get_by_role("button", name="Continue training").click()
    expect(status.get_by_text(re.compile(rf"Finished {done + 2} epoch"))).to_be_visible(
        timeout=300_000
    )
    expect(epochs).to_contain_text(f"{done + 2} / {done + 2}")
    screenshot(page, "run_controls_continued")
