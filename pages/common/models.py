"""Which model a page works with: the default digit model, a run of this lab, or an upload.

Evaluate, Draw and Inside call `pick_model`. Every model here is an
`nnlab.inspection.network.Network`: the trained weights as NumPy arrays. Keras stays in the
engine's worker processes, which train the runs and read uploaded files; this process only
multiplies matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import streamlit as st

from nnlab.core.runs import LiveRun
from nnlab.core.shapes import MAX_MODEL_UPLOAD_MB
from nnlab.core.spec import RunSpec
from nnlab.data.datasets import DATASET_NAMES
from pages.common import state
from pages.common.lab import engine, lab_id
from pages.common.ui import t

KEPT_UPLOADS = 3  # uploaded networks kept per session, newest first


@dataclass(frozen=True)
class ModelChoice:
    """A model ready to use, with what the page needs to know about it."""

    key: str  # stable id: "default", "run:<run_id>" or "upload:<n>"
    label: str  # what the student sees in the picker
    network: Any  # nnlab.inspection.network.Network, or None until loaded (the default model)
    spec: RunSpec | None  # the settings it was built from, when known
    dataset_name: str  # "mnist" or "fashion_mnist": which classes its outputs mean
    source: str  # "default", "run" or "upload"
    run_id: str | None = None  # the run it came from
    file_bytes: bytes | None = None  # an upload's own file, offered back as its download


def lab_runs() -> list[LiveRun]:
    """This lab's runs, oldest first."""
    return engine().lab_runs(lab_id())


def usable_runs() -> list[LiveRun]:
    """Runs that have a stored model (finished, or stopped after at least one epoch)."""
    return [run for run in lab_runs() if run.has_model and not run.is_active]


@st.cache_resource(show_spinner=False)
def _default_network() -> Any:
    from nnlab.inspection.default_model import load_default_network

    return load_default_network()


def _default_model_spec() -> RunSpec | None:
    from nnlab.inspection.default_model import default_model_spec

    return default_model_spec()


def default_model_available() -> bool:
    """True when the default digit model's file is there."""
    from nnlab.inspection import default_model

    path = getattr(default_model, "DEFAULT_NETWORK_PATH", None)
    return path is None or Path(path).exists()


def model_choices(include_default: bool = True) -> list[ModelChoice]:
    """Every model this lab can pick, newest run first, uploads, the default digit model last."""
    choices = [
        ModelChoice(
            key=f"run:{run.run_id}",
            label=run.label,
            network=None,  # read from the store when picked
            spec=run.spec,
            dataset_name=run.spec.dataset,
            source="run",
            run_id=run.run_id,
        )
        for run in reversed(usable_runs())
    ]
    choices.extend(state.UPLOADS.get())
    if include_default and default_model_available():
        choices.append(
            ModelChoice(
                key="default",
                label=t("models.default_label"),
                network=None,  # loaded on first pick, then shared by every session
                spec=_default_model_spec(),
                dataset_name="mnist",
                source="default",
            )
        )
    return choices


def _loaded(choice: ModelChoice) -> ModelChoice:
    if choice.network is not None:
        return choice
    if choice.source == "default":
        return replace(choice, network=_default_network())
    network = engine().network(choice.run_id or "")
    if network is None:
        raise ValueError(t("models.missing"))
    return replace(choice, network=network)


def pick_model(widget_key: str, include_default: bool = True) -> ModelChoice | None:
    """A select box of the lab's models; returns the chosen one loaded, or None if none."""
    choices = model_choices(include_default)
    if not choices:
        return None
    keys = [choice.key for choice in choices]
    by_key = {choice.key: choice for choice in choices}
    pending = state.PENDING_PICK.pop()
    if pending in by_key:
        st.session_state[widget_key] = pending  # a model just uploaded: show it at once
    # The default is the model already picked (else the watched run's): a browser that mounts
    # the box afresh starts from the default (see pages/build/field_widgets.py, spec_field).
    active = st.session_state.get(widget_key) or f"run:{state.ACTIVE_RUN_ID.peek()}"
    index = keys.index(active) if active in keys else 0
    chosen_key = st.selectbox(
        t("models.pick"),
        keys,
        index=index,
        format_func=lambda key: by_key[key].label,
        key=widget_key,
    )
    return _loaded(by_key.get(chosen_key, choices[index]))


def _register_upload(data: bytes, filename: str, dataset_name: str) -> str:
    """Check and read an uploaded model file in a worker; returns its choice key."""
    loaded = engine().load_model_file(data, filename, dataset_name)
    uploads = state.UPLOADS.get()
    number = max((int(choice.key.split(":")[1]) for choice in uploads), default=0) + 1
    key = f"upload:{number}"
    uploads.append(
        ModelChoice(
            key=key,
            label=t("models.upload_label", name=loaded.label or filename, number=number),
            network=loaded.network,
            spec=loaded.spec,
            dataset_name=loaded.dataset_name or dataset_name,
            source="upload",
            file_bytes=data,
        )
    )
    del uploads[:-KEPT_UPLOADS]  # one process serves the class: keep memory bounded
    return key


def model_upload_widget(widget_key: str = "model_upload") -> None:
    """An expander to upload a .keras/.h5 model; loaded models join every page's model picker."""
    with st.expander(t("models.upload_title"), icon=":material/upload_file:"):
        st.caption(t("models.upload_help"))
        dataset_name = st.selectbox(
            t("models.upload_classes"),
            list(DATASET_NAMES),
            format_func=lambda name: t(f"models.classes_{name}"),
            key=f"{widget_key}_classes",
        )
        upload = st.file_uploader(
            t("models.upload_file"),
            type=["keras", "h5"],
            key=widget_key,
            max_upload_size=MAX_MODEL_UPLOAD_MB,
        )
        if upload is None:
            return
        seen = state.UPLOAD_SEEN.get()
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
                state.PENDING_PICK.set(key)
                st.rerun()  # the picker above was drawn before this upload: redraw it
        status, detail = seen[upload.file_id]
        if status == "error":
            st.error(t("models.upload_failed", name=upload.name, error=detail))
        else:
            st.success(t("models.upload_ok", name=upload.name))


def _file_bytes(choice: ModelChoice) -> bytes | None:
    if choice.source == "upload":
        return choice.file_bytes
    if choice.source == "default":
        from nnlab.inspection.default_model import DEFAULT_MODEL_PATH

        return Path(DEFAULT_MODEL_PATH).read_bytes()
    return engine().keras_bytes(choice.run_id or "")


def model_download_button(choice: ModelChoice, widget_key: str) -> None:
    """A button that downloads the chosen model as .keras, its settings stored inside."""
    try:
        data = _file_bytes(choice)
    except Exception as error:  # the store is unreachable, or the file went missing
        st.warning(t("models.download_failed", error=error))
        return
    if not data:
        st.caption(t("models.download_missing"))
        return
    st.download_button(
        t("models.download"),
        data=data,
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
