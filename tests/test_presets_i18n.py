"""Every tutorial preset has its title and note in English and Korean, with the same numbers."""

from __future__ import annotations

import re

import pytest

from nnlab.core.presets import PRESETS
from nnlab.i18n import catalogue

NUMBER = re.compile(r"\d[\d,.]*")


@pytest.mark.parametrize("preset_key", sorted(PRESETS))
@pytest.mark.parametrize("part", ["title", "note"])
def test_preset_text_exists_in_both_languages(preset_key: str, part: str) -> None:
    english, korean = catalogue()[f"preset.{preset_key}.{part}"]
    assert english.strip() and korean.strip()
    # A translation must not change a published figure: the same numbers (word order may differ).
    assert sorted(NUMBER.findall(korean)) == sorted(NUMBER.findall(english))


@pytest.mark.parametrize("preset_key", sorted(PRESETS))
def test_english_preset_text_matches_the_library(preset_key: str) -> None:
    # nnlab.core.presets keeps English titles for scripts and benchmarks; the UI text says the same.
    preset = PRESETS[preset_key]
    assert catalogue()[f"preset.{preset_key}.title"][0] == preset.title
    assert catalogue()[f"preset.{preset_key}.note"][0] == preset.note


def test_no_preset_text_without_a_preset() -> None:
    keys = {key.split(".")[1] for key in catalogue() if key.startswith("preset.")}
    assert keys == set(PRESETS)
