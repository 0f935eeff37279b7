"""The Build & Train settings as widgets: Data, Architecture and Training groups.

`spec_field` draws any RunSpec or LayerSpec field from its metadata in nnlab.spec (label, help,
bounds, step), so the widgets cannot disagree with the validation. Every widget reads and writes
its value through the session-state keys of `pages._spec_widgets` (no `value=` arguments), obeys
a teacher's locks (`disabled`) and hidden fields (not drawn). Number inputs take any number: an
out-of-range one shows the spec's message beside it and makes the spec invalid (Train disabled).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from nnlab import registry
from nnlab.datasets import load_dataset
from nnlab.formatting import count
from nnlab.model import layer_rows, network_dot
from nnlab.spec import MAX_HIDDEN_LAYERS, LayerSpec, RunSpec, check_field, field_choices
from nnlab.spec import field_metadata as metadata
from nnlab.training import split_sizes
from pages import _spec_widgets as keys
from pages._build_diagnostics import augmentation_controls, learning_rate_controls
from pages._common import is_hidden, is_locked, lang, t

# Build & Train's right-hand column (Train and the live run) stays in view while the settings
# scroll: sticky under Streamlit's header, scrolling inside itself when taller than the window.
# On narrow screens Streamlit stacks the columns and the column flows with the page.
LIVE_COLUMN_CSS = """<style>
[data-testid="stColumn"]:has(.st-key-b_live_column) { align-self: stretch; }
[data-testid="stLayoutWrapper"]:has(> .st-key-b_live_column) {
  position: sticky; top: 3.75rem; z-index: 2;
}
.st-key-b_live_column {
  max-height: calc(100vh - 4.5rem); overflow-y: auto; overflow-x: hidden; padding-right: 0.25rem;
}
.st-key-b_live_metrics [data-testid="stMetricValue"] { font-size: 1.75rem; }
@media (max-width: 640px) {
  [data-testid="stLayoutWrapper"]:has(> .st-key-b_live_column) { position: static; }
  .st-key-b_live_column { max-height: none; overflow: visible; }
}
</style>"""


def _choice_labels(name: str) -> dict[Any, str]:
    """What a choice field's options are called (looked up now, in the session's language)."""
    if name == "dataset":
        return {key: entry.title for key, entry in registry.DATASETS.items()}
    if name == "optimizer":
        return {key: entry.title for key, entry in registry.OPTIMIZERS.items()}
    if name == "loss":
        return {key: t(entry.title_key) for key, entry in registry.LOSSES.items()}
    if name == "lr_schedule":
        return {key: t(entry.title_key) for key, entry in registry.LR_SCHEDULES.items()}
    if name in ("validation", "kind"):
        return {value: t(f"build.{name}.{value}") for value in field_choices(name)}
    if name == "kernel_size":
        meta = metadata(LayerSpec, name)
        return {side: f"{side}×{side}" for side in range(meta["min"], meta["max"] + 1)}
    return {key: entry.title for key, entry in registry.ACTIVATIONS.items()}


def spec_field(
    name: str,
    key: str,
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
    runs without the student touching them (issue 13).
    """
    if owner is RunSpec and is_hidden(name):
        return None
    meta = metadata(owner, name)
    common = {
        "label": t(meta["label"]),
        "key": key,
        "disabled": is_locked(name) if locked is None else locked,
        "help": t(meta["help"]),
        "on_change": on_change,
    }
    widget = meta.get("widget")
    current = st.session_state.get(key)
    if meta["kind"] == "choice" or widget == "select":
        labels = _choice_labels(name)
        options = field_choices(name) if meta["kind"] == "choice" else tuple(labels)
        draw = {"segmented": where.segmented_control, "radio": where.radio}.get(widget)
        if widget == "segmented":
            common.update(required=True, default=current if current in options else None)
        else:
            common["index"] = options.index(current) if current in options else 0
        return (draw or where.selectbox)(
            options=options, format_func=lambda value: labels.get(value, str(value)), **common
        )
    if meta["kind"] == "bool":
        return where.checkbox(value=bool(current), **common)
    number = {"int": int, "float": float}.get(meta["kind"], float)
    if current is not None:
        common["value"] = number(current)
    if widget == "slider":
        low = meta["min"] + meta["step"] if meta.get("min_open") else meta["min"]
        return where.slider(min_value=low, max_value=meta["max"], step=meta["step"], **common)
    value = where.number_input(step=meta["step"], format=meta.get("format"), **common)
    error = check_field(owner, name, value)
    if error is not None:
        where.error(error.message(lang()), icon=":material/error:")
    return value


def _on_optimizer_change() -> None:
    """Offer the new optimizer's usual learning rate; reset the settings it does not take."""
    optimizer = registry.OPTIMIZERS.get(st.session_state.get(keys.OPTIMIZER))
    if optimizer is None:
        return
    if not is_locked("learning_rate"):
        st.session_state[keys.LEARNING_RATE] = float(optimizer.default_learning_rate)
    defaults = RunSpec()
    for name in registry.optimizer_settings():
        if name not in optimizer.settings:
            st.session_state[keys.widget_key(name)] = getattr(defaults, name)


def _switch(field_name: str, name: str) -> bool:
    """The toggle build.<name> that turns a setting's widget on or off (both follow its lock)."""
    help_key = "build.help.train_size" if name == "use_all_images" else f"build.help.{name}"
    key = keys.PREFIX + name
    return st.toggle(
        t(f"build.{name}"),
        value=bool(st.session_state.get(key)),  # see spec_field: the value it holds, as default
        key=key,
        disabled=is_locked(field_name),
        help=t(help_key),
    )


def data_controls() -> None:
    """Data set, how many training images, and what to validate on."""
    spec_field("dataset", keys.DATASET)
    if not is_hidden("train_size") and not _switch("train_size", "use_all_images"):
        spec_field("train_size", keys.TRAIN_SIZE)
    if spec_field("validation", keys.VALIDATION) == "split":
        spec_field("validation_split", keys.VALIDATION_SPLIT)
    augmentation_controls()


def _layer_editor(position: int, layer_id: int, count: int, locked: bool) -> None:
    kind_key = keys.layer_key(layer_id, "kind")
    with st.container(border=True):
        title, up, down, remove = st.columns([6, 1, 1, 1], vertical_alignment="center")
        kind = st.session_state.get(kind_key, "dense")
        title.markdown(f"**{t('build.layer_title', number=position)}** · {t(f'build.kind.{kind}')}")
        for column, action, step, at_end in ((up, "up", -1, 1), (down, "down", 1, count)):
            column.button(
                "",
                icon=f":material/arrow_{action}ward:",
                key=f"b_{action}_{layer_id}",
                on_click=keys.move_layer,
                args=(layer_id, step),
                disabled=locked or position == at_end,
                help=t(f"build.move_{action}"),
            )
        remove.button(
            "",
            icon=":material/delete:",
            key=f"b_remove_{layer_id}",
            on_click=keys.remove_layer,
            args=(layer_id,),
            disabled=locked,
            help=t("build.remove_layer"),
        )
        names = ("filters", "kernel_size") if kind == "conv" else ("units",)
        names = ("kind", *names, "activation")
        # Two per row: four side by side cut "Conv block" to "Conv bloc" in a laptop's column.
        columns = st.columns(2)
        for index, name in enumerate(names):
            spec_field(
                name,
                keys.layer_key(layer_id, name),
                owner=LayerSpec,
                where=columns[index % 2],
                locked=locked,
            )


def architecture_controls() -> None:
    """Hidden layers (add, remove, reorder), output activation, dropout and L2."""
    if not is_hidden("hidden_layers"):
        locked = is_locked("hidden_layers")
        layer_ids = list(st.session_state.get(keys.LAYER_IDS, []))
        st.markdown(f"**{t('build.hidden_layers')}**", help=t("build.help.hidden_layers"))
        if not layer_ids:
            st.caption(t("build.no_hidden_layers"))
        for position, layer_id in enumerate(layer_ids, start=1):
            _layer_editor(position, layer_id, len(layer_ids), locked)
        full = len(layer_ids) >= MAX_HIDDEN_LAYERS
        add_dense, add_conv = st.columns(2)
        for column, kind, help_key in ((add_dense, "dense", None), (add_conv, "conv", "add_conv")):
            column.button(
                t(f"build.add_{kind}"),
                icon=":material/add:",
                key=f"b_add_{kind}",
                on_click=keys.add_layer,
                args=(kind,),
                disabled=locked or full,
                width="stretch",
                help=t(f"build.help.{help_key}") if help_key else None,
            )
    left, right = st.columns(2)
    spec_field("output_activation", keys.OUTPUT_ACTIVATION, where=left)
    spec_field("dropout_rate", keys.DROPOUT_RATE, where=right)
    spec_field("l2_weight_decay", keys.L2_WEIGHT_DECAY, where=left)


def _batch_notice(spec: RunSpec | None) -> None:
    """Say so when the batch is larger than the training images (one step per epoch on all)."""
    if spec is None:
        return
    try:
        dataset = load_dataset(spec.dataset)
    except (OSError, ValueError):
        return  # the Data group already says the data set cannot be loaded
    train_images, _ = split_sizes(spec, dataset.num_train, dataset.num_test)
    if spec.batch_size > train_images:
        st.warning(
            t(
                "build.batch_larger_than_data",
                batch=count(spec.batch_size),
                train=count(train_images),
            ),
            icon=":material/warning:",
        )


def training_controls(spec: RunSpec | None = None) -> None:
    """Loss, optimizer and its settings, epochs, batch size, early stopping and seed."""
    spec_field("loss", keys.LOSS)  # a row of its own: the loss names are long
    left, right = st.columns(2)
    with left:
        spec_field("optimizer", keys.OPTIMIZER, on_change=_on_optimizer_change)
        spec_field("learning_rate", keys.LEARNING_RATE)
        optimizer = registry.OPTIMIZERS.get(st.session_state.get(keys.OPTIMIZER))
        for name in optimizer.settings if optimizer else ():
            spec_field(name, keys.widget_key(name))
    with right:
        for name in ("epochs", "batch_size"):
            spec_field(name, keys.widget_key(name))
        _batch_notice(spec)
        spec_field("seed", keys.widget_key("seed"))
    with left:
        if not is_hidden("early_stopping_patience") and _switch(
            "early_stopping_patience", "early_stopping"
        ):
            spec_field("early_stopping_patience", keys.PATIENCE)
            spec_field("restore_best_weights", keys.RESTORE_BEST)
    learning_rate_controls(spec)


def network_preview(spec: RunSpec) -> None:
    """The network's parameter count, diagram and layer table (plain text: nothing truncated)."""
    st.metric(t("build.preview.parameters"), count(spec.parameter_count()))
    st.graphviz_chart(network_dot(spec, lang()), width="content")
    rows = [
        {
            t("build.preview.layer"): row["layer"],
            t("build.preview.type"): row["type"],
            t("build.preview.output_shape"): row["output_shape"],
            t("build.preview.params"): count(row["params"]),
        }
        for row in layer_rows(spec)
    ]
    st.table(rows, hide_index=True)
