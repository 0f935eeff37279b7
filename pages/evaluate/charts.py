"""The Evaluate page's charts: the clickable confusion matrix and one image's probabilities.

The classroom's handwriting check draws the same confusion matrix. Texts come in translated.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from nnlab.core.formatting import PERCENT_D3
from pages.common.charts import NORMAL_LOOK, ChartLook, vega_config


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
