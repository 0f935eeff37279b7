"""Build & Train's "watch it learn" parts: diagnostics, hidden-layer map, watched images, and the
learning-rate and augmentation tools beside the settings.

Every figure comes from nnlab as numbers: the worker records diagnostics, maps and predictions in
each epoch's row (nnlab.diagnostics), the schedule curve and augmented examples are NumPy
(nnlab.schedules, nnlab.augmentation). This module only picks images and draws. Chart specs are
plain Vega-Lite dicts built once per new epoch and language, as the live panel's curves are.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import streamlit as st

from nnlab import diagnostics, registry
from nnlab.augmentation import AUGMENT_FIELDS, augmented_examples
from nnlab.datasets import load_dataset
from nnlab.inside import png_data_url
from nnlab.schedules import schedule_curve
from nnlab.spec import RunSpec
from pages import _spec_widgets as keys
from pages import _state as state
from pages._charts import sendable
from pages._common import is_hidden, t
from pages._lab import engine

SMALL_HEIGHT = 150
MAP_HEIGHT = 320
LOG_STATISTICS = ("grad_norm", "update_ratio")  # spread over decades: log axes
SHOWN_STATISTICS = ("grad_norm", "update_ratio", "saturated", "dead", "mean", "std")
PREVIEW_IMAGES = 4  # training images in the augmentation preview, each with PREVIEW_COPIES
PREVIEW_COPIES = 5
FINDER_POLL_S = 1.0
CLASS_COLOURS = "category10"
# One colour per layer: Streamlit's named text colours (for the one legend line above the charts,
# as "●" in that colour: a legend per chart takes a narrow column's room) and their hex values.
LAYER_COLOURS = (
    ("#1c83e1", "blue"),
    ("#ff8700", "orange"),
    ("#21c354", "green"),
    ("#ff2b2b", "red"),
    ("#803df5", "violet"),
    ("#808495", "gray"),
)

# --- images the pages pick (the same fixed test images the worker used) --------------------------


@cache
def _map_images(dataset_name: str) -> tuple[list[str], list[str]]:
    """(class names, image data URLs) of the map's test images; once per process and data set."""
    dataset = load_dataset(dataset_name)
    chosen = diagnostics.map_indices(len(dataset.x_test))
    names = [dataset.class_names[int(label)] for label in dataset.y_test[chosen]]
    return names, [png_data_url(255 - image) for image in dataset.x_test[chosen]]


@cache
def _watched(dataset_name: str) -> tuple[list[str], np.ndarray]:
    """(image data URLs, true classes) of the watched test images; once per process and data set
    (the live panel shows them on every refresh: encoded once, not ten PNGs a second)."""
    dataset = load_dataset(dataset_name)
    chosen = diagnostics.watch_indices(dataset.y_test)
    return [png_data_url(255 - image) for image in dataset.x_test[chosen]], dataset.y_test[chosen]


# --- chart specs ----------------------------------------------------------------------------------


def _line_spec(
    rows: list[dict[str, Any]], title: str, log: bool, percent: bool, lines: list[str]
) -> dict[str, Any]:
    """One small multiple: one line per layer over the epochs (no title: the page writes it)."""
    y_axis: dict[str, Any] = {"title": None}
    if percent:
        y_axis["format"] = ".0%"
    return {
        "height": SMALL_HEIGHT,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {
                "field": "epoch",
                "type": "quantitative",
                "title": None,
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "y": {
                "field": "value",
                "type": "quantitative",
                "scale": {"type": "log"} if log else {"zero": percent},
                "axis": y_axis,
            },
            "color": {
                "field": "layer",
                "type": "nominal",
                "title": None,
                "scale": {
                    "domain": lines,
                    "range": [colour for colour, _ in LAYER_COLOURS * 2][: len(lines)],
                },
                "legend": None,
            },
            "tooltip": [
                {"field": "layer", "type": "nominal", "title": t("learn.chart.layer")},
                {"field": "epoch", "type": "quantitative", "title": t("learn.chart.epoch")},
                {"field": "value", "type": "quantitative", "title": title, "format": ".4g"},
            ],
        },
    }


def _rate_rows(history: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> list[dict]:
    """The learning rate of each epoch, and the changes the student made part way."""
    rows = []
    for row in history:
        if row.get("lr") is not None:
            rows.append({"epoch": int(row["epoch"]), "value": float(row["lr"]), "layer": "lr"})
        for change in row.get("lr_changes") or ():
            rows.append(
                {
                    "epoch": int(row["epoch"]),
                    "value": float(change["to"]),
                    "layer": t("learn.chart.changed"),
                }
            )
    return rows


def _map_spec(
    points: dict[str, Any],
    names: list[str],
    images: list[str] | None,
    domains: tuple[list[float], list[float]],
) -> dict[str, Any]:
    """The hidden-layer map at one epoch: a point per test image, coloured by its class."""
    values = []
    for index, (x, y) in enumerate(zip(points["x"], points["y"], strict=False)):
        value = {"x": x, "y": y, "class": names[index]}
        if images is not None:
            value["image"] = images[index]  # vega-tooltip shows a field named image as a picture
        values.append(value)
    tooltip = [{"field": "class", "type": "nominal", "title": t("learn.map.class")}]
    if images is not None:
        tooltip.append({"field": "image", "type": "nominal"})
    x_scale, y_scale = ({"domain": domain, "nice": False, "zero": False} for domain in domains)
    return {
        "height": MAP_HEIGHT,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "mark": {"type": "circle", "size": 22, "opacity": 0.75},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "axis": None, "scale": x_scale},
            "y": {"field": "y", "type": "quantitative", "axis": None, "scale": y_scale},
            "color": {
                "field": "class",
                "type": "nominal",
                "title": t("learn.map.class"),
                "scale": {"scheme": CLASS_COLOURS},
            },
            "tooltip": tooltip,
        },
    }


def _map_domain(maps: dict[int, dict[str, Any]], axis: str) -> list[float]:
    """One extent of an axis for every recorded epoch, so the slider moves points, not axes."""
    extent = max((float(np.abs(m[axis]).max()) for m in maps.values() if m[axis]), default=1.0)
    extent = extent * 1.05 or 1.0
    return [-extent, extent]


def _drawn(run: state.RunView) -> dict[str, Any]:
    """The small multiples' specs for this run, rebuilt only on a new epoch or language."""
    cache_table = state.DIAGNOSTICS_DRAWN.get()
    key = (run.version, t("learn.stat.grad_norm"))
    parts = cache_table.get(run.run_id)
    if parts is not None and parts["key"] == key:
        return parts
    history = list(run.history)
    names = next(
        row["diagnostics"]["layers"] for row in reversed(history) if row.get("diagnostics")
    )
    charts = []
    for statistic in SHOWN_STATISTICS:
        rows = diagnostics.series(history, statistic)
        if statistic in LOG_STATISTICS:
            rows = [row for row in rows if row["value"] > 0]
        if rows:
            percent = statistic in ("dead", "saturated")
            title = t(f"learn.stat.{statistic}")
            log = statistic in LOG_STATISTICS
            charts.append((title, sendable(_line_spec(rows, title, log, percent, names))))
    rates = _rate_rows(history)
    if rates:
        title = t("learn.stat.lr")
        lines = sorted({row["layer"] for row in rates}, key=lambda name: name != "lr")
        charts.append((title, sendable(_line_spec(rates, title, True, False, lines))))
    legend = " · ".join(
        f":{colour}[●] {name}" for name, (_, colour) in zip(names, LAYER_COLOURS * 2, strict=False)
    )
    parts = {"key": key, "charts": charts, "legend": legend}
    cache_table[run.run_id] = parts
    return parts


# --- the live panel's part ------------------------------------------------------------------------


def diagnostics_panel(run: state.RunView) -> None:
    """Diagnostics, the hidden-layer map and the watched images of `run` (rows that have them)."""
    history = list(run.history)
    if not any(row.get("diagnostics") for row in history):
        if run.is_active:
            st.caption(t("learn.panel.waiting"))
        return
    st.markdown(f"##### {t('learn.panel.title')}")
    key, values = diagnostics.reading(history[-1])
    st.info(t(key, **values), icon=":material/troubleshoot:")
    st.caption(t("learn.panel.caption", count=diagnostics.PROBE_IMAGES))
    drawn = _drawn(run)
    st.caption(drawn["legend"])
    columns = st.columns(2)
    for index, (title, chart) in enumerate(drawn["charts"]):
        columns[index % 2].caption(f"**{title}**")
        columns[index % 2].vega_lite_chart(chart, width="stretch")
    _map_section(run, history)
    _watch_section(run, history)


def _map_section(run: state.RunView, history: list[dict[str, Any]]) -> None:
    maps = diagnostics.recorded_maps(history)
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


def _map_chart(run: state.RunView, maps: dict[int, dict[str, Any]], chosen: int) -> dict:
    """The map's spec at epoch `chosen`, built once per new epoch and language (kept beside the
    small multiples of `_drawn`, which are rebuilt on the same changes)."""
    built = _drawn(run).setdefault("maps", {})
    key = (chosen, run.is_active)
    if key not in built:
        names, images = _map_images(run.spec.dataset)
        shown = len(maps[chosen]["x"])
        # 1,000 thumbnails weigh ~300 kB: sent once the run has ended, not on every live refresh.
        pictures = images[:shown] if not run.is_active else None
        domains = (_map_domain(maps, "x"), _map_domain(maps, "y"))
        built[key] = sendable(_map_spec(maps[chosen], names[:shown], pictures, domains))
    return built[key]


def _watch_section(run: state.RunView, history: list[dict[str, Any]]) -> None:
    rows = [row for row in history if row.get("watch")]
    if not rows:
        return
    st.markdown(f"**{t('learn.watch.title')}**")
    epochs = [int(row["epoch"]) for row in rows]
    chosen = epochs[-1]
    if len(epochs) > 1:
        chosen = st.select_slider(
            t("learn.watch.epoch"),
            options=epochs,
            value=epochs[-1],
            key=f"learn_watch_{run.run_id}_{len(epochs)}",
        )
    watch = rows[epochs.index(chosen)]["watch"]
    images, truths = _watched(run.spec.dataset)
    class_names = registry.DATASETS[run.spec.dataset].class_names
    captions = []
    for item, truth in zip(watch, truths, strict=False):
        mark = "✓" if item["predicted"] == int(truth) else "✗"
        confidence = f"{100 * (item['confidence'] or 0):.0f}%"
        # Short (class and confidence only): ten captions share a narrow column.
        captions.append(f"{mark} {class_names[item['predicted']]} {confidence}")
    st.image(images[: len(watch)], caption=captions, width=48)


# --- beside the settings --------------------------------------------------------------------------


def learning_rate_controls(spec: RunSpec | None) -> None:
    """The schedule and its settings, its curve, and the learning-rate finder."""
    from pages._build_controls import spec_field

    if not is_hidden("lr_schedule"):
        left, right = st.columns(2)
        with left:
            schedule = spec_field("lr_schedule", keys.PREFIX + "lr_schedule")
        entry = registry.LR_SCHEDULES.get(schedule)
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
    chart = _line_spec(rows, t("learn.curve.title"), False, False, ["lr"])
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
    st.vega_lite_chart(_finder_spec(result), width="stretch")
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


def _finder_spec(result: dict[str, Any]) -> dict[str, Any]:
    """Smoothed loss against the learning rate (log axis), the suggested rate marked."""
    values = [
        {"rate": rate, "loss": loss}
        for rate, loss in zip(result["learning_rates"], result["losses"], strict=False)
        if loss is not None
    ]
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": values},
            "mark": {"type": "line"},
            "encoding": {
                "x": {
                    "field": "rate",
                    "type": "quantitative",
                    "scale": {"type": "log"},
                    "title": t("learn.finder.rate"),
                    "axis": {"format": ".0e", "values": [10.0**power for power in range(-7, 2)]},
                },
                "y": {
                    "field": "loss",
                    "type": "quantitative",
                    "scale": {"zero": False},
                    "title": t("learn.finder.loss"),
                },
            },
        }
    ]
    if result.get("suggested") is not None:
        layers.append(
            {
                "data": {"values": [{"rate": result["suggested"]}]},
                "mark": {"type": "rule", "color": "#dc2626", "strokeDash": [4, 3]},
                "encoding": {
                    "x": {"field": "rate", "type": "quantitative"},
                    "tooltip": [
                        {
                            "field": "rate",
                            "type": "quantitative",
                            "title": t("learn.finder.suggested"),
                            "format": ".2g",
                        }
                    ],
                },
            }
        )
    return {"height": 180, "autosize": {"type": "fit-x", "contains": "padding"}, "layer": layers}


def augmentation_controls() -> None:
    """The four augmentation sliders and a grid of augmented training images."""
    from pages._build_controls import spec_field

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
        st.image(_preview(dataset_name, spec), caption=t("learn.augment.preview"), width="stretch")


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
