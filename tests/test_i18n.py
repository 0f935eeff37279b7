"""English and Korean: every text has both, every key the UI uses exists, pages render in both."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from helpers import app_test

from nnlab.core.challenges import CHALLENGES
from nnlab.core.links import SPEC_FIELDS
from nnlab.i18n import LANGUAGES, catalogue, check_catalogue, translate

REPO_ROOT = Path(__file__).resolve().parent.parent
UI_FILES = [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "pages").glob("*.py"))]
LIBRARY_FILES = sorted((REPO_ROOT / "nnlab").rglob("*.py"))
TEXT_FUNCTIONS = {"t", "translate"}


def _text_calls(path: Path) -> list[tuple[int, ast.expr]]:
    """(line, first argument) of every t(...) / translate(...) call in a file."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if isinstance(node.func, ast.Attribute):
            name = node.func.attr
        if name in TEXT_FUNCTIONS:
            calls.append((node.lineno, node.args[0]))
    return calls


def _key_prefix(argument: ast.expr) -> str | None:
    """The constant start of an f-string key like f"field.{name}" (None if not an f-string)."""
    if isinstance(argument, ast.JoinedStr) and argument.values:
        first = argument.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def test_catalogue_is_complete_in_both_languages() -> None:
    assert check_catalogue() == []
    assert tuple(LANGUAGES) == ("en", "ko")
    for key, (english, korean) in catalogue().items():
        assert english.strip() and korean.strip(), key


def test_korean_texts_are_korean() -> None:
    # A Korean entry copied from English by mistake would hold no Hangul at all. Short labels
    # that are the same in both languages (names, units) are the exception.
    hangul = re.compile(r"[\uac00-\ud7a3]")
    copied = [
        key
        for key, (english, korean) in catalogue().items()
        if not hangul.search(korean) and english == korean and len(english) > 12
    ]
    assert copied == []


def _unclosable_bold(text: str) -> list[str]:
    """**bold** spans Markdown will not close: punctuation before the closing ** and a letter
    right after it, as in Korean "**97 %**에" (CommonMark prints the asterisks instead)."""
    parts = text.split("**")
    problems = []
    for index in range(1, len(parts) - 1, 2):  # parts[index] is inside a bold span
        inside, after = parts[index], parts[index + 1]
        if (
            inside
            and after
            and not inside[-1].isalnum()
            and inside[-1] not in "}"
            and (after[0].isalnum())
        ):
            problems.append(f"**{inside}**{after[:3]}")
    return problems


def test_bold_markdown_closes_in_both_languages() -> None:
    problems = {
        key: found
        for key, pair in catalogue().items()
        for text in pair
        if (found := _unclosable_bold(text))
    }
    assert problems == {}


@pytest.mark.parametrize("path", UI_FILES + LIBRARY_FILES, ids=lambda p: p.name)
def test_every_text_key_in_the_code_exists(path: Path) -> None:
    keys = catalogue()
    missing = []
    for line, argument in _text_calls(path):
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            if argument.value not in keys:
                missing.append(f"line {line}: {argument.value}")
        elif (prefix := _key_prefix(argument)) is not None and not any(
            key.startswith(prefix) for key in keys
        ):
            missing.append(f"line {line}: {prefix}…")
    assert missing == []


def test_keys_built_at_run_time_exist() -> None:
    keys = catalogue()
    from nnlab.core.links import LinkNotice  # noqa: F401  (the kinds below are its documented kinds)

    for kind in ("unknown_param", "bad_value", "unknown_preset", "unknown_field", "bad_language"):
        assert f"share.notice.{kind}" in keys
    for field in SPEC_FIELDS:
        assert f"field.{field}" in keys
    for challenge in CHALLENGES.values():
        assert challenge.title_key in keys and challenge.goal_key in keys
    source = (REPO_ROOT / "nnlab" / "core" / "challenges.py").read_text(encoding="utf-8")
    for key in set(re.findall(r'"(challenge\.msg\.[a-z_]+)"', source)):
        assert key in keys, key
    codegen = (REPO_ROOT / "nnlab" / "core" / "codegen.py").read_text(encoding="utf-8")
    for name in set(re.findall(r'comment\("([a-z_]+)"', codegen)):
        assert f"code.{name}" in keys, name


def test_explained_topics_have_title_and_text() -> None:
    from pages.classroom.share import EXPLAINED_TOPICS

    for topic in EXPLAINED_TOPICS:
        for part in ("title", "text"):
            assert f"explain.{topic}.{part}" in catalogue()
    assert {"activation", "loss", "optimizer", "epoch", "batch"} <= set(EXPLAINED_TOPICS)


def test_placeholders_fill_in_both_languages() -> None:
    for language in LANGUAGES:
        text = translate("classroom.done_count", language, done=2, total=4)
        assert "2" in text and "4" in text


# Every page rendering in both languages with no missing text: tests/test_pages_render.py.


def test_language_switch_applies_at_once_and_sticks_across_pages() -> None:
    # AppTest drops the entry script's sidebar after switch_page, so switch on the home page.
    app = app_test(language="en")
    app.run()
    app.segmented_control(key="language_choice").set_value("ko").run()
    assert not app.exception
    assert app.session_state["lang"] == "ko"
    app.switch_page("pages/5_classroom.py").run()
    assert not app.exception
    assert app.title[0].value.endswith("교실")
    assert app.subheader[0].value.endswith(translate(CHALLENGES["mnist_small"].title_key, "ko"))
