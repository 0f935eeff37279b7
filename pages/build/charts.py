"""Build & Train's charts: images per class, the diagnostics' small multiples, the hidden-layer
map, the learning-rate schedule and finder.

Plain Vega-Lite dicts (Altair for the class counts), built once per new epoch and language by the
caller, as the live panel's curves are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from nnlab.core.runs import EpochRow
from pages.common.charts import axis_format
from pages.common.ui import t

SMALL_HEIGHT = 150
MAP_HEIGHT = 320
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


def class_counts_chart(
    counts: pd.DataFrame, *, train_title: str, test_title: str, images_title: str
) -> alt.Chart:
    """Training and test images per class, side by side (counts: class, train, test)."""
    long = counts.rename(columns={"train": train_title, "test": test_title}).melt(
        id_vars="class", var_name="split", value_name="images"
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("class:N", sort=list(counts["class"]), title=None),
            xOffset="split:N",
            y=alt.Y("images:Q", title=images_title),
            color=alt.Color("split:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=["class", "split", alt.Tooltip("images:Q", format=",")],
        )
        .properties(height=220)
    )


def line_spec(
    rows: list[dict[str, Any]], title: str, log: bool, percent: bool, lines: list[str]
) -> dict[str, Any]:
    """One small multiple: one line per layer over the epochs (no title: the page writes it)."""
    y_axis: dict[str, Any] = {"title": None}
    if percent:
        y_axis.update(axis_format(".0%"))
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


def rate_rows(history: Sequence[EpochRow]) -> list[dict]:
    """The learning rate of each epoch, and the changes the student made part way."""
    rows = []
    for row in history:
        if row.lr is not None:
            rows.append({"epoch": row.epoch, "value": float(row.lr), "layer": "lr"})
        for change in row.lr_changes:
            rows.append(
                {
                    "epoch": row.epoch,
                    "value": float(change["to"]),
                    "layer": t("learn.chart.changed"),
                }
            )
    return rows


def map_spec(
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


def map_domain(maps: dict[int, dict[str, Any]], axis: str) -> list[float]:
    """One extent of an axis for every recorded epoch, so the slider moves points, not axes."""
    extent = max((float(np.abs(m[axis]).max()) for m in maps.values() if m[axis]), default=1.0)
    extent = extent * 1.05 or 1.0
    return [-extent, extent]


def finder_spec(result: dict[str, Any]) -> dict[str, Any]:
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
