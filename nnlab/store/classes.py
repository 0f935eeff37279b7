"""The store's SQL for class mode: classes, their members, their handwriting set and the board.

`ClassTables` is the `Database` with these typed queries (the class half of `Store`). The rules
of class mode (who may join, how many drawings, what a name may be) live in
nnlab/classroom/service.py, which calls these methods. Where a rule must be checked in the same
transaction as the write it guards (a class's capacity, the join and drawing rate limits), the
method reads the facts in that transaction and hands them to a `check` the service gives: the
check raises to refuse, and nothing is written.

The records here are what a class is as stored; nnlab.classroom adds the board's views.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from nnlab.core.runs import EpochRow, RunRecord
from nnlab.core.shapes import IMAGE_SIDE
from nnlab.core.spec import RunSpec
from nnlab.store.database import Database
from nnlab.store.runs import run_record
from nnlab.store.schema import (
    class_drawings_table,
    class_members_table,
    classes_table,
    epochs_table,
    models_table,
    runs_table,
)

IMAGE_BYTES = IMAGE_SIDE * IMAGE_SIDE  # a stored drawing: 28x28 uint8, row by row
_BOARD_FIGURES = ("loss", "accuracy", "val_loss", "val_accuracy")  # no seconds, no details


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassInfo:
    """A class as stored (never its teacher key)."""

    class_id: str
    join_code: str
    name: str
    spec: RunSpec  # the current step's settings
    preset_key: str | None
    locked: frozenset[str]  # RunSpec fields students may not change
    hidden: frozenset[str]  # RunSpec fields students do not see (also fixed)
    challenge_key: str | None  # a key of nnlab.core.challenges.CHALLENGES, or None
    step: int  # 1 at creation; each push_step adds one
    capacity: int
    created_at: float
    expires_at: float
    ended_at: float | None = None
    member_count: int = 0

    @property
    def is_ended(self) -> bool:
        """True once the teacher ended the class."""
        return self.ended_at is not None

    def is_expired(self, now: float | None = None) -> bool:
        """True once the class is past its expiry time."""
        return (time.time() if now is None else now) >= self.expires_at

    def is_open(self, now: float | None = None) -> bool:
        """True while students may join and contribute."""
        return not self.is_ended and not self.is_expired(now)

    @property
    def fixed_fields(self) -> frozenset[str]:
        """Every field a member may not change: locked or hidden."""
        return self.locked | self.hidden


@dataclass(frozen=True)
class Member:
    """A student in a class: a lab with a display name."""

    class_id: str
    lab_id: str
    display_name: str
    joined_at: float
    step_seen: int = 0  # the last step whose settings this student's lab applied


@dataclass(frozen=True)
class ClassDrawing:
    """One drawing of the class's handwriting set."""

    drawing_id: int
    lab_id: str
    display_name: str  # "" when its author left the class
    label: int
    image: np.ndarray  # uint8 (28, 28)
    created_at: float


@dataclass(frozen=True)
class NewClass:
    """What a new class is stored with (its join code is drawn when it is inserted)."""

    class_id: str
    teacher_key_hash: str
    name: str
    spec: RunSpec
    preset_key: str | None
    locked: tuple[str, ...]
    hidden: tuple[str, ...]
    challenge_key: str | None
    capacity: int
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class JoinFacts:
    """What a join's check sees, read in the join's transaction (the class row locked)."""

    member_count: int
    joined_last_minute: int
    taken_name_keys: frozenset[str]


@dataclass(frozen=True)
class DrawingFacts:
    """What a new drawing's check sees, read in the insert's transaction."""

    info: ClassInfo | None  # None when no such class
    is_member: bool
    class_drawings: int
    own_drawings: int
    own_last_minute: int


@dataclass(frozen=True)
class MemberRun:
    """A member's run as the board reads it: the record, its author's name, its epoch figures."""

    display_name: str
    record: RunRecord
    history: tuple[EpochRow, ...]


@dataclass(frozen=True)
class BoardRows:
    """A class, its members and their runs since joining (oldest first), read in one go."""

    info: ClassInfo
    members: tuple[Member, ...]
    runs: tuple[MemberRun, ...]


def _info(row: sa.Row) -> ClassInfo:
    return ClassInfo(
        class_id=row.class_id,
        join_code=row.join_code,
        name=row.name,
        spec=RunSpec.from_json(row.spec_json),
        preset_key=row.preset_key,
        locked=frozenset(json.loads(row.locked_json or "[]")),
        hidden=frozenset(json.loads(row.hidden_json or "[]")),
        challenge_key=row.challenge_key,
        step=row.step,
        capacity=row.capacity,
        created_at=row.created_at,
        expires_at=row.expires_at,
        ended_at=row.ended_at,
        member_count=row.member_count,
    )


def _member(row: sa.Row) -> Member:
    return Member(row.class_id, row.lab_id, row.display_name, row.joined_at, row.step_seen)


def _select_class() -> sa.Select:
    count = (
        sa.select(sa.func.count())
        .where(class_members_table.c.class_id == classes_table.c.class_id)
        .scalar_subquery()
        .label("member_count")
    )
    return sa.select(classes_table, count)


def _one(connection: sa.Connection, where: Any) -> ClassInfo | None:
    row = connection.execute(_select_class().where(where)).first()
    return _info(row) if row is not None else None


def _is_member(class_id: str, lab_id: str) -> Any:
    members = class_members_table
    return (members.c.class_id == class_id) & (members.c.lab_id == lab_id)


class ClassTables(Database):
    """Classes, members, drawings and the board's query (the class half of `Store`)."""

    # --- classes ---

    def insert_class(
        self, new: NewClass, draw_code: Callable[[], str], attempts: int = 20
    ) -> ClassInfo | None:
        """Store the class under the first free code `draw_code` gives; None when none was free."""
        values = {
            "class_id": new.class_id,
            "teacher_key_hash": new.teacher_key_hash,
            "name": new.name,
            "spec_json": new.spec.to_json(),
            "preset_key": new.preset_key,
            "locked_json": json.dumps(list(new.locked)),
            "hidden_json": json.dumps(list(new.hidden)),
            "challenge_key": new.challenge_key,
            "step": 1,
            "capacity": new.capacity,
            "created_at": new.created_at,
            "updated_at": new.created_at,
            "expires_at": new.expires_at,
            "ended_at": None,
        }
        for _attempt in range(attempts):
            code = draw_code()
            with self._write() as connection:
                taken = connection.execute(
                    sa.select(classes_table.c.class_id).where(classes_table.c.join_code == code)
                ).first()
                if taken is not None:
                    continue  # about one in a billion per class: draw another
                connection.execute(classes_table.insert().values(join_code=code, **values))
                return _one(connection, classes_table.c.class_id == new.class_id)
        return None

    def find_class(
        self,
        *,
        class_id: str | None = None,
        join_code: str | None = None,
        teacher_key_hash: str | None = None,
    ) -> ClassInfo | None:
        """The class with this id, join code or teacher key hash (one of them), or None."""
        given = [
            column == value
            for column, value in (
                (classes_table.c.class_id, class_id),
                (classes_table.c.join_code, join_code),
                (classes_table.c.teacher_key_hash, teacher_key_hash),
            )
            if value is not None
        ]
        if len(given) != 1:
            raise ValueError("find_class takes exactly one of class_id, join_code, key hash.")
        with self._read() as connection:
            return _one(connection, given[0])

    def set_class_step(
        self,
        class_id: str,
        spec: RunSpec,
        *,
        preset_key: str | None,
        locked: Iterable[str],
        hidden: Iterable[str],
    ) -> ClassInfo | None:
        """The class's next step: these settings and fields for every member (step + 1)."""
        with self._write() as connection:
            connection.execute(
                classes_table.update()
                .where(classes_table.c.class_id == class_id)
                .values(
                    spec_json=spec.to_json(),
                    preset_key=preset_key,
                    locked_json=json.dumps(list(locked)),
                    hidden_json=json.dumps(list(hidden)),
                    step=classes_table.c.step + 1,
                    updated_at=time.time(),
                )
            )
            return _one(connection, classes_table.c.class_id == class_id)

    def set_class_ended(self, class_id: str, ended_at: float) -> ClassInfo | None:
        """Mark the class ended at `ended_at`."""
        with self._write() as connection:
            connection.execute(
                classes_table.update()
                .where(classes_table.c.class_id == class_id)
                .values(ended_at=ended_at, updated_at=time.time())
            )
            return _one(connection, classes_table.c.class_id == class_id)

    def delete_expired_classes(self, now: float) -> list[str]:
        """Delete classes past their expiry with their members and drawings; their ids."""
        with self._write() as connection:
            doomed = list(
                connection.execute(
                    sa.select(classes_table.c.class_id).where(classes_table.c.expires_at <= now)
                ).scalars()
            )
            # In chunks: SQLite caps the number of bound parameters in one statement.
            for start in range(0, len(doomed), 500):
                chunk = doomed[start : start + 500]
                for table in (class_drawings_table, class_members_table, classes_table):
                    connection.execute(table.delete().where(table.c.class_id.in_(chunk)))
        return doomed

    def expire_classes(self, now: float | None = None) -> int:
        """Delete classes past their expiry with their members and drawings; returns how many."""
        return len(self.delete_expired_classes(time.time() if now is None else now))

    # --- members ---

    def add_member(
        self,
        class_id: str,
        lab_id: str,
        now: float,
        choose_name: Callable[[JoinFacts], tuple[str, str]],
    ) -> Member:
        """The lab's membership, or a new one named by `choose_name` (which may refuse)."""
        # choose_name gets the class's JoinFacts and returns (display name, name key), or raises.
        members = class_members_table
        with self._write() as connection:
            # On PostgreSQL, lock the class row: concurrent joins count members one at a time.
            connection.execute(
                sa.select(classes_table.c.class_id)
                .where(classes_table.c.class_id == class_id)
                .with_for_update()
            )
            existing = connection.execute(
                sa.select(members).where(_is_member(class_id, lab_id))
            ).first()
            if existing is not None:
                return _member(existing)
            in_class = members.c.class_id == class_id
            count = connection.execute(sa.select(sa.func.count()).where(in_class)).scalar_one()
            recent = connection.execute(
                sa.select(sa.func.count()).where(in_class & (members.c.joined_at > now - 60.0))
            ).scalar_one()
            taken = frozenset(
                connection.execute(sa.select(members.c.name_key).where(in_class)).scalars()
            )
            display_name, name_key = choose_name(JoinFacts(count, recent, taken))
            connection.execute(
                members.insert().values(
                    class_id=class_id,
                    lab_id=lab_id,
                    display_name=display_name,
                    name_key=name_key,
                    joined_at=now,
                    step_seen=0,
                )
            )
        return Member(class_id, lab_id, display_name, now, 0)

    def lab_class(self, lab_id: str, now: float) -> tuple[ClassInfo, Member] | None:
        """The class this lab joined last that has not expired by `now`, and its membership."""
        members = class_members_table
        with self._read() as connection:
            row = connection.execute(
                sa.select(members)
                .join(classes_table, classes_table.c.class_id == members.c.class_id)
                .where(members.c.lab_id == lab_id)
                .where(classes_table.c.expires_at > now)
                .order_by(members.c.joined_at.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            info = _one(connection, classes_table.c.class_id == row.class_id)
        return (info, _member(row)) if info is not None else None

    def class_members(self, class_id: str) -> list[Member]:
        """The class's members in joining order."""
        members = class_members_table
        with self._read() as connection:
            rows = connection.execute(
                sa.select(members)
                .where(members.c.class_id == class_id)
                .order_by(members.c.joined_at, members.c.display_name)
            ).all()
        return [_member(row) for row in rows]

    def set_step_seen(self, class_id: str, lab_id: str, step: int) -> None:
        """Record that this member's lab applied the settings of `step`."""
        with self._write() as connection:
            connection.execute(
                class_members_table.update()
                .where(_is_member(class_id, lab_id))
                .values(step_seen=step)
            )

    def remove_member(self, class_id: str, lab_id: str) -> bool:
        """Take the lab out of the class; False when it was not in it."""
        with self._write() as connection:
            result = connection.execute(
                class_members_table.delete().where(_is_member(class_id, lab_id))
            )
        return result.rowcount > 0

    # --- the class's handwriting ---

    def add_class_drawing(
        self,
        class_id: str,
        lab_id: str,
        label: int,
        image: bytes,
        now: float,
        check: Callable[[DrawingFacts], None],
    ) -> int:
        """Store a member's drawing (IMAGE_BYTES bytes) unless `check` raises; returns its id."""
        drawings = class_drawings_table
        with self._write() as connection:
            info = _one(connection, classes_table.c.class_id == class_id)
            member = connection.execute(
                sa.select(class_members_table.c.lab_id).where(_is_member(class_id, lab_id))
            ).first()
            total, own, recent = connection.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count().filter(drawings.c.lab_id == lab_id),
                    sa.func.count().filter(
                        (drawings.c.lab_id == lab_id) & (drawings.c.created_at > now - 60.0)
                    ),
                ).where(drawings.c.class_id == class_id)
            ).one()
            check(DrawingFacts(info, member is not None, total, own, recent))
            result = connection.execute(
                drawings.insert().values(
                    class_id=class_id, lab_id=lab_id, label=label, image=image, created_at=now
                )
            )
            return int(result.inserted_primary_key[0])

    def class_drawings(self, class_id: str, lab_id: str | None = None) -> list[ClassDrawing]:
        """The class's drawings (or one member's) in the order added, with their authors' names."""
        drawings, members = class_drawings_table, class_members_table
        query = (
            sa.select(drawings, members.c.display_name)
            .select_from(
                drawings.outerjoin(
                    members,
                    (members.c.class_id == drawings.c.class_id)
                    & (members.c.lab_id == drawings.c.lab_id),
                )
            )
            .where(drawings.c.class_id == class_id)
            .order_by(drawings.c.drawing_id)
        )
        if lab_id is not None:
            query = query.where(drawings.c.lab_id == lab_id)
        with self._read() as connection:
            rows = connection.execute(query).all()
        return [
            ClassDrawing(
                drawing_id=row.drawing_id,
                lab_id=row.lab_id,
                display_name=row.display_name or "",
                label=row.label,
                image=np.frombuffer(bytes(row.image), dtype=np.uint8).reshape(
                    IMAGE_SIDE, IMAGE_SIDE
                ),
                created_at=row.created_at,
            )
            for row in rows
            if row.image is not None and len(row.image) == IMAGE_BYTES
        ]

    def class_drawing_count(self, class_id: str) -> int:
        """How many drawings the class set holds."""
        with self._read() as connection:
            return connection.execute(
                sa.select(sa.func.count()).where(class_drawings_table.c.class_id == class_id)
            ).scalar_one()

    def class_drawings_version(self, class_id: str) -> tuple[int, int, int]:
        """(count, smallest id, largest id) of the class set: changes when it changes."""
        drawings = class_drawings_table
        with self._read() as connection:
            count, first, last = connection.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.min(drawings.c.drawing_id),
                    sa.func.max(drawings.c.drawing_id),
                ).where(drawings.c.class_id == class_id)
            ).one()
        return int(count), int(first or 0), int(last or 0)

    def delete_class_drawing(
        self, class_id: str, drawing_id: int, lab_id: str | None = None
    ) -> bool:
        """Delete a drawing of the class (only `lab_id`'s, when given); False when not there."""
        drawings = class_drawings_table
        where = (drawings.c.class_id == class_id) & (drawings.c.drawing_id == drawing_id)
        if lab_id is not None:
            where = where & (drawings.c.lab_id == lab_id)
        with self._write() as connection:
            return connection.execute(drawings.delete().where(where)).rowcount > 0

    # --- the board ---

    def class_board(self, class_id: str) -> BoardRows | None:
        """The class, its members and their runs since joining; None when no such class."""
        # One query for every member's runs and epochs (no model blobs, no epoch details).
        members, runs, epochs = class_members_table, runs_table, epochs_table
        query = (
            sa.select(
                members.c.lab_id.label("member_lab_id"),
                members.c.display_name,
                members.c.joined_at,
                members.c.step_seen,
                *runs.c,
                models_table.c.run_id.is_not(None).label("has_model"),
                epochs.c.epoch,
                *(epochs.c[name].label(f"epoch_{name}") for name in _BOARD_FIGURES),
            )
            .select_from(
                members.outerjoin(
                    runs,
                    (runs.c.lab_id == members.c.lab_id)
                    & (runs.c.created_at >= members.c.joined_at),
                )
                .outerjoin(models_table, models_table.c.run_id == runs.c.run_id)
                .outerjoin(epochs, epochs.c.run_id == runs.c.run_id)
            )
            .where(members.c.class_id == class_id)
            .order_by(runs.c.created_at, runs.c.run_id, epochs.c.epoch)
        )
        with self._read() as connection:
            info = _one(connection, classes_table.c.class_id == class_id)
            if info is None:
                return None
            rows = connection.execute(query).all()
        seen_members: dict[str, Member] = {}
        built: dict[str, tuple[sa.Row, list[EpochRow]]] = {}
        for row in rows:
            if row.member_lab_id not in seen_members:
                seen_members[row.member_lab_id] = Member(
                    class_id, row.member_lab_id, row.display_name, row.joined_at, row.step_seen
                )
            if row.run_id is None:
                continue
            first, history = built.setdefault(row.run_id, (row, []))
            if row.epoch is not None:
                figures = {name: getattr(row, f"epoch_{name}") for name in _BOARD_FIGURES}
                history.append(EpochRow.from_dict({"epoch": row.epoch, **figures}))
        member_runs = []
        for first, history in built.values():
            record = run_record(first)
            if record is not None:  # None: written by a newer NN Lab, left off the board
                member_runs.append(MemberRun(first.display_name, record, tuple(history)))
        ordered = sorted(seen_members.values(), key=lambda m: (m.joined_at, m.lab_id))
        return BoardRows(info, tuple(ordered), tuple(member_runs))
