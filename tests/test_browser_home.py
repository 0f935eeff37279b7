"""The home page in a real browser: the server starts, the page renders, a screenshot is kept."""

from __future__ import annotations

import time

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


def _cookie(context, name: str, deadline_s: float = 15.0) -> dict:
    """The browser's cookie `name`, once the page's script has set it (it runs after the run)."""
    deadline = time.monotonic() + deadline_s
    while True:
        found = [cookie for cookie in context.cookies() if cookie["name"] == name]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no {name} cookie was set"
        time.sleep(0.05)  # polling interval


def test_the_lab_cookie_is_lax_and_secure_on_https(page, browser) -> None:
    from urllib.parse import parse_qs, urlsplit

    from playwright.sync_api import expect

    from pages.common.lab import LAB_COOKIE, cookie_script

    # The real app over http (as `streamlit run` serves it): the cookie holds the URL's lab.
    page.goto(page.base_url)
    wait_for_idle(page)
    expect(page.get_by_role("heading", name="NN Lab")).to_be_visible()
    lab = parse_qs(urlsplit(page.url).query)["lab"][0]
    cookie = _cookie(page.context, LAB_COOKIE)
    assert (cookie["value"], cookie["sameSite"], cookie["secure"]) == (lab, "Lax", False)
    assert cookie["expires"] - time.time() > 170 * 86400  # kept for COOKIE_DAYS (180)

    # The same script on an https site (Cloud): Secure as well. Served by Playwright's router,
    # so no certificate is needed.
    context = browser.new_context()
    try:
        https_page = context.new_page()
        html = f"<html><body>{cookie_script('AbCdEf0123456789abcdef')}</body></html>"
        https_page.route(
            "https://lab.test/**",
            lambda route: route.fulfill(status=200, content_type="text/html", body=html),
        )
        https_page.goto("https://lab.test/")
        cookie = _cookie(context, LAB_COOKIE)
        assert (cookie["value"], cookie["sameSite"], cookie["secure"]) == (
            "AbCdEf0123456789abcdef",
            "Lax",
            True,
        )
    finally:
        context.close()


def test_korean_lines_break_between_words_not_syllables(page) -> None:
    from playwright.sync_api import expect

    def word_break() -> str:
        paragraph = page.get_by_test_id("stMain").locator("p").first
        expect(paragraph).to_be_visible()
        return paragraph.evaluate("element => getComputedStyle(element).wordBreak")

    page.goto(page.base_url + "/?lang=ko")
    wait_for_idle(page)
    assert word_break() == "keep-all"  # "옵티마이저" stays whole in a narrow column
    page.goto(page.base_url + "/?lang=en")
    wait_for_idle(page)
    assert word_break() != "keep-all"  # English keeps Streamlit's own rule
