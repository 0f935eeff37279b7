"""Every page renders in both languages with no exception (AppTest, no browser)."""

from __future__ import annotations

import pytest
from helpers import app_test

PAGES = [
    "pages/1_build_and_train.py",
    "pages/2_evaluate.py",
    "pages/3_draw.py",
    "pages/4_inside.py",
    "pages/5_classroom.py",
]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_home_renders(language: str) -> None:
    app = app_test(language=language)
    app.run()
    assert not app.exception
    assert app.title[0].value.endswith("NN Lab")


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("page_path", PAGES)
def test_page_renders(page_path: str, language: str) -> None:
    app = app_test(language=language)
    app.run()
    app.switch_page(page_path).run()
    assert not app.exception, app.exception
