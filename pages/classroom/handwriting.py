"""The class's own handwriting: add a drawing on Draw; accuracy, confusion and fine-tuning on
Evaluate.

Draw calls `contribute_drawing` after its prediction; Evaluate calls `class_handwriting_section`
with its MNIST evaluation. Both show nothing outside a class. The set lives in the class store
(nnlab.classroom.service: caps and rate limits there), figures come from
nnlab.inspection.evaluation, and fine-tuning is a short run through the engine's queue that starts
from the chosen run's saved model.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import streamlit as st

from nnlab.classroom.errors import ClassError
from nnlab.classroom.finetune import fine_tune_job
from nnlab.core.choices import DATASETS
from nnlab.core.formatting import percent
from nnlab.core.runs import RunStatus
from nnlab.core.shapes import NUM_CLASSES
from nnlab.engine.engine import LabBusy
from nnlab.inspection.drawing import class_probabilities
from nnlab.inspection.evaluation import evaluate_images
from pages.classroom.membership import classes, current_membership
from pages.common import navigation, state
from pages.common.lab import engine, lab_id
from pages.common.ui import lang, t
from pages.evaluate.charts import confusion_chart

DIGITS = list(range(NUM_CLASSES))
REFRESH_S = 2.0  # how often a watched fine-tuning run is redrawn


def _membership() -> Any | None:
    return current_membership()


def _reads_digits(choice: Any | None) -> bool:
    entry = DATASETS.get(choice.dataset_name) if choice is not None else None
    return bool(entry and entry.handwritten_digits)


def _predicted(choice: Any | None, drawing: np.ndarray) -> int | None:
    """The model's digit for the drawing (None without a digit model)."""
    if not _reads_digits(choice) or choice.network is None:
        return None
    try:
        return int(np.argmax(class_probabilities(choice.network, drawing)[0]))
    except Exception:  # an uploaded model that cannot read it: the student picks the label
        return None


def _add(class_id: str, label: int, drawing: np.ndarray, digest: str) -> str | None:
    """Add the drawing to the class set; an error text, or None when it was added."""
    store = classes()
    if store is None:
        return t("member.no_store")
    try:
        drawing_id = store.add_drawing(class_id, lab_id(), label, drawing)
    except ClassError as error:  # a cap or the rate limit: said in plain words
        return error.message(lang())
    except Exception as error:  # the store failed: say so; nothing was added
        return t("classset.add_failed", error=error)
    state.CONTRIBUTED.get()[digest] = (drawing_id, label)
    return None


def _undo(class_id: str, digest: str) -> None:
    store = classes()
    added = state.CONTRIBUTED.get()
    if store is None or digest not in added:
        return
    store.delete_own_drawing(class_id, lab_id(), added[digest][0])
    del added[digest]


def contribute_drawing(drawing: np.ndarray | None, choice: Any | None) -> None:
    """Draw, after the prediction: a class member adds the drawing with its label to the class."""
    membership = _membership()
    if membership is None or drawing is None:
        return
    info = membership.info
    with st.container(border=True, key="class_contribute"):
        st.markdown(f"**:material/group_add: {t('classset.add_title', title=info.name)}**")
        if not info.is_open():
            st.caption(t("classset.closed"))
            return
        digest = hashlib.sha1(np.ascontiguousarray(drawing).tobytes()).hexdigest()[:16]
        added = state.CONTRIBUTED.get().get(digest)
        predicted = _predicted(choice, drawing)
        pick, action = st.columns([1, 2], vertical_alignment="bottom")
        label = pick.selectbox(
            t("classset.label"),
            DIGITS,
            index=predicted,
            placeholder=t("classset.pick_label"),
            key=f"class_label_{digest}",  # a new drawing starts again from its prediction
            help=t("classset.label_help"),
            disabled=added is not None,
        )
        error = None
        with action:
            if added is not None:
                st.button(
                    t("classset.undo"),
                    key=f"class_undo_{digest}",
                    icon=":material/undo:",
                    on_click=_undo,
                    args=(info.class_id, digest),
                )
            elif st.button(
                t("classset.add"),
                key=f"class_add_{digest}",
                icon=":material/add_photo_alternate:",
                type="primary",
                disabled=label is None,
            ):
                error = _add(info.class_id, int(label), drawing, digest)
                if error is None:
                    st.rerun()  # show "added" in place of the button
        if error is not None:
            st.error(error, icon=":material/block:")
        if added is not None:
            st.success(t("classset.added", label=added[1]), icon=":material/check_circle:")
        store = classes()
        if store is not None:
            mine = len(store.drawings(info.class_id, lab_id()))
            st.caption(
                t(
                    "classset.counts",
                    total=store.drawing_count(info.class_id),
                    mine=mine,
                    cap=store.drawings_per_student,
                )
            )


# --- Evaluate -------------------------------------------------------------------------------------


def _class_set(class_id: str) -> tuple[np.ndarray, np.ndarray]:
    store = classes()
    if store is None:
        return np.zeros((0, 28, 28), np.uint8), np.zeros((0,), np.uint8)
    return store.drawing_arrays(class_id)


def class_set_evaluation(network: Any, key: Any, images: np.ndarray, labels: np.ndarray) -> Any:
    """The network's Evaluation on the class set, computed once per model and set."""
    digest = hashlib.sha1(images.tobytes() + labels.tobytes()).hexdigest()
    cache = state.CLASS_SET_EVALUATIONS.get()
    cache_key = (key, id(network), digest)
    if cache_key not in cache:
        if len(cache) > 8:
            cache.clear()
        cache[cache_key] = evaluate_images(network, images, labels)
    return cache[cache_key]


def _percent(value: float | None) -> str:
    return percent(value)


def class_handwriting_section(choice: Any, mnist_evaluation: Any) -> None:
    """Evaluate: accuracy on our class's handwriting beside MNIST's test set, its confusion."""
    membership = _membership()
    if membership is None or choice is None or choice.network is None:
        return
    info = membership.info
    st.subheader(f":material/groups: {t('classset.title', title=info.name)}")
    if not _reads_digits(choice):
        st.caption(t("classset.not_digits"))
        return
    images, labels = _class_set(info.class_id)
    if len(images) == 0:
        st.info(t("classset.empty"), icon=":material/draw:")
        st.page_link(
            navigation.page("draw").file, label=t("classset.go_draw"), icon=":material/draw:"
        )
        return
    try:
        evaluation = class_set_evaluation(choice.network, choice.key, images, labels)
    except Exception as error:  # a model that cannot read 28x28 digits
        st.error(t("evaluate.failed", error=error))
        return
    ours, mnist, count = st.columns(3)
    ours.metric(t("classset.accuracy"), _percent(evaluation.accuracy))
    mnist.metric(t("classset.mnist_accuracy"), _percent(mnist_evaluation.accuracy))
    count.metric(t("classset.drawings"), f"{len(labels):,}")
    chart_column, tune_column = st.columns(2, gap="large")
    with chart_column:
        st.altair_chart(
            confusion_chart(
                evaluation,
                true_title=t("evaluate.true_class"),
                predicted_title=t("evaluate.predicted_class"),
                count_title=t("evaluate.count"),
            ),
            width="stretch",
            key="class_set_confusion",
        )
    with tune_column:
        fine_tune_panel(choice, images, labels)


# --- fine-tuning ----------------------------------------------------------------------------------


def _start_fine_tune(choice: Any, images: np.ndarray, labels: np.ndarray) -> None:
    try:
        job = fine_tune_job(choice.spec, images, labels)
        run_id = engine().submit(
            lab_id(),
            job.spec,
            label=t("classset.tuned_label", label=choice.label),
            start_from=choice.run_id,
            extra_train=job.extra_train,
        )
    except ClassError as error:
        st.error(error.message(lang()), icon=":material/error:")
        return
    except LabBusy:
        st.warning(t("build.too_many_runs"), icon=":material/hourglass_top:")
        return
    except Exception as error:  # no saved model, the store refused the run
        st.error(t("classset.tune_failed", error=error), icon=":material/error:")
        return
    state.FINE_TUNES.get()[run_id] = choice.run_id


def _comparison(base_id: str, tuned_id: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Before and after: MNIST test accuracy and class-set accuracy of both models."""
    rows = []
    for key, run_id in (("classset.before", base_id), ("classset.after", tuned_id)):
        run = engine().live(run_id)
        network = engine().network(run_id)
        ours = None
        if network is not None:
            ours = class_set_evaluation(network, f"run:{run_id}", images, labels).accuracy
        rows.append(
            {
                t("classset.model"): t(key),
                t("classset.accuracy"): _percent(ours),
                t("classset.mnist_accuracy"): _percent(run.test_accuracy if run else None),
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")


def _tuning_status(was_active: bool) -> None:
    """The newest fine-tuning run of this session: its progress, then before/after."""
    membership = state.MEMBERSHIP.peek()  # a fragment rerun: the page run just read it
    images, labels = _class_set(membership.info.class_id) if membership else (None, None)
    for tuned_id, base_id in reversed(list(state.FINE_TUNES.get().items())):
        run = engine().live(tuned_id)
        if run is None:
            continue
        if was_active and not run.is_active:
            st.rerun(scope="app")  # once: the new model joins the choices, the refresh stops
        if run.is_active:
            epoch = run.progress.epoch
            st.caption(t("classset.tuning", epoch=epoch, epochs=run.spec.epochs))
        elif run.status is RunStatus.FAILED:
            st.error(t("classset.tune_failed", error=run.error), icon=":material/error:")
        elif images is not None and len(images):
            st.markdown(f"**{run.label}**")
            _comparison(base_id, tuned_id, images, labels)
        break  # the newest one only


def fine_tune_panel(choice: Any, images: np.ndarray, labels: np.ndarray) -> None:
    """A button that fine-tunes the chosen run on the class set plus MNIST, and before/after."""
    st.markdown(f"**:material/tune: {t('classset.tune_title')}**")
    st.caption(t("classset.tune_help"))
    if choice.source != "run" or not choice.run_id:
        st.caption(t("classset.tune_needs_run"))
        return
    if st.button(t("classset.tune"), key="class_fine_tune", icon=":material/tune:"):
        _start_fine_tune(choice, images, labels)
    active = any(
        (run := engine().live(run_id)) is not None and run.is_active
        for run_id in state.FINE_TUNES.get()
    )
    st.fragment(_tuning_status, run_every=REFRESH_S if active else None)(active)
