"""The class board's charts (pages/6_class_board.py): every run's curves, a confusion matrix,
in large type and the board's light or dark colours, as plain Vega-Lite dicts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnlab.core.formatting import PERCENT_D3
from pages.common.charts import epoch_axis, value_axis

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
