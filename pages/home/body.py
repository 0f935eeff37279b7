"""Home page body (called from app.py): what NN Lab is, the data in use, the pages, the tutorials.

It must open fast: no TensorFlow import and no full data set loaded here.
"""

from __future__ import annotations

import streamlit as st

from nnlab.data.datasets import DATASET_NAMES
from pages.classroom.join import join_box
from pages.common.data import source_summary
from pages.common.navigation import PAGES
from pages.common.ui import t

TUTORIALS = ("000", "001", "002", "003", "004")
CARD_WIDTH = 210  # pixels: the longest page name in either language fits on one line


def _page_links() -> None:
    st.subheader(t("home.pages"))
    pages = [entry for entry in PAGES if entry.file is not None and entry.in_menu]
    # Cards of a fixed width that wrap: five in a row on a laptop, two or three on a tablet,
    # never squeezed until "Build & Train" is cut.
    with st.container(horizontal=True, wrap=True, gap="small"):
        for entry in pages:
            with st.container(border=True, width=CARD_WIDTH, height="stretch"):
                st.page_link(entry.file, label=f"**{t(entry.title_key)}**", icon=entry.icon)
                st.caption(t(f"home.page.{entry.key}"))


def _data_sources() -> None:
    st.subheader(t("home.data"))
    st.caption(t("home.data_help"))
    for name in DATASET_NAMES:
        try:
            summary = source_summary(name)
        except Exception as error:  # a broken sample file must not take the home page down
            st.warning(t("data.load_failed", name=t(f"data.name.{name}"), error=error))
            continue
        st.markdown(f"**{t(f'data.name.{name}')}**: {summary}")


def _curriculum() -> None:
    st.subheader(t("home.curriculum"))
    st.caption(t("home.curriculum_help"))
    lines = [
        f"- **{t('home.tutorial_label', number=number)}**: {t(f'home.tutorial.{number}')}"
        for number in TUTORIALS
    ]
    st.markdown("\n".join(lines))


def render() -> None:
    """Draw the home page."""
    st.title(":material/neurology: NN Lab")
    st.markdown(f"##### {t('home.tagline')}")
    st.write(t("home.intro"))
    join_box()  # a student with a class code joins here
    _page_links()
    data_column, curriculum_column = st.columns(2, gap="large")
    with data_column:
        _data_sources()
    with curriculum_column:
        _curriculum()
