"""Which model a page works with: the default digit model, a run of this session, or an upload.

Evaluate, Draw and Inside all call `pick_model`; the Build & Train page registers runs in
`st.session_state[RUNS_KEY]` and marks one active; the upload widget appends to UPLOADS_KEY.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from nnlab.spec import RunSpec
from pages._common import t

RUNS_KEY = "runs"  # list[nnlab.training.TrainingRun], oldest first
ACTIVE_RUN_KEY = "active_run_id"  # run_id of the run the other pages use by default
UPLOADS_KEY = "uploaded_models"  # list[ModelChoice] loaded from files this session


@dataclass(frozen=True)
class ModelChoice:
    """A model ready to use, with what the page needs to know about it."""

    key: str  # stable id: "default", "run:<run_id>" or "upload:<n>"
    label: str  # what the student sees in the picker
    model: Any  # a keras.Model (typed Any: pages never import Keras)
    spec: RunSpec | None  # the settings it was built from, when known
    dataset_name: str  # "mnist" or "fashion_mnist": which classes its outputs mean
    source: str  # "default", "run" or "upload"


def session_runs() -> list[Any]:
    """This session's training runs, oldest first."""
    return st.session_state.setdefault(RUNS_KEY, [])


def usable_runs() -> list[Any]:
    """Runs that have a model to use (finished, or stopped after at least one epoch)."""
    return [run for run in session_runs() if run.model is not None and run.history]


@st.cache_resource(show_spinner=False)
def _default_model() -> Any:
    import nnlab

    return nnlab.load_default_model()


def model_choices(include_default: bool = True) -> list[ModelChoice]:
    """Every model this session can pick, newest run first, the default digit model last."""
    choices = [
        ModelChoice(
            key=f"run:{run.run_id}",
            label=run.label,
            model=run.model,
            spec=run.spec,
            dataset_name=run.spec.dataset,
            source="run",
        )
        for run in reversed(usable_runs())
    ]
    choices.extend(st.session_state.get(UPLOADS_KEY, []))
    if include_default:
        choices.append(
            ModelChoice(
                key="default",
                label=t("models.default_label"),
                model=None,  # loaded on demand below: it costs the TensorFlow import
                spec=None,
                dataset_name="mnist",
                source="default",
            )
        )
    return choices


def pick_model(widget_key: str, include_default: bool = True) -> ModelChoice | None:
    """A select box of the session's models; returns the chosen one loaded, or None if none."""
    choices = model_choices(include_default)
    if not choices:
        return None
    keys = [choice.key for choice in choices]
    active = f"run:{st.session_state.get(ACTIVE_RUN_KEY)}"
    index = keys.index(active) if active in keys else 0
    by_key = {choice.key: choice for choice in choices}
    chosen_key = st.selectbox(
        t("models.pick"),
        keys,
        index=index,
        format_func=lambda key: by_key[key].label,
        key=widget_key,
    )
    chosen = by_key.get(chosen_key, choices[index])
    if chosen.source == "default":
        with st.spinner(t("models.loading_default")):
            chosen = ModelChoice(**{**chosen.__dict__, "model": _default_model()})
    return chosen
