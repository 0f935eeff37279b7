"""The Inside page's charts: weight histograms, a layer's output as bars, activation curves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from pages.common.charts import TRAIN_COLOUR


def histogram_chart(
    row: dict[str, Any], *, value_title: str, count_title: str, height: int = 150
) -> alt.Chart:
    """One layer's weight or bias histogram (row from nnlab.inspection.inside.weight_histograms)."""
    bars = pd.DataFrame(
        {"start": row["edges"][:-1], "end": row["edges"][1:], "count": row["counts"]}
    )
    return (
        alt.Chart(bars)
        .mark_bar(color=TRAIN_COLOUR if row["kind"] == "weights" else "#f59e0b")
        .encode(
            x=alt.X("start", title=value_title),
            x2="end",
            y=alt.Y("count", title=count_title),
            y2=alt.datum(0),  # bars rise from 0 (ranged x alone draws thin dashes)
        )
        .properties(height=height)
    )


def unit_bars_chart(
    values: np.ndarray, labels: Sequence[Any], *, unit_title: str, value_title: str
) -> alt.Chart:
    """A layer's output vector as bars, one per unit (or class): positive red, negative blue."""
    table = pd.DataFrame({"unit": [str(label) for label in labels], "value": values})
    short = max(len(str(label)) for label in labels) <= 2 if len(labels) else True
    axis = alt.Axis(labels=len(values) <= 64, labelAngle=0 if short and len(values) <= 20 else -45)
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("unit", sort=None, title=unit_title, axis=axis),
            y=alt.Y("value", title=value_title),
            color=alt.condition("datum.value >= 0", alt.value("#dc2626"), alt.value("#2563eb")),
        )
        .properties(height=140)
    )


def activation_curves_chart(
    curves: Sequence[dict[str, Any]],
    *,
    function_title: str,
    derivative_title: str,
    curve_title: str,
) -> alt.Chart:
    """Functions (solid) and their derivatives (dashed); curves: name, x, y, dy arrays."""
    frames = [
        pd.DataFrame({"x": curve["x"], "y": values, "name": curve["name"], "curve": kind})
        for curve in curves
        for kind, values in ((function_title, curve["y"]), (derivative_title, curve["dy"]))
    ]
    return (
        alt.Chart(pd.concat(frames))
        .mark_line()
        .encode(
            x="x",
            y=alt.Y("y", title="f(x), f′(x)"),  # the same in every language
            color=alt.Color("name", title=function_title, scale=alt.Scale(scheme="category10")),
            strokeDash=alt.StrokeDash(
                "curve",
                title=curve_title,
                scale=alt.Scale(domain=[function_title, derivative_title], range=[[1, 0], [5, 4]]),
            ),
        )
        .properties(height=320)
    )
