"""The class board's live part: counts, the class's curves, the leaderboard, every run.

It reruns every REFRESH_S and reads the whole class in one store query, shared by every viewer of
the class for BOARD_CACHE_S (nnlab.classroom.service.ClassStore.board).
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from nnlab.classroom.leaderboard import Board, BoardRun, LeaderEntry, leaderboard_entries
from nnlab.core.challenges import CHALLENGES
from nnlab.core.costs import seconds_left
from nnlab.core.runs import RunStatus
from pages.classroom.board_charts import class_curves_spec
from pages.classroom.teacher import html_table, stat
from pages.common import state
from pages.common.estimates import rough_time
from pages.common.lab import class_store, engine
from pages.common.ui import lang, t

REFRESH_S = 3.0  # the live part's rerun interval; the store is read at most every BOARD_CACHE_S
LEADERS_SHOWN = 10
ENTRY_BUTTONS = 5  # the leaderboard's first entries get a button to open them
LIVE_ROWS = 30
DETAIL_KEY = "board_detail_run"  # the detail's select box; the leaderboard's buttons set it too


def percent(value: float | None) -> str:
    """0.9123 -> '91.2 %'; '—' when unknown."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.1%}"


def status_text(run: BoardRun) -> str:
    """The run's status in words."""
    return t(f"board.status.{run.status}")


def curve_rows(board: Board) -> list[dict[str, Any]]:
    """Validation accuracy (training accuracy without validation) per epoch of every run."""
    rows = []
    for run in board.runs:
        for row in run.history:
            value = row.figure("val_accuracy")
            if value is None:
                value = row.figure("accuracy")
            if value is not None:
                rows.append(
                    {
                        "student": run.display_name,
                        "run_id": run.run_id,
                        "run": run.label,
                        "epoch": row.epoch,
                        "value": value,
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
    # Which machine trains each run, once more than one machine has trained the class's runs.
    if len({run.machine for run in ordered[:LIVE_ROWS] if run.machine}) > 1:
        header.append(t("board.machine"))
        for row, run in zip(rows, ordered[:LIVE_ROWS], strict=True):
            row.append(run.machine or "")
    colours = [f"nnlab-status-{run.status}" for run in ordered[:LIVE_ROWS]]
    return html_table(header, rows, numeric=(3, 4, 5), cell_classes={2: colours})


def machines_caption() -> None:
    """How many workers on how many machines train the class's runs now."""
    machines = engine().machines()
    if not machines:
        st.caption(t("board.no_machines"))
        return

    def workers(count: int) -> str:
        return t("board.workers_one") if count == 1 else t("board.workers", count=count)

    total = workers(sum(machine.workers for machine in machines))
    if len(machines) == 1:
        st.caption(t("board.machines_one", name=machines[0].name, workers=total))
        return
    names = ", ".join(f"{machine.name} ({machine.workers})" for machine in machines)
    st.caption(t("board.machines_many", machines=len(machines), workers=total, names=names))


def show_stats(board: Board) -> None:
    """Students, runs training, queued, finished: big numbers."""
    counts = board.status_counts()
    columns = st.columns(4)
    figures = (
        (
            len(board.members),
            t("board.students_one" if len(board.members) == 1 else "board.students"),
        ),
        (counts.get(RunStatus.RUNNING, 0), t("board.training")),
        (counts.get(RunStatus.QUEUED, 0), t("board.queued")),
        (counts.get(RunStatus.FINISHED, 0) + counts.get(RunStatus.STOPPED, 0), t("board.finished")),
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


def expected_end(board: Board) -> None:
    """How long until the class's queued and training runs are all finished (no clock time: the
    server's time zone need not be the classroom's)."""
    live = (engine().live(run.run_id) for run in board.runs if run.is_active)
    left = seconds_left([run for run in live if run is not None], engine().run_cost)
    if left is not None:
        st.caption(t("estimate.board_end", time=rough_time(left)))


@st.fragment(run_every=REFRESH_S)
def live_board(class_id: str, theme: str) -> None:
    """The part that updates itself: counts, curves, leaderboard, every run."""
    try:
        board = class_store().board(class_id)
    except Exception as error:  # a store hiccup must not blank the projector
        st.warning(t("board.read_failed", error=error), icon=":material/database:")
        return
    show_stats(board)
    expected_end(board)
    machines_caption()
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
