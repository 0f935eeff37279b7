"""The home page in a real browser: the server starts, the page renders, a screenshot is kept."""

from __future__ import annotations

import pytest
from helpers import screenshot, wait_for_idle

pytestmark = pytest.mark.browser


def test_home_page_renders_in_chromium(page) -> None:
    from playwright.sync_api import expect

    page.goto(page.base_url)
    wait_for_idle(page)
    expect(page.get_by_role("heading", name="NN Lab")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Build & Train")
    assert screenshot(page, "home").stat().st_size > 10_000
