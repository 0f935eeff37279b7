"""Every session-state entry the pages share, declared once, with a typed accessor.

Pages never spell a session key: they read and write through the `Slot`s below, so a key has one
name, one type and one default. Widget keys of the Build & Train form are declared once in
`pages/build/spec_widgets.py` (they are widget identities as much as storage). What a page reads
from a run is a `nnlab.core.runs.LiveRun`, from the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import streamlit as st

from nnlab.core.spec import RunSpec

T = TypeVar("T")


@dataclass(frozen=True)
class Slot(Generic[T]):
    """One session-state entry: its key and how to make its first value."""

    key: str
    default: Callable[[], T]

    def get(self) -> T:
        """The value, created from the default on first use."""
        if self.key not in st.session_state:
            st.session_state[self.key] = self.default()
        return st.session_state[self.key]

    def peek(self) -> T | None:
        """The value if one was set, else None (the default is not stored)."""
        return st.session_state.get(self.key)

    def set(self, value: T) -> None:
        """Replace the value."""
        st.session_state[self.key] = value

    def pop(self) -> T | None:
        """Remove and return the value (None when unset)."""
        return st.session_state.pop(self.key, None)

    def is_set(self) -> bool:
        """True when this session has a value."""
        return self.key in st.session_state


def _none() -> None:
    return None


def _false() -> bool:
    return False


# --- identity and language ----------------------------------------------------------------------
LANGUAGE: Slot[str | None] = Slot("lang", _none)  # "en" / "ko", from the URL on first read
LAB_ID: Slot[str | None] = Slot("lab_id", _none)  # the student's lab (runs live there)
LAB_NOTICE: Slot[str | None] = Slot("lab_notice", _none)  # why a lab from the URL was not used
# Projector mode (large charts and text): None until read from the URL's projector=1
PROJECTOR: Slot[bool | None] = Slot("projector_mode", _none)
COOKIE_LAB: Slot[str | None] = Slot("lab_cookie_written", _none)  # lab id this session stored

# --- teacher links and share links --------------------------------------------------------------
LOCKED_FIELDS: Slot[set[str]] = Slot("locked_fields", set)  # RunSpec fields a link fixed
HIDDEN_FIELDS: Slot[set[str]] = Slot("hidden_fields", set)  # RunSpec fields a link hid
# (RunSpec, preset key | None) that Build & Train loads into its widgets before drawing them
PENDING_SPEC: Slot[tuple[RunSpec, str | None] | None] = Slot("pending_spec", _none)
LINK_RESTORED: Slot[bool] = Slot("link_restored", _false)  # the session's first URL was read
CURRENT_SPEC: Slot[tuple[RunSpec, str | None] | None] = Slot("shared_spec", _none)
LINK_NOTICES: Slot[list[Any]] = Slot(
    "link_notices", list
)  # nnlab.core.links.LinkNotice of that URL

# --- runs and models ----------------------------------------------------------------------------
ACTIVE_RUN_ID: Slot[str | None] = Slot("active_run_id", _none)  # the run other pages use
# run_id -> status when the live panel last looked, to notice a run ending (one app rerun)
SEEN_STATUS: Slot[dict[str, str]] = Slot("b_seen_status", dict)
# A run of the lab ended at the live panel's last refresh: the next one reruns the whole page.
ENDED_RUN: Slot[bool] = Slot("b_ended_run", bool)
COMPARED_RUNS: Slot[list[str]] = Slot("b_compare_runs", list)  # the multiselect's widget key
OFFERED_RUNS: Slot[set[str]] = Slot("b_compare_offered", set)  # runs the history has listed
# run_id -> version last drawn by the live panel, so charts are rebuilt only on a new epoch
DRAWN_VERSIONS: Slot[dict[str, Any]] = Slot("drawn_versions", dict)
UPLOADS: Slot[list[Any]] = Slot(
    "uploaded_models", list
)  # pages.common.models.ModelChoice, oldest first
UPLOAD_SEEN: Slot[dict[str, tuple[str, str]]] = Slot("uploaded_model_files", dict)
PENDING_PICK: Slot[str | None] = Slot("model_pick_pending", _none)  # choice key to select next
USE_DEFAULT_MODEL: Slot[bool] = Slot("evaluate_use_default", _false)
EVALUATIONS: Slot[dict[Any, Any]] = Slot("evaluations", dict)  # cache key -> Evaluation
MODEL_DOWNLOADS: Slot[dict[Any, bytes]] = Slot("model_download_cache", dict)
# Evaluate: the confusion cell last clicked, the filters the page showed, the sample in detail
CLICKED_CELL: Slot[tuple[int, int] | None] = Slot("evaluate_last_cell", _none)
SHOWN_FILTERS: Slot[tuple[int, int] | None] = Slot("evaluate_filters", _none)
SAMPLE_INDEX: Slot[int | None] = Slot("evaluate_sample", _none)

# --- watch it learn (pages/build/diagnostics.py) -----------------------------------------------
# the learning-rate test: {"task": engine task id, "result": its reply or None}
LR_FINDER: Slot[dict[str, Any] | None] = Slot("learn_lr_finder", _none)
# run_id -> (version, language, chart specs) the diagnostics panel drew last
DIAGNOSTICS_DRAWN: Slot[dict[str, Any]] = Slot("learn_drawn", dict)

# --- Draw and Inside ----------------------------------------------------------------------------
CURRENT_DRAWING: Slot[np.ndarray | None] = Slot("current_drawing", _none)  # (28, 28) float32
BATCH_RESULTS: Slot[dict[Any, Any]] = Slot("inside_batch_results", dict)

# --- Classroom ----------------------------------------------------------------------------------
MEASURED_ACCURACY: Slot[dict[str, float | None]] = Slot("challenge_test_accuracy", dict)
# The class board (pages/6_class_board.py): the teacher key this session opened (from the URL
# or the Classroom page's class form), the run shown in detail, and chart specs built per run.
TEACHER_KEY: Slot[str | None] = Slot("class_teacher_key", _none)
BOARD_RUN: Slot[str | None] = Slot("class_board_run", _none)
BOARD_CHARTS: Slot[dict[Any, Any]] = Slot("class_board_charts", dict)
# Class mode (pages/classroom/membership.py): the exercise link's locks (nnlab.core.locks.Locks),
# the class this lab belongs to as last read from the store, the class step this session loaded,
# notices.
LINK_LOCKS: Slot[Any] = Slot("link_locks", _none)
MEMBERSHIP: Slot[Any] = Slot("class_membership", _none)
CLASS_STEP: Slot[tuple[str, int] | None] = Slot("class_step_loaded", _none)  # (class, step)
CLASS_READ: Slot[bool] = Slot("class_read_this_run", _false)  # app.py read it this run
CLASS_NOTICES: Slot[list[str]] = Slot("class_notices", list)
# The class's handwriting (pages/classroom/handwriting.py): drawings this session added (digest ->
# (drawing id, label)), fine-tuning runs (run id -> the run it started from), cached evaluations.
CONTRIBUTED: Slot[dict[str, tuple[int, int]]] = Slot("class_contributed", dict)
FINE_TUNES: Slot[dict[str, str]] = Slot("class_fine_tunes", dict)
CLASS_SET_EVALUATIONS: Slot[dict[Any, Any]] = Slot("class_set_evaluations", dict)
