"""Build & Train's runs: start one, find the lab's runs, format their figures, compare a run
with its tutorial's published numbers.

Runs train in the engine's worker processes and belong to the student's lab, so a reload or a
second tab shows them too. The live panel that watches them is in `pages/build/live.py`.
"""

from __future__ import annotations

import math

import streamlit as st

from nnlab import PRESETS
from nnlab.core.formatting import count, format_number, percent, points
from nnlab.core.presets import update_gap
from nnlab.core.runs import (
    LiveRun,
    RunStatus,
    describe_spec,
    divergence_kind,
    suggested_learning_rate,
)
from nnlab.core.spec import Preset, RunSpec, SpecError
from nnlab.data.datasets import load_dataset
from nnlab.engine.engine import LabBusy
from pages.classroom.membership import enforce_locks
from pages.common import state
from pages.common.lab import engine, lab_id
from pages.common.ui import is_locked, lang, preset_title, t

# --- starting and finding runs ------------------------------------------------------------------


def lab_runs() -> list[LiveRun]:
    """This lab's runs, oldest first."""
    return engine().lab_runs(lab_id())


def active_runs() -> list[LiveRun]:
    """This lab's runs that are queued or training."""
    return [run for run in lab_runs() if run.is_active]


def can_start_run() -> bool:
    """False when this lab already has its share of runs queued or training."""
    return len(active_runs()) < engine().max_active_per_lab


def start_run(spec: RunSpec, preset_key: str | None) -> str | None:
    """Queue `spec` for training in this lab and make it the watched run; its id, or None."""
    spec = enforce_locks(spec)  # the last line of defence: the engine trains the locked values
    label = f"#{len(lab_runs()) + 1} · {describe_spec(spec)}"
    try:
        run_id = engine().submit(lab_id(), spec, preset_key=preset_key, label=label)
    except LabBusy:
        st.warning(t("build.too_many_runs"), icon=":material/hourglass_top:")
        return None
    except SpecError as error:  # more memory than a run gets here, say
        st.error(error.message(lang()), icon=":material/error:")
        return None
    except Exception as error:  # the store refused the run (disk full, database gone)
        st.error(t("build.submit_failed", error=error), icon=":material/error:")
        return None
    state.ACTIVE_RUN_ID.set(run_id)
    return run_id


def watched_run(runs: list[LiveRun]) -> LiveRun | None:
    """The run the live panel shows: the chosen run, else the newest."""
    active_id = state.ACTIVE_RUN_ID.peek()
    for run in runs:
        if run.run_id == active_id:
            return run
    return runs[-1] if runs else None


def status_text(run: LiveRun) -> str:
    """The run's status in the UI language."""
    text = t("build.status.diverged") if diverged(run) else t(f"build.status.{run.status}")
    if not run.is_active and run.status != RunStatus.FAILED and run.history and not run.has_model:
        text += " · " + t("build.status.model_dropped")
    return text


# --- preset comparison --------------------------------------------------------------------------


def our_figure(run: LiveRun, metric: str) -> float | None:
    """The run's figure for a published metric, or None before it exists."""
    value = run.final.get(metric)
    return value if isinstance(value, float) and math.isfinite(value) else None


def preset_comparison(run: LiveRun) -> None:
    """The tutorial's published figures beside this run's, one metric each."""
    preset = PRESETS.get(run.preset_key or "")
    if preset is None or not preset.published or not run.history:
        return
    st.markdown(f"**{t('build.compare.title', preset=preset_title(preset.key))}**")
    columns = st.columns(len(preset.published))
    for column, (metric, published) in zip(columns, preset.published.items(), strict=True):
        ours = our_figure(run, metric)
        column.metric(
            t(f"build.metric.{metric}"),
            percent(ours),
            delta=None if ours is None else points(ours - published),
            delta_color="normal",
            help=t("build.compare.help"),
        )
        column.caption(t("build.compare.published", value=percent(published)))
    if run.spec != preset.spec:
        differences = [
            name
            for name in ("train_size", "epochs", "batch_size", "seed")
            if getattr(run.spec, name) != getattr(preset.spec, name)
        ]
        st.caption(t("build.compare.modified", fields=", ".join(differences) or "…"))
    update_gap_notice(preset, run.spec, key=f"b_match_updates_{run.run_id}")


def preset_result_caption(preset_key: str) -> str | None:
    """'Your last run: 97.10% (published 98.00%)' for a preset card, or None."""
    preset = PRESETS[preset_key]
    if not preset.published:
        return None
    for run in reversed(lab_runs()):
        if run.preset_key == preset_key and run.history and not run.is_active:
            metric, published = next(iter(preset.published.items()))
            return t(
                "build.preset.your_result",
                metric=t(f"build.metric.{metric}"),
                ours=percent(our_figure(run, metric)),
                published=percent(published),
            )
    return None


def update_gap_notice(preset: Preset, spec: RunSpec, *, key: str) -> None:
    """Why `spec` learns less than the tutorial on the data at hand (fewer weight updates, not
    fewer images) and one click to the epochs that match the tutorial's updates."""
    try:
        available = load_dataset(spec.dataset).num_train
    except (OSError, ValueError):
        return
    gap = update_gap(preset, spec, available)
    if gap is None:
        return
    st.info(
        t(
            "build.updates.why",
            epochs=spec.epochs,
            train=count(gap.train_images),
            batch=count(spec.batch_size),
            ours=count(gap.run_updates),
            tutorial_images=count(gap.tutorial_images),
            tutorial=count(gap.tutorial_updates),
        ),
        icon=":material/lightbulb:",
    )
    if is_locked("epochs") or gap.matching_epochs <= spec.epochs:
        return
    updates = gap.matching_epochs * (gap.run_updates // spec.epochs)
    # Past the epochs limit the button offers the most there is, and says it falls short.
    key_text = "build.updates.match" if updates >= gap.tutorial_updates else "build.updates.most"
    label = t(key_text, epochs=gap.matching_epochs, updates=count(updates))
    if st.button(label, key=key, icon=":material/fast_forward:"):
        state.PENDING_SPEC.set((spec.replace(epochs=gap.matching_epochs), preset.key))
        st.rerun(scope="app")  # the widgets take the new epochs at the top of the page


# --- divergence ---------------------------------------------------------------------------------


def diverged(run: LiveRun) -> bool:
    """True when the run stopped itself because its loss blew up (nnlab.core.runs)."""
    return run.status == RunStatus.STOPPED and divergence_kind(run.error) is not None


def divergence_notice(run: LiveRun) -> None:
    """ "The learning rate is too high for this network", why, and one click to a tenth of it."""
    kind = divergence_kind(run.error) or "nan"
    final_accuracy = run.final.get("accuracy")
    why = t(f"build.diverged.{kind}", accuracy=percent(final_accuracy))
    suggestion = format_number(suggested_learning_rate(run.spec))
    st.error(
        t("build.diverged", why=why, epochs=len(run.history), suggestion=suggestion),
        icon=":material/trending_up:",
    )
    if not is_locked("learning_rate") and st.button(
        t("build.diverged.use", suggestion=suggestion),
        key=f"b_lower_rate_{run.run_id}",
        icon=":material/south:",
    ):
        lower = run.spec.replace(learning_rate=suggested_learning_rate(run.spec))
        state.PENDING_SPEC.set((lower, run.preset_key))
        st.rerun(scope="app")  # the widgets take the new rate at the top of the page
