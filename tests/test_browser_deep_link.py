"""A fresh server whose first request is a deep link still runs the whole app shell."""

from __future__ import annotations

import pytest
from conftest import run_streamlit_server
from helpers import wait_for_idle

pytestmark = pytest.mark.browser


def test_first_request_to_a_page_url_gets_navigation_and_language_switch(browser) -> None:
    from playwright.sync_api import expect

    with run_streamlit_server() as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            page.goto(f"{url}/evaluate?lang=ko")
            wait_for_idle(page)
            navigation = page.get_by_test_id("stSidebarNav")
            expect(navigation).to_contain_text("만들고 학습하기")
            expect(navigation).not_to_contain_text("_common")
            expect(page.get_by_text("English")).to_be_visible()
        finally:
            context.close()
