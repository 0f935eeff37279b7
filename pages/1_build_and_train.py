"""Build & Train: set up a network and its training, watch it learn live, compare runs.

Renders without TensorFlow: the preview uses nnlab's pure-Python layer plan; training happens in
the engine's worker processes, and the live panel reads their progress.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nnlab import PRESETS
from nnlab.model import layer_rows, network_dot
from nnlab.spec import SpecError
from pages import _spec_widgets as keys
from pages import _state as state
from pages._build_controls import architecture_controls, data_controls, training_controls
from pages._build_data import show_dataset
from pages._build_history import run_history
from pages._build_live import live_panel
from pages._build_presets import preset_picker
from pages._build_runs import can_start_run, lab_runs, start_run
from pages._common import lang, preset_title, t
from pages._lab import store_notices
from pages._share import code_export, glossary, share_controls

# A preset button or a share link leaves (RunSpec, preset_key | None) here; load it into the
# widgets before any of them is drawn (Streamlit forbids changing a drawn widget's value).
pending = state.PENDING_SPEC.pop()
if pending is not None:
    pending_spec, pending_preset = pending
    keys.load_spec(pending_spec, pending_preset)
else:
    keys.ensure_initialised()

try:
    spec, spec_error = keys.read_spec(), None
except ValueError as error:  # a SpecError: translated by its text key and values
    spec, spec_error = None, error.message(lang()) if isinstance(error, SpecError) else str(error)
preset_key = st.session_state.get(keys.PRESET_KEY)

st.title(f":material/model_training: {t('build.title')}")
st.caption(t("build.intro"))
store_notices()

with st.expander(t("build.presets"), icon=":material/menu_book:", expanded=not lab_runs()):
    preset_picker(preset_key)
if preset_key in PRESETS:
    preset = PRESETS[preset_key]
    changed = keys.changed_fields(spec, preset.spec) if spec is not None else []
    key = "build.preset.loaded_changed" if changed else "build.preset.loaded"
    names = ", ".join(t(f"field.{name}") for name in changed)  # field.* in locales/classroom
    st.caption(t(key, title=preset_title(preset.key), fields=names))
with st.expander(t("build.glossary.title"), icon=":material/school:"):
    glossary(nested=True)  # the same explanations as Classroom's glossary tab

st.subheader(t("build.group.data"), divider="gray")
controls, preview = st.columns([2, 3], gap="large")
with controls:
    data_controls()
with preview:
    show_dataset(spec, st.session_state.get(keys.DATASET, "mnist"))

st.subheader(t("build.group.architecture"), divider="gray")
controls, preview = st.columns([3, 2], gap="large")
with controls:
    architecture_controls()
with preview:
    if spec is None:
        st.warning(t("build.preview.invalid"), icon=":material/warning:")
    else:
        st.metric(t("build.preview.parameters"), f"{spec.parameter_count():,}")
        st.graphviz_chart(network_dot(spec, lang()), width="content")
        st.dataframe(
            pd.DataFrame(layer_rows(spec)),
            hide_index=True,
            width="stretch",
            column_config={
                "layer": t("build.preview.layer"),
                "type": t("build.preview.type"),
                "output_shape": t("build.preview.output_shape"),
                "params": st.column_config.NumberColumn(
                    t("build.preview.params"), format="localized"
                ),
            },
        )

st.subheader(t("build.group.training"), divider="gray")
training_controls()

if spec_error is not None:
    st.error(t("build.invalid", error=spec_error), icon=":material/error:")
start_allowed = can_start_run()
train_column, share_column = st.columns([1, 3], vertical_alignment="center")
train_clicked = train_column.button(
    t("build.train"),
    type="primary",
    icon=":material/play_arrow:",
    key="b_train",
    disabled=spec is None or not start_allowed,
    width="stretch",
)
if not start_allowed:
    train_column.caption(t("build.too_many_runs"))
if spec is not None:
    with share_column:
        share_controls(spec, preset_key)
    code_export(spec)
if train_clicked and spec is not None and start_allowed:
    start_run(spec, preset_key)

st.subheader(t("build.group.live"), divider="gray")
live_panel()
st.subheader(t("build.group.history"), divider="gray")
run_history()


keys.remember()
