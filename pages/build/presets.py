"""The tutorials' experiments as one-click presets, grouped by tutorial, with published results."""

from __future__ import annotations

import streamlit as st

from nnlab import PRESETS
from nnlab.core.formatting import percent
from nnlab.core.spec import Preset
from pages.build.runs import preset_result_caption
from pages.common import state
from pages.common.ui import preset_note, preset_title, t

TUTORIAL_ORDER = ("000", "002", "003", "004", "keras-io")


def _load(preset_key: str) -> None:
    """Queue the preset for loading: the page writes it into the widgets at its top."""
    preset = PRESETS[preset_key]
    state.PENDING_SPEC.set((preset.spec, preset.key))


def _published_text(preset: Preset) -> str:
    if not preset.published:
        return t("build.preset.no_published")
    parts = [
        f"{t(f'build.metric.{metric}')} {percent(value)}"
        for metric, value in preset.published.items()
    ]
    return t("build.preset.published", figures=" · ".join(parts))


def _card(preset: Preset, current_key: str | None) -> None:
    with st.container(border=True):
        st.button(
            preset_title(preset.key),
            key=f"b_preset_{preset.key}",
            on_click=_load,
            args=(preset.key,),
            icon=":material/check:" if preset.key == current_key else ":material/play_arrow:",
            type="primary" if preset.key == current_key else "secondary",
            width="stretch",
        )
        st.caption(f"{_published_text(preset)}  \n{preset_note(preset.key)}")
        result = preset_result_caption(preset.key)
        if result:
            st.markdown(f":material/insights: {result}")


def preset_picker(current_key: str | None) -> None:
    """Tabs of presets by tutorial; a click loads one into every widget."""
    groups: dict[str, list[Preset]] = {}
    for preset in PRESETS.values():
        groups.setdefault(preset.tutorial, []).append(preset)
    order = [name for name in TUTORIAL_ORDER if name in groups]
    order += [name for name in groups if name not in order]
    tabs = st.tabs([t(f"build.tutorial.{name}") for name in order])
    for tab, name in zip(tabs, order, strict=True):
        with tab:
            presets = groups[name]
            columns = st.columns(min(3, len(presets)))
            for index, preset in enumerate(presets):
                with columns[index % len(columns)]:
                    _card(preset, current_key)
