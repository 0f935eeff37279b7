"""The class board as pages show it: its runs, the leaderboard and the results CSV.

A `BoardRun` is a stored `RunRecord` plus what only the board adds (its author's display name and
its epoch figures); `Board` is one read of a class with its members and their runs
(nnlab/classroom/service.py reads and caches it). Pure functions of those: no store, no SQL.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nnlab.core.challenges import CHALLENGES, history_test_accuracy
from nnlab.core.links import SPEC_FIELDS, format_field
from nnlab.core.runs import EpochRow, RunRecord, RunStatus, describe_spec
from nnlab.core.spec import RunSpec
from nnlab.store.classes import ClassInfo, Member


@dataclass(frozen=True)
class BoardRun(RunRecord):
    """One run of a class member as the board shows it: the record, its author, its epochs."""

    display_name: str = ""
    history: tuple[EpochRow, ...] = ()  # epoch, loss, accuracy, val_loss, val_accuracy

    @property
    def current_accuracy(self) -> float | None:
        """The latest validation accuracy (else training accuracy), None before epoch 1."""
        for row in reversed(self.history):
            for name in ("val_accuracy", "accuracy"):
                value = row.figure(name)
                if value is not None:
                    return value
        return None

    @property
    def score_accuracy(self) -> float | None:
        """The test accuracy a leaderboard ranks by: measured at the end, else from history."""
        if self.test_accuracy is not None:
            return self.test_accuracy
        return history_test_accuracy(self.spec, self.history)

    @property
    def settings(self) -> str:
        """A short description of the settings, e.g. 'MNIST 784-32-10 Adam · lr 0.001 · 5 ep'."""
        return settings_summary(self.spec)


@dataclass(frozen=True)
class Board:
    """Everything the class board shows, read in one go."""

    info: ClassInfo
    members: tuple[Member, ...]
    runs: tuple[BoardRun, ...]  # oldest first
    fetched_at: float = field(default_factory=time.time)

    def run(self, run_id: str) -> BoardRun | None:
        """The run with this id, or None."""
        return next((run for run in self.runs if run.run_id == run_id), None)

    def status_counts(self) -> dict[RunStatus, int]:
        """How many runs are in each status."""
        counts: dict[str, int] = {}
        for run in self.runs:
            counts[run.status] = counts.get(run.status, 0) + 1
        return counts


@dataclass(frozen=True)
class LeaderEntry:
    """One line of the leaderboard: a student's best run."""

    rank: int
    display_name: str
    run_id: str
    label: str
    spec: RunSpec
    accuracy: float | None  # test accuracy
    progress: float  # 0..1 toward the challenge (accuracy itself without one)
    passed: bool
    message_key: str = ""  # the challenge's verdict (text key), "" without a challenge
    message_values: dict[str, object] = field(default_factory=dict)

    @property
    def settings(self) -> str:
        """A short description of the settings."""
        return settings_summary(self.spec)


def settings_summary(spec: RunSpec) -> str:
    """The settings in one short line: network, learning rate, epochs, batch size."""
    return (
        f"{describe_spec(spec)} · lr {format_field('learning_rate', spec.learning_rate)}"
        f" · {spec.epochs} ep · bs {spec.batch_size}"
    )


def leaderboard_entries(
    runs: Iterable[BoardRun], challenge_key: str | None, per_student: bool = True
) -> list[LeaderEntry]:
    """Rank runs by the challenge (progress, then accuracy) or by test accuracy, best first."""
    challenge = CHALLENGES.get(challenge_key) if challenge_key else None
    scored: list[tuple[float, float, BoardRun, Any]] = []
    for run in runs:
        accuracy = run.score_accuracy
        if run.status == RunStatus.FAILED or accuracy is None:
            continue  # nothing to rank yet
        check = challenge.check(run.spec, accuracy) if challenge is not None else None
        progress = check.progress if check is not None else accuracy
        scored.append((progress, accuracy, run, check))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2].created_at))
    entries: list[LeaderEntry] = []
    seen: set[str] = set()
    for progress, accuracy, run, check in scored:
        if per_student and run.lab_id in seen:
            continue
        seen.add(run.lab_id)
        entries.append(
            LeaderEntry(
                rank=len(entries) + 1,
                display_name=run.display_name,
                run_id=run.run_id,
                label=run.label,
                spec=run.spec,
                accuracy=accuracy,
                progress=progress,
                passed=check.passed if check is not None else False,
                message_key=check.message_key if check is not None else "",
                message_values=dict(check.values) if check is not None else {},
            )
        )
    return entries


RESULTS_COLUMNS = (
    "student",
    "run_id",
    "run",
    "status",
    "epochs_done",
    "accuracy",
    "val_accuracy",
    "test_accuracy",
    "created_at",
    "ended_at",
    "class_step",
)


def _iso(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _figure(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:.4f}"


def _safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (a name may start with '-')."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def results_csv_text(board: Board) -> str:
    """The board's runs as CSV: one row per run, its figures and every setting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*RESULTS_COLUMNS, *SPEC_FIELDS])
    for run in board.runs:
        last = run.history[-1] if run.history else None
        writer.writerow(
            [
                _safe_cell(run.display_name),
                run.run_id,
                _safe_cell(run.label),
                run.status.value,
                run.epochs_done,
                _figure(last.figure("accuracy") if last is not None else None),
                _figure(last.figure("val_accuracy") if last is not None else None),
                _figure(run.test_accuracy),
                _iso(run.created_at),
                _iso(run.ended_at),
                board.info.step,
                *(format_field(name, getattr(run.spec, name)) for name in SPEC_FIELDS),
            ]
        )
    return buffer.getvalue()
