"""Build & Train's run history: every run of the lab, the run other pages use, overlaid curves.

Drawn with the page, not in the live panel's timed fragment: it changes when a run starts or
ends (both rerun the page), not with every batch.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from nnlab.core.formatting import LOSS_D3, PERCENT_D3, PERCENT_PRINTF, duration
from nnlab.core.runs import LiveRun
from pages.build.runs import lab_runs, status_text
from pages.common import state
from pages.common.charts import look_for
from pages.common.curve_charts import comparison_chart
from pages.common.ui import is_projector, t

METRIC_KEYS = ("val_accuracy", "accuracy", "val_loss", "loss")


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _history_rows(runs: list[LiveRun]) -> pd.DataFrame:
    rows = []
    for run in runs:
        final = run.final
        rows.append(
            {
                "run": run.label,
                "params": run.spec.parameter_count(),
                "epochs": f"{final['epochs_done']} / {run.spec.epochs}",
                # NaN, not None: a float column shows a gap where "None" would be text
                "accuracy": _number(final["accuracy"]),
                "val_accuracy": _number(final["val_accuracy"]),
                "test_accuracy": _number(final["test_accuracy"]),
                "duration": duration(run.duration_s),
                "status": status_text(run),
            }
        )
    return pd.DataFrame(rows)


def _on_active_choice() -> None:
    state.ACTIVE_RUN_ID.set(st.session_state.get("b_active_choice"))


def _runs_table(runs: list[LiveRun]) -> None:
    number = st.column_config.NumberColumn
    percent = PERCENT_PRINTF
    frame = _history_rows(runs)
    for column in ("accuracy", "val_accuracy", "test_accuracy"):
        frame[column] = frame[column] * 100
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        # What a student looks for first on the left; on a laptop the table scrolls sideways to
        # the parameter count and the time rather than cutting the run's name.
        column_order=(
            "run",
            "status",
            "epochs",
            "test_accuracy",
            "val_accuracy",
            "accuracy",
            "params",
            "duration",
        ),
        column_config={
            # The run's name in full (it names the data set too); short columns give it room.
            "run": st.column_config.TextColumn(t("build.history.run"), width=300),
            "params": number(t("build.history.params"), format="localized", width="small"),
            "epochs": st.column_config.TextColumn(t("build.metric.epochs"), width="small"),
            "accuracy": number(t("build.metric.accuracy"), format=percent),
            "val_accuracy": number(t("build.metric.val_accuracy"), format=percent),
            "test_accuracy": number(t("build.metric.test_accuracy"), format=percent),
            "duration": st.column_config.TextColumn(t("build.history.duration"), width="small"),
            "status": t("build.history.status"),
        },
    )


def _compare_runs(by_id: dict[str, LiveRun], ids: list[str]) -> None:
    with_history = [run_id for run_id in ids if by_id[run_id].history]
    if not with_history:
        return
    st.markdown(f"**{t('build.history.compare')}**")
    # Runs the student has seen offered keep their choice; a run new to the list joins it.
    offered = state.OFFERED_RUNS.get()
    kept = [run_id for run_id in state.COMPARED_RUNS.get() if run_id in with_history]
    new = [run_id for run_id in with_history if run_id not in offered and run_id not in kept]
    state.COMPARED_RUNS.set(new + kept)
    offered.update(with_history)
    # One above the other: side by side, the figure switch's labels were cut at 1366 px.
    chosen = st.multiselect(
        t("build.history.pick_runs"),
        with_history,
        format_func=lambda run_id: by_id[run_id].label,
        key=state.COMPARED_RUNS.key,
    )
    if "b_compare_metric" not in st.session_state:
        st.session_state["b_compare_metric"] = "val_accuracy"
    metric = st.segmented_control(
        t("build.history.metric"),
        METRIC_KEYS,
        format_func=lambda key: t(f"build.log.{key}"),
        required=True,
        key="b_compare_metric",
    )
    if chosen:
        metric = metric or "val_accuracy"
        rows = [
            {"run": by_id[run_id].label, "epoch": row.epoch, "value": getattr(row, metric)}
            for run_id in reversed(chosen)
            for row in by_id[run_id].history
        ]
        st.altair_chart(
            comparison_chart(
                rows,
                metric_title=t(f"build.log.{metric}"),
                epoch_title=t("build.chart.epoch"),
                number_format=PERCENT_D3 if metric.endswith("accuracy") else LOSS_D3,
                look=look_for(is_projector()),
            ),
            width="stretch",
        )


def run_history() -> None:
    """Every run of the lab (table), which run the other pages use, overlaid curves."""
    runs = lab_runs()
    if not runs:
        st.caption(t("build.history.empty"))
        return
    _runs_table(runs)
    by_id = {run.run_id: run for run in runs}
    ids = [run.run_id for run in reversed(runs)]
    active_id = state.ACTIVE_RUN_ID.peek()
    st.session_state["b_active_choice"] = active_id if active_id in by_id else ids[0]
    st.selectbox(
        t("build.history.active"),
        ids,
        format_func=lambda run_id: by_id[run_id].label,
        key="b_active_choice",
        on_change=_on_active_choice,
        help=t("build.help.active_run"),
    )
    _compare_runs(by_id, ids)
