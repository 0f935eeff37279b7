"""Draw: a digit on the canvas (or a photo) -> the 28x28 image the model sees -> its prediction.

Laid out for a 1366x768 laptop: the canvas and the prediction side by side at the top, settings
under the canvas, explanations below and in expanders. Clear empties the canvas in the browser
(pages/common/browser.py), so a stroke drawn right after it is never lost.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from nnlab.core.choices import DATASETS
from nnlab.core.shapes import MAX_PHOTO_UPLOAD_MB
from nnlab.data.datasets import CLASS_NAMES
from nnlab.inspection.drawing import (
    ImageFileError,
    class_probabilities,
    preprocess_drawing,
    preprocess_photo,
)
from nnlab.inspection.inside import png_data_url
from pages.classroom.handwriting import contribute_drawing
from pages.common import navigation, state
from pages.common.browser import canvas_clear_button
from pages.common.lab import store_notices
from pages.common.models import ModelChoice, model_upload_widget, pick_model_or_explain
from pages.common.ui import t
from pages.draw.charts import class_probability_bars
from pages.draw.explain import digit_notice, explain_drawing

CANVAS_SIDE = 280
CANVAS_BOX = "draw_canvas_box"  # the container the canvas is fitted to (and cleared in)
COLOURS = {"light_on_dark": ("#000000", "#FFFFFF"), "dark_on_light": ("#FFFFFF", "#000000")}


def choose_model() -> ModelChoice | None:
    """The model that reads the drawing, or None (with a message) when there is none."""
    return pick_model_or_explain("draw_model", "draw")


def canvas_image() -> np.ndarray | None:
    """The canvas with its controls; returns its RGBA pixels (None before the first stroke)."""
    from streamlit_drawable_canvas import st_canvas

    # Read before the canvas is drawn (the widgets sit below it): their values from last run.
    width = st.session_state.get("draw_stroke_width", 20)
    scheme = st.session_state.get("draw_colours", next(iter(COLOURS)))
    background, ink = COLOURS[scheme]
    with st.container(key=CANVAS_BOX):
        st.space("small")  # room for the canvas toolbar, which floats just above the canvas
        result = st_canvas(
            stroke_width=width,
            stroke_color=ink,
            background_color=background,
            height=CANVAS_SIDE,
            width=CANVAS_SIDE,
            drawing_mode="freedraw",
            return_image_data=True,
            update_streamlit=True,
            key=f"draw_canvas_{scheme}",
        )
    canvas_clear_button(t("draw.clear"), CANVAS_BOX, CANVAS_SIDE)
    width_column, colour_column = st.columns(2)
    width_column.slider(t("draw.stroke_width"), 6, 40, 20, key="draw_stroke_width")
    colour_column.selectbox(
        t("draw.colours"),
        list(COLOURS),
        format_func={name: t(f"draw.colours_{name}") for name in COLOURS}.get,
        key="draw_colours",
    )
    return result.image_data


def photo_image() -> np.ndarray | None:
    """The uploaded photo as a 28x28 image, or None (with a message saying why)."""
    upload = st.file_uploader(
        t("draw.photo_file"),
        type=["png", "jpg", "jpeg"],
        help=t("draw.photo_help"),
        key="draw_photo",
        max_upload_size=MAX_PHOTO_UPLOAD_MB,
    )
    if upload is None:
        st.info(t("draw.photo_prompt"), icon=":material/photo_camera:")
        return None
    try:
        image = preprocess_photo(upload.getvalue())
    except ImageFileError as error:
        st.error(t("draw.photo_failed", error=t(error.key, **error.values)))
        return None
    if image is None:
        st.warning(t("draw.photo_blank"), icon=":material/image_not_supported:")
    return image


def show_prediction(choice: ModelChoice, image: np.ndarray, looks_like_digit: bool = True) -> None:
    """The metric, the 28x28 input, the probability bars and the "sure from" setting.

    A drawing that does not look like a digit gets no answer, however confident the network is
    (the notice above says why); its best guess is still given in the caption.
    """
    threshold = st.session_state.get("draw_sure", 0.6)
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
    sure = confidence >= threshold and looks_like_digit
    left, right = st.columns([3, 2])
    with left:
        st.metric(
            t("draw.prediction"),
            names[best] if sure else t("draw.not_sure"),
            delta=t("draw.confidence", percent=f"{confidence:.0%}"),
            delta_color="normal" if sure else "off",
            delta_arrow="off",
        )
        if not sure and looks_like_digit:
            st.caption(
                t(
                    "draw.best_guess",
                    label=names[best],
                    percent=f"{confidence:.0%}",
                    threshold=f"{threshold:.0%}",
                )
            )
    with right:
        pixels = np.kron(np.round(image * 255).astype(np.uint8), np.ones((4, 4), np.uint8))
        seen = t("draw.model_sees")
        st.image(png_data_url(pixels), caption=seen, width=112, alt=seen)
    chart = class_probability_bars(
        probabilities,
        names,
        title=t("draw.probabilities"),
        class_title=t("draw.class"),
        probability_title=t("draw.probability"),
    )
    st.altair_chart(chart, width="stretch")
    st.slider(
        t("draw.threshold"), 0.3, 0.95, 0.6, 0.05, help=t("draw.threshold_help"), key="draw_sure"
    )
    st.caption(t("draw.latency", ms=f"{milliseconds:.1f}"))
    st.page_link(
        navigation.page("inside").file, label=t("draw.inside_link"), icon=":material/biotech:"
    )


st.title(f":material/draw: {t('draw.title')}")
store_notices()
model_column, source_column = st.columns(2, vertical_alignment="bottom")
with model_column:
    chosen = choose_model()
with source_column:
    source = st.segmented_control(
        t("draw.source"),
        ["canvas", "photo"],
        format_func={name: t(f"draw.source_{name}") for name in ("canvas", "photo")}.get,
        default="canvas",
        key="draw_source",
    )
if chosen is not None and not DATASETS[chosen.dataset_name].handwritten_digits:
    st.warning(t("draw.fashion_note"), icon=":material/checkroom:")

input_column, result_column = st.columns([1, 1], gap="large")
with input_column:
    if source == "photo":
        drawing = photo_image()
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
            state.CURRENT_DRAWING.pop()  # cleared (or nothing drawn yet): nothing to look inside
    else:
        state.CURRENT_DRAWING.set(drawing)
        if chosen is not None:
            # The notice comes and goes with the drawing; in its own slot it never moves the
            # prediction, so a rerun replaces the metric in place instead of showing a second one
            # beside the previous run's stale copy.
            with st.container():
                looks_like_digit = digit_notice(chosen, drawing)
            show_prediction(chosen, drawing, looks_like_digit)
        contribute_drawing(drawing, chosen)  # class members: add it to the class's set
if drawing is not None and chosen is not None:
    explain_drawing(chosen, drawing)

with st.expander(t("draw.how_title"), icon=":material/help:"):
    st.markdown(t("draw.intro"))
    st.caption(t("draw.toolbar_help"))
model_upload_widget("draw_model_upload")
