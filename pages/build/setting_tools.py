"""The learning-rate and augmentation tools beside Build & Train's settings: the schedule and its
curve, the learning-rate finder, the augmentation sliders and a preview of augmented images.

The schedule curve and augmented examples are NumPy (nnlab.core.schedules,
nnlab.inspection.augmentation_preview); the finder runs in a worker (Engine.find_learning_rate).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from nnlab.core import choices
from nnlab.core.plan import AUGMENT_FIELDS
from nnlab.core.schedules import schedule_curve
from nnlab.core.spec import RunSpec
from nnlab.data.datasets import load_dataset
from nnlab.inspection.augmentation_preview import augmented_examples
from pages.build import spec_widgets as keys
from pages.build.charts import finder_spec, line_spec
from pages.build.field_widgets import spec_field
from pages.common import state
from pages.common.lab import engine
from pages.common.ui import is_hidden, t

PREVIEW_IMAGES = 4  # training images in the augmentation preview, each with PREVIEW_COPIES
PREVIEW_COPIES = 5
FINDER_POLL_S = 1.0


def learning_rate_controls(spec: RunSpec | None) -> None:
    """The schedule and its settings, its curve, and the learning-rate finder."""
    if not is_hidden("lr_schedule"):
        left, right = st.columns(2)
        with left:
            schedule = spec_field("lr_schedule", keys.PREFIX + "lr_schedule")
        entry = choices.LR_SCHEDULES.get(schedule)
        with right:
            for name in entry.settings if entry else ():
                spec_field(name, keys.PREFIX + name)
        if spec is not None and spec.lr_schedule != "constant":
            _schedule_curve(spec)
    _learning_rate_finder(spec)


def _schedule_curve(spec: RunSpec) -> None:
    curve = schedule_curve(spec)
    rows = [
        {"epoch": epoch, "value": rate, "layer": "lr"}
        for epoch, rate in zip(curve["epochs"], curve["learning_rates"], strict=True)
    ]
    st.caption(t("learn.curve.title"))
    chart = line_spec(rows, t("learn.curve.title"), False, False, ["lr"])
    chart["height"] = 100
    st.vega_lite_chart(chart, width="stretch")
    if spec.lr_schedule == "plateau":
        st.caption(
            t(
                "learn.curve.plateau",
                factor=f"{spec.lr_decay_factor:g}",
                patience=spec.lr_decay_epochs,
            )
        )


def _use_rate(rate: float) -> None:
    """Button callback: put the suggested rate into the learning-rate widget before it draws."""
    st.session_state[keys.LEARNING_RATE] = float(rate)


def _learning_rate_finder(spec: RunSpec | None) -> None:
    server = engine()
    start = getattr(server, "find_learning_rate", None)
    if st.button(
        t("learn.finder.button"),
        icon=":material/search_insights:",
        key="b_find_lr",
        help=t("learn.finder.help"),
        disabled=spec is None or start is None or is_hidden("learning_rate"),
    ):
        state.LR_FINDER.set({"task": start(spec), "result": None})
    if start is None:
        st.caption(t("learn.finder.unavailable"))
    finder = state.LR_FINDER.peek()
    if finder is not None and finder["result"] is None:
        # Only this part reruns while the worker tests; once the reply is in, the page once.
        st.fragment(_finder_waiting, run_every=FINDER_POLL_S)()
    elif finder is not None:
        _finder_result(finder["result"])


def _finder_waiting() -> None:
    finder = state.LR_FINDER.peek()
    reply = engine().task(finder["task"]) if finder is not None else None
    if reply is None:
        st.caption(t("learn.finder.running"))
        return
    finder["result"] = reply
    st.rerun(scope="app")


def _finder_result(result: dict[str, Any]) -> None:
    """The test's loss curve, the suggested rate and a button that uses it."""
    if result.get("error"):
        st.error(t("learn.finder.failed", error=result["error"]), icon=":material/error:")
        return
    suggested = result.get("suggested")
    st.vega_lite_chart(finder_spec(result), width="stretch")
    if suggested is None:
        st.warning(t("learn.finder.none"), icon=":material/warning:")
        return
    st.markdown(
        t("learn.finder.result", rate=f"{suggested:.2g}", minimum=f"{result['minimum']:.2g}")
    )
    st.button(
        t("learn.finder.use"),
        key="b_use_lr",
        on_click=_use_rate,
        args=(float(f"{suggested:.2g}"),),
        disabled=is_hidden("learning_rate"),
    )


def augmentation_controls() -> None:
    """The four augmentation sliders and a grid of augmented training images."""
    shown = [name for name in AUGMENT_FIELDS if not is_hidden(name)]
    if not shown:
        return
    with st.expander(t("learn.augment.title"), icon=":material/auto_awesome_motion:"):
        columns = st.columns(2)
        for index, name in enumerate(shown):
            spec_field(name, keys.PREFIX + name, where=columns[index % 2])
        values = {name: st.session_state.get(keys.PREFIX + name, 0.0) for name in AUGMENT_FIELDS}
        try:
            spec = RunSpec(**values)
        except ValueError:
            return  # the slider's own message says what is wrong
        if not any(values.values()):
            st.caption(t("learn.augment.off"))
            return
        dataset_name = st.session_state.get(keys.DATASET, "mnist")
        preview = t("learn.augment.preview")
        st.image(_preview(dataset_name, spec), caption=preview, width="stretch", alt=preview)


def _preview(dataset_name: str, spec: RunSpec) -> np.ndarray:
    """Rows of (original, augmented copies) as one grey image, lines of white between cells."""
    dataset = load_dataset(dataset_name)
    chosen = np.random.default_rng(1).choice(len(dataset.x_train), PREVIEW_IMAGES, replace=False)
    originals = dataset.x_train[np.sort(chosen)]
    copies = augmented_examples(originals, spec, copies=PREVIEW_COPIES, seed=0)
    side, gap = originals.shape[1], 2
    columns = PREVIEW_COPIES + 1
    grid = np.full(
        (PREVIEW_IMAGES * (side + gap) - gap, columns * (side + gap) - gap), 255, dtype=np.uint8
    )
    for row, original in enumerate(originals):
        cells = [original, *copies[row * PREVIEW_COPIES : (row + 1) * PREVIEW_COPIES]]
        for column, cell in enumerate(cells):
            top, left = row * (side + gap), column * (side + gap)
            grid[top : top + side, left : left + side] = 255 - cell  # dark ink on white
    return grid
