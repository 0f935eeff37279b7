"""Inside's activation-function tab: functions and derivatives, and softmax's overflow."""

from __future__ import annotations

import numpy as np
import streamlit as st

from nnlab.core import activations, choices
from pages.common.ui import t
from pages.inside.charts import activation_curves_chart


def show_functions() -> None:
    """Activation functions and derivatives over a range the student sets; softmax overflow."""
    st.caption(t("inside.functions_intro"))
    names = st.multiselect(
        t("inside.functions_pick"),
        list(activations.PLOTTED_ACTIVATIONS),
        default=["step", "sigmoid", "relu"],
        key="inside_functions",
    )
    low, high = st.slider(
        t("inside.functions_range"), -20.0, 20.0, (-5.0, 5.0), 0.5, key="inside_range"
    )
    if high <= low:
        high = low + 0.5
    curves = [{"name": name, **choices.activation_curves(name, low, high)} for name in names]
    if curves:
        chart = activation_curves_chart(
            curves,
            function_title=t("inside.function"),
            derivative_title=t("inside.derivative"),
            curve_title=t("inside.curve"),
        )
        st.altair_chart(chart, width="stretch")
        if "softmax" in names:
            st.caption(t("inside.softmax_note"))
        for name in names:
            st.code(choices.source_of(name), language="python")

    st.subheader(t("inside.overflow_title"))
    text = st.text_input(
        t("inside.overflow_scores"),
        "1010, 1000, 990",
        help=t("inside.overflow_scores_help"),
        key="inside_scores",
    )
    try:
        scores = tuple(float(part) for part in text.split(","))
        if not 2 <= len(scores) <= 20 or not all(np.isfinite(scores)):
            raise ValueError(text)
    except ValueError:
        st.warning(t("inside.overflow_bad"))
        return
    demo = activations.softmax_overflow_demo(scores)
    st.caption(t("inside.overflow_naive"))
    st.code(f"np.exp(x)     = {demo['exp']}\nnaive_softmax = {demo['naive']}", language="text")
    st.caption(t("inside.overflow_stable"))
    st.code(
        f"x - max(x) = {demo['shifted']}\n"
        f"softmax    = {np.array2string(demo['stable'], precision=8)}",
        language="text",
    )
