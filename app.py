"""NN Lab: the entry point. Sets up the page, the sidebar and navigation, and holds the home page.

Run with `streamlit run app.py`. This file runs on every rerun of every page (st.navigation), so
it stays light: no TensorFlow import happens here or on the home page.
"""

from __future__ import annotations

import streamlit as st

from pages.classroom.join import follow_class
from pages.classroom.share import restore_from_link
from pages.common.browser import collapse_sidebar_on_touch_tablets
from pages.common.lab import keep_lab, lab_sidebar
from pages.common.navigation import PAGES, Page
from pages.common.ui import language_selector, projector_switch, t

st.set_page_config(page_title="NN Lab", page_icon=":material/neurology:", layout="wide")


def home() -> None:
    """The home page: what NN Lab is, where the data comes from, the way to each page."""
    from pages.home import body as _home

    _home.render()


restore_from_link()
language_selector()
projector_switch()
keep_lab()


def _page(entry: Page) -> st.Page:
    # url_path is the file's own name: with a pages/ folder beside app.py, Streamlit 1.67 first
    # sends a browser opening any other url_path to the home page ("Page not found").
    return st.Page(
        entry.file or home,
        title=t(entry.title_key),
        icon=entry.icon,
        url_path=entry.url_path,
        default=entry.file is None,
        visibility="visible" if entry.in_menu else "hidden",
    )


navigation = st.navigation([_page(entry) for entry in PAGES])
lab_sidebar()
with st.sidebar:
    collapse_sidebar_on_touch_tablets()  # "auto" keeps it open down to 769 px, e.g. on tablets
# A join link shows the join form instead of the page; a class member gets the class's locks.
follow_class(is_home=navigation.url_path == "")
navigation.run()
