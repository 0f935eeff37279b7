"""Draw: a digit on the canvas (or a photo) -> the 28x28 image the model sees -> its prediction."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from nnlab.datasets import CLASS_NAMES
from nnlab.drawing import class_probabilities, preprocess_drawing, preprocess_photo
from nnlab.inside import png_data_url
from nnlab.registry import DATASETS
from pages import _state as state
from pages._charts import class_probability_bars
from pages._common import t
from pages._lab import store_notices
from pages._models import ModelChoice, model_upload_widget, pick_model_or_explain

CANVAS_SIDE = 280
COLOURS = {"light_on_dark": ("#000000", "#FFFFFF"), "dark_on_light": ("#FFFFFF", "#000000")}


def choose_model() -> ModelChoice | None:
    """The model that reads the drawing, or None (with a message) when there is none."""
    return pick_model_or_explain("draw_model", "draw")


def canvas_image() -> np.ndarray | None:
    """The canvas with its controls; returns its RGBA pixels (None before the first stroke)."""
    from streamlit_drawable_canvas import st_canvas

    width = st.slider(t("draw.stroke_width"), 6, 40, 20, key="draw_stroke_width")
    scheme = st.selectbox(
        t("draw.colours"),
        list(COLOURS),
        format_func={name: t(f"draw.colours_{name}") for name in COLOURS}.get,
        key="draw_colours",
    )
    background, ink = COLOURS[scheme]
    st.space("medium")  # room for the canvas toolbar, which floats just above the canvas
    clears = state.CANVAS_GENERATION.get()
    result = st_canvas(
        stroke_width=width,
        stroke_color=ink,
        background_color=background,
        height=CANVAS_SIDE,
        width=CANVAS_SIDE,
        drawing_mode="freedraw",
        return_image_data=True,
        update_streamlit=True,
        key=f"draw_canvas_{scheme}_{clears}",
    )
    if st.button(t("draw.clear"), icon=":material/delete:", key="draw_clear"):
        state.CANVAS_GENERATION.set(clears + 1)
        state.CURRENT_DRAWING.pop()
        st.rerun()
    st.caption(t("draw.toolbar_help"))
    return result.image_data


def photo_image() -> tuple[np.ndarray | None, bool]:
    """(the uploaded photo as a 28x28 image or None, whether a file was given)."""
    upload = st.file_uploader(
        t("draw.photo_file"),
        type=["png", "jpg", "jpeg"],
        help=t("draw.photo_help"),
        key="draw_photo",
        max_upload_size=10,
    )
    if upload is None:
        st.info(t("draw.photo_prompt"), icon=":material/photo_camera:")
        return None, False
    try:
        image = preprocess_photo(upload.getvalue())
    except ValueError as error:
        st.error(t("draw.photo_failed", error=error))
        return None, True
    if image is None:
        st.warning(t("draw.photo_blank"), icon=":material/image_not_supported:")
    return image, True


def show_prediction(choice: ModelChoice, image: np.ndarray) -> None:
    """The metric, the 28x28 input and the probability bars."""
    threshold = st.slider(
        t("draw.threshold"), 0.3, 0.95, 0.6, 0.05, help=t("draw.threshold_help"), key="draw_sure"
    )
    started = time.perf_counter()
    try:
        probabilities = class_probabilities(choice.network, image)[0]
    except Exception as error:  # an uploaded model that cannot run on this input
        st.error(t("draw.predict_failed", error=error))
        return
    milliseconds = (time.perf_counter() - started) * 1000
    names = CLASS_NAMES.get(choice.dataset_name, CLASS_NAMES["mnist"])
    best = int(np.argmax(probabilities))
    confidence = float(probabilities[best])
    sure = confidence >= threshold
    left, right = st.columns([1, 1])
    with left:
        st.metric(
            t("draw.prediction"),
            names[best] if sure else t("draw.not_sure"),
            delta=t("draw.confidence", percent=f"{confidence:.0%}"),
            delta_color="normal" if sure else "off",
            delta_arrow="off",
        )
        if not sure:
            st.caption(
                t(
                    "draw.best_guess",
                    label=names[best],
                    percent=f"{confidence:.0%}",
                    threshold=f"{threshold:.0%}",
                )
            )
    with right:
        pixels = np.kron(np.round(image * 255).astype(np.uint8), np.ones((5, 5), np.uint8))
        st.image(png_data_url(pixels), caption=t("draw.model_sees"))
    chart = class_probability_bars(
        probabilities,
        names,
        title=t("draw.probabilities"),
        class_title=t("draw.class"),
        probability_title=t("draw.probability"),
    )
    st.altair_chart(chart, width="stretch")
    st.caption(t("draw.latency", ms=f"{milliseconds:.1f}"))
    st.page_link("pages/4_inside.py", label=t("draw.inside_link"), icon=":material/biotech:")


st.title(f":material/draw: {t('draw.title')}")
st.caption(t("draw.intro"))
store_notices()
chosen = choose_model()
model_upload_widget("draw_model_upload")
if chosen is not None and not DATASETS[chosen.dataset_name].handwritten_digits:
    st.warning(t("draw.fashion_note"), icon=":material/checkroom:")

source = st.segmented_control(
    t("draw.source"),
    ["canvas", "photo"],
    format_func={name: t(f"draw.source_{name}") for name in ("canvas", "photo")}.get,
    default="canvas",
    key="draw_source",
)
input_column, result_column = st.columns([1, 1], gap="large")
with input_column:
    if source == "photo":
        drawing, _ = photo_image()
    else:
        try:
            drawing = preprocess_drawing(canvas_image())
        except Exception as error:  # the component failed to load in this browser/host
            st.warning(t("draw.canvas_failed", error=error))
            drawing = None
with result_column:
    if drawing is None:
        if source != "photo":
            st.info(t("draw.prompt"), icon=":material/draw:")
            st.caption(t("draw.prompt_detail"))
    else:
        state.CURRENT_DRAWING.set(drawing)
        if chosen is not None:
            show_prediction(chosen, drawing)
