"""The Draw page's chart: the class probabilities of a drawing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd


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
