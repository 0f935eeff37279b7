"""Build & Train's runs: start one, watch it live, stop it, compare runs and presets.

Runs live in `st.session_state["runs"]` (pages._models.RUNS_KEY) as nnlab TrainingRun objects
that train in their own threads: a click or a page switch reruns this script, never the run.
The live panels are fragments that redraw themselves every REFRESH_S seconds while a run is
active, so only they rerun, not the whole page.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from nnlab import PRESETS
from nnlab.spec import RunSpec
from nnlab.training import DATASET_TITLES, TrainingRun, describe_spec, server_load
from pages._common import preset_title, t
from pages._models import ACTIVE_RUN_KEY, session_runs

REFRESH_S = 1.0
# One student may queue or train this many runs at once; the process-wide queue shares the rest.
MAX_ACTIVE_RUNS_PER_SESSION = 2
# Models kept per session (older runs keep their history and figures, not their weights): one
# hosted process serves the whole class, and a 795k-parameter model with Adam's state is ~10 MB.
KEPT_MODELS_PER_SESSION = 5
SEEN_STATUS_KEY = "b_seen_status"  # run_id -> status when last drawn, to notice a run ending
METRIC_KEYS = ("val_accuracy", "accuracy", "val_loss", "loss")


# --- starting and finding runs ------------------------------------------------------------------


def active_runs() -> list[TrainingRun]:
    """This session's runs that are queued or training."""
    return [run for run in session_runs() if run.is_active]


def can_start_run() -> bool:
    """False when this session already has its share of runs queued or training."""
    return len(active_runs()) < MAX_ACTIVE_RUNS_PER_SESSION


def start_run(spec: RunSpec, preset_key: str | None) -> TrainingRun:
    """Start training `spec` in the background and make it the session's active run."""
    runs = session_runs()
    label = f"#{len(runs) + 1} · {describe_spec(spec)}"
    run = TrainingRun(spec, preset_key=preset_key, label=label)
    runs.append(run)
    st.session_state[ACTIVE_RUN_KEY] = run.run_id
    run.start()
    release_old_models(runs)
    return run


def release_old_models(runs: list[TrainingRun], keep: int = KEPT_MODELS_PER_SESSION) -> None:
    """Free the models of all but the `keep` newest runs that still hold one."""
    holding = [run for run in reversed(runs) if run.model is not None and not run.is_active]
    for run in holding[keep:]:
        run.release_model()


def watched_run() -> TrainingRun | None:
    """The run the live panel shows: the active run, else the newest."""
    runs = session_runs()
    active_id = st.session_state.get(ACTIVE_RUN_KEY)
    for run in runs:
        if run.run_id == active_id:
            return run
    return runs[-1] if runs else None


def _refresh_interval() -> float | None:
    return REFRESH_S if active_runs() else None


def _notice_endings() -> None:
    """Rerun the whole page once when a run ends, so the history and presets show its result."""
    seen = st.session_state.setdefault(SEEN_STATUS_KEY, {})
    ended_now = False
    for run in session_runs():
        status = run.status
        if seen.get(run.run_id) in ("queued", "running") and status not in ("queued", "running"):
            ended_now = True
        seen[run.run_id] = status
    if ended_now:
        st.rerun(scope="app")


# --- formatting ---------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.2%}"


def _duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def status_text(run: TrainingRun) -> str:
    """The run's status in the UI language (and whether its weights were freed)."""
    text = t(f"build.status.{run.status}")
    if run.model_released:
        text += " · " + t("build.status.model_released", kept=KEPT_MODELS_PER_SESSION)
    return text


def _history_frame(run: TrainingRun) -> pd.DataFrame:
    return pd.DataFrame(run.history, columns=["epoch", *METRIC_KEYS[::-1], "seconds"])


def curves_chart(history: pd.DataFrame, kind: str) -> alt.Chart:
    """Train and validation `kind` ("loss" or "accuracy") per epoch, with hover tooltips."""
    train_name, validation_name = t("build.chart.train"), t("build.chart.validation")
    long = pd.DataFrame(
        {
            "epoch": list(history["epoch"]) * 2,
            "value": list(history[kind]) + list(history[f"val_{kind}"]),
            "data": [train_name] * len(history) + [validation_name] * len(history),
        }
    )
    title = t(f"build.chart.{kind}")
    return (
        alt.Chart(long, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "epoch:Q", title=t("build.chart.epoch"), axis=alt.Axis(tickMinStep=1, format="d")
            ),
            y=alt.Y("value:Q", title=title, scale=alt.Scale(zero=False)),
            color=alt.Color(
                "data:N",
                title=None,
                scale=alt.Scale(domain=[train_name, validation_name]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("data:N", title=" "),
                alt.Tooltip("epoch:Q", title=t("build.chart.epoch")),
                alt.Tooltip("value:Q", title=title, format=".4f"),
            ],
        )
        .properties(height=260)
    )


def epoch_log(history: pd.DataFrame) -> None:
    """The per-epoch figures as a table."""
    number = st.column_config.NumberColumn
    st.dataframe(
        history,
        hide_index=True,
        width="stretch",
        column_config={
            "epoch": number(t("build.chart.epoch"), format="%d"),
            "loss": number(t("build.log.loss"), format="%.4f"),
            "accuracy": number(t("build.log.accuracy"), format="%.4f"),
            "val_loss": number(t("build.log.val_loss"), format="%.4f"),
            "val_accuracy": number(t("build.log.val_accuracy"), format="%.4f"),
            "seconds": number(t("build.log.seconds"), format="%.1f"),
        },
    )


# --- preset comparison --------------------------------------------------------------------------


def _our_figure(run: TrainingRun, metric: str) -> float | None:
    final = run.final
    value = final.get(metric)
    return value if isinstance(value, float) and math.isfinite(value) else None


def preset_comparison(run: TrainingRun) -> None:
    """The tutorial's published figures beside this run's, one metric each."""
    preset = PRESETS.get(run.preset_key or "")
    if preset is None or not preset.published or not run.history:
        return
    st.markdown(f"**{t('build.compare.title', preset=preset_title(preset.key))}**")
    columns = st.columns(len(preset.published))
    for column, (metric, published) in zip(columns, preset.published.items(), strict=True):
        ours = _our_figure(run, metric)
        column.metric(
            t(f"build.metric.{metric}"),
            _percent(ours),
            delta=None if ours is None else f"{(ours - published) * 100:+.2f} pt",
            delta_color="normal",
            help=t("build.compare.help"),
        )
        column.caption(t("build.compare.published", value=_percent(published)))
    differences = [
        name
        for name in ("train_size", "epochs", "batch_size", "seed")
        if getattr(run.spec, name) != getattr(preset.spec, name)
    ]
    if run.spec != preset.spec:
        st.caption(t("build.compare.modified", fields=", ".join(differences) or "…"))


def last_run_of_preset(preset_key: str) -> TrainingRun | None:
    """The newest run of this session that used the preset and has a result."""
    for run in reversed(session_runs()):
        if run.preset_key == preset_key and run.history and not run.is_active:
            return run
    return None


# --- live panel ---------------------------------------------------------------------------------


def _stop_button(run: TrainingRun, compact: bool = False) -> None:
    label = t("build.leave_queue") if run.status == "queued" else t("build.stop")
    if st.button(
        label,
        icon=":material/stop_circle:",
        key=f"b_stop_{run.run_id}",
        disabled=run.stop_requested,
        type="secondary",
        width="content" if compact else "stretch",
    ):
        run.stop()
        st.toast(t("build.stopping"), icon=":material/stop_circle:")


def _progress(run: TrainingRun) -> None:
    progress = run.progress
    batches = max(int(progress["batches"]), 1)
    done = int(progress["batch"])
    text = t(
        "build.progress",
        epoch=int(progress["epoch"]),
        epochs=int(progress["epochs"]),
        batch=f"{done:,}",
        batches=f"{batches:,}",
        speed=f"{progress['images_per_second']:,.0f}",
        left=_duration(progress["eta_seconds"]),
    )
    if run.stop_requested:
        text = f"{text} · {t('build.stopping')}"
    st.progress(min(done / batches, 1.0), text=text)


def _run_status_block(run: TrainingRun) -> None:
    status = run.status
    if status == "queued":
        position = run.queue_position
        running, waiting = server_load()
        st.info(
            t("build.queued", position=position, running=running, waiting=waiting),
            icon=":material/hourglass_top:",
        )
        _stop_button(run)
    elif status == "running":
        if not run.history and not run.progress["batch"]:
            st.caption(t("build.preparing"))
        _progress(run)
        _stop_button(run)
    elif status == "failed":
        st.error(t("build.failed", error=run.error or "?"), icon=":material/error:")
    elif status == "stopped":
        st.warning(
            t("build.stopped", epochs=len(run.history), duration=_duration(run.duration_s)),
            icon=":material/stop_circle:",
        )
    else:
        key = "build.finished_early" if run.stopped_early else "build.finished"
        st.success(
            t(key, epochs=len(run.history), duration=_duration(run.duration_s)),
            icon=":material/check_circle:",
        )


def _live_panel_body() -> None:
    _notice_endings()
    run = watched_run()
    if run is None:
        st.caption(t("build.live.none"))
        return
    st.markdown(f"#### {run.label}")
    # Keyed containers keep each part's identity across the fragment's redraws, so the browser
    # updates them in place instead of briefly showing stale copies.
    with st.container(key="b_live_status"):
        _run_status_block(run)
    history = run.history
    final = run.final
    with st.container(key="b_live_metrics", horizontal=True):
        st.metric(t("build.metric.epochs"), f"{len(history)} / {run.spec.epochs}")
        st.metric(t("build.metric.accuracy"), _percent(final["accuracy"]))
        st.metric(t("build.metric.val_accuracy"), _percent(final["val_accuracy"]))
        st.metric(t("build.metric.test_accuracy"), _percent(final["test_accuracy"]))
    with st.container(key="b_live_charts"):
        if history:
            frame = _history_frame(run)
            loss_column, accuracy_column = st.columns(2)
            loss_column.altair_chart(curves_chart(frame, "loss"), width="stretch")
            accuracy_column.altair_chart(curves_chart(frame, "accuracy"), width="stretch")
            with st.expander(t("build.log.title"), expanded=False):
                epoch_log(frame)
    if not run.is_active:
        preset_comparison(run)
    others = [other for other in active_runs() if other.run_id != run.run_id]
    for other in others:
        columns = st.columns([5, 1], vertical_alignment="center")
        progress = other.progress
        columns[0].caption(
            t(
                "build.also_training",
                label=other.label,
                status=status_text(other),
                epoch=int(progress["epoch"]),
                epochs=int(progress["epochs"]),
            )
        )
        with columns[1]:
            _stop_button(other, compact=True)


# --- run history --------------------------------------------------------------------------------


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _history_rows(runs: list[TrainingRun]) -> pd.DataFrame:
    rows = []
    for run in runs:
        final = run.final
        rows.append(
            {
                "run": run.label,
                "dataset": DATASET_TITLES[run.spec.dataset],
                "params": run.spec.parameter_count(),
                "epochs": f"{final['epochs_done']} / {run.spec.epochs}",
                # NaN, not None: a float column shows a gap where "None" would be text
                "accuracy": _number(final["accuracy"]),
                "val_accuracy": _number(final["val_accuracy"]),
                "test_accuracy": _number(final["test_accuracy"]),
                "duration": _duration(run.duration_s),
                "status": status_text(run),
            }
        )
    return pd.DataFrame(rows)


def _comparison_chart(runs: list[TrainingRun], metric: str) -> alt.Chart:
    rows = [
        {"run": run.label, "epoch": row["epoch"], "value": row.get(metric)}
        for run in runs
        for row in run.history
    ]
    title = t(f"build.log.{metric}")
    return (
        alt.Chart(pd.DataFrame(rows, columns=["run", "epoch", "value"]))
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "epoch:Q", title=t("build.chart.epoch"), axis=alt.Axis(tickMinStep=1, format="d")
            ),
            y=alt.Y("value:Q", title=title, scale=alt.Scale(zero=False)),
            color=alt.Color("run:N", title=None, legend=alt.Legend(orient="bottom", columns=1)),
            tooltip=[
                "run:N",
                alt.Tooltip("epoch:Q", title=t("build.chart.epoch")),
                alt.Tooltip("value:Q", title=title, format=".4f"),
            ],
        )
        .properties(height=300)
    )


def _on_active_choice() -> None:
    st.session_state[ACTIVE_RUN_KEY] = st.session_state.get("b_active_choice")


def _run_history_body() -> None:
    runs = session_runs()
    if not runs:
        st.caption(t("build.history.empty"))
        return
    number = st.column_config.NumberColumn
    st.dataframe(
        _history_rows(runs),
        hide_index=True,
        width="stretch",
        column_config={
            "run": st.column_config.TextColumn(t("build.history.run"), width="medium"),
            "dataset": t("build.dataset"),
            "params": number(t("build.history.params"), format="localized"),
            "epochs": t("build.metric.epochs"),
            "accuracy": number(t("build.metric.accuracy"), format="percent"),
            "val_accuracy": number(t("build.metric.val_accuracy"), format="percent"),
            "test_accuracy": number(t("build.metric.test_accuracy"), format="percent"),
            "duration": t("build.history.duration"),
            "status": t("build.history.status"),
        },
    )
    by_id = {run.run_id: run for run in runs}
    ids = [run.run_id for run in reversed(runs)]
    active_id = st.session_state.get(ACTIVE_RUN_KEY)
    st.session_state["b_active_choice"] = active_id if active_id in by_id else ids[0]
    st.selectbox(
        t("build.history.active"),
        ids,
        format_func=lambda run_id: by_id[run_id].label,
        key="b_active_choice",
        on_change=_on_active_choice,
        help=t("build.help.active_run"),
    )
    with_history = [run_id for run_id in ids if by_id[run_id].history]
    if len(with_history) < 1:
        return
    st.markdown(f"**{t('build.history.compare')}**")
    chosen_key, offered_key = "b_compare_runs", "b_compare_offered"
    # Runs the student has seen offered keep their choice; a run new to the list joins it.
    offered = st.session_state.setdefault(offered_key, set())
    kept = [run_id for run_id in st.session_state.get(chosen_key, []) if run_id in with_history]
    new = [run_id for run_id in with_history if run_id not in offered and run_id not in kept]
    st.session_state[chosen_key] = new + kept
    offered.update(with_history)
    left, right = st.columns([3, 2])
    chosen = left.multiselect(
        t("build.history.pick_runs"),
        with_history,
        format_func=lambda run_id: by_id[run_id].label,
        key=chosen_key,
    )
    if "b_compare_metric" not in st.session_state:
        st.session_state["b_compare_metric"] = "val_accuracy"
    metric = right.segmented_control(
        t("build.history.metric"),
        METRIC_KEYS,
        format_func=lambda key: t(f"build.log.{key}"),
        required=True,
        key="b_compare_metric",
    )
    if chosen:
        st.altair_chart(
            _comparison_chart([by_id[run_id] for run_id in reversed(chosen)], metric or "loss"),
            width="stretch",
        )


def _runs_body() -> None:
    _live_panel_body()
    st.subheader(t("build.group.history"), divider="gray")
    _run_history_body()


def runs_section() -> None:
    """The live panel, then every run of the session (table, overlaid curves, which run the
    other pages use), redrawn together every second while a run is active. One fragment, one
    timer: with two timed fragments one of them kept missing its reruns and showed stale rows."""
    st.fragment(_runs_body, run_every=_refresh_interval())()


def preset_result_caption(preset_key: str) -> str | None:
    """'Your last run: 97.1 % (published 98.0 %)' for a preset card, or None."""
    run = last_run_of_preset(preset_key)
    preset = PRESETS[preset_key]
    if run is None or not preset.published:
        return None
    metric, published = next(iter(preset.published.items()))
    return t(
        "build.preset.your_result",
        metric=t(f"build.metric.{metric}"),
        ours=_percent(_our_figure(run, metric)),
        published=_percent(published),
    )
