"""UI helpers every page shares: language, translated text, session state.

Lives beside the pages (not in nnlab) because it calls Streamlit; it is not a page itself
(app.py lists the pages explicitly with st.navigation).
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from nnlab.i18n import LANGUAGES, normalise_language, translate
from pages.common import state


def _leave_pages_directory_mode() -> None:
    # Streamlit starts in its legacy "pages/ directory" mode because this folder is named pages/
    # (the repository layout is fixed), and stays there until st.navigation first runs. If a
    # fresh server's first request is a deep link (/evaluate, a teacher's share link after Cloud
    # woke the app), the page would run alone, without app.py's navigation, language switch and
    # link restore, for every session. Leaving that mode and rerunning runs app.py instead.
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_pages_directory_mode()  # at import: the first page script of the process imports this


def lang() -> str:
    """The session's UI language code ("en" or "ko")."""
    current = state.LANGUAGE.peek()
    if current is None:
        current = normalise_language(st.query_params.get("lang"))
        state.LANGUAGE.set(current)
    return current


def t(key: str, **values: object) -> str:
    """The text for `key` in the session's language."""
    return translate(key, lang(), **values)


def preset_title(preset_key: str) -> str:
    """A tutorial preset's title in the session's language (nnlab.core.presets keeps English)."""
    return t(f"preset.{preset_key}.title")


def preset_note(preset_key: str) -> str:
    """How the tutorial measured a preset's result, in the session's language."""
    return t(f"preset.{preset_key}.note")


LANGUAGE_WIDGET_KEY = "language_choice"


def _follow_language_choice() -> None:
    choice = st.session_state.get(LANGUAGE_WIDGET_KEY)
    if choice in LANGUAGES:
        state.LANGUAGE.set(choice)


def language_selector() -> None:
    """A sidebar switch between English and Korean, kept in the URL so links carry it."""
    # The widget shows the session's language, also when a share link or a page changed it;
    # its callback runs before the script, so the whole page already renders in the new one.
    st.session_state[LANGUAGE_WIDGET_KEY] = lang()
    st.sidebar.segmented_control(
        # Both names, so a student who cannot read the current language still finds the switch.
        " · ".join(translate("common.language", code) for code in LANGUAGES),
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        required=True,
        key=LANGUAGE_WIDGET_KEY,
        on_change=_follow_language_choice,
    )
    if st.query_params.get("lang") != lang():
        st.query_params["lang"] = lang()  # switching pages drops the query; links must carry it
    # In the sidebar: an element added there never moves the main area's fragments.
    st.sidebar.html(BASE_CSS)
    if lang() == "ko":
        st.html(KOREAN_CSS)


# WCAG 2.2 AA contrast (axe-core in tests/test_browser_a11y.py): Streamlit draws captions at 60 %
# opacity, 4.0:1 on white and 3.9:1 on the sidebar's grey; a solid grey at full opacity keeps
# them quiet at 7.5:1 and 6.9:1. The class board's own look sets its colours above this.
BASE_CSS = """<style>
[data-testid="stCaptionContainer"] { color: #4b5563; opacity: 1; }
</style>"""


# Korean breaks lines between words (spaces), not between syllables: without keep-all the
# browser split "옵티마이저" as "옵/티마이저" in every narrow column. A string with no space that
# cannot fit still breaks rather than overflow. Streamlit sets word-break on its own elements,
# hence the element list (it out-ranks their rules; a bare inherited value would not).
KOREAN_CSS = """<style>
[data-testid="stApp"] :is(p, li, span, div, label, button, td, th, h1, h2, h3, h4) {
  word-break: keep-all; overflow-wrap: break-word;
}
</style>"""


def is_locked(field_name: str) -> bool:
    """True when a teacher's link fixed this setting (the widget shows it disabled)."""
    return field_name in state.LOCKED_FIELDS.get()


def is_hidden(field_name: str) -> bool:
    """True when a teacher's link hid this setting (the widget is not shown at all)."""
    return field_name in state.HIDDEN_FIELDS.get()


PROJECTOR_PARAM = "projector"  # ?projector=1 opens the app in projector mode
PROJECTOR_WIDGET_KEY = "projector_choice"
# Projector mode: every rem-sized text and control grows by a quarter, the main area uses the
# whole width. Charts grow through pages.common.charts.PROJECTOR_LOOK (their sizes are in pixels).
PROJECTOR_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
</style>"""


def is_projector() -> bool:
    """True in projector mode (the sidebar switch, or projector=1 in the first URL)."""
    current = state.PROJECTOR.peek()
    if current is None:
        current = st.query_params.get(PROJECTOR_PARAM) == "1"
        state.PROJECTOR.set(current)
    return current


def _follow_projector_choice() -> None:
    state.PROJECTOR.set(bool(st.session_state.get(PROJECTOR_WIDGET_KEY)))


def projector_switch() -> None:
    """The sidebar's projector-mode switch; in projector mode, the larger text style."""
    st.session_state[PROJECTOR_WIDGET_KEY] = is_projector()
    st.sidebar.toggle(
        t("common.projector"),
        key=PROJECTOR_WIDGET_KEY,
        on_change=_follow_projector_choice,
        help=t("common.projector_help"),
    )
    if is_projector():
        st.html(PROJECTOR_CSS)


def notice_slot() -> Any:
    """One container for notices that come and go, drawn on every run whether it holds any.

    Streamlit names a fragment by its container's position. A notice drawn straight into the page
    moves everything after it, so the live panel's fragment gets a new id; a run of the old layout
    still finishing (fastReruns) then drops the new id from the session, and the browser's timer
    asks for a fragment the server no longer has: the page freezes on its last refresh.
    """
    return st.container()
