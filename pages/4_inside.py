"""Inside: a model's layers, weights, layer outputs, its NumPy twin, and activation functions."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from nnlab import activations, inside
from nnlab.datasets import CLASS_NAMES, load_dataset
from nnlab.drawing import model_inputs
from pages._common import t
from pages._models import (
    ModelChoice,
    model_download_button,
    model_upload_widget,
    pick_model_or_explain,
)

CURRENT_DRAWING_KEY = "current_drawing"  # set by the Draw page
BATCH_RESULTS_KEY = "inside_batch_results"  # (model key, id, batch size) -> BatchInference
TILE_COLUMNS = 16


def choose_model() -> ModelChoice | None:
    """The model to open up, or None (with a message)."""
    return pick_model_or_explain("inside_model", "inside")


def show_summary(choice: ModelChoice) -> None:
    """Keras' summary rows and the network diagram."""
    from nnlab.model import network_dot, summary_rows

    try:
        rows = summary_rows(choice.model)
        dot = (
            network_dot(choice.spec) if choice.spec is not None else inside.model_dot(choice.model)
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
    st.caption(t("inside.summary_caption", params=f"{choice.model.count_params():,}"))
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
    dense_images = inside.first_dense_weight_images(choice.model)
    filters = inside.first_conv_filters(choice.model)
    if dense_images is not None:
        st.caption(t("inside.dense_weights"))
        total = inside.weighted_layers(choice.model)[0].kernel.shape[1]
        columns = min(TILE_COLUMNS, len(dense_images))
        weights = inside.tile(inside.signed_colours(dense_images), columns, scale=3)
        st.image(inside.png_data_url(weights))
        if total > len(dense_images):
            st.caption(t("inside.units_shown", shown=len(dense_images), total=total))
    elif filters is not None:
        st.caption(t("inside.conv_filters", count=len(filters), size=filters.shape[1]))
        kernels = inside.tile(
            inside.signed_colours(filters), min(TILE_COLUMNS, len(filters)), scale=12
        )
        st.image(inside.png_data_url(kernels))
    else:
        st.info(t("inside.no_weight_images"))
    st.subheader(t("inside.histograms"))
    histograms = inside.weight_histograms(choice.model)
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
            bars = pd.DataFrame(
                {"start": row["edges"][:-1], "end": row["edges"][1:], "count": row["counts"]}
            )
            chart = (
                alt.Chart(bars)
                .mark_bar(color="#2563eb" if row["kind"] == "weights" else "#f59e0b")
                .encode(
                    x=alt.X("start", title=t("inside.value")),
                    x2="end",
                    y=alt.Y("count", title=t("inside.count")),
                    y2=alt.datum(0),  # bars rise from 0 (ranged x alone draws thin dashes)
                )
                .properties(height=150)
            )
            st.altair_chart(chart, width="stretch")


def chosen_image(choice: ModelChoice) -> np.ndarray | None:
    """The image (28, 28) in [0, 1] to look at: the student's drawing or a test image."""
    drawing = st.session_state.get(CURRENT_DRAWING_KEY)
    options = ["drawing", "test"]
    source = st.segmented_control(
        t("inside.input_source"),
        options,
        format_func={name: t(f"inside.input_{name}") for name in options}.get,
        default="drawing" if drawing is not None else "test",
        key="inside_source",
    )
    if source == "drawing" and drawing is not None:
        return drawing
    if source == "drawing":
        st.info(t("inside.no_drawing"), icon=":material/draw:")
    try:
        dataset = load_dataset(choice.dataset_name)
    except Exception as error:  # no data set reachable at all
        st.error(t("inside.data_failed", error=error))
        return None
    index = st.number_input(
        t("inside.test_index"), 0, len(dataset.x_test) - 1, 0, key="inside_test_index"
    )
    label = dataset.class_names[int(dataset.y_test[index])]
    st.caption(t("inside.test_label", index=index, label=label))
    return dataset.x_test[index].astype(np.float32) / 255.0


def show_vector(values: np.ndarray, names: list[str] | None = None) -> None:
    """A layer's output vector as bars, one per unit."""
    labels = names if names is not None and len(names) == len(values) else list(range(len(values)))
    table = pd.DataFrame({"unit": [str(label) for label in labels], "value": values})
    short = max(len(str(label)) for label in labels) <= 2 if labels else True
    axis = alt.Axis(labels=len(values) <= 64, labelAngle=0 if short and len(values) <= 20 else -45)
    title = t("inside.class") if names is not None else t("inside.unit")  # the output layer
    chart = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("unit", sort=None, title=title, axis=axis),
            y=alt.Y("value", title=t("inside.activation")),
            color=alt.condition("datum.value >= 0", alt.value("#dc2626"), alt.value("#2563eb")),
        )
        .properties(height=140)
    )
    st.altair_chart(chart, width="stretch")


def show_activations(choice: ModelChoice, image: np.ndarray) -> None:
    """Every layer's output for the image."""
    st.caption(t("inside.activations_caption"))
    try:
        outputs = inside.layer_outputs(choice.model, model_inputs(choice.model, image))
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
            st.image(
                inside.png_data_url(inside.tile(grey, min(TILE_COLUMNS, len(maps)), scale=scale))
            )
            st.caption(t("inside.maps_shown", shown=len(maps), total=values.shape[-1]))
        elif values.ndim == 2:  # an image: the input or its rescaled copy
            peak = float(np.max(np.abs(values))) or 1.0
            pixels = np.round(np.clip(values / peak, 0, 1) * 255).astype(np.uint8)
            st.image(inside.png_data_url(np.kron(pixels, np.ones((4, 4), np.uint8))))
        else:
            is_output = number == len(outputs) - 1
            show_vector(values.ravel(), names if is_output else None)


def show_numpy(choice: ModelChoice, image: np.ndarray) -> None:
    """The forward pass in NumPy, layer by layer, against Keras; then batch inference."""
    from nnlab.numpy_net import (
        batch_inference,
        dense_layers_of,
        forward_numpy_steps,
        numpy_inputs_of,
        rescaling_of,
        shape_formula,
    )

    st.caption(t("inside.numpy_intro"))
    try:
        layers = dense_layers_of(choice.model)
    except ValueError:
        kinds = sorted({type(layer).__name__ for layer in inside.weighted_layers(choice.model)})
        st.info(t("inside.numpy_not_dense", kinds=", ".join(kinds)), icon=":material/info:")
        return
    raw = model_inputs(choice.model, image)
    x = numpy_inputs_of(choice.model, raw.reshape(1, 28, 28))
    steps = forward_numpy_steps(layers, x)

    st.markdown(f"**{t('inside.shapes')}**")
    st.code(shape_formula(steps), language="text")
    for step in steps:
        source = "X" if step.number == 1 else f"Z{step.number - 1}"
        with st.expander(
            t(
                "inside.step",
                number=step.number,
                source=source,
                activation=step.activation,
            )
        ):
            st.code(
                f"W{step.number}.shape = {step.weight_shape}   b{step.number}.shape = "
                f"{step.bias_shape}\nA{step.number}[:8] = {np.round(step.weighted_sum[0, :8], 4)}"
                f"\nZ{step.number}[:8] = {np.round(step.output[0, :8], 4)}",
                language="text",
            )
    numpy_output = steps[-1].output[0]
    keras_raw = np.asarray(choice.model(raw, training=False), dtype=np.float64)[0]
    difference = float(np.max(np.abs(numpy_output - keras_raw)))
    names = [str(name) for name in CLASS_NAMES.get(choice.dataset_name, CLASS_NAMES["mnist"])]
    comparison = pd.DataFrame(
        {
            t("inside.class"): names[: len(numpy_output)],
            t("inside.numpy_output"): numpy_output,
            t("inside.keras_output"): keras_raw,
            t("inside.difference"): np.abs(numpy_output - keras_raw),
        }
    )
    columns = st.columns([3, 1])
    columns[0].dataframe(
        comparison.style.format("{:.8f}", subset=comparison.columns[1:3]).format(
            "{:.1e}", subset=comparison.columns[3:]
        ),
        hide_index=True,
        width="stretch",
    )
    columns[1].metric(t("inside.max_difference"), f"{difference:.1e}")
    if difference < 1e-5:
        st.success(t("inside.same_result"), icon=":material/check_circle:")
    else:
        st.warning(t("inside.different_result"))
    scale, offset = rescaling_of(choice.model)
    with st.expander(t("inside.numpy_code")):
        st.code(inside.numpy_code(layers, scale, offset), language="python")

    st.subheader(t("inside.batch_title"))
    batch_size = st.select_slider(
        t("inside.batch_size"), [1, 10, 100, 1000, 10_000], value=100, key="inside_batch_size"
    )
    results = st.session_state.setdefault(BATCH_RESULTS_KEY, {})
    key = (choice.key, id(choice.model), batch_size)
    if st.button(t("inside.batch_run"), icon=":material/play_arrow:", key="inside_batch_run"):
        try:
            dataset = load_dataset(choice.dataset_name)
        except Exception as error:
            st.error(t("inside.data_failed", error=error))
            return
        inputs = numpy_inputs_of(choice.model, dataset.x_test)
        results[key] = batch_inference(layers, inputs, dataset.y_test, batch_size)
    if key in results:
        result = results[key]
        st.success(
            t(
                "inside.batch_result",
                accuracy=f"{result.accuracy:.2%}",
                correct=f"{result.correct:,}",
                total=f"{result.total:,}",
                seconds=f"{result.seconds:.2f}",
                batch=f"{result.batch_size:,}",
            )
        )


def show_functions() -> None:
    """Activation functions and derivatives over a range the student sets; softmax overflow."""
    st.caption(t("inside.functions_intro"))
    names = st.multiselect(
        t("inside.functions_pick"),
        list(activations.PLOTTED_ACTIVATIONS),
        default=["step", "sigmoid", "relu"],
        key="inside_functions",
    )
    low, high = st.slider(
        t("inside.functions_range"), -20.0, 20.0, (-5.0, 5.0), 0.5, key="inside_range"
    )
    if high <= low:
        high = low + 0.5
    frames = []
    for name in names:
        curves = activations.activation_curves(name, low, high)
        for curve, values in (
            (t("inside.function"), curves["y"]),
            (t("inside.derivative"), curves["dy"]),
        ):
            frames.append(
                pd.DataFrame({"x": curves["x"], "y": values, "name": name, "curve": curve})
            )
    if frames:
        function_label, derivative_label = t("inside.function"), t("inside.derivative")
        chart = (
            alt.Chart(pd.concat(frames))
            .mark_line()
            .encode(
                x="x",
                y=alt.Y("y", title="f(x), f′(x)"),  # the same in every language
                color=alt.Color("name", title=function_label, scale=alt.Scale(scheme="category10")),
                strokeDash=alt.StrokeDash(
                    "curve",
                    title=t("inside.curve"),
                    scale=alt.Scale(
                        domain=[function_label, derivative_label], range=[[1, 0], [5, 4]]
                    ),
                ),
            )
            .properties(height=320)
        )
        st.altair_chart(chart, width="stretch")
        if "softmax" in names:
            st.caption(t("inside.softmax_note"))
        for name in names:
            st.code(activations.source_of(name), language="python")

    st.subheader(t("inside.overflow_title"))
    text = st.text_input(
        t("inside.overflow_scores"),
        "1010, 1000, 990",
        help=t("inside.overflow_scores_help"),
        key="inside_scores",
    )
    try:
        scores = tuple(float(part) for part in text.split(","))
        if not 2 <= len(scores) <= 20 or not all(np.isfinite(scores)):
            raise ValueError(text)
    except ValueError:
        st.warning(t("inside.overflow_bad"))
        return
    demo = activations.softmax_overflow_demo(scores)
    st.caption(t("inside.overflow_naive"))
    st.code(f"np.exp(x)     = {demo['exp']}\nnaive_softmax = {demo['naive']}", language="text")
    st.caption(t("inside.overflow_stable"))
    st.code(
        f"x - max(x) = {demo['shifted']}\n"
        f"softmax    = {np.array2string(demo['stable'], precision=8)}",
        language="text",
    )


st.title(f":material/biotech: {t('inside.title')}")
st.caption(t("inside.intro"))
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
        picked = chosen_image(chosen)
        if picked is not None:
            show_activations(chosen, picked)
    with tabs[3]:
        if picked is not None:
            show_numpy(chosen, picked)
