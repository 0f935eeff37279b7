"""Home page body (called from app.py)."""

from __future__ import annotations

import streamlit as st

from pages._common import t


def render() -> None:
    """Draw the home page."""
    st.title(":material/neurology: NN Lab")
    st.write(t("common.coming_soon"))
