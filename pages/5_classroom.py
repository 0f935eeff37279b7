"""Classroom: challenges that check themselves, exercise links for teachers, what settings mean."""

from __future__ import annotations

import streamlit as st

from nnlab.classroom.errors import ClassError
from nnlab.classroom.service import (
    DEFAULT_CAPACITY,
    DEFAULT_EXPIRY_DAYS,
    MAX_CAPACITY,
    MAX_CLASS_NAME,
    MAX_EXPIRY_DAYS,
)
from nnlab.core.challenges import CHALLENGES, Challenge, RunOutcome
from nnlab.core.challenges import run_outcomes as score_runs
from nnlab.core.links import SPEC_FIELDS, encode_link, link_url
from nnlab.i18n import LANGUAGES
from pages.classroom.join import join_box
from pages.classroom.share import (
    BUILD_PAGE_PATH,
    app_base_url,
    glossary,
)
from pages.classroom.teacher import (
    DEFAULT_LOCKS,
    field_label,
    join_card,
    locks_caption,
    settings_widgets,
    starting_point_label,
    starting_points,
    teacher_link_card,
)
from pages.common import navigation, state
from pages.common.estimates import class_estimate_choice, fits_memory
from pages.common.lab import class_store
from pages.common.models import lab_runs
from pages.common.ui import lang, t

BUILD_PAGE = navigation.page("build").file


def run_outcomes() -> list[RunOutcome]:
    """Every run of this lab as a challenge sees it (scored by nnlab.core.challenges)."""
    return score_runs(lab_runs())


def start_challenge(challenge: Challenge) -> None:
    """Load the challenge's starting settings into Build & Train and go there."""
    state.PENDING_SPEC.set((challenge.start_spec, challenge.start_preset))
    st.switch_page(BUILD_PAGE)


def challenge_card(challenge: Challenge, outcomes: list[RunOutcome]) -> bool:
    """One challenge: goal, progress of the best run, a start button. True when met."""
    check, best = challenge.best(outcomes)
    with st.container(border=True):
        icon = ":material/check_circle:" if check.passed else ":material/flag:"
        st.subheader(f"{icon} {t(challenge.title_key)}")
        st.markdown(t(challenge.goal_key))
        st.progress(check.progress, text=check.message(lang()))
        if best is not None:
            st.caption(t("classroom.best_run", label=best.label))
        if st.button(
            t("classroom.start"), key=f"start_{challenge.key}", icon=":material/play_arrow:"
        ):
            start_challenge(challenge)
    return check.passed


def challenges_tab() -> None:
    """Every built-in challenge with the session's progress toward it."""
    outcomes = run_outcomes()
    done = [challenge_card(challenge, outcomes) for challenge in CHALLENGES.values()]
    st.caption(t("classroom.done_count", done=sum(done), total=len(done)))
    st.caption(t("classroom.test_accuracy_note"))


def teacher_tab() -> None:
    """A small form that builds an exercise link with locked and hidden settings."""
    st.markdown(t("classroom.teacher.intro"))
    choices = starting_points()
    # Labels are looked up now: format functions may also run outside this script run.
    start_labels = {key: starting_point_label(key) for key in choices}
    field_labels = {name: field_label(name) for name in SPEC_FIELDS}
    start = st.selectbox(
        t("classroom.teacher.start_from"),
        list(choices),
        format_func=start_labels.get,
        key="exercise_start",
    )
    spec, preset_key = choices[start]
    locked = st.pills(
        t("classroom.teacher.lock"),
        SPEC_FIELDS,
        selection_mode="multi",
        default=list(DEFAULT_LOCKS),
        format_func=field_labels.get,
        key="exercise_lock",
    )
    hidden = st.pills(
        t("classroom.teacher.hide"),
        SPEC_FIELDS,
        selection_mode="multi",
        format_func=field_labels.get,
        key="exercise_hide",
    )
    language = st.segmented_control(
        t("classroom.teacher.language"),
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        default=lang(),
        required=True,
        key="exercise_language",
    )
    both = [name for name in SPEC_FIELDS if name in locked and name in hidden]
    if both:
        st.caption(t("classroom.teacher.hidden_wins", fields=", ".join(map(field_label, both))))
    locked = [name for name in locked if name not in hidden]
    free = [name for name in SPEC_FIELDS if name not in locked and name not in hidden]
    st.caption(t("classroom.teacher.free", fields=", ".join(map(field_label, free)) or "—"))
    params = encode_link(spec, preset_key, language=language, locked=locked, hidden=hidden)
    url = link_url(app_base_url(), params, page=BUILD_PAGE_PATH)
    st.markdown(f"**{t('classroom.teacher.link')}**")
    st.code(url, language=None, wrap_lines=True)
    st.link_button(t("classroom.teacher.open"), url, icon=":material/open_in_new:")


def create_class_form() -> None:
    """The teacher's form: name, settings with locks, challenge, expiry and size of a class."""
    st.subheader(f":material/co_present: {t('teach.create_title')}")
    st.markdown(t("teach.create_intro"))
    name = st.text_input(t("teach.name"), max_chars=MAX_CLASS_NAME, key="class_name")
    chosen = settings_widgets("class")
    st.caption(locks_caption(chosen))
    challenge_labels = {key: t(challenge.title_key) for key, challenge in CHALLENGES.items()}
    challenge = st.selectbox(
        t("teach.challenge"),
        [None, *CHALLENGES],
        format_func=lambda key: challenge_labels.get(key, t("teach.no_challenge")),
        key="class_challenge",
    )
    days_column, size_column = st.columns(2)
    expiry_days = days_column.number_input(
        t("teach.expiry_days"),
        min_value=1,
        max_value=int(MAX_EXPIRY_DAYS),
        value=int(DEFAULT_EXPIRY_DAYS),
        help=t("teach.expiry_help"),
        key="class_expiry",
    )
    capacity = size_column.number_input(
        t("teach.capacity"),
        min_value=1,
        max_value=MAX_CAPACITY,
        value=DEFAULT_CAPACITY,
        key="class_capacity",
    )
    # The class's time on this server for a full class, with a smaller run offered when long.
    spec = class_estimate_choice(chosen.spec, int(capacity), key="class_fit")
    fits = fits_memory(spec)  # else every student's run would be refused
    if st.button(
        t("teach.create"),
        icon=":material/group_add:",
        type="primary",
        key="class_go",
        disabled=not fits,
    ):
        try:
            _info, key = class_store().create_class(
                name,
                spec,
                preset_key=chosen.preset_key,
                locked=chosen.locked,
                hidden=chosen.hidden,
                challenge_key=challenge,
                expiry_days=float(expiry_days),
                capacity=int(capacity),
            )
        except ClassError as error:
            st.error(error.message(lang()), icon=":material/error:")
            return
        state.TEACHER_KEY.set(key)
        st.rerun()


def created_class(key: str) -> bool:
    """The class this session created: code, link, QR, teacher link. False when it is gone."""
    try:
        info = class_store().class_for_teacher(key)
    except ClassError:
        state.TEACHER_KEY.pop()
        return False
    st.success(t("teach.created", name=info.name), icon=":material/check_circle:")
    join_card(info)
    teacher_link_card(key)
    if st.button(t("teach.another"), icon=":material/add:", key="class_another"):
        state.TEACHER_KEY.pop()
        st.rerun()
    return True


def class_tab() -> None:
    """Create a class, or show the one this session created."""
    key = state.TEACHER_KEY.peek()
    if key and created_class(key):
        return
    create_class_form()


def session_exercise_note() -> None:
    """Say so when this session follows a teacher's locks."""
    locked = sorted(state.LOCKED_FIELDS.get())
    hidden = sorted(state.HIDDEN_FIELDS.get())
    if locked or hidden:
        nothing = t("classroom.nothing")
        st.info(
            t(
                "classroom.session_exercise",
                locked=", ".join(map(field_label, locked)) or nothing,
                hidden=", ".join(map(field_label, hidden)) or nothing,
            ),
            icon=":material/lock:",
        )


st.title(f":material/school: {t('classroom.title')}")
st.caption(t("classroom.intro"))
session_exercise_note()
challenges, class_mode, teacher, glossary_tab = st.tabs(
    [
        t("classroom.tab.challenges"),
        t("classroom.tab.class"),
        t("classroom.tab.teacher"),
        t("classroom.tab.glossary"),
    ]
)
with challenges:
    challenges_tab()
with class_mode:
    join_box()  # students: join a class with its code (pages/classroom/join.py)
    class_tab()
with teacher:
    teacher_tab()
with glossary_tab:
    glossary()
