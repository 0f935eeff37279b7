"""Inside: a model's layers, weights, layer outputs, its NumPy twin, and activation functions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from nnlab.core.summary import network_dot
from nnlab.data.datasets import CLASS_NAMES, load_dataset
from nnlab.inspection import inside
from nnlab.inspection.drawing import model_inputs
from pages.common import state
from pages.common.lab import store_notices
from pages.common.models import (
    ModelChoice,
    model_download_button,
    model_upload_widget,
    pick_model_or_explain,
)
from pages.common.ui import lang, t
from pages.inside.charts import histogram_chart, unit_bars_chart
from pages.inside.functions import show_functions
from pages.inside.numpy_pass import show_numpy

TILE_COLUMNS = 16


def choose_model() -> ModelChoice | None:
    """The model to open up, or None (with a message)."""
    return pick_model_or_explain("inside_model", "inside")


def show_summary(choice: ModelChoice) -> None:
    """Keras' summary rows and the network diagram."""
    network = choice.network
    try:
        rows = network.summary_rows()
        dot = (
            network_dot(choice.spec, lang())
            if choice.spec is not None
            else inside.model_dot(network)
        )
    except Exception as error:  # an uploaded model of an unusual shape
        st.warning(t("inside.summary_failed", error=error))
        return
    table = pd.DataFrame(rows).rename(
        columns={
            "layer": t("inside.col_layer"),
            "type": t("inside.col_type"),
            "output_shape": t("inside.col_shape"),
            "params": t("inside.col_params"),
        }
    )
    st.caption(t("inside.summary_caption", params=f"{network.parameter_count():,}"))
    summary, diagram = st.columns([3, 2], gap="large")
    summary.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height="content",  # every layer, no scrolling inside the table
        column_config={t("inside.col_params"): st.column_config.NumberColumn(format="localized")},
    )
    diagram.markdown(f"**{t('inside.diagram')}**")
    diagram.graphviz_chart(dot, width="content")  # top to bottom: stretching would blow it up
    model_download_button(choice, "inside_download")


def show_weights(choice: ModelChoice) -> None:
    """First-layer weights as images (Dense) or filters (Conv2D), then per-layer histograms."""
    dense_images = inside.first_dense_weight_images(choice.network)
    filters = inside.first_conv_filters(choice.network)
    if dense_images is not None:
        st.caption(t("inside.dense_weights"))
        total = inside.weighted_layers(choice.network)[0].weights[0].shape[1]
        columns = min(TILE_COLUMNS, len(dense_images))
        weights = inside.tile(inside.signed_colours(dense_images), columns, scale=3)
        st.image(inside.png_data_url(weights), alt=t("inside.dense_weights"))
        if total > len(dense_images):
            st.caption(t("inside.units_shown", shown=len(dense_images), total=total))
    elif filters is not None:
        st.caption(t("inside.conv_filters", count=len(filters), size=filters.shape[1]))
        kernels = inside.tile(
            inside.signed_colours(filters), min(TILE_COLUMNS, len(filters)), scale=12
        )
        st.image(
            inside.png_data_url(kernels),
            alt=t("inside.conv_filters", count=len(filters), size=filters.shape[1]),
        )
    else:
        st.info(t("inside.no_weight_images"))
    st.subheader(t("inside.histograms"))
    histograms = inside.weight_histograms(choice.network)
    columns = st.columns(2)
    for index, row in enumerate(histograms):
        with columns[index % 2]:
            kind = t(f"inside.kind_{row['kind']}")
            st.caption(
                t(
                    "inside.histogram_caption",
                    layer=row["layer"],
                    kind=kind,
                    shape=row["shape"],
                    mean=f"{row['mean']:.3f}",
                    std=f"{row['std']:.3f}",
                )
            )
            chart = histogram_chart(
                row, value_title=t("inside.value"), count_title=t("inside.count")
            )
            st.altair_chart(chart, width="stretch")


def chosen_image(choice: ModelChoice) -> tuple[np.ndarray | None, int | None]:
    """(the image (28, 28) in [0, 1] to look at, its test-set index or None for a drawing)."""
    drawing = state.CURRENT_DRAWING.peek()
    options = ["drawing", "test"]
    source = st.segmented_control(
        t("inside.input_source"),
        options,
        format_func={name: t(f"inside.input_{name}") for name in options}.get,
        default="drawing" if drawing is not None else "test",
        key="inside_source",
    )
    if source == "drawing" and drawing is not None:
        return drawing, None
    if source == "drawing":
        st.info(t("inside.no_drawing"), icon=":material/draw:")
    try:
        dataset = load_dataset(choice.dataset_name)
    except Exception as error:  # no data set reachable at all
        st.error(t("inside.data_failed", error=error))
        return None, None
    index = st.number_input(
        t("inside.test_index"), 0, len(dataset.x_test) - 1, 0, key="inside_test_index"
    )
    label = dataset.class_names[int(dataset.y_test[index])]
    st.caption(t("inside.test_label", index=index, label=label))
    return dataset.x_test[index].astype(np.float32) / 255.0, int(index)


def show_vector(values: np.ndarray, names: list[str] | None = None) -> None:
    """A layer's output vector as bars, one per unit."""
    labels = names if names is not None and len(names) == len(values) else list(range(len(values)))
    title = t("inside.class") if names is not None else t("inside.unit")  # the output layer
    chart = unit_bars_chart(values, labels, unit_title=title, value_title=t("inside.activation"))
    st.altair_chart(chart, width="stretch")


def show_activations(choice: ModelChoice, image: np.ndarray) -> None:
    """Every layer's output for the image."""
    st.caption(t("inside.activations_caption"))
    try:
        outputs = inside.layer_outputs(choice.network, model_inputs(choice.network, image))
    except Exception as error:  # nested or multi-branch uploads
        st.warning(t("inside.activations_failed", error=error))
        return
    names = [str(name) for name in CLASS_NAMES.get(choice.dataset_name, CLASS_NAMES["mnist"])]
    for number, output in enumerate(outputs):
        values = output.values
        st.markdown(
            t("inside.layer_heading", name=output.name, kind=output.kind, shape=values.shape)
        )
        if values.ndim == 3:  # conv feature maps (h, w, channels)
            maps = inside.feature_map_tiles(values)
            grey = np.repeat(maps[..., None], 3, axis=-1)
            scale = max(2, 56 // values.shape[0])
            shown = t("inside.maps_shown", shown=len(maps), total=values.shape[-1])
            st.image(
                inside.png_data_url(inside.tile(grey, min(TILE_COLUMNS, len(maps)), scale=scale)),
                alt=shown,
            )
            st.caption(shown)
        elif values.ndim == 2:  # an image: the input or its rescaled copy
            peak = float(np.max(np.abs(values))) or 1.0
            pixels = np.round(np.clip(values / peak, 0, 1) * 255).astype(np.uint8)
            st.image(
                inside.png_data_url(np.kron(pixels, np.ones((4, 4), np.uint8))),
                alt=t("inside.input_image_alt"),
            )
        else:
            is_output = number == len(outputs) - 1
            show_vector(values.ravel(), names if is_output else None)


st.title(f":material/biotech: {t('inside.title')}")
st.caption(t("inside.intro"))
store_notices()
chosen = choose_model()
model_upload_widget("inside_model_upload")
tabs = st.tabs(
    [
        t("inside.tab_summary"),
        t("inside.tab_weights"),
        t("inside.tab_activations"),
        t("inside.tab_numpy"),
        t("inside.tab_functions"),
    ]
)
with tabs[4]:
    show_functions()
if chosen is not None:
    with tabs[0]:
        show_summary(chosen)
    with tabs[1]:
        show_weights(chosen)
    with tabs[2]:
        picked, test_index = chosen_image(chosen)
        if picked is not None:
            show_activations(chosen, picked)
    with tabs[3]:
        if picked is not None:
            show_numpy(chosen, picked, test_index)
