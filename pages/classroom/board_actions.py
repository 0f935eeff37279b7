"""The teacher's actions below the class board: a new step, the handwriting set, results, end."""

from __future__ import annotations

import math

import streamlit as st

from nnlab.classroom.errors import ClassError
from nnlab.classroom.service import drawing_summary
from nnlab.store.classes import ClassInfo
from pages.classroom.membership import class_size
from pages.classroom.teacher import join_card, locks_caption, settings_widgets
from pages.common.estimates import class_estimate_choice, fits_memory
from pages.common.lab import class_store
from pages.common.ui import lang, t

DRAWINGS_PER_PAGE = 40


def push_step_tab(info: ClassInfo, key: str) -> None:
    """Push settings (with locks) to every student as a new exercise step."""
    st.caption(t("board.push_intro", step=info.step))
    chosen = settings_widgets(
        "board_step",
        class_spec=(info.spec, info.preset_key),
        locked=sorted(info.locked),
        hidden=sorted(info.hidden),
    )
    st.caption(locks_caption(chosen))
    spec = class_estimate_choice(chosen.spec, class_size(info.class_id), key="board_fit")
    fits = fits_memory(spec)  # else every student's run would be refused
    if st.button(
        t("board.push"),
        icon=":material/campaign:",
        type="primary",
        key="board_push",
        disabled=not fits,
    ):
        try:
            pushed = class_store().push_step(
                key,
                spec,
                preset_key=chosen.preset_key,
                locked=chosen.locked,
                hidden=chosen.hidden,
            )
        except ClassError as error:
            st.error(error.message(lang()))
            return
        st.success(t("board.pushed", step=pushed.step), icon=":material/check_circle:")


def drawings_tab(info: ClassInfo, key: str) -> None:
    """The class's handwriting set: counts per digit, thumbnails, delete bad ones."""
    drawings = class_store().drawings(info.class_id)
    if not drawings:
        st.info(t("board.no_drawings"), icon=":material/draw:")
        return
    counts = drawing_summary(drawings)
    st.caption(
        t("board.drawings_count", count=len(drawings))
        + " · "
        + " · ".join(f"{label}: {count}" for label, count in counts.items())
    )
    pages = max(1, math.ceil(len(drawings) / DRAWINGS_PER_PAGE))
    page = 1
    if pages > 1:
        page = int(
            st.number_input(t("board.drawings_page"), 1, pages, 1, key="board_drawings_page")
        )
    shown = drawings[(page - 1) * DRAWINGS_PER_PAGE : page * DRAWINGS_PER_PAGE]
    columns = st.columns(10)
    for index, drawing in enumerate(shown):
        with columns[index % 10]:
            caption = f"{drawing.label} · {drawing.display_name or '—'}"
            st.image(
                drawing.image,
                caption=caption,
                alt=caption,
                width=72,
                clamp=True,
            )
            if st.button(
                t("board.delete"),
                key=f"board_delete_{drawing.drawing_id}",
                icon=":material/delete:",
                type="tertiary",
            ):
                class_store().delete_drawing(key, drawing.drawing_id)
                st.toast(t("board.deleted"), icon=":material/delete:")
                st.rerun()


def results_tab(info: ClassInfo) -> None:
    """Download every run of the class as CSV."""
    st.caption(t("board.results_intro"))
    csv_text = class_store().results_csv(info.class_id)
    st.download_button(
        t("board.download_csv"),
        csv_text.encode("utf-8"),
        file_name=f"nnlab-class-{info.join_code}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="board_csv",
    )


def end_tab(info: ClassInfo, key: str) -> None:
    """End the class (after a confirmation)."""
    if info.is_ended:
        st.info(t("board.ended_note"), icon=":material/stop_circle:")
        return
    st.caption(t("board.end_intro"))
    sure = st.checkbox(t("board.end_confirm"), key="board_end_sure")
    if st.button(t("board.end"), icon=":material/stop_circle:", disabled=not sure, key="board_end"):
        class_store().end_class(key)
        st.rerun()


def teacher_actions(info: ClassInfo, key: str) -> None:
    """The teacher's tabs below the live board."""
    step, drawings, results, join, end = st.tabs(
        [
            t("board.tab.step"),
            t("board.tab.drawings"),
            t("board.tab.results"),
            t("board.tab.join"),
            t("board.tab.end"),
        ]
    )
    with step:
        if info.is_ended:
            st.info(t("board.ended_note"), icon=":material/stop_circle:")
        else:
            push_step_tab(info, key)
    with drawings:
        drawings_tab(info, key)
    with results:
        results_tab(info)
    with join:
        join_card(info)
    with end:
        end_tab(info, key)
