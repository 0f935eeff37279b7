"""Classroom: challenges that check themselves, exercise links for teachers, what settings mean."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from nnlab.challenges import CHALLENGES, Challenge, RunOutcome
from nnlab.i18n import LANGUAGES
from nnlab.links import SPEC_FIELDS, encode_link, link_url
from nnlab.presets import PRESETS
from nnlab.spec import RunSpec
from pages._common import HIDDEN_KEY, LOCKS_KEY, lang, preset_title, t
from pages._models import session_runs
from pages._share import (
    BUILD_PAGE_PATH,
    CURRENT_SPEC_KEY,
    PENDING_SPEC_KEY,
    app_base_url,
    glossary,
)

BUILD_PAGE = "pages/1_build_and_train.py"
MEASURED_KEY = "challenge_test_accuracy"  # run_id -> test accuracy measured here (or None)
DEFAULT_LOCKS = ("dataset", "loss", "optimizer", "learning_rate")


def field_label(name: str) -> str:
    """A RunSpec field's name for people."""
    return t(f"field.{name}")


def history_test_accuracy(run: Any) -> float | None:
    """The test accuracy a run's history already holds (validation on the test set), else None."""
    rows = [row for row in run.history if row.get("val_accuracy") is not None]
    if run.spec.validation != "test" or not rows:
        return None
    if run.spec.early_stopping_patience and run.spec.restore_best_weights:
        # Keras' EarlyStopping puts back the weights of the epoch with the lowest val_loss.
        rows = [min(rows, key=lambda row: row.get("val_loss", math.inf))]
    return float(rows[-1]["val_accuracy"])


def measure_test_accuracy(runs: list[Any]) -> None:
    """Evaluate on the test set the ended runs that validated on a split (once per run)."""
    measured = st.session_state.setdefault(MEASURED_KEY, {})
    pending = [
        run
        for run in runs
        if run.spec.validation != "test"
        and run.status in ("finished", "stopped")
        and run.model is not None
        and run.history
        and run.run_id not in measured
    ]
    if not pending:
        return
    import nnlab  # TensorFlow is already loaded: these runs trained in this process

    with st.spinner(t("classroom.measuring")):
        for run in pending:
            try:
                dataset = nnlab.load_dataset(run.spec.dataset)
                evaluation = nnlab.evaluate(run.model, dataset, loss=run.spec.loss)
                measured[run.run_id] = float(evaluation.accuracy)
            except Exception as error:  # a broken run must not take the page down
                measured[run.run_id] = None
                st.warning(t("classroom.measure_failed", label=run.label, error=error))


def run_outcomes() -> list[RunOutcome]:
    """Every run of the session as a challenge sees it: settings and test accuracy."""
    runs = [run for run in session_runs() if run.status != "failed"]
    measure_test_accuracy(runs)
    measured = st.session_state.get(MEASURED_KEY, {})
    outcomes = []
    for run in runs:
        accuracy = history_test_accuracy(run)
        if accuracy is None and run.status in ("finished", "stopped"):
            accuracy = measured.get(run.run_id)
        outcomes.append(RunOutcome(run.spec, accuracy, run.label))
    return outcomes


def start_challenge(challenge: Challenge) -> None:
    """Load the challenge's starting settings into Build & Train and go there."""
    st.session_state[PENDING_SPEC_KEY] = (challenge.start_spec, challenge.start_preset)
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
    current = st.session_state.get(CURRENT_SPEC_KEY)
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
    locked = sorted(st.session_state.get(LOCKS_KEY, set()))
    hidden = sorted(st.session_state.get(HIDDEN_KEY, set()))
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
