"""Build & Train's "watch it learn" panel: diagnostics, hidden-layer map, watched images.

Every figure comes from nnlab as numbers: the worker records diagnostics, maps and predictions in
each epoch's row (nnlab.learn.diagnostics; nnlab.inspection.diagnostics_view reads them). This
module only picks images and draws (chart specs: pages.build.charts), built once per new epoch
and language, as the live panel's curves are.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import streamlit as st

from nnlab.core import choices
from nnlab.core.runs import EpochRow, LiveRun
from nnlab.data.datasets import load_dataset
from nnlab.inspection import diagnostics_view
from nnlab.inspection.inside import png_data_url
from pages.build.charts import LAYER_COLOURS, line_spec, map_domain, map_spec, rate_rows
from pages.common import state
from pages.common.charts import sendable
from pages.common.ui import t

LOG_STATISTICS = ("grad_norm", "update_ratio")  # spread over decades: log axes
SHOWN_STATISTICS = ("grad_norm", "update_ratio", "saturated", "dead", "mean", "std")

# --- images the pages pick (the same fixed test images the worker used) --------------------------


@cache
def _map_images(dataset_name: str) -> tuple[list[str], list[str]]:
    """(class names, image data URLs) of the map's test images; once per process and data set."""
    dataset = load_dataset(dataset_name)
    chosen = diagnostics_view.map_indices(len(dataset.x_test))
    names = [dataset.class_names[int(label)] for label in dataset.y_test[chosen]]
    return names, [png_data_url(255 - image) for image in dataset.x_test[chosen]]


@cache
def _watched(dataset_name: str) -> tuple[list[str], np.ndarray]:
    """(image data URLs, true classes) of the watched test images; once per process and data set
    (the live panel shows them on every refresh: encoded once, not ten PNGs a second)."""
    dataset = load_dataset(dataset_name)
    chosen = diagnostics_view.watch_indices(dataset.y_test)
    return [png_data_url(255 - image) for image in dataset.x_test[chosen]], dataset.y_test[chosen]


def _drawn(run: LiveRun) -> dict[str, Any]:
    """The small multiples' specs for this run, rebuilt only on a new epoch or language."""
    cache_table = state.DIAGNOSTICS_DRAWN.get()
    key = (run.version, t("learn.stat.grad_norm"))
    parts = cache_table.get(run.run_id)
    if parts is not None and parts["key"] == key:
        return parts
    history = list(run.history)
    names = next(row.diagnostics["layers"] for row in reversed(history) if row.diagnostics)
    charts = []
    for statistic in SHOWN_STATISTICS:
        rows = diagnostics_view.series(history, statistic)
        if statistic in LOG_STATISTICS:
            rows = [row for row in rows if row["value"] > 0]
        if rows:
            percent = statistic in ("dead", "saturated")
            title = t(f"learn.stat.{statistic}")
            log = statistic in LOG_STATISTICS
            charts.append((title, sendable(line_spec(rows, title, log, percent, names))))
    rates = rate_rows(history)
    if rates:
        title = t("learn.stat.lr")
        lines = sorted({row["layer"] for row in rates}, key=lambda name: name != "lr")
        charts.append((title, sendable(line_spec(rates, title, True, False, lines))))
    legend = " · ".join(
        f":{colour}[●] {name}" for name, (_, colour) in zip(names, LAYER_COLOURS * 2, strict=False)
    )
    parts = {"key": key, "charts": charts, "legend": legend}
    cache_table[run.run_id] = parts
    return parts


# --- the live panel's part ------------------------------------------------------------------------


def diagnostics_panel(run: LiveRun) -> None:
    """Diagnostics, the hidden-layer map and the watched images of `run` (rows that have them)."""
    history = list(run.history)
    if not any(row.diagnostics for row in history):
        if run.is_active:
            st.caption(t("learn.panel.waiting"))
        return
    st.markdown(f"##### {t('learn.panel.title')}")
    key, values = diagnostics_view.reading(history[-1])
    st.info(t(key, **values), icon=":material/troubleshoot:")
    st.caption(t("learn.panel.caption", count=diagnostics_view.PROBE_IMAGES))
    drawn = _drawn(run)
    st.caption(drawn["legend"])
    columns = st.columns(2)
    for index, (title, chart) in enumerate(drawn["charts"]):
        columns[index % 2].caption(f"**{title}**")
        columns[index % 2].vega_lite_chart(chart, width="stretch")
    _map_section(run, history)
    _watch_section(run, history)


def _map_section(run: LiveRun, history: list[EpochRow]) -> None:
    maps = diagnostics_view.recorded_maps(history)
    if not maps:
        return
    st.markdown(f"**{t('learn.map.title')}**", help=t("explain.hidden_map.text"))
    epochs = sorted(maps)
    chosen = epochs[-1]
    if len(epochs) > 1:
        chosen = st.select_slider(
            t("learn.map.epoch"),
            options=epochs,
            value=epochs[-1],
            # A new map makes a new slider: it follows the latest epoch while the run trains.
            key=f"learn_map_{run.run_id}_{len(epochs)}",
        )
    points = maps[chosen]
    shown = len(points["x"])
    st.vega_lite_chart(_map_chart(run, maps, chosen), width="stretch")
    share = sum(value or 0 for value in points.get("variance", []))
    st.caption(
        t(
            "learn.map.caption",
            count=f"{shown:,}",
            layer=points["layer"],
            share=f"{100 * share:.0f}",
        )
    )
    if run.is_active:
        st.caption(t("learn.map.training"))


def _map_chart(run: LiveRun, maps: dict[int, dict[str, Any]], chosen: int) -> dict:
    """The map's spec at epoch `chosen`, built once per new epoch and language (kept beside the
    small multiples of `_drawn`, which are rebuilt on the same changes)."""
    built = _drawn(run).setdefault("maps", {})
    key = (chosen, run.is_active)
    if key not in built:
        names, images = _map_images(run.spec.dataset)
        shown = len(maps[chosen]["x"])
        # 1,000 thumbnails weigh ~300 kB: sent once the run has ended, not on every live refresh.
        pictures = images[:shown] if not run.is_active else None
        domains = (map_domain(maps, "x"), map_domain(maps, "y"))
        built[key] = sendable(map_spec(maps[chosen], names[:shown], pictures, domains))
    return built[key]


def _watch_section(run: LiveRun, history: list[EpochRow]) -> None:
    rows = [row for row in history if row.watch]
    if not rows:
        return
    st.markdown(f"**{t('learn.watch.title')}**")
    epochs = [row.epoch for row in rows]
    chosen = epochs[-1]
    if len(epochs) > 1:
        chosen = st.select_slider(
            t("learn.watch.epoch"),
            options=epochs,
            value=epochs[-1],
            key=f"learn_watch_{run.run_id}_{len(epochs)}",
        )
    watch = rows[epochs.index(chosen)].watch
    images, truths = _watched(run.spec.dataset)
    class_names = choices.DATASETS[run.spec.dataset].class_names
    captions = []
    for item, truth in zip(watch, truths, strict=False):
        mark = "✓" if item["predicted"] == int(truth) else "✗"
        confidence = f"{100 * (item['confidence'] or 0):.0f}%"
        # Short (class and confidence only): ten captions share a narrow column.
        captions.append(f"{mark} {class_names[item['predicted']]} {confidence}")
    st.image(images[: len(watch)], caption=captions, width=48, alt=captions)
