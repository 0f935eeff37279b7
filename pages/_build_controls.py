"""The Build & Train settings as widgets: Data, Architecture and Training groups.

Every widget reads and writes its value through the session-state keys of `pages._spec_widgets`
(no `value=` arguments), obeys a teacher's locks (`disabled`) and hidden fields (not drawn), and
carries a short explanation in its `help` tooltip.
"""

from __future__ import annotations

import streamlit as st

from nnlab.spec import (
    DATASETS,
    DEFAULT_LEARNING_RATES,
    HIDDEN_ACTIVATIONS,
    LOSSES,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_FILTERS,
    MAX_HIDDEN_LAYERS,
    MAX_KERNEL_SIZE,
    MAX_TRAIN_SIZE,
    MAX_UNITS,
    MIN_TRAIN_SIZE,
    OPTIMIZERS,
    OUTPUT_ACTIVATIONS,
    VALIDATIONS,
)
from pages import _spec_widgets as keys
from pages._common import is_hidden, is_locked, t

DATASET_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
OPTIMIZER_TITLES = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}


def _on_optimizer_change() -> None:
    """Offer the new optimizer's usual learning rate; momentum belongs to SGD only."""
    optimizer = st.session_state.get(keys.OPTIMIZER)
    if optimizer in DEFAULT_LEARNING_RATES and not is_locked("learning_rate"):
        st.session_state[keys.LEARNING_RATE] = float(DEFAULT_LEARNING_RATES[optimizer])
    if optimizer != "sgd":
        st.session_state[keys.MOMENTUM] = 0.0
        st.session_state[keys.NESTEROV] = False


def data_controls() -> None:
    """Data set, how many training images, and what to validate on."""
    if not is_hidden("dataset"):
        st.segmented_control(
            t("build.dataset"),
            DATASETS,
            format_func=DATASET_TITLES.get,
            required=True,
            key=keys.DATASET,
            disabled=is_locked("dataset"),
            help=t("build.help.dataset"),
        )
    if not is_hidden("train_size"):
        locked = is_locked("train_size")
        use_all = st.toggle(
            t("build.use_all_images"),
            key=keys.USE_ALL_IMAGES,
            disabled=locked,
            help=t("build.help.train_size"),
        )
        if not use_all:
            st.number_input(
                t("build.train_size"),
                min_value=MIN_TRAIN_SIZE,
                max_value=MAX_TRAIN_SIZE,
                step=100,
                key=keys.TRAIN_SIZE,
                disabled=locked,
                help=t("build.help.train_size"),
            )
    if not is_hidden("validation"):
        validation = st.radio(
            t("build.validation"),
            VALIDATIONS,
            format_func=lambda value: t(f"build.validation.{value}"),
            key=keys.VALIDATION,
            disabled=is_locked("validation"),
            help=t("build.help.validation"),
        )
        if validation == "split" and not is_hidden("validation_split"):
            st.slider(
                t("build.validation_split"),
                min_value=0.05,
                max_value=0.5,
                step=0.05,
                key=keys.VALIDATION_SPLIT,
                disabled=is_locked("validation_split"),
                help=t("build.help.validation_split"),
            )


def _layer_editor(position: int, layer_id: int, count: int, locked: bool) -> None:
    kind_key = keys.layer_key(layer_id, "kind")
    with st.container(border=True):
        title, up, down, remove = st.columns([6, 1, 1, 1], vertical_alignment="center")
        kind = st.session_state.get(kind_key, "dense")
        title.markdown(f"**{t('build.layer_title', number=position)}** · {t(f'build.kind.{kind}')}")
        up.button(
            "",
            icon=":material/arrow_upward:",
            key=f"b_up_{layer_id}",
            on_click=keys.move_layer,
            args=(layer_id, -1),
            disabled=locked or position == 1,
            help=t("build.move_up"),
        )
        down.button(
            "",
            icon=":material/arrow_downward:",
            key=f"b_down_{layer_id}",
            on_click=keys.move_layer,
            args=(layer_id, 1),
            disabled=locked or position == count,
            help=t("build.move_down"),
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
        columns = st.columns(4 if kind == "conv" else 3)
        columns[0].selectbox(
            t("build.kind"),
            ("dense", "conv"),
            format_func=lambda value: t(f"build.kind.{value}"),
            key=kind_key,
            disabled=locked,
            help=t("build.help.kind"),
        )
        if kind == "conv":
            columns[1].number_input(
                t("build.filters"),
                min_value=1,
                max_value=MAX_FILTERS,
                step=8,
                key=keys.layer_key(layer_id, "filters"),
                disabled=locked,
                help=t("build.help.filters"),
            )
            columns[2].selectbox(
                t("build.kernel_size"),
                tuple(range(1, MAX_KERNEL_SIZE + 1)),
                format_func=lambda side: f"{side}×{side}",
                key=keys.layer_key(layer_id, "kernel_size"),
                disabled=locked,
                help=t("build.help.kernel_size"),
            )
        else:
            columns[1].number_input(
                t("build.units"),
                min_value=1,
                max_value=MAX_UNITS,
                step=16,
                key=keys.layer_key(layer_id, "units"),
                disabled=locked,
                help=t("build.help.units"),
            )
        columns[-1].selectbox(
            t("build.activation"),
            HIDDEN_ACTIVATIONS,
            key=keys.layer_key(layer_id, "activation"),
            disabled=locked,
            help=t("build.help.activation"),
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
        add_dense.button(
            t("build.add_dense"),
            icon=":material/add:",
            key="b_add_dense",
            on_click=keys.add_layer,
            args=("dense",),
            disabled=locked or full,
            width="stretch",
        )
        add_conv.button(
            t("build.add_conv"),
            icon=":material/add:",
            key="b_add_conv",
            on_click=keys.add_layer,
            args=("conv",),
            disabled=locked or full,
            width="stretch",
            help=t("build.help.add_conv"),
        )
    left, right = st.columns(2)
    if not is_hidden("output_activation"):
        left.selectbox(
            t("build.output_activation"),
            OUTPUT_ACTIVATIONS,
            key=keys.OUTPUT_ACTIVATION,
            disabled=is_locked("output_activation"),
            help=t("build.help.output_activation"),
        )
    if not is_hidden("dropout_rate"):
        right.slider(
            t("build.dropout_rate"),
            min_value=0.0,
            max_value=0.9,
            step=0.05,
            key=keys.DROPOUT_RATE,
            disabled=is_locked("dropout_rate"),
            help=t("build.help.dropout"),
        )
    if not is_hidden("l2_weight_decay"):
        left.number_input(
            t("build.l2_weight_decay"),
            min_value=0.0,
            max_value=1.0,
            step=0.0001,
            format="%.5f",
            key=keys.L2_WEIGHT_DECAY,
            disabled=is_locked("l2_weight_decay"),
            help=t("build.help.l2"),
        )


def training_controls() -> None:
    """Loss, optimizer and its settings, epochs, batch size, early stopping and seed."""
    left, middle, right = st.columns([3, 2, 2])  # the loss names are long
    with left:
        if not is_hidden("loss"):
            st.selectbox(
                t("build.loss"),
                LOSSES,
                format_func=lambda value: t(f"build.loss.{value}"),
                key=keys.LOSS,
                disabled=is_locked("loss"),
                help=t("build.help.loss"),
            )
        if not is_hidden("optimizer"):
            st.selectbox(
                t("build.optimizer"),
                OPTIMIZERS,
                format_func=OPTIMIZER_TITLES.get,
                key=keys.OPTIMIZER,
                on_change=_on_optimizer_change,
                disabled=is_locked("optimizer"),
                help=t("build.help.optimizer"),
            )
        if not is_hidden("learning_rate"):
            st.number_input(
                t("build.learning_rate"),
                min_value=0.00001,
                max_value=10.0,
                step=0.001,
                format="%.5f",
                key=keys.LEARNING_RATE,
                disabled=is_locked("learning_rate"),
                help=t("build.help.learning_rate"),
            )
        if st.session_state.get(keys.OPTIMIZER) == "sgd":
            if not is_hidden("momentum"):
                st.number_input(
                    t("build.momentum"),
                    min_value=0.0,
                    max_value=0.999,
                    step=0.05,
                    format="%.3f",
                    key=keys.MOMENTUM,
                    disabled=is_locked("momentum"),
                    help=t("build.help.momentum"),
                )
            if not is_hidden("nesterov"):
                st.checkbox(
                    t("build.nesterov"),
                    key=keys.NESTEROV,
                    disabled=is_locked("nesterov"),
                    help=t("build.help.nesterov"),
                )
    with middle:
        if not is_hidden("epochs"):
            st.number_input(
                t("build.epochs"),
                min_value=1,
                max_value=MAX_EPOCHS,
                step=1,
                key=keys.EPOCHS,
                disabled=is_locked("epochs"),
                help=t("build.help.epochs"),
            )
        if not is_hidden("batch_size"):
            st.number_input(
                t("build.batch_size"),
                min_value=1,
                max_value=MAX_BATCH_SIZE,
                step=16,
                key=keys.BATCH_SIZE,
                disabled=is_locked("batch_size"),
                help=t("build.help.batch_size"),
            )
        if not is_hidden("seed"):
            st.number_input(
                t("build.seed"),
                min_value=0,
                max_value=2**31 - 1,
                step=1,
                key=keys.SEED,
                disabled=is_locked("seed"),
                help=t("build.help.seed"),
            )
    with right:
        if not is_hidden("early_stopping_patience"):
            locked = is_locked("early_stopping_patience")
            early = st.toggle(
                t("build.early_stopping"),
                key=keys.EARLY_STOPPING,
                disabled=locked,
                help=t("build.help.early_stopping"),
            )
            if early:
                st.number_input(
                    t("build.patience"),
                    min_value=1,
                    max_value=MAX_EPOCHS,
                    step=1,
                    key=keys.PATIENCE,
                    disabled=locked,
                    help=t("build.help.patience"),
                )
                if not is_hidden("restore_best_weights"):
                    st.checkbox(
                        t("build.restore_best_weights"),
                        key=keys.RESTORE_BEST,
                        disabled=is_locked("restore_best_weights"),
                        help=t("build.help.restore_best_weights"),
                    )
