"""UI helpers every page shares: language, translated text, session state.

Lives beside the pages (not in nnlab) because it calls Streamlit; it is not a page itself
(app.py lists the pages explicitly with st.navigation).
"""

from __future__ import annotations

import streamlit as st

from nnlab.i18n import LANGUAGES, normalise_language, translate

LANGUAGE_KEY = "lang"


def lang() -> str:
    """The session's UI language code ("en" or "ko")."""
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = normalise_language(st.query_params.get("lang"))
    return st.session_state[LANGUAGE_KEY]


def t(key: str, **values: object) -> str:
    """The text for `key` in the session's language."""
    return translate(key, lang(), **values)


def language_selector() -> None:
    """A sidebar switch between English and Korean, kept in the URL so links carry it."""
    current = lang()
    choice = st.sidebar.segmented_control(
        translate("common.language", current),
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        default=current,
        key="language_choice",
    )
    choice = normalise_language(choice or current)
    if choice != current:
        st.session_state[LANGUAGE_KEY] = choice
        st.query_params["lang"] = choice
        st.rerun()


LOCKS_KEY = "locked_fields"  # set of RunSpec field names a teacher's link fixed
HIDDEN_KEY = "hidden_fields"  # set of RunSpec field names a teacher's link hid


def is_locked(field_name: str) -> bool:
    """True when a teacher's link fixed this setting (the widget shows it disabled)."""
    return field_name in st.session_state.get(LOCKS_KEY, set())


def is_hidden(field_name: str) -> bool:
    """True when a teacher's link hid this setting (the widget is not shown at all)."""
    return field_name in st.session_state.get(HIDDEN_KEY, set())
