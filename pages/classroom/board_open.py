"""The class board's way in: the teacher key from the URL or a pasted teacher link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import streamlit as st

from nnlab.classroom.codes import TEACHER_PARAM
from nnlab.classroom.errors import ClassError
from nnlab.store.classes import ClassInfo
from pages.common import navigation, state
from pages.common.lab import class_store
from pages.common.ui import lang, t


def key_from_text(text: str) -> str:
    """The teacher key in a pasted teacher link (or the key itself)."""
    text = text.strip()
    if "?" in text or "://" in text:
        values = parse_qs(urlparse(text).query).get(TEACHER_PARAM)
        return values[0].strip() if values else ""
    return text


def teacher_key() -> str | None:
    """The key from the URL (remembered in the session, and put back into the URL)."""
    from_url = st.query_params.get(TEACHER_PARAM)
    if from_url:
        state.TEACHER_KEY.set(from_url)
    key = state.TEACHER_KEY.peek()
    if key and st.query_params.get(TEACHER_PARAM) != key:
        st.query_params[TEACHER_PARAM] = key  # a reload keeps the board
    return key


def ask_for_key(problem: str | None) -> None:
    """Say why there is no board, and take a pasted teacher link."""
    if problem:
        st.error(problem, icon=":material/key_off:")
    else:
        st.info(t("board.no_key"), icon=":material/key:")
    pasted = st.text_input(t("board.paste_key"), key="board_paste_key")
    if pasted:
        key = key_from_text(pasted)
        if key:
            state.TEACHER_KEY.set(key)
            st.query_params[TEACHER_PARAM] = key
            st.rerun()
        st.error(t("board.paste_no_key"))
    st.page_link(
        navigation.page("classroom").file, label=t("board.go_classroom"), icon=":material/school:"
    )


def open_class(key: str | None) -> ClassInfo | None:
    """The teacher's class, or None after saying what is wrong."""
    if not key:
        ask_for_key(None)
        return None
    try:
        return class_store().class_for_teacher(key)
    except ClassError as error:
        state.TEACHER_KEY.pop()
        st.query_params.pop(TEACHER_PARAM, None)
        ask_for_key(error.message(lang()))
        return None
