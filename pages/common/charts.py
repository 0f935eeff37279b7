"""The charts' shared look (sizes, colours, axes) and how a chart is sent on a live refresh.

Every area draws its own charts (pages/<area>/charts.py, training curves in
pages/common/curve_charts.py), as plain Vega-Lite dicts or Altair charts, texts already
translated. The live panel redraws every second while a run trains, so its charts are dicts made
once per new epoch and cached by the caller, their rows turned into an Arrow table (`sendable`):
then re-sending one costs a fraction of a millisecond, where building an Altair chart costs tens
and Streamlit's own conversion of a list of rows (through pandas) several.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

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


def axis_format(number_format: str) -> dict[str, Any]:
    """An axis's format, with ticks no closer than the format can tell apart.

    Without the floor, accuracies between 94 % and 96 % got ticks every 0.5 % labelled
    "95 %, 95 %, 94 %, 94 %" on the class board.
    """
    axis: dict[str, Any] = {"format": number_format}
    percent = re.fullmatch(r"[^%]*?(?:\.(\d+))?%", number_format)  # ".0%", ",.1%", "%"
    if percent:
        decimals = int(percent.group(1) or 0)
        axis["tickMinStep"] = 10.0 ** -(decimals + 2)
    return axis


def value_axis(title: str, number_format: str) -> dict[str, Any]:
    """The y encoding of a per-epoch curve's "value" field, not forced to start at zero."""
    return {
        "field": "value",
        "type": "quantitative",
        "title": title,
        "scale": {"zero": False},
        "axis": axis_format(number_format),
    }


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table: cheap to send again on every live refresh, unlike a dataframe."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)
