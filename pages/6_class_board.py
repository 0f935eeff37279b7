"""The class board: every student's runs live, the class's curves, the leaderboard, and the
teacher's actions (a new step, the handwriting set, results, ending the class).

Opened by the teacher link (?class_key=...). Fit for a projector: large type, light or dark.
The live part reruns every few seconds and reads the whole class in one store query, shared
by every viewer of the class for BOARD_CACHE_S (nnlab.classroom.service.ClassStore.board).
"""

from __future__ import annotations

import time

import streamlit as st

from nnlab.store.classes import ClassInfo
from pages.classroom.board_actions import teacher_actions
from pages.classroom.board_detail import run_detail
from pages.classroom.board_live import live_board
from pages.classroom.board_open import open_class, teacher_key
from pages.classroom.teacher import THEMES, board_style
from pages.common.ui import t


def header(info: ClassInfo) -> str:
    """Class name, code, step, and the light/dark switch; returns the theme."""
    title_column, theme_column = st.columns([3, 1], vertical_alignment="bottom")
    with title_column:
        st.title(f":material/leaderboard: {info.name}")
    with theme_column:
        current = getattr(st.context.theme, "type", None)
        theme = st.segmented_control(
            t("board.look"),
            THEMES,
            default=current if current in THEMES else "light",
            format_func=lambda name: t(f"board.look.{name}"),
            required=True,
            key="board_theme",
        )
    board_style(theme)
    days_left = max(0.0, (info.expires_at - time.time()) / 86400.0)
    line = t(
        "board.subtitle",
        code=info.join_code,
        step=info.step,
        days=f"{days_left:.1f}",
        capacity=info.capacity,
    )
    st.markdown(line)
    if info.is_ended:
        st.warning(t("board.ended_note"), icon=":material/stop_circle:")
    return theme


def main() -> None:
    """The page."""
    key = teacher_key()
    info = open_class(key)
    if info is None or key is None:
        return
    theme = header(info)
    live_board(info.class_id, theme)
    st.divider()
    st.subheader(t("board.detail_title"))
    run_detail(info.class_id, theme)
    st.divider()
    teacher_actions(info, key)


main()
