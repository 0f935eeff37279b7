"""Steering a run from Build & Train: pause and resume, a new learning rate, more epochs.

Every control is an engine call (nnlab.engine.contract.TrainingEngine pause / resume /
set_learning_rate / continue_run); the worker applies it after its current batch, and the live
panel shows the result on its next refresh.
"""

from __future__ import annotations

import streamlit as st

from nnlab.core.fields import field_info
from nnlab.core.runs import LiveRun
from nnlab.core.spec import RunSpec
from nnlab.engine.engine import LabBusy
from pages.common.lab import engine
from pages.common.ui import t

EXTRA_EPOCHS_DEFAULT = 5
MIN_RATE = 1e-6


def _engine_call(call, *args) -> bool:
    """Run an engine call; a refusal becomes a message, never a traceback."""
    try:
        call(*args)
    except (ValueError, LabBusy) as error:
        st.warning(t("runs.not_now", error=error), icon=":material/block:")
        return False
    return True


def pause_button(run: LiveRun) -> None:
    """Pause (or resume) a training run."""
    paused = run.paused
    label, icon = (
        (t("runs.resume"), ":material/play_arrow:")
        if paused
        else (t("runs.pause"), ":material/pause:")
    )
    if st.button(label, icon=icon, key=f"b_pause_{run.run_id}", width="stretch"):
        call = engine().resume if paused else engine().pause
        if _engine_call(call, run.run_id) and not paused:
            st.toast(t("runs.pausing"), icon=":material/pause:")


def paused_note(run: LiveRun) -> None:
    """What a paused run is doing (waiting), and where it stopped."""
    st.info(
        t(
            "runs.paused",
            epoch=run.progress.epoch + 1,
            batch=run.progress.batch,
        ),
        icon=":material/pause_circle:",
    )


def learning_rate_control(run: LiveRun) -> None:
    """A new learning rate for a running or paused run."""
    high = field_info(RunSpec, "learning_rate").max
    with (
        st.popover(t("runs.rate"), icon=":material/tune:", width="stretch"),
        st.form(key=f"f_rate_{run.run_id}", border=False),
    ):
        rate = st.number_input(
            t("runs.rate"),
            min_value=MIN_RATE,  # the spec's bound is "above 0": a widget needs a number
            max_value=float(high),
            value=float(run.spec.learning_rate),
            format="%g",
            help=t("runs.rate_help"),
            key=f"n_rate_{run.run_id}",
        )
        applied = st.form_submit_button(t("runs.rate_apply"), icon=":material/check:")
        if applied and _engine_call(engine().set_learning_rate, run.run_id, rate):
            st.toast(t("runs.rate_sent", rate=f"{rate:g}"), icon=":material/tune:")


def continue_control(run: LiveRun) -> None:
    """More epochs for a finished or stopped run that kept its model."""
    if run.is_active or not run.has_model or not run.history:
        return
    room = int(field_info(RunSpec, "epochs").max) - len(run.history)
    if room < 1:
        return
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    extra = left.number_input(
        t("runs.more_epochs"),
        min_value=1,
        max_value=room,
        value=min(EXTRA_EPOCHS_DEFAULT, room),
        step=1,
        key=f"n_more_{run.run_id}",
    )
    if right.button(
        t("runs.continue"),
        icon=":material/fast_forward:",
        help=t("runs.continue_help"),
        key=f"b_continue_{run.run_id}",
        width="stretch",
    ) and _engine_call(engine().continue_run, run.run_id, int(extra)):
        st.toast(t("runs.continue_queued", epochs=int(extra)), icon=":material/fast_forward:")
        st.rerun()
