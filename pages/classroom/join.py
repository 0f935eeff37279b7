"""Class mode for students: joining a class, the class banner, leaving.

app.py calls `follow_class` on every run: it handles a join link (`?join=CODE` on any page shows
the join form instead of the page), reads the lab's class and loads a new step's settings
(pages/classroom/membership.py).
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from nnlab.classroom.errors import ClassError
from pages.classroom.membership import (
    Membership,
    classes,
    current_membership,
    read_membership,
    show_locks,
)
from pages.common import navigation, state
from pages.common.lab import lab_id
from pages.common.ui import lang, notice_slot, t

JOIN_PARAM = (
    "join"  # nnlab.classroom.codes.JOIN_PARAM (not imported here: Home must not load SQLAlchemy)
)
BUILD_PAGE = navigation.page("build").file
FORM_WIDTH = 560  # pixels: a code and a name need no more (narrower screens: their width)
STEP_CHECK_S = 5.0  # how often the banner asks the store whether the teacher pushed a new step


def follow_class(is_home: bool = False) -> None:
    """On every app run: a join link shows the join form; else read this lab's class."""
    code = st.query_params.get(JOIN_PARAM)
    if code:
        join_screen(code)
        st.stop()
    if is_home and state.MEMBERSHIP.peek() is None:
        return  # Home stays light (no store); Build & Train and the others look the class up
    current_membership()
    state.CLASS_READ.set(True)


# --- joining --------------------------------------------------------------------------------------


def _join(code: str, name: str) -> str | None:
    """Join the class; an error text, or None (then this lab is a member)."""
    store = classes()
    if store is None:
        return t("member.no_store")
    try:
        member = store.join(code, lab_id(), name)
        info = store.class_by_code(code)
    except ClassError as error:
        return error.message(lang())
    except Exception as error:  # the store failed: say so, keep what was typed
        return t("member.join_failed", error=error)
    state.PENDING_SPEC.set((info.spec, info.preset_key))
    state.CLASS_STEP.set((info.class_id, info.step))
    store.mark_step_seen(info.class_id, member.lab_id, info.step)
    state.MEMBERSHIP.set(Membership(info, member, time.time()))
    show_locks(state.MEMBERSHIP.get().locks)
    typed = " ".join(name.split())
    key = "member.joined_renamed" if member.display_name != typed else "member.joined"
    state.CLASS_NOTICES.get().append(t(key, name=member.display_name, typed=typed, title=info.name))
    return None


def join_form(code: str | None = None, key: str = "join") -> None:
    """The code (unless given) and a display name, then Join: the student lands on Build & Train."""
    with st.form(key, border=True, enter_to_submit=True, width=FORM_WIDTH):
        if code is None:
            typed_code = st.text_input(
                t("member.code"), max_chars=12, placeholder="ABC234", key=f"{key}_code"
            )
        name = st.text_input(
            t("member.name"),
            max_chars=24,
            help=t("member.name_help"),
            placeholder=t("member.name_placeholder"),
            key=f"{key}_name",
        )
        submitted = st.form_submit_button(t("member.join"), type="primary", icon=":material/login:")
    if not submitted:
        return
    error = _join(code if code is not None else typed_code, name)
    if error:
        st.error(error, icon=":material/error:")
        return
    if JOIN_PARAM in st.query_params:
        del st.query_params[JOIN_PARAM]
    st.switch_page(BUILD_PAGE)


def join_screen(code: str) -> None:
    """What a join link shows on any page: the class's name and the join form (or why not)."""
    st.title(f":material/school: {t('member.join_title')}")
    store = classes()
    try:
        if store is None:
            raise RuntimeError(t("member.no_store"))
        info = store.class_by_code(code)
    except ClassError as error:
        st.error(error.message(lang()), icon=":material/error:")
        st.markdown(t("member.try_code"))
        join_form(None, key="join_retry")
        return
    except Exception as error:
        st.error(t("member.join_failed", error=error), icon=":material/error:")
        return
    membership = state.MEMBERSHIP.peek() or read_membership()
    if membership is not None and membership.info.class_id == info.class_id:
        st.success(
            t("member.already", name=membership.member.display_name, title=info.name),
            icon=":material/check_circle:",
        )
        if st.button(t("member.open_build"), type="primary", icon=":material/model_training:"):
            del st.query_params[JOIN_PARAM]
            st.switch_page(BUILD_PAGE)
        return
    st.markdown(t("member.join_intro", title=info.name, members=info.member_count))
    if info.member_count >= info.capacity:
        st.warning(t("member.looks_full", capacity=info.capacity), icon=":material/group:")
    join_form(info.join_code, key="join_link")
    st.caption(t("member.privacy"))


def join_box() -> None:
    """'Join a class' for Home and the Classroom page: type the code and a name."""
    with st.container(width=FORM_WIDTH):  # a short form: no wider than it needs
        st.markdown(f"**:material/school: {t('member.box_title')}**")
        membership = state.MEMBERSHIP.peek()
        if membership is not None:
            name, title = membership.member.display_name, membership.info.name
            st.caption(t("member.in_class", name=name, title=title))
            return
        st.caption(t("member.box_help"))
        join_form(None, key="join_box")


# --- the banner -----------------------------------------------------------------------------------


def _leave() -> None:
    membership = state.MEMBERSHIP.peek()
    store = classes()
    if membership is None or store is None:
        return
    store.leave(membership.info.class_id, membership.member.lab_id)
    state.MEMBERSHIP.set(None)
    state.CLASS_STEP.set(None)
    show_locks(state.LINK_LOCKS.peek())
    state.CLASS_NOTICES.get().append(t("member.left", title=membership.info.name))


def _field_names(names: Any) -> str:
    return ", ".join(t(f"field.{name}") for name in sorted(names)) or t("member.nothing")


def check_class_step() -> None:
    """Rerun the page when the teacher pushed a step or ended the class.

    Called from a fragment every few seconds; asks at most every STEP_CHECK_S, and the class
    store answers all members of a class from one read (`ClassStore.recent_class`)."""
    membership = state.MEMBERSHIP.peek()
    if membership is None or time.time() - membership.checked_at < STEP_CHECK_S:
        return
    store = classes()
    if store is None:
        return
    try:
        info = store.recent_class(membership.info.class_id)
    except Exception:  # unreachable store: try again next time
        return
    if (
        info is None
        or info.step != membership.info.step
        or info.ended_at != membership.info.ended_at
    ):
        st.rerun(scope="app")
    state.MEMBERSHIP.set(Membership(membership.info, membership.member, time.time()))


def class_banner(live_panel_checks: bool = False) -> None:
    """Build & Train's banner for a class member: the class, its step, what is locked, Leave.

    While the live panel refreshes (`live_panel_checks`), it checks for a new step itself: one
    fragment run per refresh for a class member instead of two."""
    membership = state.MEMBERSHIP.peek()
    with notice_slot():  # the banner and the page below keep their place (notice_slot)
        for notice in state.CLASS_NOTICES.pop() or []:
            st.success(notice, icon=":material/check_circle:")
    if membership is None:
        return
    info, member = membership.info, membership.member
    with st.container(border=True, key="class_banner"):
        text, leave = st.columns([3, 1], vertical_alignment="center")
        with text:
            st.markdown(
                t("member.banner", title=info.name, step=info.step, name=member.display_name)
            )
            if info.is_ended:
                st.caption(t("member.ended"))
            else:
                st.caption(
                    t(
                        "member.banner_locks",
                        locked=_field_names(info.locked),
                        hidden=_field_names(info.hidden),
                    )
                )
            if info.challenge_key:
                st.caption(t("member.challenge", title=t(f"challenge.{info.challenge_key}.title")))
        with leave.popover(t("member.leave"), icon=":material/logout:", width="stretch"):
            st.markdown(t("member.leave_confirm", title=info.name))
            st.button(t("member.leave_button"), key="class_leave", on_click=_leave, type="primary")
        if not live_panel_checks:
            st.fragment(check_class_step, run_every=STEP_CHECK_S)()
