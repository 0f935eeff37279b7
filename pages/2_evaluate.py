"""Evaluate: the chosen model on its data set's test images: figures, confusion, mistakes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import nnlab
from nnlab.core import formatting
from nnlab.data.datasets import load_dataset
from pages.classroom.handwriting import class_handwriting_section
from pages.common import navigation, state
from pages.common.charts import look_for
from pages.common.data import dataset_summary
from pages.common.lab import engine, store_notices
from pages.common.models import (
    ModelChoice,
    default_model_available,
    model_choices,
    model_upload_widget,
    pick_model,
)
from pages.common.ui import is_projector, preset_title, t
from pages.evaluate.charts import confusion_chart
from pages.evaluate.robust import show_robustness
from pages.evaluate.samples import filter_key, show_samples

MAX_CACHED_EVALUATIONS = 6


def choose_model() -> ModelChoice | None:
    """The model to evaluate, or None after prompting the student to train one."""
    if not model_choices(include_default=False) and not state.USE_DEFAULT_MODEL.get():
        st.info(t("evaluate.no_model"), icon=":material/school:")
        st.page_link(
            navigation.page("build").file,
            label=t("evaluate.go_train"),
            icon=":material/model_training:",
        )
        if not default_model_available():
            return None
        st.caption(t("evaluate.or_default"))
        if st.button(t("evaluate.use_default"), icon=":material/play_arrow:"):
            state.USE_DEFAULT_MODEL.set(True)
            st.rerun()  # redraw without the prompt
        return None
    try:
        return pick_model("evaluate_model", include_default=default_model_available())
    except Exception as error:  # e.g. the default model's file is missing or broken
        st.error(t("evaluate.model_failed", error=error))
        return None


def run_of(choice: ModelChoice) -> Any | None:
    """The training run behind a choice, if it came from one."""
    return engine().live(choice.run_id) if choice.run_id else None


def cached_evaluation(choice: ModelChoice, dataset: Any, run: Any | None) -> Any:
    """The Evaluation of this model on this data, computed once per model state."""
    key = (choice.key, id(choice.network), dataset.name, dataset.source)
    cache = state.EVALUATIONS.get()
    if key not in cache:
        loss = choice.spec.loss if choice.spec is not None else "sparse_categorical_crossentropy"
        with st.spinner(t("evaluate.computing", count=f"{dataset.num_test:,}")):
            evaluation = nnlab.evaluate(choice.network, dataset, loss=loss)
        while len(cache) >= MAX_CACHED_EVALUATIONS:
            cache.pop(next(iter(cache)))  # the oldest: dicts keep insertion order
        cache[key] = evaluation
    return cache[key]


percent = formatting.percent  # one format for every page: '98.0%'


def published_reference(run: Any | None) -> tuple[str, float, str, bool] | None:
    """(metric, value, preset title, comparable with test accuracy) of the run's preset."""
    if run is None or not getattr(run, "preset_key", None) or run.preset_key not in nnlab.PRESETS:
        return None
    preset = nnlab.PRESETS[run.preset_key]
    for metric in ("test_accuracy", "val_accuracy", "accuracy"):
        if metric in preset.published:
            # With the test set as validation, the tutorial's val_accuracy is a test accuracy.
            comparable = metric == "test_accuracy" or (
                metric == "val_accuracy" and preset.spec.validation == "test"
            )
            return metric, preset.published[metric], preset_title(preset.key), comparable
    return None


def show_figures(evaluation: Any, run: Any | None) -> None:
    """Test accuracy and loss beside the run's last epoch and the tutorial's number."""
    reference = published_reference(run)
    history = list(run.history) if run is not None else []
    # Boxes wide enough for "Validation accuracy (epoch 8)" that wrap onto a second row on a
    # laptop or tablet instead of cutting their labels.
    row = st.container(horizontal=True, wrap=True)
    columns = [row.container(width=205) for _ in range(5 if reference else 4)]
    delta = None
    if reference and reference[3]:
        delta = t(
            "evaluate.vs_tutorial", points=formatting.points(evaluation.accuracy - reference[1])
        )
    with columns[0]:
        st.metric(t("evaluate.test_accuracy"), percent(evaluation.accuracy), delta=delta)
        st.caption(
            t(
                "evaluate.wrong",
                wrong=f"{evaluation.num_wrong:,}",
                count=f"{evaluation.num_images:,}",
            )
        )
    with columns[1]:
        st.metric(t("evaluate.test_loss"), formatting.loss(evaluation.loss))
        st.caption(t(f"evaluate.loss.{evaluation.loss_name}"))
    if history:
        last = history[-1]
        epoch = last.epoch
        for column, prefix in ((columns[2], ""), (columns[3], "val_")):
            with column:
                label_key = "evaluate.val_accuracy" if prefix else "evaluate.train_accuracy"
                st.metric(t(label_key, epoch=epoch), percent(last.figure(f"{prefix}accuracy")))
                loss = last.figure(f"{prefix}loss")
                if loss is not None:
                    st.caption(t("evaluate.loss_value", loss=formatting.loss(loss)))
    else:
        columns[2].caption(t("evaluate.no_training_figures"))
    if reference:
        metric, value, title, _ = reference
        with columns[-1]:
            st.metric(t(f"evaluate.published.{metric}"), percent(value))
            st.caption(t("evaluate.published_caption", title=title))


def picked_cell(event: Any) -> tuple[int, int] | None:
    """(true, predicted) of the clicked cell in an altair_chart selection event, if any."""
    try:
        points = event.selection["cell"]
    except (AttributeError, KeyError, TypeError):
        return None
    if not points:
        return None
    point = points[0]
    try:
        return int(point["true"]), int(point["predicted"])
    except (KeyError, TypeError, ValueError):
        return None


def show_confusion_and_table(evaluation: Any) -> None:
    """The heatmap (clicking a cell sets the sample filters) and the per-class table."""
    chart_column, table_column = st.columns(2, gap="large")
    with chart_column:
        st.subheader(t("evaluate.confusion"))
        st.caption(t("evaluate.confusion_help"))
        event = st.altair_chart(
            confusion_chart(
                evaluation,
                true_title=t("evaluate.true_class"),
                predicted_title=t("evaluate.predicted_class"),
                count_title=t("evaluate.count"),
                look=look_for(is_projector()),
            ),
            on_select="rerun",
            selection_mode="cell",
            key="evaluate_confusion",
            width="stretch",
        )
    cell = picked_cell(event)
    if cell != state.CLICKED_CELL.peek():
        # Only a new click moves the filters, so the select boxes stay usable afterwards.
        state.CLICKED_CELL.set(cell)
        if cell is not None:
            st.session_state[filter_key("true")], st.session_state[filter_key("predicted")] = cell
    with table_column:
        st.subheader(t("evaluate.per_class"))
        st.caption(t("evaluate.per_class_help"))
        frame = pd.DataFrame(evaluation.per_class_rows())
        frame[["precision", "recall"]] *= 100  # PERCENT_PRINTF formats percentages
        percent_column = {"format": "percent", "min_value": 0.0, "max_value": 1.0}
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={
                "class": st.column_config.TextColumn(t("evaluate.column.class")),
                "images": st.column_config.NumberColumn(t("evaluate.column.images")),
                "accuracy": st.column_config.ProgressColumn(
                    t("evaluate.column.accuracy"), **percent_column
                ),
                # Shown as 86.9%: the same one decimal as the accuracy bars beside them.
                "precision": st.column_config.NumberColumn(
                    t("evaluate.column.precision"), format=formatting.PERCENT_PRINTF
                ),
                "recall": st.column_config.NumberColumn(
                    t("evaluate.column.recall"), format=formatting.PERCENT_PRINTF
                ),
            },
        )


def main() -> None:
    """The page."""
    st.title(f":material/fact_check: {t('evaluate.title')}")
    st.caption(t("evaluate.intro"))
    store_notices()
    choice = choose_model()
    model_upload_widget("evaluate_model_upload")
    if choice is None or choice.network is None:
        return
    name = t(f"data.name.{choice.dataset_name}")
    try:
        with st.spinner(t("data.loading", name=name)):
            dataset = load_dataset(choice.dataset_name)
    except Exception as error:  # the bundled sample always loads, but never crash the page
        st.error(t("data.load_failed", name=name, error=error))
        return
    run = run_of(choice)
    try:
        evaluation = cached_evaluation(choice, dataset, run)
    except Exception as error:  # a model with the wrong input or output shape, NaN weights...
        st.error(t("evaluate.failed", error=error))
        return
    st.caption(
        t(
            "evaluate.data_used",
            count=f"{dataset.num_test:,}",
            name=name,
            summary=dataset_summary(dataset),
            seconds=evaluation.seconds,
        )
    )
    if dataset.is_sample:
        st.caption(t("evaluate.sample_warning"))
    if dataset.notes:
        with st.expander(t("data.notes")):
            st.write("\n".join(f"- {note}" for note in dataset.notes))
    show_figures(evaluation, run)
    st.divider()
    show_confusion_and_table(evaluation)
    class_handwriting_section(choice, evaluation)  # class members: our class's handwriting
    st.divider()
    show_samples(evaluation, dataset.x_test)
    show_robustness(choice, dataset)


main()
