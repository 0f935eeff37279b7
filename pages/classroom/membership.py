"""A student's class: the class this lab joined, the locks the session obeys.

One enforcement point: `enforce_locks(spec)` puts back the teacher's value of every locked or
hidden setting. Build & Train calls it on the spec it loads (a preset, a share link, a challenge,
a new class step), on what its widgets hold, and `start_run` calls it on the spec it submits.
The locks come from the class this lab joined (read from the store on every app run: removing
URL parameters frees nothing), else from the exercise link the session opened.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from nnlab.core.locks import Locks, apply_locks
from nnlab.core.spec import RunSpec
from pages.build import spec_widgets as keys
from pages.common import state
from pages.common.lab import engine, lab_id
from pages.common.ui import t

if TYPE_CHECKING:
    from nnlab.classroom.service import ClassStore
    from nnlab.store.classes import ClassInfo, Member


@dataclass(frozen=True)
class Membership:
    """The class this lab belongs to, as the store said at `checked_at`."""

    info: ClassInfo
    member: Member
    checked_at: float

    @property
    def locks(self) -> Locks | None:
        """The class's locks; None once the teacher ended the class (settings are free again)."""
        if self.info.is_ended:
            return None
        return Locks(self.info.spec, self.info.locked, self.info.hidden, "class")


# --- locks ----------------------------------------------------------------------------------------


def session_locks() -> Locks | None:
    """The locks this session obeys: its class's, else its exercise link's, else None."""
    membership = state.MEMBERSHIP.peek()
    if membership is not None:
        return membership.locks
    return state.LINK_LOCKS.peek()


def enforce_locks(spec: RunSpec) -> RunSpec:
    """`spec` with the teacher's value of every locked or hidden setting."""
    return apply_locks(spec, session_locks())


def keep_widgets_locked() -> None:
    """Put the teacher's values back into the Build & Train widgets (before they are drawn)."""
    locks = session_locks()
    if locks is None:
        return
    try:
        spec = keys.read_spec()
    except ValueError:
        return  # an invalid spec cannot be trained; Train and submit enforce the locks anyway
    fixed = apply_locks(spec, locks)
    if fixed != spec:
        keys.load_spec(fixed, st.session_state.get(keys.PRESET_KEY))


def show_locks(locks: Locks | None) -> None:
    """Make the widgets show these locks (disabled) and hidden settings (not drawn)."""
    state.LOCKED_FIELDS.set(set(locks.locked) if locks else set())
    state.HIDDEN_FIELDS.set(set(locks.hidden) if locks else set())


# --- the class store ------------------------------------------------------------------------------


def classes() -> ClassStore | None:
    """The class store on the engine's run store; None when the engine has no store (tests)."""
    if getattr(engine(), "store", None) is None:
        return None
    from pages.common.lab import class_store

    return class_store()


def read_membership() -> Membership | None:
    """This lab's class as the store says now; the last one read when the store fails."""
    store = classes()
    if store is None:
        return None
    try:
        found = store.member_class(lab_id())
    except Exception:  # the store is unreachable: the page still works, without its class
        return state.MEMBERSHIP.peek()
    if found is None:
        return None
    info, member = found
    return Membership(info, member, time.time())


def _load_step(membership: Membership) -> None:
    """Load the class's settings when this session has not loaded its current step yet."""
    info, member = membership.info, membership.member
    current = (info.class_id, info.step)
    if info.is_ended or state.CLASS_STEP.peek() == current:
        return
    new_step = member.step_seen < info.step
    # A fresh session opened with a share link keeps the link's settings (within the locks).
    if new_step or state.PENDING_SPEC.peek() is None:
        state.PENDING_SPEC.set((info.spec, info.preset_key))
    state.CLASS_STEP.set(current)
    if new_step:
        store = classes()
        if store is not None:
            store.mark_step_seen(info.class_id, member.lab_id, info.step)
        if member.step_seen > 0:  # not the first step, which joining already announced
            state.CLASS_NOTICES.get().append(t("member.new_step", step=info.step))


def current_membership() -> Membership | None:
    """This lab's class, read from the store (once per run: app.py, then the page, both ask)."""
    if state.CLASS_READ.pop():  # app.py read it moments ago, in this same run
        return state.MEMBERSHIP.peek()
    previous = state.MEMBERSHIP.peek()
    membership = read_membership()
    state.MEMBERSHIP.set(membership)
    if membership is None:
        if previous is not None:  # left, or the class expired: back to the link's locks
            show_locks(state.LINK_LOCKS.peek())
            state.CLASS_STEP.set(None)
        return None
    show_locks(membership.locks)
    _load_step(membership)
    return membership


def class_size(class_id: str) -> int:
    """How many students a class has (at least 1; 1 when the store cannot say)."""
    store = classes()
    if store is None:
        return 1
    try:
        return max(1, len(store.members(class_id)))
    except Exception:  # an estimate is not worth an error message when the store hiccups
        return 1
