"""Every page renders in both languages (AppTest, no browser): no exception, no missing text.

These renders are the fast lane's coverage of the pages: keep them free of training.
"""

from __future__ import annotations

import re

import pytest
from helpers import app_test, page_files

# A key translate() could not find shows as "[area.key]".
MISSING_MARKER = re.compile(r"\[[a-z_]+(\.[a-z0-9_]+)+\]")


def _visible_texts(app) -> list[str]:
    texts = [element.value for element in app.markdown]
    texts += [element.value for element in app.caption]
    texts += [element.value for element in (*app.title, *app.header, *app.subheader)]
    texts += [element.label for element in app.button]
    texts += [element.body for element in (*app.info, *app.warning, *app.error, *app.success)]
    return [str(text) for text in texts]


def _assert_rendered_in_full(app) -> None:
    assert not app.exception, app.exception
    missing = [text for text in _visible_texts(app) if MISSING_MARKER.search(text)]
    assert missing == []


@pytest.mark.parametrize("language", ["en", "ko"])
def test_home_renders(language: str) -> None:
    app = app_test(language=language)
    app.run()
    _assert_rendered_in_full(app)
    assert app.title[0].value.endswith("NN Lab")


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("page_path", page_files())
def test_page_renders(page_path: str, language: str) -> None:
    app = app_test(language=language)
    app.run()
    app.switch_page(page_path).run()
    _assert_rendered_in_full(app)
