"""One spec field as its widget, drawn from the field table.

`spec_field` draws any RunSpec or LayerSpec field from its entry in the field table
(nnlab.core.fields: label, help, bounds, step, widget, switch), so the widgets cannot disagree with
the validation. Every widget reads and writes its value through the session-state keys of
`pages.build.spec_widgets` (no `value=` arguments), obeys a teacher's locks (`disabled`) and hidden
fields (not drawn). Number inputs take any number:
an out-of-range one shows the spec's message beside it and makes the spec invalid (Train disabled).
Used by the settings groups (pages.build.controls) and the tools beside them
(pages.build.setting_tools).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from nnlab.core import choices
from nnlab.core.fields import Field, field_info
from nnlab.core.spec import LayerSpec, RunSpec, check_field, field_choices
from pages.build import spec_widgets as keys
from pages.common.ui import is_hidden, is_locked, lang, t


def _choice_labels(name: str) -> dict[Any, str]:
    """What a choice field's options are called (looked up now, in the session's language)."""
    if name == "dataset":
        return {key: entry.title for key, entry in choices.DATASETS.items()}
    if name == "optimizer":
        return {key: entry.title for key, entry in choices.OPTIMIZERS.items()}
    if name == "loss":
        return {key: t(entry.title_key) for key, entry in choices.LOSSES.items()}
    if name == "lr_schedule":
        return {key: t(entry.title_key) for key, entry in choices.LR_SCHEDULES.items()}
    if name in ("validation", "kind"):
        return {value: t(f"build.{name}.{value}") for value in field_choices(name)}
    if name == "kernel_size":
        info = field_info(LayerSpec, name)
        return {side: f"{side}×{side}" for side in range(int(info.min), int(info.max) + 1)}
    return {key: entry.title for key, entry in choices.ACTIVATIONS.items()}


def spec_field(
    name: str,
    key: str | None = None,
    *,
    owner: type = RunSpec,
    where: Any = st,
    locked: bool | None = None,
    on_change: Callable[[], None] | None = None,
) -> Any:
    """Draw one spec field as its widget (None when a teacher hid it) and return its value.

    The widget's default is the value its key holds. Streamlit sends a widget's value to the
    browser only in the run that changed it; a browser that drops a widget's state (its element
    replaced for a moment during a rerun) mounts it again at the default and sends that back. With
    the first option or the minimum as default, settings fell to SGD or the smallest value between
    runs without the student touching them (issue 13). A field with a switch (train_size, early
    stopping) draws its toggle first, and its widget only when the toggle says it is used (None
    otherwise). `key` defaults to the field's widget key.
    """
    if owner is RunSpec and is_hidden(name):
        return None
    info = field_info(owner, name)
    if owner is RunSpec and info.switch and not _switch(name, info):
        return None
    key = key or keys.widget_key(name)
    common = {
        "label": t(info.label),
        "key": key,
        "disabled": is_locked(name) if locked is None else locked,
        "help": t(info.help),
        "on_change": on_change,
    }
    widget = info.widget
    current = st.session_state.get(key)
    if info.kind == "choice" or widget == "select":
        labels = _choice_labels(name)
        options = field_choices(name) if info.kind == "choice" else tuple(labels)
        draw = {"segmented": where.segmented_control, "radio": where.radio}.get(widget)
        if widget == "segmented":
            common.update(required=True, default=current if current in options else None)
        else:
            common["index"] = options.index(current) if current in options else 0
        return (draw or where.selectbox)(
            options=options, format_func=lambda value: labels.get(value, str(value)), **common
        )
    if info.kind == "bool":
        return where.checkbox(value=bool(current), **common)
    number = {"int": int, "float": float}.get(info.kind, float)
    if current is not None:
        common["value"] = number(current)
    if widget == "slider":
        low = info.min + info.step if info.min_open else info.min
        return where.slider(min_value=low, max_value=info.max, step=info.step, **common)
    value = where.number_input(step=number(info.step), format=info.format, **common)
    error = check_field(owner, name, value)
    if error is not None:
        where.error(error.message(lang()), icon=":material/error:")
    return value


def _switch(field_name: str, info: Field) -> bool:
    """The field's toggle build.<switch>, drawn with its lock; True when the widget is used."""
    name = info.switch
    # "All images" explains the training-set size itself; other toggles have their own help.
    help_key = info.help if name == "use_all_images" else f"build.help.{name}"
    key = keys.switch_key(field_name)
    on = st.toggle(
        t(f"build.{name}"),
        value=bool(st.session_state.get(key)),  # see spec_field: the value it holds, as default
        key=key,
        disabled=is_locked(field_name),
        help=t(help_key),
    )
    return on == info.switch_uses_widget
