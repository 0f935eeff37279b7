"""A RunSpec in the Build & Train widgets' session state, and back.

Presets and share links load a spec the same way: `load_spec` writes every value into the widget
keys before the widgets are created; `read_spec` builds a RunSpec from those keys (ValueError if
the settings are invalid). Streamlit forgets a widget's value when the widget is not drawn (on
another page, or hidden by a teacher's link), so `remember` keeps a plain copy of every value and
`restore` puts back what Streamlit dropped.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from nnlab import registry
from nnlab.spec import LayerSpec, RunSpec, SpecError

PREFIX = "build."
DATASET = "build.dataset"
USE_ALL_IMAGES = "build.use_all_images"
TRAIN_SIZE = "build.train_size"
VALIDATION = "build.validation"
VALIDATION_SPLIT = "build.validation_split"
LAYER_IDS = "build.layer_ids"  # order of the hidden layers, as ids into the per-layer keys
NEXT_LAYER_ID = "build.next_layer_id"
DROPOUT_RATE = "build.dropout_rate"
L2_WEIGHT_DECAY = "build.l2_weight_decay"
OUTPUT_ACTIVATION = "build.output_activation"
LOSS = "build.loss"
OPTIMIZER = "build.optimizer"
LEARNING_RATE = "build.learning_rate"
MOMENTUM = "build.momentum"
NESTEROV = "build.nesterov"
EPOCHS = "build.epochs"
BATCH_SIZE = "build.batch_size"
EARLY_STOPPING = "build.early_stopping"
PATIENCE = "build.patience"
RESTORE_BEST = "build.restore_best_weights"
SEED = "build.seed"
PRESET_KEY = "build.preset_key"  # the preset the settings came from, or None
SNAPSHOT_KEY = "build_snapshot"  # not a widget key: Streamlit never drops it
DEFAULT_TRAIN_SIZE = 1_000  # offered when the student switches "all images" off
DEFAULT_PATIENCE = 2
LAYER_FIELDS = ("kind", "units", "filters", "kernel_size", "activation")
# Schedule and augmentation settings (pages/_build_diagnostics.py): widget key = PREFIX + name.
LEARN_FIELDS = (
    "lr_schedule",
    "lr_decay_factor",
    "lr_decay_epochs",
    "augment_shift",
    "augment_rotation",
    "augment_zoom",
    "augment_noise",
)


def widget_key(field_name: str) -> str:
    """The widget key of a RunSpec field drawn by one widget of the same name."""
    return PATIENCE if field_name == "early_stopping_patience" else PREFIX + field_name


def layer_key(layer_id: int, field: str) -> str:
    """The widget key of one field of one hidden layer."""
    return f"build.layer.{layer_id}.{field}"


def _write_layer(layer_id: int, layer: LayerSpec) -> None:
    for field in LAYER_FIELDS:
        st.session_state[layer_key(layer_id, field)] = getattr(layer, field)


def _new_layer_id() -> int:
    layer_id = st.session_state.get(NEXT_LAYER_ID, 0)
    st.session_state[NEXT_LAYER_ID] = layer_id + 1
    return layer_id


def load_spec(spec: RunSpec, preset_key: str | None = None) -> None:
    """Write `spec` into the widgets' session-state keys (call before the widgets are drawn)."""
    state = st.session_state
    state[DATASET] = spec.dataset
    state[USE_ALL_IMAGES] = spec.train_size is None
    state[TRAIN_SIZE] = spec.train_size if spec.train_size is not None else DEFAULT_TRAIN_SIZE
    state[VALIDATION] = spec.validation
    state[VALIDATION_SPLIT] = float(spec.validation_split)
    layer_ids = []
    for layer in spec.hidden_layers:
        layer_id = _new_layer_id()
        _write_layer(layer_id, layer)
        layer_ids.append(layer_id)
    state[LAYER_IDS] = layer_ids
    state[DROPOUT_RATE] = float(spec.dropout_rate)
    state[L2_WEIGHT_DECAY] = float(spec.l2_weight_decay)
    state[OUTPUT_ACTIVATION] = spec.output_activation
    state[LOSS] = spec.loss
    state[OPTIMIZER] = spec.optimizer
    state[LEARNING_RATE] = float(spec.learning_rate)
    state[MOMENTUM] = float(spec.momentum)
    state[NESTEROV] = spec.nesterov
    state[EPOCHS] = spec.epochs
    state[BATCH_SIZE] = spec.batch_size
    state[EARLY_STOPPING] = spec.early_stopping_patience > 0
    state[PATIENCE] = spec.early_stopping_patience or DEFAULT_PATIENCE
    state[RESTORE_BEST] = spec.restore_best_weights
    state[SEED] = spec.seed
    for name in LEARN_FIELDS:  # float widgets need floats, even for a link's "0"
        value = getattr(spec, name)
        state[PREFIX + name] = float(value) if name.startswith(("augment", "lr_decay_f")) else value
    state[PRESET_KEY] = preset_key
    remember()


def read_layers() -> tuple[LayerSpec, ...]:
    """The hidden layers as the widgets show them; ValueError names the layer that is wrong."""
    layers = []
    for position, layer_id in enumerate(st.session_state.get(LAYER_IDS, []), start=1):
        values = {field: st.session_state.get(layer_key(layer_id, field)) for field in LAYER_FIELDS}
        defaults = LayerSpec()
        values = {
            field: getattr(defaults, field) if value is None else value
            for field, value in values.items()
        }
        try:
            layers.append(LayerSpec(**values))
        except SpecError as error:
            raise SpecError("spec.error.in_layer", position=position, error=error) from None
    return tuple(layers)


def read_spec() -> RunSpec:
    """The RunSpec the widgets describe; SpecError (a ValueError) if the settings are invalid."""
    state = st.session_state
    optimizer = registry.OPTIMIZERS.get(state.get(OPTIMIZER))
    taken = optimizer.settings if optimizer else ()
    early = bool(state.get(EARLY_STOPPING))
    values: dict[str, Any] = {
        "dataset": state.get(DATASET),
        "train_size": None if state.get(USE_ALL_IMAGES, True) else state.get(TRAIN_SIZE),
        "validation": state.get(VALIDATION),
        "validation_split": state.get(VALIDATION_SPLIT),
        "hidden_layers": read_layers(),
        "dropout_rate": state.get(DROPOUT_RATE),
        "l2_weight_decay": state.get(L2_WEIGHT_DECAY),
        "output_activation": state.get(OUTPUT_ACTIVATION),
        "loss": state.get(LOSS),
        "optimizer": state.get(OPTIMIZER),
        "learning_rate": state.get(LEARNING_RATE),
        "epochs": state.get(EPOCHS),
        "batch_size": state.get(BATCH_SIZE),
        "early_stopping_patience": state.get(PATIENCE) if early else 0,
        "restore_best_weights": bool(state.get(RESTORE_BEST, True)),
        "seed": state.get(SEED),
    }
    values.update({name: state.get(PREFIX + name) for name in LEARN_FIELDS})
    defaults = RunSpec()
    schedule = registry.LR_SCHEDULES.get(values["lr_schedule"])
    for name in registry.schedule_settings():  # settings the schedule does not take: defaults
        if schedule is None or name not in schedule.settings:
            values[name] = getattr(defaults, name)
    # Settings the optimizer does not take (SGD's momentum...) have no widget: their defaults.
    for name in registry.optimizer_settings():
        values[name] = state.get(widget_key(name)) if name in taken else getattr(defaults, name)
    for name, value in values.items():
        if value is None and name != "train_size":
            values[name] = getattr(defaults, name)
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
    return [
        field.name
        for field in dataclasses.fields(RunSpec)
        if getattr(spec, field.name) != getattr(reference, field.name)
    ]
