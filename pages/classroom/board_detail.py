"""The class board's run in detail: settings, curves, confusion matrix, handwriting accuracy."""

from __future__ import annotations

from typing import Any

import streamlit as st

import nnlab
from nnlab.classroom.leaderboard import BoardRun, settings_summary
from nnlab.data.datasets import load_dataset
from nnlab.inspection.evaluation import evaluate_probabilities
from pages.classroom.board_charts import board_chart_config, confusion_matrix_spec
from pages.classroom.board_live import DETAIL_KEY, percent, status_text
from pages.common import state
from pages.common.curve_charts import curves_spec
from pages.common.lab import class_store, engine
from pages.common.ui import t


@st.cache_resource(max_entries=8, show_spinner=False)
def run_figures(
    run_id: str, ended_at: float | None, class_id: str, drawings: tuple[int, int, int]
) -> dict[str, Any]:
    """The run's confusion matrix on its test set and its accuracy on the class's handwriting.

    Cached for the process by run and state: one board per class, however many tabs show it.
    """
    network = engine().network(run_id)
    if network is None:
        return {"error": "board.no_model"}  # a text key: the cache is shared by every language
    record = class_store().board(class_id).run(run_id)
    spec = record.spec if record is not None else None
    dataset = load_dataset(spec.dataset if spec is not None else "mnist")
    loss = spec.loss if spec is not None else "sparse_categorical_crossentropy"
    evaluation = nnlab.evaluate(network, dataset, loss=loss)
    figures: dict[str, Any] = {
        "accuracy": evaluation.accuracy,
        "confusion": evaluation.confusion,
        "class_names": evaluation.class_names,
        "test_images": evaluation.num_images,
    }
    if drawings[0] and (spec is None or spec.dataset == "mnist"):
        images, labels = class_store().drawing_arrays(class_id)
        if len(labels):
            ours = evaluate_probabilities(network.predict(images), labels, loss=loss)
            figures["ours_accuracy"] = ours.accuracy
            figures["ours_confusion"] = ours.confusion
            figures["ours_count"] = len(labels)
    return figures


def confusion(figures: dict[str, Any], prefix: str, theme: str) -> dict[str, Any]:
    """The confusion heatmap of the figures' `prefix`confusion."""
    return confusion_matrix_spec(
        figures[f"{prefix}confusion"],
        figures["class_names"],
        true_title=t("board.true_class"),
        predicted_title=t("board.predicted_class"),
        theme=theme,
    )


def follow_detail_pick() -> None:
    """The teacher picked a run: the class's curves draw it thick."""
    state.BOARD_RUN.set(st.session_state.get(DETAIL_KEY))


@st.fragment
def run_detail(class_id: str, theme: str) -> None:
    """Pick a run; its settings, curves, confusion matrix and handwriting accuracy."""
    board = class_store().board(class_id)
    if not board.runs:
        return
    by_id = {run.run_id: run for run in reversed(board.runs)}
    options = list(by_id)
    labels = {
        run_id: f"{run.display_name} · {run.label} · {status_text(run)}"
        for run_id, run in by_id.items()
    }
    if st.session_state.get(DETAIL_KEY) not in by_id:
        st.session_state.pop(DETAIL_KEY, None)  # a run gone from the board: start afresh
    picked = st.selectbox(
        t("board.detail_pick"),
        options,
        format_func=labels.get,
        key=DETAIL_KEY,
        on_change=follow_detail_pick,
    )
    run = by_id.get(picked)
    if run is None:
        return
    st.markdown(f"**{run.display_name}** · {run.label}")
    st.caption(settings_summary(run.spec))
    figures = run_scores(run, class_id)
    has_ours = figures is not None and "ours_accuracy" in figures
    columns = st.columns(3 if has_ours else 2, gap="large")
    with columns[0]:
        curves = curves_spec(
            run.history,
            "accuracy",
            title=t("board.accuracy"),
            epoch_title=t("board.epoch"),
            train_name=t("board.train"),
            validation_name=t("board.validation"),
        )
        curves["config"] = board_chart_config(theme, font_size=18)
        curves["height"] = 360
        st.vega_lite_chart(curves, theme=None, width="stretch")
    if figures is None:
        return
    with columns[1]:
        st.markdown(
            t(
                "board.detail_test",
                accuracy=percent(figures["accuracy"]),
                count=f"{figures['test_images']:,}",
            )
        )
        st.vega_lite_chart(confusion(figures, "", theme), theme=None, width="stretch")
    if has_ours:
        with columns[2]:
            st.markdown(
                t(
                    "board.detail_ours",
                    accuracy=percent(figures["ours_accuracy"]),
                    count=figures["ours_count"],
                )
            )
            st.vega_lite_chart(confusion(figures, "ours_", theme), theme=None, width="stretch")


def run_scores(run: BoardRun, class_id: str) -> dict[str, Any] | None:
    """The run's test and handwriting figures, or None after saying why there are none."""
    if run.is_active:
        st.info(t("board.detail_training"), icon=":material/hourglass_top:")
        return None
    if not run.has_model:
        st.info(t("board.no_model"), icon=":material/block:")
        return None
    try:
        with st.spinner(t("board.evaluating")):
            drawings = class_store().drawings_version(class_id)
            figures = run_figures(run.run_id, run.ended_at, class_id, drawings)
    except Exception as error:  # a damaged model must not take the board down
        st.error(t("board.detail_failed", error=error))
        return None
    if "error" in figures:
        st.info(t(figures["error"]), icon=":material/block:")
        return None
    return figures
