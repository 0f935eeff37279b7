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
PENDING_PICK_KEY = "model_pick_pending"  # choice key the next pick_model selects (a new upload)
UPLOAD_SEEN_KEY = "uploaded_model_files"  # file_id -> ModelChoice key or error, so reruns skip work
DATASET_CHOICES = ("mnist", "fashion_mnist")  # what an uploaded model's 10 outputs mean
MAX_UPLOAD_MB = 100  # the same cap nnlab.model_io.MAX_MODEL_BYTES enforces on the bytes
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
    # Never a run still training: a Keras model is not safe to call from a page thread while its
    # worker thread fits it (the fit can fail mid-run), so its model joins when the run ends.
    return [
        run for run in session_runs() if run.model is not None and run.history and not run.is_active
    ]


@st.cache_resource(show_spinner=False)
def _default_model() -> Any:
    import nnlab

    return nnlab.load_default_model()


def _default_model_spec() -> RunSpec | None:
    from nnlab.default_model import default_model_spec

    return default_model_spec()


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
                spec=_default_model_spec(),
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
    pending = st.session_state.pop(PENDING_PICK_KEY, None)
    if pending in by_key:
        st.session_state[widget_key] = pending  # a model just uploaded: show it at once
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


def _register_upload(data: bytes, filename: str, dataset_name: str) -> str:
    """Load an uploaded model file into UPLOADS_KEY; returns its choice key (ValueError if bad)."""
    from nnlab.model_io import load_model_bytes

    loaded = load_model_bytes(data, filename)
    uploads = st.session_state.setdefault(UPLOADS_KEY, [])
    key = f"upload:{len(uploads) + 1}"
    name = loaded.label or filename
    uploads.append(
        ModelChoice(
            key=key,
            label=t("models.upload_label", name=name, number=len(uploads) + 1),
            model=loaded.model,
            spec=loaded.spec,
            dataset_name=loaded.dataset_name or dataset_name,
            source="upload",
        )
    )
    return key


def model_upload_widget(widget_key: str = "model_upload") -> None:
    """An expander to upload a .keras/.h5 model; loaded models join every page's model picker."""
    with st.expander(t("models.upload_title"), icon=":material/upload_file:"):
        st.caption(t("models.upload_help"))
        dataset_name = st.selectbox(
            t("models.upload_classes"),
            list(DATASET_CHOICES),
            format_func={name: t(f"models.classes_{name}") for name in DATASET_CHOICES}.get,
            key=f"{widget_key}_classes",
        )
        upload = st.file_uploader(
            t("models.upload_file"),
            type=["keras", "h5"],
            key=widget_key,
            max_upload_size=MAX_UPLOAD_MB,
        )
        if upload is None:
            return
        seen = st.session_state.setdefault(UPLOAD_SEEN_KEY, {})
        if upload.file_id not in seen:
            try:
                with st.spinner(t("models.upload_loading")):
                    key = _register_upload(upload.getvalue(), upload.name, dataset_name)
            except ValueError as error:
                seen[upload.file_id] = ("error", str(error))
            except Exception as error:  # never let a hostile file take the page down
                seen[upload.file_id] = ("error", f"{type(error).__name__}: {error}")
            else:
                seen[upload.file_id] = ("ok", key)
                st.session_state[PENDING_PICK_KEY] = key
                st.rerun()  # the picker above was drawn before this upload: redraw it
        status, detail = seen[upload.file_id]
        if status == "error":
            st.error(t("models.upload_failed", name=upload.name, error=detail))
        else:
            st.success(t("models.upload_ok", name=upload.name))


def model_download_button(choice: ModelChoice, widget_key: str) -> None:
    """A button that downloads the chosen model as .keras, its settings stored inside."""
    from nnlab.model_io import model_file_bytes

    cache = st.session_state.setdefault("model_download_cache", {})
    cache_key = (choice.key, id(choice.model))
    try:
        if cache_key not in cache:
            cache.clear()  # one model's bytes at a time: they can be megabytes
            cache[cache_key] = model_file_bytes(
                choice.model, choice.spec, dataset_name=choice.dataset_name, label=choice.label
            )
    except Exception as error:  # e.g. a model Keras cannot serialise
        st.warning(t("models.download_failed", error=error))
        return
    st.download_button(
        t("models.download"),
        data=cache[cache_key],
        file_name="nnlab_model.keras",
        mime="application/octet-stream",
        icon=":material/download:",
        key=widget_key,
        on_click="ignore",
    )


def pick_model_or_explain(widget_key: str, area: str) -> ModelChoice | None:
    """`pick_model`, or None with the page's own message (`<area>.model_failed` / `.no_model`)."""
    try:
        choice = pick_model(widget_key)
    except Exception as error:  # the default model's file is missing or broken
        st.error(t(f"{area}.model_failed", error=error))
        return None
    if choice is None:
        st.info(t(f"{area}.no_model"), icon=":material/info:")
    return choice
