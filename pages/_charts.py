"""Chart specifications the pages draw: plain Vega-Lite dicts, built once per change.

The live panel redraws every second while a run trains, so its charts are dicts made once per
new epoch and cached by the caller, their rows turned into an Arrow table (`sendable`): then
re-sending one costs a fraction of a millisecond, where building an Altair chart costs tens and
Streamlit's own conversion of a list of rows (through pandas) several. Texts come in already
translated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

from nnlab.formatting import LOSS_D3, PERCENT_D3

TRAIN_COLOUR = "#4f46e5"
VALIDATION_COLOUR = "#f97316"


@dataclass(frozen=True)
class ChartLook:
    """How big a chart is drawn: plot height in pixels and its text sizes."""

    height: int  # the plot area itself; titles, axes and legend come on top
    label_size: int  # axis labels, legend entries
    title_size: int  # axis and chart titles


NORMAL_LOOK = ChartLook(height=150, label_size=13, title_size=14)
# Projector mode: read from the back of a classroom (a 1920x1080 projector, 20+ px text).
PROJECTOR_LOOK = ChartLook(height=320, label_size=22, title_size=24)


def sendable(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with its top-level rows as an Arrow table, for a chart sent on every live refresh.

    Streamlit moves a spec's `data.values` out of the spec before sending it: a list of rows goes
    through a pandas DataFrame into Arrow on every send (3-10 ms for the live panel's charts), a
    table is written as it is. Rows inside a layer stay in the spec as JSON, as Streamlit sends
    them.
    """
    data = spec.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("values"), list):
        return spec
    try:
        table = pa.Table.from_pylist(data["values"])
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in a field: Streamlit's own way
        return spec
    return {**spec, "data": {**data, "values": table}}


def look_for(projector: bool) -> ChartLook:
    """The chart look of the display mode."""
    return PROJECTOR_LOOK if projector else NORMAL_LOOK


def vega_config(look: ChartLook) -> dict[str, Any]:
    """Vega-Lite `config` text sizes for `look` (Altair: `chart.configure(**config)`)."""
    return {
        "axis": {"labelFontSize": look.label_size, "titleFontSize": look.title_size},
        "legend": {
            "labelFontSize": look.label_size,
            "titleFontSize": look.title_size,
            "symbolSize": look.label_size * 8,
        },
        "title": {"fontSize": look.title_size + 2},
    }


def epoch_axis(epoch_title: str) -> dict[str, Any]:
    """The x encoding of every per-epoch chart: whole epochs."""
    return {
        "field": "epoch",
        "type": "quantitative",
        "title": epoch_title,
        "axis": {"tickMinStep": 1, "format": "d"},
    }


def value_axis(title: str, number_format: str) -> dict[str, Any]:
    """The y encoding of a per-epoch curve's "value" field, not forced to start at zero."""
    return {
        "field": "value",
        "type": "quantitative",
        "title": title,
        "scale": {"zero": False},
        "axis": {"format": number_format},
    }


def curves_spec(
    history: Sequence[dict[str, float]],
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
    run trained (the rows' "lr_changes"), where it happened: epoch - 1 + batch / batches.
    """
    values = []
    for row in history:
        for name, key in ((train_name, kind), (validation_name, f"val_{kind}")):
            value = row.get(key)
            if value is not None and value == value:  # NaN (a stopped epoch) is left out
                values.append({"epoch": row["epoch"], "value": float(value), "data": name})
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


def _rate_change_marks(history: Sequence[dict[str, Any]], batches: int) -> list[dict[str, Any]]:
    """Where the learning rate was changed by hand: x position and "0.001 → 0.004"."""
    marks = []
    for row in history:
        for change in row.get("lr_changes") or ():
            fraction = change["batch"] / batches if batches else 0.5
            marks.append(
                {
                    "at": row["epoch"] - 1 + min(fraction, 1.0),
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
                axis=alt.Axis(format=number_format),
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


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table: cheap to send again on every live refresh, unlike a dataframe."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def confusion_chart(
    evaluation: Any,
    *,
    true_title: str,
    predicted_title: str,
    count_title: str,
    look: ChartLook = NORMAL_LOOK,
) -> alt.LayerChart:
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
    base = alt.Chart(frame).encode(
        x=alt.X(
            "predicted_name:N",
            sort=names,
            title=predicted_title,
            axis=alt.Axis(
                labelAngle=0 if len(max(names, key=len)) <= 2 else -40,
                orient="top",
                labelOverlap=False,  # every class named, also in projector type
            ),
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
        .mark_text(fontSize=look.label_size)
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
            alt.Tooltip("count:Q", title=count_title),
        ],
    )
    return (
        alt.layer(wrong, right, text, clicks.add_params(cell))
        .resolve_scale(color="independent")
        .properties(height=max(420, 2 * look.height), width="container")
        .configure(**vega_config(look))
    )


def probability_chart(
    evaluation: Any, index: int, *, probability_title: str, class_title: str
) -> alt.Chart:
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
            x=alt.X("probability:Q", title=probability_title, scale=alt.Scale(domain=[0, 1])),
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
                alt.Tooltip("class:N", title=class_title),
                alt.Tooltip("probability:Q", format=PERCENT_D3, title=probability_title),
            ],
        )
        .properties(height=300)
    )


def histogram_chart(
    row: dict[str, Any], *, value_title: str, count_title: str, height: int = 150
) -> alt.Chart:
    """One layer's weight or bias histogram (row from nnlab.inside.weight_histograms)."""
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


def class_probability_bars(
    probabilities: np.ndarray,
    names: Sequence[Any],
    *,
    title: str,
    class_title: str,
    probability_title: str,
) -> alt.Chart:
    """Horizontal bars of the class probabilities, the most likely class highlighted."""
    best = int(np.argmax(probabilities))
    table = pd.DataFrame(
        {
            class_title: [str(name) for name in names],
            probability_title: probabilities,
            "best": [index == best for index in range(len(names))],
        }
    )
    return (
        alt.Chart(table, title=title)
        .mark_bar()
        .encode(
            x=alt.X(
                probability_title,
                type="quantitative",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(class_title, type="nominal", sort=None, axis=alt.Axis(labelOverlap=False)),
            color=alt.Color("best", legend=None, scale=alt.Scale(range=["#9ca3af", "#2563eb"])),
            tooltip=[class_title, alt.Tooltip(probability_title, format=".1%")],
        )
        .properties(height=alt.Step(22))  # one readable band per class
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


# --- the class board (pages/6_class_board.py) -----------------------------------------------------

BOARD_THEMES: dict[str, dict[str, str]] = {
    # Projector-friendly: strong contrast either way, no thin grey text.
    "light": {"background": "#ffffff", "text": "#111827", "grid": "#d1d5db"},
    "dark": {"background": "#0b1020", "text": "#f3f4f6", "grid": "#374151"},
}


def board_chart_config(theme: str, font_size: int = 20) -> dict[str, Any]:
    """Vega-Lite `config` for a board chart: large text in the board's light or dark colours."""
    colours = BOARD_THEMES[theme]
    axis = {
        "labelFontSize": font_size,
        "titleFontSize": font_size + 2,
        "labelColor": colours["text"],
        "titleColor": colours["text"],
        "gridColor": colours["grid"],
        "domainColor": colours["grid"],
        "tickColor": colours["grid"],
    }
    return {
        "background": colours["background"],
        "view": {"stroke": colours["grid"]},
        "axis": axis,
        "legend": {
            "labelFontSize": font_size - 2,
            "titleFontSize": font_size,
            "labelColor": colours["text"],
            "titleColor": colours["text"],
            "symbolSize": font_size * 10,
            "labelLimit": 260,
        },
        "title": {"fontSize": font_size + 4, "color": colours["text"]},
    }


def class_curves_spec(
    rows: Sequence[dict[str, Any]],
    *,
    title: str,
    epoch_title: str,
    student_title: str,
    run_title: str,
    theme: str = "light",
    highlight_run: str | None = None,
    height: int = 380,
    font_size: int = 20,
) -> dict[str, Any]:
    """Validation accuracy per epoch of every run of a class, one line per run, coloured by
    student (rows: student, run_id, run, epoch, value); `highlight_run` drawn thick."""
    thick = f"datum.run_id === {json.dumps(highlight_run)}" if highlight_run else "false"
    students = {row["student"] for row in rows}
    return {
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": board_chart_config(theme, font_size),
        "data": {"values": list(rows)},
        "mark": {"type": "line", "point": {"size": 60}, "strokeWidth": 3},
        "encoding": {
            "x": epoch_axis(epoch_title),
            "y": value_axis(title, ".0%"),
            "color": {
                "field": "student",
                "type": "nominal",
                "title": student_title,
                # Thirty students fit beside the chart in two columns of smaller names.
                "legend": {
                    "orient": "right",
                    "columns": 1 if len(students) <= 16 else 2,
                    "labelFontSize": font_size - 2 if len(students) <= 16 else font_size - 6,
                    "symbolLimit": 0,
                    "labelLimit": 120,
                },
                "scale": {"scheme": "category20" if len(students) > 10 else "category10"},
            },
            "detail": {"field": "run_id", "type": "nominal"},
            "strokeWidth": {"condition": {"test": thick, "value": 7}, "value": 3},
            "opacity": {
                "condition": {
                    "test": f"{thick} || {json.dumps(highlight_run is None)}",
                    "value": 1,
                },
                "value": 0.35,
            },
            "tooltip": [
                {"field": "student", "type": "nominal", "title": student_title},
                {"field": "run", "type": "nominal", "title": run_title},
                {"field": "epoch", "type": "quantitative", "title": epoch_title},
                {"field": "value", "type": "quantitative", "title": title, "format": PERCENT_D3},
            ],
        },
    }


def confusion_matrix_spec(
    confusion: np.ndarray,
    class_names: Sequence[str],
    *,
    true_title: str,
    predicted_title: str,
    theme: str = "light",
    font_size: int = 18,
) -> dict[str, Any]:
    """A confusion matrix as a Vega-Lite heatmap with the counts written in (no selection)."""
    names = list(class_names)
    values = [
        {
            "true": names[true],
            "predicted": names[predicted],
            "count": int(confusion[true, predicted]),
            "right": true == predicted,
        }
        for true in range(len(names))
        for predicted in range(len(names))
    ]
    most = max(1, int(np.max(confusion)))
    return {
        "height": 420,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": board_chart_config(theme, font_size),
        "data": {"values": values},
        "encoding": {
            "x": {
                "field": "predicted",
                "type": "nominal",
                "sort": names,
                "title": predicted_title,
                "axis": {"orient": "top", "labelAngle": 0},
            },
            "y": {"field": "true", "type": "nominal", "sort": names, "title": true_title},
        },
        "layer": [
            {
                "mark": "rect",
                "encoding": {
                    "color": {
                        "field": "count",
                        "type": "quantitative",
                        "scale": {"type": "sqrt", "domain": [0, most], "scheme": "blues"},
                        "legend": None,
                    }
                },
            },
            {
                "transform": [{"filter": "datum.count > 0"}],
                "mark": {"type": "text", "fontSize": font_size - 4},
                "encoding": {
                    "text": {"field": "count", "type": "quantitative"},
                    "color": {
                        "condition": {"test": f"datum.count > {most / 3}", "value": "white"},
                        "value": "#111827",
                    },
                },
            },
        ],
    }
