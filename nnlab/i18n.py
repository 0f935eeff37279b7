"""English and Korean UI text: `translate(key, lang)` over the catalogues in `nnlab/locales/`.

Each module in `nnlab/locales/` defines `TEXTS = {"area.key": ("English", "한국어"), ...}`; the
pair shape makes a missing translation impossible to write, and `check_catalogue` catches empty
or mismatched ones. Text may hold `{placeholders}` filled from keyword arguments.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import string

LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
_LANGUAGE_INDEX = {code: position for position, code in enumerate(LANGUAGES)}


@functools.cache
def catalogue() -> dict[str, tuple[str, str]]:
    """Every key with its (English, Korean) text, merged from all locale modules."""
    import nnlab.locales as locales

    merged: dict[str, tuple[str, str]] = {}
    for module_info in pkgutil.iter_modules(locales.__path__):
        module = importlib.import_module(f"nnlab.locales.{module_info.name}")
        for key, pair in module.TEXTS.items():
            if key in merged:
                raise ValueError(f"Text key {key!r} is defined twice (again in {module.__name__}).")
            merged[key] = pair
    return merged


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled from `values`."""
    pair = catalogue().get(key)
    if pair is None:
        # A visible marker rather than a crash: a missing key must never take a page down.
        return f"[{key}]"
    text = pair[_LANGUAGE_INDEX.get(lang, 0)]
    return text.format(**values) if values else text


def normalise_language(value: object) -> str:
    """A supported language code, falling back to English."""
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE


def check_catalogue() -> list[str]:
    """Problems in the catalogue: empty text, wrong shape, or placeholders that differ."""
    problems = []
    for key, pair in catalogue().items():
        if not (isinstance(pair, tuple) and len(pair) == len(LANGUAGES)):
            problems.append(f"{key}: needs one text per language {tuple(LANGUAGES)}")
            continue
        if not all(isinstance(text, str) and text.strip() for text in pair):
            problems.append(f"{key}: a translation is empty")
            continue
        fields = [
            {name for _, name, _, _ in string.Formatter().parse(text) if name} for text in pair
        ]
        if any(names != fields[0] for names in fields):
            problems.append(f"{key}: placeholders differ between languages {fields}")
    return problems
