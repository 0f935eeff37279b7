"""Classroom: challenges that check themselves, exercise links for teachers, what settings mean."""

from __future__ import annotations

import streamlit as st

from nnlab import registry
from nnlab.challenges import CHALLENGES, Challenge, RunOutcome
from nnlab.challenges import run_outcomes as score_runs
from nnlab.i18n import LANGUAGES
from nnlab.links import SPEC_FIELDS, encode_link, link_url
from nnlab.presets import PRESETS
from nnlab.spec import RunSpec
from pages import _state as state
from pages._common import lang, preset_title, t
from pages._models import lab_runs
from pages._share import (
    BUILD_PAGE_PATH,
    app_base_url,
    glossary,
)

BUILD_PAGE = registry.page("build").file
DEFAULT_LOCKS = ("dataset", "loss", "optimizer", "learning_rate")


def field_label(name: str) -> str:
    """A RunSpec field's name for people."""
    return t(f"field.{name}")


def run_outcomes() -> list[RunOutcome]:
    """Every run of this lab as a challenge sees it (scored by nnlab.challenges)."""
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


def starting_points() -> dict[str, tuple[RunSpec, str | None]]:
    """What an exercise can start from: the current settings, the defaults, every preset."""
    choices: dict[str, tuple[RunSpec, str | None]] = {}
    current = state.CURRENT_SPEC.peek()
    if current is not None:
        choices["current"] = current
    choices["defaults"] = (RunSpec(), None)
    for key, preset in PRESETS.items():
        choices[key] = (preset.spec, key)
    return choices


def starting_point_label(key: str) -> str:
    """A starting point's name for people."""
    if key in ("current", "defaults"):
        return t(f"classroom.teacher.{key}")
    return preset_title(key)


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
challenges, teacher, glossary_tab = st.tabs(
    [t("classroom.tab.challenges"), t("classroom.tab.teacher"), t("classroom.tab.glossary")]
)
with challenges:
    challenges_tab()
with teacher:
    teacher_tab()
with glossary_tab:
    glossary()
