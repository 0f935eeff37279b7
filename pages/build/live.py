"""Build & Train's live panel: the watched run's status, progress, figures and curves.

A fragment reruns it every second or so while a run of the lab is active (slower when many
students watch: `engine.refresh_interval`). Each rerun reads an in-memory snapshot
(`engine.live` / `lab_runs`) and re-sends charts and the epoch log that were built once per new
epoch, so a watching student costs the server almost nothing. When a run ends, the whole page
reruns once so the run history and the preset cards show its result.
"""

from __future__ import annotations

import html
import time
from typing import Any

import streamlit as st

from nnlab.core.formatting import duration, loss, percent, seconds
from nnlab.core.runs import LiveRun, RunStatus
from pages.build import run_controls
from pages.build.diagnostics import diagnostics_panel
from pages.build.runs import (
    active_runs,
    diverged,
    divergence_notice,
    lab_runs,
    preset_comparison,
    status_text,
    watched_run,
)
from pages.classroom.join import check_class_step
from pages.common import state
from pages.common.charts import look_for, markdown_table, sendable
from pages.common.curve_charts import curves_spec
from pages.common.lab import engine, lab_id
from pages.common.ui import is_projector, t

LOG_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _stop_button(run: LiveRun, compact: bool = False) -> None:
    label = t("build.leave_queue") if run.status == RunStatus.QUEUED else t("build.stop")
    if st.button(
        label,
        icon=":material/stop_circle:",
        key=f"b_stop_{run.run_id}",
        disabled=run.stop_requested,
        type="secondary",
        width="content" if compact else "stretch",
    ):
        engine().stop(run.run_id)
        st.toast(t("build.stopping"), icon=":material/stop_circle:")


def _progress(run: LiveRun) -> None:
    progress = run.progress
    batches = max(progress.batches, 1)
    done = progress.batch
    text = t(
        "build.progress",
        epoch=progress.epoch,
        epochs=progress.epochs or run.spec.epochs,
        batch=f"{done:,}",
        batches=f"{batches:,}",
        speed=f"{progress.images_per_second:,.0f}",
        left=duration(progress.eta_seconds),
    )
    if run.stop_requested:
        text = f"{text} · {t('build.stopping')}"
    st.progress(min(done / batches, 1.0), text=text)


def _run_status_block(run: LiveRun) -> None:
    status = run.status
    if status == RunStatus.QUEUED and run.queue_position == 0:
        # Handed to a worker that has not started it yet (it may still be importing TensorFlow).
        st.info(t("build.starting"), icon=":material/hourglass_top:")
        _stop_button(run)
    elif status == RunStatus.QUEUED:
        running, waiting = engine().load()
        st.info(
            t(
                "build.queued_wait",
                position=run.queue_position,
                running=running,
                waiting=waiting,
                wait=duration(run.wait_estimate_s),
            ),
            icon=":material/hourglass_top:",
        )
        _stop_button(run)
    elif status == RunStatus.RUNNING:
        if not run.history and not run.progress.batch:
            st.caption(t("build.preparing"))
        if run.worker_name and len(engine().machines()) > 1:  # several machines: say which
            st.caption(t("build.trains_on", machine=run.worker_name))
        _progress(run)
        if run.paused:
            run_controls.paused_note(run)
        stop, pause, rate = st.columns([2, 2, 3])  # room for “Learning rate” at 1366 px
        with stop:
            _stop_button(run)
        with pause:
            run_controls.pause_button(run)
        with rate:
            run_controls.learning_rate_control(run)
    elif status == RunStatus.FAILED:
        st.error(t("build.failed", error=run.error or "?"), icon=":material/error:")
    elif diverged(run):
        divergence_notice(run)
    elif status == RunStatus.STOPPED:
        reason = f" {run.error}" if run.error else ""
        st.warning(
            t("build.stopped", epochs=len(run.history), duration=duration(run.duration_s)) + reason,
            icon=":material/stop_circle:",
        )
    else:
        key = "build.finished_early" if run.stopped_early else "build.finished"
        st.success(
            t(key, epochs=len(run.history), duration=duration(run.duration_s)),
            icon=":material/check_circle:",
        )
    if status in (RunStatus.FINISHED, RunStatus.STOPPED):
        run_controls.continue_control(run)


def _drawn_parts(run: LiveRun) -> dict[str, Any]:
    """The run's charts and epoch log, built once per version of its history and language."""
    cache = state.DRAWN_VERSIONS.get()
    key = (run.run_id, run.version, t("build.chart.loss"), is_projector())
    parts = cache.get(run.run_id)
    if parts is None or parts["key"] != key:
        names = {
            "look": look_for(is_projector()),
            "epoch_title": t("build.chart.epoch"),
            "train_name": t("build.chart.train"),
            "validation_name": t("build.chart.validation"),
        }
        log = markdown_table(
            [
                t("build.chart.epoch"),
                *(t(f"build.log.{name}") for name in LOG_KEYS),
                t("build.log.seconds"),
            ],
            [
                [
                    str(row.epoch),
                    loss(row.loss),
                    percent(row.accuracy),
                    loss(row.val_loss),
                    percent(row.val_accuracy),
                    seconds(row.seconds),
                ]
                for row in run.history
            ],
        )
        parts = {
            "key": key,
            "loss": sendable(
                curves_spec(
                    run.history,
                    "loss",
                    title=t("build.chart.loss"),
                    rate_title=t("runs.rate_changed"),
                    batches=run.progress.batches,
                    **names,
                )
            ),
            "accuracy": sendable(
                curves_spec(run.history, "accuracy", title=t("build.chart.accuracy"), **names)
            ),
            "log": log,
        }
        cache[run.run_id] = parts
    return parts


def _notice_endings(runs: list[LiveRun]) -> None:
    """When a run ends, rerun the whole page at the panel's next refresh, so the history and
    presets show its result: this refresh shows the end itself at once (a page's full run takes
    longer than the panel's, and the student waits for "Finished", not for the history)."""
    if state.ENDED_RUN.pop():
        st.rerun(scope="app")
    seen = state.SEEN_STATUS.get()
    for run in runs:
        if seen.get(run.run_id) in (RunStatus.QUEUED, RunStatus.RUNNING) and not run.is_active:
            state.ENDED_RUN.set(True)
        seen[run.run_id] = run.status


def _live_panel_body() -> None:
    engine().touch(lab_id())
    check_class_step()  # a class member's new step (class_banner leaves it to this fragment)
    runs = lab_runs()
    _notice_endings(runs)
    run = watched_run(runs)
    if run is None:
        st.caption(t("build.live.none"))
        return
    # Whole: the column is narrow, a heading would wrap. The stamp tells the watchdog
    # (WATCHDOG_JS) that this refresh happened.
    stamp = f'<span data-nnlab-refresh="{time.monotonic():.3f}"></span>'
    st.markdown(f"**{html.escape(run.label)}**{stamp}", unsafe_allow_html=True)
    # Keyed containers keep each part's identity across the fragment's redraws, so the browser
    # updates them in place instead of briefly showing stale copies.
    with st.container(key="b_live_status"):
        _run_status_block(run)
    final = run.final
    # Wraps onto two rows in a laptop's narrow column rather than cutting the labels.
    with st.container(key="b_live_metrics", horizontal=True, wrap=True):
        st.metric(t("build.metric.epochs"), f"{len(run.history)} / {run.spec.epochs}")
        st.metric(t("build.metric.accuracy"), percent(final["accuracy"]))
        st.metric(t("build.metric.val_accuracy"), percent(final["val_accuracy"]))
        if not run.is_active:  # measured at the end: while training, room for the curves
            st.metric(t("build.metric.test_accuracy"), percent(final["test_accuracy"]))
    if not run.is_active:  # the tutorial's figures (and why they differ) beside the run's
        preset_comparison(run)
    with st.container(key="b_live_charts"):
        if run.history:
            parts = _drawn_parts(run)
            # One above the other: each gets the column's whole width.
            st.vega_lite_chart(parts["loss"], width="stretch")
            st.vega_lite_chart(parts["accuracy"], width="stretch")
            with st.expander(t("build.log.title"), expanded=False):
                st.markdown(parts["log"])
            diagnostics_panel(run)
    for other in (other for other in runs if other.is_active and other.run_id != run.run_id):
        columns = st.columns([5, 1], vertical_alignment="center")
        columns[0].caption(
            t(
                "build.also_training",
                label=other.label,
                status=status_text(other),
                epoch=other.progress.epoch,
                epochs=other.progress.epochs or other.spec.epochs,
            )
        )
        with columns[1]:
            _stop_button(other, compact=True)


# A safety net under the panel's timer, in the browser: while a run is active, a page whose panel
# has not refreshed for this long presses a hidden button, and the page's full run starts the
# panel's timer again. Streamlit keeps the timer in the browser and the fragment in the server's
# session; a race between them (see pages.common.ui.notice_slot for the one found) left a page on
# "Waiting for a free slot" after its run ended. Not a reload: a page short of CPU (thirty
# browsers on one core in bench_classroom.py) also misses refreshes, and a reload costs it more.
# Time the page itself did not run (its own 1 s check came late) does not count.
STALE_AFTER_REFRESHES = 10
STALE_AFTER_MIN_S = 30.0
WATCHDOG_JS = """<script>
(() => {
  window.nnlabWatch = {active: %(active)s, limitMs: %(limit_ms)d};
  if (window.nnlabWatchdog) return;
  let last = null, stale = 0, checked = Date.now();
  const nudge = () => {
    const button = document.querySelector(".st-key-b_live_nudge button");
    if (button) button.click(); else window.location.reload();
  };
  window.nnlabWatchdog = setInterval(() => {
    const now = Date.now(), late = now - checked > 3000;
    checked = now;
    const stamp = document.querySelector("[data-nnlab-refresh]");
    const value = stamp ? stamp.getAttribute("data-nnlab-refresh") : null;
    if (value !== last || !window.nnlabWatch.active) { last = value; stale = 0; return; }
    if (!late) stale += 1000;
    if (stale > window.nnlabWatch.limitMs) { stale = 0; (window.nnlabNudge || nudge)(); }
  }, 1000);
})();
</script>"""


def watchdog_script(active: bool, interval_s: float | None) -> str:
    """The browser's watchdog for the live panel (WATCHDOG_JS), armed while a run is active."""
    limit_s = max(STALE_AFTER_MIN_S, STALE_AFTER_REFRESHES * (interval_s or 0.0))
    return WATCHDOG_JS % {"active": "true" if active else "false", "limit_ms": limit_s * 1000}


def live_panel() -> None:
    """The watched run, refreshed in place while any run of the lab is queued or training."""
    interval = engine().refresh_interval() if active_runs() else None
    # In the sidebar: a script takes no room there, and the panel's place stays the same.
    st.sidebar.html(watchdog_script(interval is not None, interval), unsafe_allow_javascript=True)
    st.button("↻", key="b_live_nudge")  # hidden (LIVE_COLUMN_CSS): the watchdog presses it
    st.fragment(_live_panel_body, run_every=interval)()
