"""Build & Train: set up a network and its training, watch it learn live, compare runs.

Renders without TensorFlow: the preview uses nnlab's pure-Python layer plan; training happens in
the engine's worker processes, and the live panel reads their progress.
"""

from __future__ import annotations

import streamlit as st

from nnlab import PRESETS
from nnlab.core.spec import SpecError
from pages.build import spec_widgets as keys
from pages.build.controls import (
    LIVE_COLUMN_CSS,
    architecture_controls,
    data_controls,
    network_preview,
    training_controls,
)
from pages.build.data import show_dataset
from pages.build.history import run_history
from pages.build.live import live_panel
from pages.build.presets import preset_picker
from pages.build.runs import (
    active_runs,
    can_start_run,
    lab_runs,
    start_run,
    update_gap_notice,
)
from pages.classroom.join import class_banner
from pages.classroom.membership import (
    class_size,
    current_membership,
    enforce_locks,
    keep_widgets_locked,
)
from pages.classroom.share import code_export, glossary, share_controls
from pages.common import state
from pages.common.estimates import fits_memory, run_estimate
from pages.common.lab import store_notices
from pages.common.ui import lang, preset_title, t

# A preset button or a share link leaves (RunSpec, preset_key | None) here; load it into the
# widgets before any of them is drawn (Streamlit forbids changing a drawn widget's value).
current_membership()  # this lab's class: its locks, a new step's settings
pending = state.PENDING_SPEC.pop()
if pending is not None:
    pending_spec, pending_preset = pending
    keys.load_spec(enforce_locks(pending_spec), pending_preset)
else:
    keys.ensure_initialised()
keep_widgets_locked()  # a class's or exercise link's locks hold whatever loaded the settings

try:
    spec, spec_error = keys.read_spec(), None
except ValueError as error:  # a SpecError: translated by its text key and values
    spec, spec_error = None, error.message(lang()) if isinstance(error, SpecError) else str(error)
preset_key = st.session_state.get(keys.PRESET_KEY)

st.title(f":material/model_training: {t('build.title')}")
st.caption(t("build.intro"))
store_notices()
class_banner(live_panel_checks=bool(active_runs()))  # see live_panel

# Settings on the left; Train and the live run on the right, in a column that stays in view
# while the settings scroll (CSS position: sticky on the keyed container, see LIVE_COLUMN_CSS).
settings_column, live_column = st.columns([11, 9], gap="medium")
with settings_column:
    with st.expander(t("build.presets"), icon=":material/menu_book:", expanded=not lab_runs()):
        preset_picker(preset_key)
    if preset_key in PRESETS:
        preset = PRESETS[preset_key]
        changed = keys.changed_fields(spec, preset.spec) if spec is not None else []
        key = "build.preset.loaded_changed" if changed else "build.preset.loaded"
        names = ", ".join(t(f"field.{name}") for name in changed)  # field.* in locales/classroom
        st.caption(t(key, title=preset_title(preset.key), fields=names))
        if spec is not None:
            update_gap_notice(preset, spec, key="b_match_updates_settings")
    with st.expander(t("build.glossary.title"), icon=":material/school:"):
        glossary(nested=True)  # the same explanations as Classroom's glossary tab

    st.subheader(t("build.group.data"), divider="gray")
    data_controls()
    show_dataset(spec, st.session_state.get(keys.DATASET, "mnist"))

    st.subheader(t("build.group.architecture"), divider="gray")
    architecture_controls()
    if spec is None:
        st.warning(t("build.preview.invalid"), icon=":material/warning:")
    else:
        network_preview(spec)

    st.subheader(t("build.group.training"), divider="gray")
    training_controls(spec)

with live_column, st.container(key="b_live_column"):
    st.html(LIVE_COLUMN_CSS)
    if spec_error is not None:
        st.error(t("build.invalid", error=spec_error), icon=":material/error:")
    fits = spec is None or fits_memory(spec)  # too big: says what to lower; the preview stays
    start_allowed = can_start_run()
    train_clicked = st.button(
        t("build.train"),
        type="primary",
        icon=":material/play_arrow:",
        key="b_train",
        disabled=spec is None or not fits or not start_allowed,
        width="stretch",
    )
    if not start_allowed:
        st.caption(t("build.too_many_runs"))
    elif spec is not None:
        membership = state.MEMBERSHIP.peek()
        students = class_size(membership.info.class_id) if membership else 1
        run_estimate(spec, students)
    if train_clicked and spec is not None and fits and start_allowed:
        start_run(spec, preset_key)
    live_panel()
    if spec is not None:
        share_controls(spec, preset_key)
        code_export(spec)

st.subheader(t("build.group.history"), divider="gray")
run_history()


keys.remember()
