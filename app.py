"""NN Lab: the entry point. Sets up the page, the sidebar and navigation, and holds the home page.

Run with `streamlit run app.py`. This file runs on every rerun of every page (st.navigation), so
it stays light: no TensorFlow import happens here or on the home page.
"""

from __future__ import annotations

import streamlit as st

from pages._common import language_selector, t
from pages._share import restore_from_link

st.set_page_config(page_title="NN Lab", page_icon=":material/neurology:", layout="wide")


def home() -> None:
    """The home page: what NN Lab is, where the data comes from, the way to each page."""
    from pages import _home

    _home.render()


restore_from_link()
language_selector()

navigation = st.navigation(
    [
        st.Page(
            home, title=t("nav.home"), icon=":material/neurology:", default=True, url_path="home"
        ),
        st.Page(
            "pages/1_build_and_train.py",
            title=t("nav.build"),
            icon=":material/model_training:",
            # The file's own name: with a pages/ folder beside app.py, Streamlit 1.67 first sends
            # a browser opening any other url_path to the home page ("Page not found").
            url_path="build_and_train",
        ),
        st.Page(
            "pages/2_evaluate.py",
            title=t("nav.evaluate"),
            icon=":material/fact_check:",
            url_path="evaluate",
        ),
        st.Page("pages/3_draw.py", title=t("nav.draw"), icon=":material/draw:", url_path="draw"),
        st.Page(
            "pages/4_inside.py", title=t("nav.inside"), icon=":material/biotech:", url_path="inside"
        ),
        st.Page(
            "pages/5_classroom.py",
            title=t("nav.classroom"),
            icon=":material/school:",
            url_path="classroom",
        ),
    ]
)
navigation.run()
