"""Evaluate: the chosen model on its data set's test images: figures, confusion, mistakes."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import nnlab
from nnlab.datasets import load_dataset
from pages._common import lang, preset_title, t
from pages._data import dataset_summary
from pages._models import (
    ModelChoice,
    model_choices,
    model_upload_widget,
    pick_model,
    session_runs,
)

EVALUATIONS_KEY = "evaluations"  # cache key -> nnlab Evaluation, so reruns never recompute
USE_DEFAULT_KEY = "evaluate_use_default"
MAX_CACHED_EVALUATIONS = 6
GRID_COLUMNS = 6
PAGE_SIZE = 24
ANY = -1  # "any class" in the filters


def default_model_available() -> bool:
    """True when the default digit model's module and file exist (checked without Keras)."""
    if importlib.util.find_spec("nnlab.default_model") is None:
        return False
    from nnlab import default_model

    path = getattr(default_model, "DEFAULT_MODEL_PATH", None)
    return path is None or Path(path).exists()


def choose_model() -> ModelChoice | None:
    """The model to evaluate, or None after prompting the student to train one."""
    if not model_choices(include_default=False) and not st.session_state.get(USE_DEFAULT_KEY):
        st.info(t("evaluate.no_model"), icon=":material/school:")
        st.page_link(
            "pages/1_build_and_train.py",
            label=t("evaluate.go_train"),
            icon=":material/model_training:",
        )
        if not default_model_available():
            return None
        st.caption(t("evaluate.or_default"))
        if st.button(t("evaluate.use_default"), icon=":material/play_arrow:"):
            st.session_state[USE_DEFAULT_KEY] = True
            st.rerun()  # redraw without the prompt
        return None
    try:
        return pick_model("evaluate_model", include_default=default_model_available())
    except Exception as error:  # e.g. the default model's file is missing or broken
        st.error(t("evaluate.model_failed", error=error))
        return None


def filter_key(which: str) -> str:
    """Widget key of a class filter, per language: a select box keeps its old text otherwise."""
    return f"evaluate_{which}_{lang()}"


def run_of(choice: ModelChoice) -> Any | None:
    """The training run behind a choice, if it came from one."""
    return next((run for run in session_runs() if f"run:{run.run_id}" == choice.key), None)


def cached_evaluation(choice: ModelChoice, dataset: Any, run: Any | None) -> Any:
    """The Evaluation of this model on this data, computed once per model state."""
    epochs = len(run.history) if run is not None else 0
    key = (choice.key, id(choice.model), dataset.name, dataset.source, epochs)
    cache = st.session_state.setdefault(EVALUATIONS_KEY, {})
    if key not in cache:
        loss = choice.spec.loss if choice.spec is not None else "sparse_categorical_crossentropy"
        with st.spinner(t("evaluate.computing", count=f"{dataset.num_test:,}")):
            evaluation = nnlab.evaluate(choice.model, dataset, loss=loss)
        while len(cache) >= MAX_CACHED_EVALUATIONS:
            cache.pop(next(iter(cache)))  # the oldest: dicts keep insertion order
        cache[key] = evaluation
    return cache[key]


def percent(value: float) -> str:
    """0.9804 -> '98.04%'."""
    return f"{value:.2%}" if value is not None and math.isfinite(value) else "–"


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
    columns = st.columns(5 if reference else 4)
    delta = None
    if reference and reference[3]:
        delta = t("evaluate.vs_tutorial", points=100 * (evaluation.accuracy - reference[1]))
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
        st.metric(t("evaluate.test_loss"), f"{evaluation.loss:.4f}")
        st.caption(t(f"evaluate.loss.{evaluation.loss_name}"))
    if history:
        last = history[-1]
        epoch = int(last.get("epoch", len(history)))
        for column, prefix in ((columns[2], ""), (columns[3], "val_")):
            with column:
                label_key = "evaluate.val_accuracy" if prefix else "evaluate.train_accuracy"
                st.metric(t(label_key, epoch=epoch), percent(last.get(f"{prefix}accuracy")))
                loss = last.get(f"{prefix}loss")
                if loss is not None and math.isfinite(loss):
                    st.caption(t("evaluate.loss_value", loss=loss))
    else:
        columns[2].caption(t("evaluate.no_training_figures"))
    if reference:
        metric, value, title, _ = reference
        with columns[-1]:
            st.metric(t(f"evaluate.published.{metric}"), percent(value))
            st.caption(t("evaluate.published_caption", title=title))


def confusion_chart(evaluation: Any) -> alt.LayerChart:
    """The confusion matrix as a clickable Altair heatmap with the counts written in."""
    names = list(evaluation.class_names)
    rows = [
        {
            "true": true,
            "predicted": predicted,
            "true_name": names[true],
            "predicted_name": names[predicted],
            "count": int(evaluation.confusion[true, predicted]),
            "right": true == predicted,
        }
        for true in range(len(names))
        for predicted in range(len(names))
    ]
    frame = pd.DataFrame(rows)
    cell = alt.selection_point(name="cell", fields=["true", "predicted"], on="click", empty=False)
    true_title, predicted_title = t("evaluate.true_class"), t("evaluate.predicted_class")
    base = alt.Chart(frame).encode(
        x=alt.X(
            "predicted_name:N",
            sort=names,
            title=predicted_title,
            axis=alt.Axis(labelAngle=0 if len(max(names, key=len)) <= 2 else -40, orient="top"),
        ),
        y=alt.Y("true_name:N", sort=names, title=true_title),
    )
    most = max(1, int(evaluation.confusion.max()))
    most_wrong = max(1, int((evaluation.confusion - np.diag(np.diag(evaluation.confusion))).max()))
    # Right answers in blue, mistakes in red, each on its own scale: the diagonal holds hundreds,
    # a mistake cell a handful, and one shared scale would make every mistake look blank.
    right = (
        base.transform_filter("datum.right")
        .mark_rect()
        .encode(
            color=alt.Color(
                "count:Q",
                scale=alt.Scale(domain=[0, most], range=["#dbeafe", "#1d4ed8"]),
                legend=None,
            )
        )
    )
    wrong = (
        base.transform_filter("!datum.right && datum.count > 0")
        .mark_rect()
        .encode(
            color=alt.Color(
                "count:Q",
                scale=alt.Scale(type="sqrt", domain=[0, most_wrong], range=["#fee2e2", "#b91c1c"]),
                legend=None,
            )
        )
    )
    # White text on the darker half of each scale.
    dark = f"datum.right ? datum.count > {most / 2} : datum.count > {most_wrong / 2}"
    text = (
        base.transform_filter("datum.count > 0")
        .mark_text(fontSize=12)
        .encode(
            text="count:Q",
            color=alt.condition(
                dark,
                alt.value("white"),
                alt.value("#1f2937"),
            ),
        )
    )
    # On top, an invisible cell grid takes the clicks (text would otherwise swallow them) and
    # outlines the chosen cell.
    clicks = base.mark_rect(fill="white", fillOpacity=0.001).encode(
        stroke=alt.condition(cell, alt.value("#111827"), alt.value("#e5e7eb")),
        strokeWidth=alt.condition(cell, alt.value(2.5), alt.value(0.5)),
        tooltip=[
            alt.Tooltip("true_name:N", title=true_title),
            alt.Tooltip("predicted_name:N", title=predicted_title),
            alt.Tooltip("count:Q", title=t("evaluate.count")),
        ],
    )
    return (
        alt.layer(wrong, right, text, clicks.add_params(cell))
        .resolve_scale(color="independent")
        .properties(height=420, width="container")
    )


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
            confusion_chart(evaluation),
            on_select="rerun",
            selection_mode="cell",
            key="evaluate_confusion",
            width="stretch",
        )
    cell = picked_cell(event)
    if cell != st.session_state.get("evaluate_last_cell"):
        # Only a new click moves the filters, so the select boxes stay usable afterwards.
        st.session_state["evaluate_last_cell"] = cell
        if cell is not None:
            st.session_state[filter_key("true")], st.session_state[filter_key("predicted")] = cell
    with table_column:
        st.subheader(t("evaluate.per_class"))
        st.caption(t("evaluate.per_class_help"))
        frame = pd.DataFrame(evaluation.per_class_rows())
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
                "precision": st.column_config.NumberColumn(
                    t("evaluate.column.precision"), format="percent"
                ),
                "recall": st.column_config.NumberColumn(
                    t("evaluate.column.recall"), format="percent"
                ),
            },
        )


def chosen_samples(evaluation: Any, true: int, predicted: int) -> tuple[list[tuple], str]:
    """(index, true, predicted, confidence) of the samples the filters select, and a heading."""
    names = evaluation.class_names
    if true != ANY and true == predicted:  # a diagonal cell: right answers, least sure first
        indices = evaluation.samples(true, predicted)
        confidences = evaluation.probabilities[indices, predicted]
        order = np.argsort(confidences, kind="stable")
        items = [(int(indices[i]), true, predicted, float(confidences[i])) for i in order]
        return items, t("evaluate.showing_right", count=f"{len(items):,}", name=names[true])
    mistakes = evaluation.mistakes(
        None if true == ANY else true, None if predicted == ANY else predicted
    )
    items = [(m.index, m.true_label, m.predicted_label, m.confidence) for m in mistakes]
    return items, t("evaluate.showing_mistakes", count=f"{len(items):,}")


def upscaled(image: np.ndarray, factor: int = 4) -> np.ndarray:
    """A uint8 image enlarged with nearest neighbour, so pixels stay crisp."""
    return np.kron(image, np.ones((factor, factor), dtype=np.uint8))


def probability_chart(evaluation: Any, index: int) -> alt.Chart:
    """Bars of the ten class probabilities; the true class green, a wrong choice red."""
    names = list(evaluation.class_names)
    true, predicted = int(evaluation.labels[index]), int(evaluation.predictions[index])
    frame = pd.DataFrame(
        {
            "class": names,
            "probability": evaluation.probabilities[index].astype(float),
            "role": [
                "true" if c == true else "wrong" if c == predicted else "other"
                for c in range(len(names))
            ],
        }
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "probability:Q", title=t("evaluate.probability"), scale=alt.Scale(domain=[0, 1])
            ),
            y=alt.Y(
                "class:N", sort=names, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=90)
            ),
            color=alt.Color(
                "role:N",
                scale=alt.Scale(
                    domain=["true", "wrong", "other"], range=["#16a34a", "#dc2626", "#9ca3af"]
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("class:N", title=t("evaluate.class")),
                alt.Tooltip("probability:Q", format=".2%", title=t("evaluate.probability")),
            ],
        )
        .properties(height=300)
    )


def show_sample(evaluation: Any, images: np.ndarray, index: int) -> None:
    """One test image, large, with its probability bars and top 3."""
    names = evaluation.class_names
    true, predicted = int(evaluation.labels[index]), int(evaluation.predictions[index])
    st.markdown(f"**{t('evaluate.sample', index=index)}**")
    st.image(upscaled(images[index], 6), width=168)
    st.caption(t("evaluate.sample_caption", label=names[true], predicted=names[predicted]))
    st.altair_chart(probability_chart(evaluation, index), width="stretch")
    top = np.argsort(-evaluation.probabilities[index], kind="stable")[:3]
    top_text = ", ".join(f"{names[c]} {evaluation.probabilities[index, c]:.1%}" for c in top)
    st.caption(t("evaluate.top3", top=top_text))


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
    if st.session_state.get("evaluate_filters") != (true, predicted):
        st.session_state["evaluate_filters"] = (true, predicted)
        st.session_state["evaluate_page"] = 1
    page = page_column.number_input(
        t("evaluate.page", pages=pages), min_value=1, max_value=pages, step=1, key="evaluate_page"
    )
    shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    st.caption(heading)
    visible = {item[0] for item in items}
    if st.session_state.get("evaluate_sample") not in visible:
        st.session_state["evaluate_sample"] = shown[0][0]
    grid_column, detail_column = st.columns([3, 1], gap="large")
    with grid_column:
        for start in range(0, len(shown), GRID_COLUMNS):
            for column, (index, label, guess, confidence) in zip(
                st.columns(GRID_COLUMNS), shown[start : start + GRID_COLUMNS], strict=False
            ):
                with column:
                    st.image(upscaled(images[index]), width="stretch")
                    st.caption(
                        t(
                            "evaluate.tile",
                            label=names[label],
                            predicted=names[guess],
                            confidence=confidence,
                        )
                    )
                    if st.button(
                        f"#{index}",
                        key=f"evaluate_pick_{index}",
                        type="tertiary",
                        icon=":material/bar_chart:",
                        help=t("evaluate.show_sample", index=index),
                    ):
                        st.session_state["evaluate_sample"] = index
    with detail_column:
        show_sample(evaluation, images, st.session_state["evaluate_sample"])


def main() -> None:
    """The page."""
    st.title(f":material/fact_check: {t('evaluate.title')}")
    st.caption(t("evaluate.intro"))
    choice = choose_model()
    model_upload_widget("evaluate_model_upload")
    if choice is None or choice.model is None:
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
    st.divider()
    show_samples(evaluation, dataset.x_test)


main()
