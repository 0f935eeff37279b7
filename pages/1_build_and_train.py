"""Placeholder until this page's issue lands."""

import streamlit as st

from pages._common import t

st.info(t("common.coming_soon"))
