"""A RunSpec in the Build & Train widgets' session state, and back.

Presets and share links load a spec the same way: `load_spec` writes every value into the widget
keys before the widgets are created; `read_spec` builds a RunSpec from those keys (ValueError if
the settings are invalid). Both walk the field table (nnlab.core.fields), so a new setting needs
nothing here: its key is `widget_key(name)`, "build." + its name. Streamlit forgets a widget's
value when the widget is not drawn (on another page, or hidden by a teacher's link), so `remember`
keeps a plain copy of every value and `restore` puts back what Streamlit dropped.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from nnlab.core import choices, fields
from nnlab.core.fields import Field, defaults, table
from nnlab.core.spec import LayerSpec, RunSpec, SpecError, group_fields

PREFIX = "build."
LAYER_IDS = "build.layer_ids"  # order of the hidden layers, as ids into the per-layer keys
NEXT_LAYER_ID = "build.next_layer_id"
PRESET_KEY = "build.preset_key"  # the preset the settings came from, or None
SNAPSHOT_KEY = "build_snapshot"  # not a widget key: Streamlit never drops it


def widget_key(field_name: str) -> str:
    """The widget key of a RunSpec field: PREFIX + its name (or the table's `key` for it)."""
    info = table(RunSpec).get(field_name)
    return PREFIX + (info.key if info is not None and info.key else field_name)


def switch_key(field_name: str) -> str:
    """The key of the toggle that says whether a field's widget is used (Field.switch)."""
    return PREFIX + table(RunSpec)[field_name].switch


DATASET = widget_key("dataset")
LEARNING_RATE = widget_key("learning_rate")


def layer_key(layer_id: int, field: str) -> str:
    """The widget key of one field of one hidden layer."""
    return f"build.layer.{layer_id}.{field}"


def _write_layer(layer_id: int, layer: LayerSpec) -> None:
    for field in table(LayerSpec):
        st.session_state[layer_key(layer_id, field)] = getattr(layer, field)


def _new_layer_id() -> int:
    layer_id = st.session_state.get(NEXT_LAYER_ID, 0)
    st.session_state[NEXT_LAYER_ID] = layer_id + 1
    return layer_id


def _write_field(name: str, info: Field, value: Any) -> None:
    """One field's value into its widget keys (a switched field: its toggle and its widget)."""
    state = st.session_state
    if info.kind == "layers":
        layer_ids = []
        for layer in value:
            layer_id = _new_layer_id()
            _write_layer(layer_id, layer)
            layer_ids.append(layer_id)
        state[LAYER_IDS] = layer_ids
        return
    if info.switch:
        used = value != info.unused
        state[switch_key(name)] = used == info.switch_uses_widget
        value = value if used else info.idle
    state[widget_key(name)] = info.widget_value(value)


def _read_field(name: str, info: Field) -> Any:
    """One field's value as its widgets hold it (None: not there)."""
    state = st.session_state
    if info.kind == "layers":
        return read_layers()
    if info.switch:
        toggle = state.get(switch_key(name))
        used = toggle is not None and bool(toggle) == info.switch_uses_widget
        if not used:
            return info.unused
    return state.get(widget_key(name))


def load_spec(spec: RunSpec, preset_key: str | None = None) -> None:
    """Write `spec` into the widgets' session-state keys (call before the widgets are drawn)."""
    for name, info in table(RunSpec).items():
        _write_field(name, info, getattr(spec, name))
    st.session_state[PRESET_KEY] = preset_key
    remember()


def read_layers() -> tuple[LayerSpec, ...]:
    """The hidden layers as the widgets show them; ValueError names the layer that is wrong."""
    layers = []
    initial = defaults(LayerSpec)
    for position, layer_id in enumerate(st.session_state.get(LAYER_IDS, []), start=1):
        values = {field: st.session_state.get(layer_key(layer_id, field)) for field in initial}
        values = {
            field: initial[field] if value is None else value for field, value in values.items()
        }
        try:
            layers.append(LayerSpec(**values))
        except SpecError as error:
            raise SpecError("spec.error.in_layer", position=position, error=error) from None
    return tuple(layers)


def read_spec() -> RunSpec:
    """The RunSpec the widgets describe; SpecError (a ValueError) if the settings are invalid."""
    spec_fields = table(RunSpec)
    initial = defaults(RunSpec)
    values = {name: _read_field(name, info) for name, info in spec_fields.items()}
    for name, value in values.items():
        if value is None and not spec_fields[name].optional:
            values[name] = initial[name]
    # Settings the optimizer or the schedule does not take have no widget: their defaults.
    optimizer = choices.OPTIMIZERS.get(values["optimizer"])
    schedule = choices.LR_SCHEDULES.get(values["lr_schedule"])
    for group, entry in ((fields.OPTIMIZER, optimizer), (fields.SCHEDULE, schedule)):
        for name in group_fields(group):
            if entry is None or name not in entry.settings:
                values[name] = initial[name]
    return RunSpec(**values)


def ensure_initialised() -> None:
    """On the first visit, fill the widgets from the default spec; later, restore dropped keys."""
    if SNAPSHOT_KEY not in st.session_state:
        load_spec(RunSpec())
    else:
        restore()


def remember() -> None:
    """Keep a plain copy of every Build & Train value (Streamlit drops undrawn widgets' keys)."""
    st.session_state[SNAPSHOT_KEY] = {
        key: value
        for key, value in st.session_state.items()
        if isinstance(key, str) and key.startswith(PREFIX)
    }


def restore() -> None:
    """Put back every value Streamlit dropped since `remember` (e.g. after a page switch)."""
    for key, value in st.session_state.get(SNAPSHOT_KEY, {}).items():
        if key not in st.session_state:
            st.session_state[key] = value


# --- editing the list of hidden layers (button callbacks: they run before the next script run) --


def add_layer(kind: str) -> None:
    """Add a Dense layer at the end, or a conv block after the last conv block."""
    layer_ids = list(st.session_state.get(LAYER_IDS, []))
    layer_id = _new_layer_id()
    if kind == "conv":
        _write_layer(layer_id, LayerSpec.conv(32, 3))
        kinds = [st.session_state.get(layer_key(i, "kind")) for i in layer_ids]
        position = sum(1 for found in kinds if found == "conv")
        layer_ids.insert(position, layer_id)
    else:
        _write_layer(layer_id, LayerSpec.dense(64))
        layer_ids.append(layer_id)
    st.session_state[LAYER_IDS] = layer_ids


def remove_layer(layer_id: int) -> None:
    """Remove one hidden layer."""
    st.session_state[LAYER_IDS] = [i for i in st.session_state.get(LAYER_IDS, []) if i != layer_id]


def move_layer(layer_id: int, step: int) -> None:
    """Move a hidden layer up (step -1) or down (step +1)."""
    layer_ids = list(st.session_state.get(LAYER_IDS, []))
    position = layer_ids.index(layer_id)
    target = position + step
    if 0 <= target < len(layer_ids):
        layer_ids[position], layer_ids[target] = layer_ids[target], layer_ids[position]
        st.session_state[LAYER_IDS] = layer_ids


def changed_fields(spec: RunSpec, reference: RunSpec) -> list[str]:
    """Names of the RunSpec fields where `spec` differs from `reference`."""
    return [name for name in table(RunSpec) if getattr(spec, name) != getattr(reference, name)]
