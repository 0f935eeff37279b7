"""Share links, teacher locks and the Keras code export, as page widgets.

Stubs until the Classroom issue fills them; the Build & Train page already calls them.
"""

from __future__ import annotations

import streamlit as st

from nnlab.spec import RunSpec

PENDING_SPEC_KEY = "pending_spec"  # (RunSpec, preset_key | None) for Build & Train to load once


def restore_from_link() -> None:
    """On a session's first run, read settings and locks from the URL into session state."""
    st.session_state.setdefault("link_restored", True)


def share_controls(spec: RunSpec, preset_key: str | None) -> None:
    """Controls that keep the URL in step with `spec` and copy the share link."""


def code_export(spec: RunSpec) -> None:
    """'Show code': the runnable Keras script for `spec`, with a download button."""
