"""The Build & Train settings as widgets: Data, Architecture and Training groups.

Each setting is drawn by `spec_field` (pages.build.field_widgets) from the field table; the
learning-rate and augmentation tools beside them come from pages.build.setting_tools.
"""

from __future__ import annotations

import streamlit as st

from nnlab.core import choices, fields
from nnlab.core.fields import defaults
from nnlab.core.formatting import count
from nnlab.core.runs import split_sizes
from nnlab.core.shapes import MAX_HIDDEN_LAYERS
from nnlab.core.spec import LayerSpec, RunSpec, group_fields
from nnlab.core.summary import layer_rows, network_dot
from nnlab.data.datasets import load_dataset
from pages.build import spec_widgets as keys
from pages.build.field_widgets import spec_field
from pages.build.setting_tools import augmentation_controls, learning_rate_controls
from pages.common.ui import is_hidden, is_locked, lang, t

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
.st-key-b_live_nudge { display: none; }
@media (max-width: 640px) {
  [data-testid="stLayoutWrapper"]:has(> .st-key-b_live_column) { position: static; }
  .st-key-b_live_column { max-height: none; overflow: visible; }
}
</style>"""


def _on_optimizer_change() -> None:
    """Offer the new optimizer's usual learning rate; reset the settings it does not take."""
    optimizer = choices.OPTIMIZERS.get(st.session_state.get(keys.widget_key("optimizer")))
    if optimizer is None:
        return
    if not is_locked("learning_rate"):
        st.session_state[keys.LEARNING_RATE] = float(optimizer.default_learning_rate)
    initial = defaults(RunSpec)
    for name in group_fields(fields.OPTIMIZER):
        if name not in optimizer.settings:
            st.session_state[keys.widget_key(name)] = initial[name]


def data_controls() -> None:
    """Data set, how many training images, and what to validate on."""
    spec_field("dataset")
    spec_field("train_size")
    if spec_field("validation") == "split":
        spec_field("validation_split")
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
    spec_field("output_activation", where=left)
    spec_field("dropout_rate", where=right)
    spec_field("l2_weight_decay", where=left)


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
    spec_field("loss")  # a row of its own: the loss names are long
    left, right = st.columns(2)
    with left:
        spec_field("optimizer", on_change=_on_optimizer_change)
        spec_field("learning_rate")
        optimizer = choices.OPTIMIZERS.get(st.session_state.get(keys.widget_key("optimizer")))
        for name in optimizer.settings if optimizer else ():  # the settings this one takes
            spec_field(name)
    with right:
        for name in ("epochs", "batch_size"):
            spec_field(name)
        _batch_notice(spec)
        spec_field("seed")
    with left:
        if spec_field("early_stopping_patience") is not None:  # None: switched off or hidden
            spec_field("restore_best_weights")
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
