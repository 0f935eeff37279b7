"""Training curves: one run's loss or accuracy per epoch, and runs compared on one metric.

Used by Build & Train (the live panel, the history) and the class board's run detail. Plain
Vega-Lite dicts (`curves_spec`), cached by the caller; texts come in already translated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from nnlab.core.formatting import LOSS_D3, PERCENT_D3
from nnlab.core.runs import EpochRow
from pages.common.charts import (
    NORMAL_LOOK,
    TRAIN_COLOUR,
    VALIDATION_COLOUR,
    ChartLook,
    axis_format,
    epoch_axis,
    value_axis,
    vega_config,
)


def curves_spec(
    history: Sequence[EpochRow],
    kind: str,
    *,
    title: str,
    epoch_title: str,
    train_name: str,
    validation_name: str,
    look: ChartLook = NORMAL_LOOK,
    rate_title: str | None = None,
    batches: int = 0,
) -> dict[str, Any]:
    """Train and validation `kind` ("loss" or "accuracy") per epoch, as a Vega-Lite spec.

    With `rate_title`, a dashed rule marks each learning-rate change the student made while the
    run trained (the rows' `lr_changes`), where it happened: epoch - 1 + batch / batches.
    """
    values = []
    for row in history:
        for name, key in ((train_name, kind), (validation_name, f"val_{kind}")):
            value = row.figure(key)
            if value is not None:  # NaN (a stopped epoch) is left out
                values.append({"epoch": row.epoch, "value": value, "data": name})
    number_format = PERCENT_D3 if kind == "accuracy" else LOSS_D3
    # The legend sits inside the plot where the curves seldom go (loss falls, accuracy rises):
    # a legend above the plot costs 60 px of a laptop's height, and the y axis names the chart.
    corner = "bottom-right" if kind == "accuracy" else "top-right"
    chart = {
        # The height is the plot's own: without "fit-x" Streamlit squeezes title, legend and
        # axes into it and leaves a 40-70 px plot.
        "height": look.height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": vega_config(look),
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": epoch_axis(epoch_title),
            "y": value_axis(title, number_format),
            "color": {
                "field": "data",
                "type": "nominal",
                "title": None,
                "scale": {
                    "domain": [train_name, validation_name],
                    "range": [TRAIN_COLOUR, VALIDATION_COLOUR],
                },
                "legend": {"orient": corner, "fillColor": "rgba(255, 255, 255, 0.8)"},
            },
            "tooltip": [
                {"field": "data", "type": "nominal", "title": " "},
                {"field": "epoch", "type": "quantitative", "title": epoch_title},
                {
                    "field": "value",
                    "type": "quantitative",
                    "title": title,
                    "format": number_format,
                },
            ],
        },
    }
    marks = _rate_change_marks(history, batches) if rate_title else []
    if not marks:
        return chart
    line = {key: chart.pop(key) for key in ("data", "mark", "encoding")}
    rule = {
        "data": {"values": marks},
        "mark": {"type": "rule", "strokeDash": [4, 3], "color": RATE_COLOUR, "strokeWidth": 2},
        "encoding": {
            "x": {"field": "at", "type": "quantitative"},
            "tooltip": [{"field": "text", "type": "nominal", "title": rate_title}],
        },
    }
    return {**chart, "layer": [line, rule]}


RATE_COLOUR = "#9467bd"


def _rate_change_marks(history: Sequence[EpochRow], batches: int) -> list[dict[str, Any]]:
    """Where the learning rate was changed by hand: x position and "0.001 → 0.004"."""
    marks = []
    for row in history:
        for change in row.lr_changes:
            fraction = change["batch"] / batches if batches else 0.5
            marks.append(
                {
                    "at": row.epoch - 1 + min(fraction, 1.0),
                    "text": f"{change['from']:g} → {change['to']:g}",
                }
            )
    return marks


def comparison_chart(
    rows: Sequence[dict[str, Any]],
    *,
    metric_title: str,
    epoch_title: str,
    number_format: str = LOSS_D3,
    look: ChartLook = NORMAL_LOOK,
) -> alt.Chart:
    """One line per run (rows: run, epoch, value), for comparing runs on one metric."""
    return (
        alt.Chart(pd.DataFrame(list(rows), columns=["run", "epoch", "value"]))
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", title=epoch_title, axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y(
                "value:Q",
                title=metric_title,
                scale=alt.Scale(zero=False),
                axis=alt.Axis(**axis_format(number_format)),
            ),
            color=alt.Color(
                "run:N",
                title=None,
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=0),  # whole run names
            ),
            tooltip=[
                "run:N",
                alt.Tooltip("epoch:Q", title=epoch_title),
                alt.Tooltip("value:Q", title=metric_title, format=number_format),
            ],
        )
        # The plot's own height (fit-x): otherwise the legend below squeezes the plot flat.
        .properties(height=look.height + 50, autosize={"type": "fit-x", "contains": "padding"})
        .configure(**vega_config(look))
    )
