"""Every page of the page table renders in both languages (AppTest, no browser): no exception, no
missing text; and every page url the library links to is in that table.

These renders are the fast lane's coverage of the pages: keep them free of training.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from helpers import app_test

from pages.common.navigation import PAGES, Page

REPO_ROOT = Path(__file__).resolve().parent.parent
# A key translate() could not find shows as "[area.key]".
MISSING_MARKER = re.compile(r"\[[a-z_]+(\.[a-z0-9_]+)+\]")


def _visible_texts(app) -> list[str]:
    texts = [element.value for element in app.markdown]
    texts += [element.value for element in app.caption]
    texts += [element.value for element in (*app.title, *app.header, *app.subheader)]
    texts += [element.label for element in app.button]
    texts += [element.body for element in (*app.info, *app.warning, *app.error, *app.success)]
    return [str(text) for text in texts]


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("entry", PAGES, ids=lambda entry: entry.key)
def test_page_renders(entry: Page, language: str) -> None:
    app = app_test(language=language)
    app.run()
    if entry.file is not None:  # Home is what the app opens on
        app.switch_page(entry.file).run()
    assert not app.exception, app.exception
    missing = [text for text in _visible_texts(app) if MISSING_MARKER.search(text)]
    assert missing == []
    if entry.file is None:
        assert app.title[0].value.endswith("NN Lab")


def test_the_page_table_is_the_apps_pages() -> None:
    assert [entry.url_path for entry in PAGES] == [
        "home",
        "build_and_train",
        "evaluate",
        "draw",
        "inside",
        "classroom",
        "class_board",
    ]
    assert [entry.key for entry in PAGES if entry.file is None] == ["home"]
    scripts = sorted(str(path.relative_to(REPO_ROOT)) for path in REPO_ROOT.glob("pages/*.py"))
    assert sorted(entry.file for entry in PAGES if entry.file) == scripts


def _page_paths_named_in_nnlab() -> dict[str, str]:
    """Where nnlab names a page url (a `*_PAGE_PATH` constant, a `page=` default) -> the url."""
    named = {}
    for path in sorted((REPO_ROOT / "nnlab").rglob("*.py")):
        where = str(path.relative_to(REPO_ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id.endswith("_PAGE_PATH"):
                        named[f"{where}:{target.id}"] = node.value.value
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args.args + node.args.kwonlyargs
                defaults = [None] * (len(node.args.args) - len(node.args.defaults))
                defaults += [*node.args.defaults, *node.args.kw_defaults]
                for argument, default in zip(arguments, defaults, strict=True):
                    if argument.arg == "page" and isinstance(default, ast.Constant):
                        named[f"{where}:{node.name}(page=)"] = default.value
    return named


def test_every_page_url_the_library_names_is_in_the_page_table() -> None:
    named = _page_paths_named_in_nnlab()
    assert any(key.endswith("BOARD_PAGE_PATH") for key in named), named  # the class links
    assert any(key.endswith("link_url(page=)") for key in named), named  # share links
    # "" is the app's own address, which opens the default page (Home).
    known = {entry.url_path for entry in PAGES} | {""}
    unknown = {where: url for where, url in named.items() if url not in known}
    assert not unknown, f"these url paths are not in pages/common/navigation.py PAGES: {unknown}"
