"""Evaluate's sample browser: filters, a paged grid of test images, one image in detail."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import streamlit as st

from pages.common import state
from pages.common.ui import lang, t
from pages.evaluate.charts import probability_chart

GRID_COLUMNS = 6
PAGE_SIZE = 24
ANY = -1  # "any class" in the filters


def filter_key(which: str) -> str:
    """Widget key of a class filter, per language: a select box keeps its old text otherwise."""
    return f"evaluate_{which}_{lang()}"


def chosen_samples(evaluation: Any, true: int, predicted: int) -> tuple[list[tuple], str]:
    """(index, true, predicted, confidence) of the samples the filters select, and a heading."""
    names = evaluation.class_names
    items = evaluation.cell_samples(
        None if true == ANY else true, None if predicted == ANY else predicted
    )
    if true != ANY and true == predicted:
        return items, t("evaluate.showing_right", count=f"{len(items):,}", name=names[true])
    return items, t("evaluate.showing_mistakes", count=f"{len(items):,}")


def upscaled(image: np.ndarray, factor: int = 4) -> np.ndarray:
    """A uint8 image enlarged with nearest neighbour, so pixels stay crisp."""
    return np.kron(image, np.ones((factor, factor), dtype=np.uint8))


def show_sample(evaluation: Any, images: np.ndarray, index: int) -> None:
    """One test image, large, with its probability bars and top 3."""
    names = evaluation.class_names
    true, predicted = int(evaluation.labels[index]), int(evaluation.predictions[index])
    st.markdown(f"**{t('evaluate.sample', index=index)}**")
    caption = t("evaluate.sample_caption", label=names[true], predicted=names[predicted])
    st.image(upscaled(images[index], 6), width=168, alt=caption)
    st.caption(caption)
    st.altair_chart(
        probability_chart(
            evaluation,
            index,
            probability_title=t("evaluate.probability"),
            class_title=t("evaluate.class"),
        ),
        width="stretch",
    )
    top = np.argsort(-evaluation.probabilities[index], kind="stable")[:3]
    top_text = ", ".join(f"{names[c]} {evaluation.probabilities[index, c]:.1%}" for c in top)
    st.caption(t("evaluate.top3", top=top_text))
    if not getattr(evaluation, "outputs_sum_to_one", True):
        st.caption(t("evaluate.shares_note"))


def show_samples(evaluation: Any, images: np.ndarray) -> None:
    """Filters, the paged grid of samples and the chosen sample's probabilities."""
    st.subheader(t("evaluate.mistakes"))
    st.caption(t("evaluate.mistakes_help"))
    names = evaluation.class_names
    options = [ANY, *range(len(names))]

    def class_name(value: int) -> str:
        return t("evaluate.any_class") if value == ANY else names[value]

    true_column, predicted_column, page_column = st.columns(3)
    true = true_column.selectbox(
        t("evaluate.filter_true"), options, format_func=class_name, key=filter_key("true")
    )
    predicted = predicted_column.selectbox(
        t("evaluate.filter_predicted"), options, format_func=class_name, key=filter_key("predicted")
    )
    items, heading = chosen_samples(evaluation, true, predicted)
    if evaluation.num_wrong == 0 and not (true != ANY and true == predicted):
        st.success(t("evaluate.no_mistakes"))
        return
    if not items:
        st.info(t("evaluate.none_match"))
        return
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    if state.SHOWN_FILTERS.peek() != (true, predicted):
        state.SHOWN_FILTERS.set((true, predicted))
        st.session_state["evaluate_page"] = 1
    page = page_column.number_input(
        t("evaluate.page", pages=pages), min_value=1, max_value=pages, step=1, key="evaluate_page"
    )
    shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    st.caption(heading)
    visible = {item[0] for item in items}
    if state.SAMPLE_INDEX.peek() not in visible:
        state.SAMPLE_INDEX.set(shown[0][0])
    grid_column, detail_column = st.columns([3, 1], gap="large")
    with grid_column:
        for start in range(0, len(shown), GRID_COLUMNS):
            for column, (index, label, guess, confidence) in zip(
                st.columns(GRID_COLUMNS), shown[start : start + GRID_COLUMNS], strict=False
            ):
                with column:
                    caption = t(
                        "evaluate.tile",
                        label=names[label],
                        predicted=names[guess],
                        confidence=confidence,
                    )
                    st.image(upscaled(images[index]), width="stretch", alt=caption)
                    st.caption(caption)
                    if st.button(
                        f"#{index}",
                        key=f"evaluate_pick_{index}",
                        type="tertiary",
                        icon=":material/bar_chart:",
                        help=t("evaluate.show_sample", index=index),
                    ):
                        state.SAMPLE_INDEX.set(index)
    with detail_column:
        show_sample(evaluation, images, state.SAMPLE_INDEX.get())
