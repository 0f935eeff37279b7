"""The class board: every student's runs live, the class's curves, the leaderboard, and the
teacher's actions (a new step, the handwriting set, results, ending the class).

Opened by the teacher link (?class_key=...). Fit for a projector: large type, light or dark.
The live part reruns every few seconds and reads the whole class in one store query, shared
by every viewer of the class for BOARD_CACHE_S (nnlab.classes.ClassStore.board).
"""

from __future__ import annotations

import math
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import streamlit as st

import nnlab
from nnlab.challenges import CHALLENGES
from nnlab.classes import (
    TEACHER_PARAM,
    Board,
    BoardRun,
    ClassError,
    ClassInfo,
    LeaderEntry,
    drawing_summary,
    leaderboard_entries,
    settings_summary,
)
from nnlab.datasets import load_dataset
from nnlab.evaluation import evaluate_probabilities
from pages import _state as state
from pages._charts import (
    board_chart_config,
    class_curves_spec,
    confusion_matrix_spec,
    curves_spec,
)
from pages._class_teacher import (
    THEMES,
    board_style,
    html_table,
    join_card,
    locks_caption,
    settings_widgets,
    stat,
)
from pages._common import lang, t
from pages._lab import class_store, engine

REFRESH_S = 3.0  # the live part's rerun interval; the store is read at most every BOARD_CACHE_S
LEADERS_SHOWN = 10
ENTRY_BUTTONS = 5  # the leaderboard's first entries get a button to open them
LIVE_ROWS = 30
DRAWINGS_PER_PAGE = 40
DETAIL_KEY = "board_detail_run"  # the detail's select box; the leaderboard's buttons set it too


def percent(value: float | None) -> str:
    """0.9123 -> '91.2 %'; '—' when unknown."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.1%}"


# --- opening the class ----------------------------------------------------------------------------


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
    st.page_link("pages/5_classroom.py", label=t("board.go_classroom"), icon=":material/school:")


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


# --- the live part ------------------------------------------------------------------------------


def status_text(run: BoardRun) -> str:
    """The run's status in words."""
    return t(f"board.status.{run.status}")


def curve_rows(board: Board) -> list[dict[str, Any]]:
    """Validation accuracy (training accuracy without validation) per epoch of every run."""
    rows = []
    for run in board.runs:
        for row in run.history:
            value = row.get("val_accuracy")
            if value is None or not math.isfinite(value):
                value = row.get("accuracy")
            if value is not None and math.isfinite(value):
                rows.append(
                    {
                        "student": run.display_name,
                        "run_id": run.run_id,
                        "run": run.label,
                        "epoch": row["epoch"],
                        "value": float(value),
                    }
                )
    return rows


def class_chart(board: Board, theme: str) -> dict[str, Any] | None:
    """The overlaid curves' spec, built once per board read (and look)."""
    key = ("curves", board.fetched_at, theme, state.BOARD_RUN.peek(), lang())
    charts = state.BOARD_CHARTS.get()
    if key not in charts:
        rows = curve_rows(board)
        charts.clear()  # only the newest is ever drawn again
        charts[key] = (
            class_curves_spec(
                rows,
                title=t("board.val_accuracy"),
                epoch_title=t("board.epoch"),
                student_title=t("board.student"),
                run_title=t("board.run"),
                theme=theme,
                highlight_run=state.BOARD_RUN.peek(),
            )
            if rows
            else None
        )
    return charts[key]


def leaders(board: Board) -> list[LeaderEntry]:
    """The leaderboard of this board."""
    return leaderboard_entries(board.runs, board.info.challenge_key)


def goal_mark(entry: LeaderEntry) -> str:
    """✔ when the challenge is met, ✘ when the run breaks its rules, … on the way."""
    if entry.passed:
        return "✔"
    if entry.progress <= 0 and entry.message_key not in ("", "challenge.msg.no_accuracy"):
        return "✘"
    return "…"


def leader_table(entries: list[LeaderEntry], challenge_key: str | None) -> str:
    """Rank, student, accuracy, (the challenge's verdict), settings."""
    challenge = CHALLENGES.get(challenge_key) if challenge_key else None
    header = [t("board.rank"), t("board.student"), t("board.test_accuracy")]
    if challenge is not None:
        header.append(t("board.goal", target=f"{challenge.target:.0%}"))
    header.append(t("board.settings"))
    rows = []
    for entry in entries[:LEADERS_SHOWN]:
        row = [f"{entry.rank}", entry.display_name, percent(entry.accuracy)]
        if challenge is not None:
            row.append(goal_mark(entry))
        row.append(entry.settings)
        rows.append(row)
    last = len(header) - 1
    return html_table(header, rows, numeric=(0, 2), small=(last,))


def runs_table(board: Board) -> str:
    """Active runs first, then the newest ended ones: student, run, status, epoch, accuracy."""
    ordered = sorted(board.runs, key=lambda run: (not run.is_active, -run.created_at))
    header = [
        t("board.student"),
        t("board.run"),
        t("board.status"),
        t("board.epoch"),
        t("board.current_accuracy"),
        t("board.test_accuracy"),
    ]
    rows = [
        [
            run.display_name,
            run.label,
            status_text(run),
            f"{run.epochs_done}/{run.spec.epochs}",
            percent(run.current_accuracy),
            percent(run.test_accuracy),
        ]
        for run in ordered[:LIVE_ROWS]
    ]
    colours = [f"nnlab-status-{run.status}" for run in ordered[:LIVE_ROWS]]
    return html_table(header, rows, numeric=(3, 4, 5), cell_classes={2: colours})


def show_stats(board: Board) -> None:
    """Students, runs training, queued, finished: big numbers."""
    counts = board.status_counts()
    columns = st.columns(4)
    figures = (
        (len(board.members), t("board.students")),
        (counts.get("running", 0), t("board.training")),
        (counts.get("queued", 0), t("board.queued")),
        (counts.get("finished", 0) + counts.get("stopped", 0), t("board.finished")),
    )
    for column, (number, text) in zip(columns, figures, strict=True):
        column.html(stat(str(number), text))


def open_entry(entries: list[LeaderEntry]) -> None:
    """Buttons (pills) for the leaderboard's entries: one opens that run in detail below."""
    if not entries:
        return
    options = [entry.run_id for entry in entries[:ENTRY_BUTTONS]]
    names = {entry.run_id: f"#{entry.rank} {entry.display_name}" for entry in entries}
    picked = st.pills(
        t("board.open_entry"),
        options,
        format_func=lambda run_id: names.get(run_id, run_id),
        key="board_open_entry",
    )
    if picked and picked != state.BOARD_RUN.peek():
        state.BOARD_RUN.set(picked)
        st.session_state[DETAIL_KEY] = picked  # before the detail's select box is drawn
        st.rerun()  # the whole page: the detail section below shows the run


@st.fragment(run_every=REFRESH_S)
def live_board(class_id: str, theme: str) -> None:
    """The part that updates itself: counts, curves, leaderboard, every run."""
    try:
        board = class_store().board(class_id)
    except Exception as error:  # a store hiccup must not blank the projector
        st.warning(t("board.read_failed", error=error), icon=":material/database:")
        return
    show_stats(board)
    entries = leaders(board)
    chart_column, leader_column = st.columns([4, 3], gap="large")
    with chart_column:
        st.subheader(t("board.curves_title"))
        spec = class_chart(board, theme)
        if spec is None:
            st.info(t("board.no_curves"), icon=":material/hourglass_empty:")
        else:
            st.vega_lite_chart(spec, theme=None, width="stretch")
    with leader_column:
        challenge = board.info.challenge_key
        if challenge:
            st.subheader(t("board.leaderboard_challenge", title=t(f"challenge.{challenge}.title")))
        else:
            st.subheader(t("board.leaderboard"))
        if entries:
            st.html(leader_table(entries, challenge))
            open_entry(entries)
        else:
            st.info(t("board.no_leaders"), icon=":material/emoji_events:")
    if board.runs:
        st.subheader(t("board.runs_title"))
        st.html(runs_table(board))
    idle = [m.display_name for m in board.members if all(r.lab_id != m.lab_id for r in board.runs)]
    if idle:
        st.caption(t("board.no_run_yet", names=", ".join(idle)))
    if not board.members:
        st.info(t("board.no_students"), icon=":material/group_add:")


# --- one run in detail ----------------------------------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner=False)
def run_figures(
    run_id: str, ended_at: float | None, class_id: str, drawings: tuple[int, int, int]
) -> dict[str, Any]:
    """The run's confusion matrix on its test set and its accuracy on the class's handwriting.

    Cached for the process by run and state: one board per class, however many tabs show it.
    """
    network = engine().network(run_id)
    if network is None:
        return {"error": "board.no_model"}  # a text key: the cache is shared by every language
    record = class_store().board(class_id).run(run_id)
    spec = record.spec if record is not None else None
    dataset = load_dataset(spec.dataset if spec is not None else "mnist")
    loss = spec.loss if spec is not None else "sparse_categorical_crossentropy"
    evaluation = nnlab.evaluate(network, dataset, loss=loss)
    figures: dict[str, Any] = {
        "accuracy": evaluation.accuracy,
        "confusion": evaluation.confusion,
        "class_names": evaluation.class_names,
        "test_images": evaluation.num_images,
    }
    if drawings[0] and (spec is None or spec.dataset == "mnist"):
        images, labels = class_store().drawing_arrays(class_id)
        if len(labels):
            ours = evaluate_probabilities(network.predict(images), labels, loss=loss)
            figures["ours_accuracy"] = ours.accuracy
            figures["ours_confusion"] = ours.confusion
            figures["ours_count"] = len(labels)
    return figures


def confusion(figures: dict[str, Any], prefix: str, theme: str) -> dict[str, Any]:
    """The confusion heatmap of the figures' `prefix`confusion."""
    return confusion_matrix_spec(
        figures[f"{prefix}confusion"],
        figures["class_names"],
        true_title=t("board.true_class"),
        predicted_title=t("board.predicted_class"),
        theme=theme,
    )


def follow_detail_pick() -> None:
    """The teacher picked a run: the class's curves draw it thick."""
    state.BOARD_RUN.set(st.session_state.get(DETAIL_KEY))


@st.fragment
def run_detail(class_id: str, theme: str) -> None:
    """Pick a run; its settings, curves, confusion matrix and handwriting accuracy."""
    board = class_store().board(class_id)
    if not board.runs:
        return
    by_id = {run.run_id: run for run in reversed(board.runs)}
    options = list(by_id)
    labels = {
        run_id: f"{run.display_name} · {run.label} · {status_text(run)}"
        for run_id, run in by_id.items()
    }
    if st.session_state.get(DETAIL_KEY) not in by_id:
        st.session_state.pop(DETAIL_KEY, None)  # a run gone from the board: start afresh
    picked = st.selectbox(
        t("board.detail_pick"),
        options,
        format_func=labels.get,
        key=DETAIL_KEY,
        on_change=follow_detail_pick,
    )
    run = by_id.get(picked)
    if run is None:
        return
    st.markdown(f"**{run.display_name}** · {run.label}")
    st.caption(settings_summary(run.spec))
    figures = run_scores(run, class_id)
    has_ours = figures is not None and "ours_accuracy" in figures
    columns = st.columns(3 if has_ours else 2, gap="large")
    with columns[0]:
        curves = curves_spec(
            list(run.history),
            "accuracy",
            title=t("board.accuracy"),
            epoch_title=t("board.epoch"),
            train_name=t("board.train"),
            validation_name=t("board.validation"),
        )
        curves["config"] = board_chart_config(theme, font_size=18)
        curves["height"] = 360
        st.vega_lite_chart(curves, theme=None, width="stretch")
    if figures is None:
        return
    with columns[1]:
        st.markdown(
            t(
                "board.detail_test",
                accuracy=percent(figures["accuracy"]),
                count=f"{figures['test_images']:,}",
            )
        )
        st.vega_lite_chart(confusion(figures, "", theme), theme=None, width="stretch")
    if has_ours:
        with columns[2]:
            st.markdown(
                t(
                    "board.detail_ours",
                    accuracy=percent(figures["ours_accuracy"]),
                    count=figures["ours_count"],
                )
            )
            st.vega_lite_chart(confusion(figures, "ours_", theme), theme=None, width="stretch")


def run_scores(run: BoardRun, class_id: str) -> dict[str, Any] | None:
    """The run's test and handwriting figures, or None after saying why there are none."""
    if run.is_active:
        st.info(t("board.detail_training"), icon=":material/hourglass_top:")
        return None
    if not run.has_model:
        st.info(t("board.no_model"), icon=":material/block:")
        return None
    try:
        with st.spinner(t("board.evaluating")):
            drawings = class_store().drawings_version(class_id)
            figures = run_figures(run.run_id, run.ended_at, class_id, drawings)
    except Exception as error:  # a damaged model must not take the board down
        st.error(t("board.detail_failed", error=error))
        return None
    if "error" in figures:
        st.info(t(figures["error"]), icon=":material/block:")
        return None
    return figures


# --- the teacher's actions ------------------------------------------------------------------------


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
    if st.button(t("board.push"), icon=":material/campaign:", type="primary", key="board_push"):
        try:
            pushed = class_store().push_step(
                key,
                chosen.spec,
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
            st.image(
                drawing.image,
                caption=f"{drawing.label} · {drawing.display_name or '—'}",
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


# --- the page -----------------------------------------------------------------------------------


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
