"""Class mode: a teacher's class, its members, its handwriting set, its board and leaderboard.

A class lives in the run store (tables `classes`, `class_members`, `class_drawings` in
nnlab/store.py). The teacher creates one and gets a short join code (for students) and a long
secret key (for the teacher link; only its sha256 is stored). Students join with the code and a
display name (no account); their lab's runs from then on are the class's runs.

API (ClassStore wraps a `nnlab.store.Store`; `class_store(store)` gives the process-wide one):
- `create_class(name, spec, ...) -> (ClassInfo, teacher_key)`
- `class_by_code(code) -> ClassInfo` (ClassError: bad/unknown/expired/ended code)
- `class_for_teacher(teacher_key) -> ClassInfo` (ClassError: wrong/expired key)
- `join(code, lab_id, display_name) -> Member` (ClassError: bad name, full, too many joins)
- `member_class(lab_id) -> (ClassInfo, Member) | None`: the class the lab joined last
- `mark_step_seen(class_id, lab_id, step)`: the student applied that step's settings
- `members(class_id)`, `get_class(class_id)`, `leave(class_id, lab_id)`
- `push_step(teacher_key, spec, preset_key, locked, hidden) -> ClassInfo` (step + 1)
- `end_class(teacher_key) -> ClassInfo`
- `add_drawing(class_id, lab_id, label, image) -> int`, `drawings(class_id)`,
  `drawing_arrays(class_id) -> (images uint8 (N,28,28), labels uint8 (N,))`,
  `drawing_count(class_id)`, `drawings_version(class_id)`, `delete_drawing(teacher_key,
  drawing_id)`, `delete_own_drawing(class_id, lab_id, drawing_id)`
- `board(class_id) -> Board` (cached ~2 s per class), `leaderboard(class_id)`,
  `results_csv(class_id) -> str`, `expire_classes(now) -> int`
- module functions: `join_url(base_url, code)`, `teacher_url(base_url, key)`, `qr_png(url)`,
  `leaderboard_entries(runs, challenge_key)`, `results_csv_text(board)`, `expire_classes(store)`
Errors are `ClassError(key, **values)`: a text key in nnlab/locales/classroom.py, translated by
the page with `error.message(lang)`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import secrets
import threading
import time
import unicodedata
import uuid
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
import sqlalchemy as sa

from nnlab.challenges import CHALLENGES, history_test_accuracy
from nnlab.i18n import translate
from nnlab.links import SPEC_FIELDS, format_field, link_url
from nnlab.spec import IMAGE_SIDE, NUM_CLASSES, RunSpec
from nnlab.store import (
    Store,
    class_drawings_table,
    class_members_table,
    classes_table,
    epochs_table,
    models_table,
    runs_table,
)
from nnlab.training import describe_spec

# Join codes: no 0/O, 1/I/L look-alikes, so a code read off a projector is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
JOIN_PARAM = "join"  # the URL parameter of a join link: ?join=ABC234
TEACHER_PARAM = "class_key"  # the URL parameter of the teacher link (the board page)
BOARD_PAGE_PATH = "class_board"  # the board's url_path in nnlab.registry.PAGES
DEFAULT_EXPIRY_DAYS = 7.0
MAX_EXPIRY_DAYS = 90.0
DEFAULT_CAPACITY = 60
MAX_CAPACITY = 500
MAX_CLASS_NAME = 80
NAME_MIN, NAME_MAX = 1, 24  # display name length
NAME_PUNCTUATION = " -_.'"  # allowed beside letters and digits (any script: 민준, Zoë)
JOINS_PER_MINUTE = 60  # per class: a full default class may join in one minute, a script not
DRAWINGS_PER_STUDENT = 50
DRAWINGS_PER_CLASS = 1000
DRAWINGS_PER_MINUTE = 12  # per student
BOARD_CACHE_S = 2.0  # one board query per class per this many seconds, whoever watches
_IMAGE_BYTES = IMAGE_SIDE * IMAGE_SIDE


class ClassError(ValueError):
    """A class action that cannot be done: a text key with values; str() is English."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key  # e.g. "class.error.unknown_code" in nnlab/locales/classroom.py
        self.values = values
        super().__init__(self.message("en"))

    def message(self, language: str = "en") -> str:
        """The message in `language`."""
        return translate(self.key, language, **self.values)


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
    challenge_key: str | None  # a key of nnlab.challenges.CHALLENGES, or None
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
class BoardRun:
    """One run of a class member as the board shows it."""

    run_id: str
    lab_id: str
    display_name: str
    label: str
    spec: RunSpec
    preset_key: str | None
    status: str
    error: str | None
    created_at: float
    ended_at: float | None
    epochs_done: int
    test_accuracy: float | None
    has_model: bool
    history: tuple[dict[str, float], ...]  # epoch, loss, accuracy, val_loss, val_accuracy

    @property
    def is_active(self) -> bool:
        """True while queued or running."""
        return self.status in ("queued", "running")

    @property
    def current_accuracy(self) -> float | None:
        """The latest validation accuracy (else training accuracy), None before epoch 1."""
        for row in reversed(self.history):
            for name in ("val_accuracy", "accuracy"):
                value = row.get(name)
                if value is not None and math.isfinite(value):
                    return float(value)
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

    def status_counts(self) -> dict[str, int]:
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


# --- pure helpers -------------------------------------------------------------------------------


def settings_summary(spec: RunSpec) -> str:
    """The settings in one short line: network, learning rate, epochs, batch size."""
    return (
        f"{describe_spec(spec)} · lr {format_field('learning_rate', spec.learning_rate)}"
        f" · {spec.epochs} ep · bs {spec.batch_size}"
    )


def new_join_code() -> str:
    """A random join code of CODE_LENGTH characters from CODE_ALPHABET."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: object) -> str:
    """The code as typed, upper-cased without spaces or dashes; ClassError when it cannot be one."""
    if not isinstance(text, str):
        raise ClassError("class.error.bad_code", length=CODE_LENGTH)
    code = re.sub(r"[\s\-]", "", text).upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        raise ClassError("class.error.bad_code", length=CODE_LENGTH)
    return code


def hash_key(teacher_key: str) -> str:
    """What the store keeps of a teacher key: its sha256 in hex."""
    return hashlib.sha256(teacher_key.encode("utf-8")).hexdigest()


def clean_display_name(text: object) -> str:
    """A display name tidied (NFC, single spaces); ClassError when too short/long or odd."""
    if not isinstance(text, str):
        raise ClassError("class.error.name_length", min=NAME_MIN, max=NAME_MAX)
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ClassError("class.error.name_length", min=NAME_MIN, max=NAME_MAX)
    bad = sorted({char for char in name if not (char.isalnum() or char in NAME_PUNCTUATION)})
    if bad:
        raise ClassError("class.error.name_characters", characters=" ".join(bad[:5]))
    return name


def _name_key(name: str) -> str:
    return name.casefold()


def _with_suffix(name: str, number: int) -> str:
    suffix = f" {number}"
    return name[: NAME_MAX - len(suffix)].rstrip() + suffix


def join_url(base_url: str, code: str, page: str = "") -> str:
    """The link a student opens to join: the app's address (or a page) with ?join=CODE."""
    return f"{base_url.rstrip('/')}/{page}?{urlencode({JOIN_PARAM: code})}"


def teacher_url(base_url: str, teacher_key: str) -> str:
    """The teacher's private link to the class board."""
    return link_url(base_url, {TEACHER_PARAM: teacher_key}, page=BOARD_PAGE_PATH)


def qr_png(url: str, scale: int = 10) -> bytes:
    """The URL as a QR code PNG (segno), dark on white with the standard quiet zone."""
    import segno  # only the teacher's page needs it

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def image_bytes(image: Any) -> bytes:
    """A 28x28 drawing as 784 uint8 bytes; ValueError for anything else."""
    if isinstance(image, (bytes, bytearray)):
        if len(image) != _IMAGE_BYTES:
            raise ClassError("class.error.bad_image", side=IMAGE_SIDE)
        return bytes(image)
    array = np.asarray(image)
    if array.shape not in ((IMAGE_SIDE, IMAGE_SIDE), (_IMAGE_BYTES,)):
        raise ClassError("class.error.bad_image", side=IMAGE_SIDE)
    if array.dtype != np.uint8:
        if not np.all(np.isfinite(array)):
            raise ClassError("class.error.bad_image", side=IMAGE_SIDE)
        # floats in 0..1 (the drawing pipeline's output) or 0..255
        scale = 255.0 if array.size and float(np.max(array)) <= 1.0 else 1.0
        array = np.clip(np.rint(array.astype(np.float64) * scale), 0, 255).astype(np.uint8)
    return array.astype(np.uint8).tobytes()


def leaderboard_entries(
    runs: Iterable[BoardRun], challenge_key: str | None, per_student: bool = True
) -> list[LeaderEntry]:
    """Rank runs by the challenge (progress, then accuracy) or by test accuracy, best first."""
    challenge = CHALLENGES.get(challenge_key) if challenge_key else None
    scored: list[tuple[float, float, BoardRun, Any]] = []
    for run in runs:
        accuracy = run.score_accuracy
        if run.status == "failed" or accuracy is None:
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
        last = run.history[-1] if run.history else {}
        writer.writerow(
            [
                _safe_cell(run.display_name),
                run.run_id,
                _safe_cell(run.label),
                run.status,
                run.epochs_done,
                _figure(last.get("accuracy")),
                _figure(last.get("val_accuracy")),
                _figure(run.test_accuracy),
                _iso(run.created_at),
                _iso(run.ended_at),
                board.info.step,
                *(format_field(name, getattr(run.spec, name)) for name in SPEC_FIELDS),
            ]
        )
    return buffer.getvalue()


# --- the store ----------------------------------------------------------------------------------


def _fields(names: Iterable[str]) -> list[str]:
    known = set(SPEC_FIELDS)
    return sorted({name for name in names if name in known})


class ClassStore:
    """Classes in a run store: create, join, steps, drawings, the board (thread-safe)."""

    def __init__(
        self,
        store: Store,
        *,
        joins_per_minute: int = JOINS_PER_MINUTE,
        drawings_per_student: int = DRAWINGS_PER_STUDENT,
        drawings_per_class: int = DRAWINGS_PER_CLASS,
        drawings_per_minute: int = DRAWINGS_PER_MINUTE,
        board_cache_s: float = BOARD_CACHE_S,
    ) -> None:
        """Wrap `store`; the limits are per class (joins) and per student (drawings)."""
        self.store = store
        self.joins_per_minute = joins_per_minute
        self.drawings_per_student = drawings_per_student
        self.drawings_per_class = drawings_per_class
        self.drawings_per_minute = drawings_per_minute
        self.board_cache_s = board_cache_s
        self._lock = threading.Lock()
        self._boards: dict[str, Board] = {}
        self._recent: dict[str, tuple[float, ClassInfo | None]] = {}  # class_id -> (read at, row)
        self.board_queries = 0  # how many times the board was read from the database

    # --- plumbing ---

    def _info(self, row: sa.Row, member_count: int = 0) -> ClassInfo:
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
            member_count=member_count,
        )

    def _select_class(self) -> sa.Select:
        count = (
            sa.select(sa.func.count())
            .where(class_members_table.c.class_id == classes_table.c.class_id)
            .scalar_subquery()
            .label("member_count")
        )
        return sa.select(classes_table, count)

    def _one(self, connection: sa.Connection, where: Any) -> ClassInfo | None:
        row = connection.execute(self._select_class().where(where)).first()
        return self._info(row, row.member_count) if row is not None else None

    def _forget(self, class_id: str) -> None:
        with self._lock:
            self._boards.pop(class_id, None)
            self._recent.pop(class_id, None)

    @staticmethod
    def _check_teacher_key(teacher_key: object) -> str:
        if not isinstance(teacher_key, str) or not 20 <= len(teacher_key) <= 200:
            raise ClassError("class.error.bad_key")
        return hash_key(teacher_key)

    # --- classes ---

    def create_class(
        self,
        name: str,
        spec: RunSpec,
        *,
        preset_key: str | None = None,
        locked: Iterable[str] = (),
        hidden: Iterable[str] = (),
        challenge_key: str | None = None,
        expiry_days: float = DEFAULT_EXPIRY_DAYS,
        capacity: int = DEFAULT_CAPACITY,
        now: float | None = None,
    ) -> tuple[ClassInfo, str]:
        """A new class and its teacher key (shown once: only its hash is stored)."""
        name = " ".join(str(name or "").split())
        if not 1 <= len(name) <= MAX_CLASS_NAME:
            raise ClassError("class.error.class_name", max=MAX_CLASS_NAME)
        if not (isinstance(expiry_days, (int, float)) and 0 < expiry_days <= MAX_EXPIRY_DAYS):
            raise ClassError("class.error.expiry", max=int(MAX_EXPIRY_DAYS))
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise ClassError("class.error.capacity", max=MAX_CAPACITY)
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ClassError("class.error.capacity", max=MAX_CAPACITY)
        if challenge_key is not None and challenge_key not in CHALLENGES:
            raise ClassError("class.error.challenge", challenge=str(challenge_key))
        hidden_fields = _fields(hidden)
        locked_fields = [name for name in _fields(locked) if name not in hidden_fields]
        now = time.time() if now is None else now
        # A server may run for weeks between restarts (when the engine's cleanup runs): a new
        # class is a good moment to delete the expired ones too.
        self.expire_classes(now)
        teacher_key = secrets.token_urlsafe(24)
        values = {
            "class_id": uuid.uuid4().hex,
            "teacher_key_hash": hash_key(teacher_key),
            "name": name,
            "spec_json": spec.to_json(),
            "preset_key": preset_key,
            "locked_json": json.dumps(locked_fields),
            "hidden_json": json.dumps(hidden_fields),
            "challenge_key": challenge_key,
            "step": 1,
            "capacity": capacity,
            "created_at": now,
            "updated_at": now,
            "expires_at": now + float(expiry_days) * 86400.0,
            "ended_at": None,
        }
        for _attempt in range(20):
            code = new_join_code()
            with self.store._write() as connection:
                taken = connection.execute(
                    sa.select(classes_table.c.class_id).where(classes_table.c.join_code == code)
                ).first()
                if taken is not None:
                    continue  # about one in a billion per class: draw another
                connection.execute(classes_table.insert().values(join_code=code, **values))
                info = self._one(connection, classes_table.c.class_id == values["class_id"])
            assert info is not None
            return info, teacher_key
        raise ClassError("class.error.no_code")

    def class_by_code(self, code: object, now: float | None = None) -> ClassInfo:
        """The open class with this join code; ClassError saying what is wrong otherwise."""
        normalised = normalise_code(code)
        with self.store._read() as connection:
            info = self._one(connection, classes_table.c.join_code == normalised)
        if info is None:
            raise ClassError("class.error.unknown_code", code=normalised)
        if info.is_expired(now):
            raise ClassError("class.error.expired", code=normalised)
        if info.is_ended:
            raise ClassError("class.error.ended", code=normalised)
        return info

    def class_for_teacher(self, teacher_key: object, now: float | None = None) -> ClassInfo:
        """The class this teacher key manages (also once ended); ClassError when none/expired."""
        digest = self._check_teacher_key(teacher_key)
        with self.store._read() as connection:
            info = self._one(connection, classes_table.c.teacher_key_hash == digest)
        if info is None:
            raise ClassError("class.error.bad_key")
        if info.is_expired(now):
            raise ClassError("class.error.key_expired")
        return info

    def get_class(self, class_id: str) -> ClassInfo | None:
        """The class with this id (open, ended or expired), or None."""
        with self.store._read() as connection:
            return self._one(connection, classes_table.c.class_id == class_id)

    def recent_class(self, class_id: str, max_age_s: float | None = None) -> ClassInfo | None:
        """The class as read at most max_age_s ago: one read per class for all its members' step
        checks (a teacher's push or end here is seen at once: they clear it)."""
        max_age = self.board_cache_s if max_age_s is None else max_age_s
        with self._lock:
            cached = self._recent.get(class_id)
        if cached is not None and time.time() - cached[0] < max_age:
            return cached[1]
        info = self.get_class(class_id)
        with self._lock:
            self._recent[class_id] = (time.time(), info)
        return info

    def push_step(
        self,
        teacher_key: str,
        spec: RunSpec,
        *,
        preset_key: str | None = None,
        locked: Iterable[str] | None = None,
        hidden: Iterable[str] | None = None,
    ) -> ClassInfo:
        """A new exercise step: these settings (and locks, if given) for every member."""
        info = self.class_for_teacher(teacher_key)
        if info.is_ended:
            raise ClassError("class.error.ended", code=info.join_code)
        hidden_fields = _fields(hidden) if hidden is not None else sorted(info.hidden)
        locked_source = locked if locked is not None else info.locked
        locked_fields = [name for name in _fields(locked_source) if name not in hidden_fields]
        with self.store._write() as connection:
            connection.execute(
                classes_table.update()
                .where(classes_table.c.class_id == info.class_id)
                .values(
                    spec_json=spec.to_json(),
                    preset_key=preset_key,
                    locked_json=json.dumps(locked_fields),
                    hidden_json=json.dumps(hidden_fields),
                    step=classes_table.c.step + 1,
                    updated_at=time.time(),
                )
            )
            updated = self._one(connection, classes_table.c.class_id == info.class_id)
        self._forget(info.class_id)
        assert updated is not None
        return updated

    def end_class(self, teacher_key: str, now: float | None = None) -> ClassInfo:
        """End the class: no more joins or drawings; the board and results stay until expiry."""
        info = self.class_for_teacher(teacher_key)
        if info.is_ended:
            return info
        with self.store._write() as connection:
            connection.execute(
                classes_table.update()
                .where(classes_table.c.class_id == info.class_id)
                .values(ended_at=time.time() if now is None else now, updated_at=time.time())
            )
            ended = self._one(connection, classes_table.c.class_id == info.class_id)
        self._forget(info.class_id)
        assert ended is not None
        return ended

    # --- members ---

    def join(
        self, code: object, lab_id: str, display_name: object, now: float | None = None
    ) -> Member:
        """Add the lab to the class under `display_name` (a taken name gets " 2", " 3", ...).

        Joining again from the same lab returns the existing membership unchanged.
        """
        info = self.class_by_code(code, now)
        if not isinstance(lab_id, str) or not lab_id or len(lab_id) > 200:
            raise ClassError("class.error.no_lab")
        name = clean_display_name(display_name)
        now = time.time() if now is None else now
        members = class_members_table
        with self.store._write() as connection:
            # On PostgreSQL, lock the class row: concurrent joins count members one at a time.
            connection.execute(
                sa.select(classes_table.c.class_id)
                .where(classes_table.c.class_id == info.class_id)
                .with_for_update()
            )
            existing = connection.execute(
                sa.select(members).where(
                    (members.c.class_id == info.class_id) & (members.c.lab_id == lab_id)
                )
            ).first()
            if existing is not None:
                return self._member(existing)
            count = connection.execute(
                sa.select(sa.func.count()).where(members.c.class_id == info.class_id)
            ).scalar_one()
            if count >= info.capacity:
                raise ClassError("class.error.full", capacity=info.capacity)
            recent = connection.execute(
                sa.select(sa.func.count()).where(
                    (members.c.class_id == info.class_id) & (members.c.joined_at > now - 60.0)
                )
            ).scalar_one()
            if recent >= self.joins_per_minute:
                raise ClassError("class.error.join_rate")
            taken = set(
                connection.execute(
                    sa.select(members.c.name_key).where(members.c.class_id == info.class_id)
                ).scalars()
            )
            chosen, number = name, 1
            while _name_key(chosen) in taken:
                number += 1
                chosen = _with_suffix(name, number)
            connection.execute(
                members.insert().values(
                    class_id=info.class_id,
                    lab_id=lab_id,
                    display_name=chosen,
                    name_key=_name_key(chosen),
                    joined_at=now,
                    step_seen=0,
                )
            )
        self._forget(info.class_id)
        return Member(info.class_id, lab_id, chosen, now, 0)

    @staticmethod
    def _member(row: sa.Row) -> Member:
        return Member(row.class_id, row.lab_id, row.display_name, row.joined_at, row.step_seen)

    def member_class(
        self, lab_id: str, now: float | None = None
    ) -> tuple[ClassInfo, Member] | None:
        """The class this lab joined last (open or ended, not expired) and its membership."""
        members = class_members_table
        with self.store._read() as connection:
            row = connection.execute(
                sa.select(members)
                .join(classes_table, classes_table.c.class_id == members.c.class_id)
                .where(members.c.lab_id == lab_id)
                .where(classes_table.c.expires_at > (time.time() if now is None else now))
                .order_by(members.c.joined_at.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            info = self._one(connection, classes_table.c.class_id == row.class_id)
        return (info, self._member(row)) if info is not None else None

    def members(self, class_id: str) -> list[Member]:
        """The class's members in joining order."""
        members = class_members_table
        with self.store._read() as connection:
            rows = connection.execute(
                sa.select(members)
                .where(members.c.class_id == class_id)
                .order_by(members.c.joined_at, members.c.display_name)
            ).all()
        return [self._member(row) for row in rows]

    def mark_step_seen(self, class_id: str, lab_id: str, step: int) -> None:
        """Record that this member's lab applied the settings of `step`."""
        members = class_members_table
        with self.store._write() as connection:
            connection.execute(
                members.update()
                .where((members.c.class_id == class_id) & (members.c.lab_id == lab_id))
                .values(step_seen=step)
            )

    def leave(self, class_id: str, lab_id: str) -> bool:
        """The lab leaves the class (its runs and drawings stay); False when it was not in it."""
        members = class_members_table
        with self.store._write() as connection:
            result = connection.execute(
                members.delete().where(
                    (members.c.class_id == class_id) & (members.c.lab_id == lab_id)
                )
            )
        self._forget(class_id)
        return result.rowcount > 0

    # --- the class's handwriting ---

    def add_drawing(
        self, class_id: str, lab_id: str, label: int, image: Any, now: float | None = None
    ) -> int:
        """Add a member's 28x28 drawing with its label; returns its id. Caps and rate limits."""
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
            raise ClassError("class.error.bad_label", max=NUM_CLASSES - 1)
        if not 0 <= int(label) < NUM_CLASSES:
            raise ClassError("class.error.bad_label", max=NUM_CLASSES - 1)
        data = image_bytes(image)
        now = time.time() if now is None else now
        drawings = class_drawings_table
        with self.store._write() as connection:
            info = self._one(connection, classes_table.c.class_id == class_id)
            if info is None or info.is_expired(now):
                raise ClassError("class.error.no_class")
            if info.is_ended:
                raise ClassError("class.error.ended", code=info.join_code)
            member = connection.execute(
                sa.select(class_members_table.c.lab_id).where(
                    (class_members_table.c.class_id == class_id)
                    & (class_members_table.c.lab_id == lab_id)
                )
            ).first()
            if member is None:
                raise ClassError("class.error.not_member")
            in_class = drawings.c.class_id == class_id
            counts = connection.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count().filter(drawings.c.lab_id == lab_id),
                    sa.func.count().filter(
                        (drawings.c.lab_id == lab_id) & (drawings.c.created_at > now - 60.0)
                    ),
                ).where(in_class)
            ).one()
            total, own, recent = counts
            if total >= self.drawings_per_class:
                raise ClassError("class.error.class_drawings_full", cap=self.drawings_per_class)
            if own >= self.drawings_per_student:
                raise ClassError("class.error.my_drawings_full", cap=self.drawings_per_student)
            if recent >= self.drawings_per_minute:
                raise ClassError("class.error.drawing_rate")
            result = connection.execute(
                drawings.insert().values(
                    class_id=class_id,
                    lab_id=lab_id,
                    label=int(label),
                    image=data,
                    created_at=now,
                )
            )
            return int(result.inserted_primary_key[0])

    def drawings(self, class_id: str, lab_id: str | None = None) -> list[ClassDrawing]:
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
        with self.store._read() as connection:
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
            if row.image is not None and len(row.image) == _IMAGE_BYTES
        ]

    def drawing_arrays(self, class_id: str) -> tuple[np.ndarray, np.ndarray]:
        """The class set as arrays: images uint8 (N, 28, 28) and labels uint8 (N,)."""
        found = self.drawings(class_id)
        if not found:
            empty = np.zeros((0, IMAGE_SIDE, IMAGE_SIDE), dtype=np.uint8)
            return empty, np.zeros((0,), dtype=np.uint8)
        images = np.stack([drawing.image for drawing in found]).astype(np.uint8)
        labels = np.array([drawing.label for drawing in found], dtype=np.uint8)
        return images, labels

    def drawing_count(self, class_id: str) -> int:
        """How many drawings the class set holds."""
        with self.store._read() as connection:
            return connection.execute(
                sa.select(sa.func.count()).where(class_drawings_table.c.class_id == class_id)
            ).scalar_one()

    def drawings_version(self, class_id: str) -> tuple[int, int, int]:
        """(count, smallest id, largest id) of the class set: changes when it changes."""
        drawings = class_drawings_table
        with self.store._read() as connection:
            count, first, last = connection.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.min(drawings.c.drawing_id),
                    sa.func.max(drawings.c.drawing_id),
                ).where(drawings.c.class_id == class_id)
            ).one()
        return int(count), int(first or 0), int(last or 0)

    def delete_drawing(self, teacher_key: str, drawing_id: int) -> bool:
        """The teacher removes a drawing from the set; False when it was not there."""
        info = self.class_for_teacher(teacher_key)
        drawings = class_drawings_table
        with self.store._write() as connection:
            result = connection.execute(
                drawings.delete().where(
                    (drawings.c.class_id == info.class_id) & (drawings.c.drawing_id == drawing_id)
                )
            )
            return result.rowcount > 0

    def delete_own_drawing(self, class_id: str, lab_id: str, drawing_id: int) -> bool:
        """A student removes one of their own drawings; False when it was not theirs."""
        drawings = class_drawings_table
        with self.store._write() as connection:
            result = connection.execute(
                drawings.delete().where(
                    (drawings.c.class_id == class_id)
                    & (drawings.c.lab_id == lab_id)
                    & (drawings.c.drawing_id == drawing_id)
                )
            )
            return result.rowcount > 0

    # --- the board ---

    def board(self, class_id: str, max_age_s: float | None = None) -> Board:
        """Members and their runs since joining, with histories; cached for max_age_s per class."""
        max_age = self.board_cache_s if max_age_s is None else max_age_s
        with self._lock:
            cached = self._boards.get(class_id)
        if cached is not None and time.time() - cached.fetched_at < max_age:
            return cached
        board = self._read_board(class_id)
        with self._lock:
            self._boards[class_id] = board
        return board

    def _read_board(self, class_id: str) -> Board:
        members, runs, epochs = class_members_table, runs_table, epochs_table
        # One query for every member's runs and epochs (no blobs, no epoch details).
        query = (
            sa.select(
                members.c.lab_id,
                members.c.display_name,
                members.c.joined_at,
                members.c.step_seen,
                runs.c.run_id,
                runs.c.label,
                runs.c.spec_json,
                runs.c.preset_key,
                runs.c.status,
                runs.c.error,
                runs.c.created_at,
                runs.c.ended_at,
                runs.c.epochs_done,
                runs.c.test_accuracy,
                models_table.c.run_id.label("model_run_id"),
                epochs.c.epoch,
                epochs.c.loss,
                epochs.c.accuracy,
                epochs.c.val_loss,
                epochs.c.val_accuracy,
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
        with self.store._read() as connection:
            info = self._one(connection, classes_table.c.class_id == class_id)
            if info is None:
                raise ClassError("class.error.no_class")
            rows = connection.execute(query).all()
        self.board_queries += 1
        seen_members: dict[str, Member] = {}
        built: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row.lab_id not in seen_members:
                seen_members[row.lab_id] = Member(
                    class_id, row.lab_id, row.display_name, row.joined_at, row.step_seen
                )
            if row.run_id is None:
                continue
            entry = built.get(row.run_id)
            if entry is None:
                entry = built[row.run_id] = {"row": row, "history": []}
            if row.epoch is not None:
                entry["history"].append(
                    {
                        "epoch": row.epoch,
                        **{
                            name: math.nan if getattr(row, name) is None else getattr(row, name)
                            for name in ("loss", "accuracy", "val_loss", "val_accuracy")
                        },
                    }
                )
        board_runs = []
        for entry in built.values():
            row = entry["row"]
            try:
                spec = RunSpec.from_json(row.spec_json)
            except ValueError:
                continue  # written by a newer NN Lab: leave it off the board
            board_runs.append(
                BoardRun(
                    run_id=row.run_id,
                    lab_id=row.lab_id,
                    display_name=row.display_name,
                    label=row.label,
                    spec=spec,
                    preset_key=row.preset_key,
                    status=row.status,
                    error=row.error,
                    created_at=row.created_at,
                    ended_at=row.ended_at,
                    epochs_done=row.epochs_done or 0,
                    test_accuracy=row.test_accuracy,
                    has_model=row.model_run_id is not None,
                    history=tuple(entry["history"]),
                )
            )
        ordered_members = sorted(seen_members.values(), key=lambda m: (m.joined_at, m.lab_id))
        return Board(info, tuple(ordered_members), tuple(board_runs))

    def leaderboard(self, class_id: str) -> list[LeaderEntry]:
        """Each student's best run for the class's challenge, or by test accuracy."""
        board = self.board(class_id)
        return leaderboard_entries(board.runs, board.info.challenge_key)

    def results_csv(self, class_id: str) -> str:
        """Every run of the class as CSV text (one row per run)."""
        return results_csv_text(self.board(class_id, max_age_s=0.0))

    # --- privacy ---

    def expire_classes(self, now: float | None = None) -> int:
        """Delete classes past their expiry with their members and drawings; returns how many."""
        now = time.time() if now is None else now
        with self.store._write() as connection:
            doomed = list(
                connection.execute(
                    sa.select(classes_table.c.class_id).where(classes_table.c.expires_at <= now)
                ).scalars()
            )
            for start in range(0, len(doomed), 500):
                chunk = doomed[start : start + 500]
                for table in (class_drawings_table, class_members_table, classes_table):
                    connection.execute(table.delete().where(table.c.class_id.in_(chunk)))
        for class_id in doomed:
            self._forget(class_id)
        return len(doomed)


_CLASS_STORES: weakref.WeakKeyDictionary[Store, ClassStore] = weakref.WeakKeyDictionary()
_CLASS_STORES_LOCK = threading.Lock()


def class_store(store: Store) -> ClassStore:
    """The process-wide ClassStore of `store` (shared by every session, so its cache is too)."""
    with _CLASS_STORES_LOCK:
        found = _CLASS_STORES.get(store)
        if found is None:
            found = _CLASS_STORES[store] = ClassStore(store)
        return found


def expire_classes(store: Store, now: float | None = None) -> int:
    """Delete expired classes of `store` (the engine's start-up cleanup calls this)."""
    if not isinstance(store, Store):
        return 0  # a stand-in store (tests) holds no classes
    return class_store(store).expire_classes(now)


def drawing_summary(drawings: Sequence[ClassDrawing]) -> dict[int, int]:
    """How many drawings of each label the set holds (every label present, 0 when none)."""
    counts = dict.fromkeys(range(NUM_CLASSES), 0)
    for drawing in drawings:
        counts[drawing.label] = counts.get(drawing.label, 0) + 1
    return counts


# --- fine-tuning on the class's handwriting -------------------------------------------------------

FINE_TUNE_EPOCHS = 2
FINE_TUNE_MNIST_IMAGES = 2_000  # an MNIST subset trains alongside, so the model keeps MNIST
FINE_TUNE_CLASS_SHARE = 0.25  # the class set, repeated, makes about this share of the images
FINE_TUNE_MAX_REPEATS = 20


@dataclass(frozen=True)
class FineTuneJob:
    """A short run that continues a model on the class set plus an MNIST subset."""

    spec: RunSpec  # the model's spec with the subset size, a few epochs, no early stopping
    images: np.ndarray  # uint8 (N * repeats, 28, 28): the class set, repeated
    labels: np.ndarray  # uint8 (N * repeats,)
    repeats: int  # how many times each class drawing is in the training data

    @property
    def extra_train(self) -> tuple[np.ndarray, np.ndarray]:
        """What nnlab.engine.Engine.submit(extra_train=...) takes."""
        return self.images, self.labels


def fine_tune_job(
    spec: RunSpec,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    mnist_images: int = FINE_TUNE_MNIST_IMAGES,
    epochs: int = FINE_TUNE_EPOCHS,
) -> FineTuneJob:
    """The fine-tuning run of a model of `spec`: ClassError when it cannot read digits or no set."""
    from nnlab import registry

    entry = registry.DATASETS.get(spec.dataset)
    if entry is None or not entry.handwritten_digits:
        raise ClassError("classset.error.not_digits")
    images = np.asarray(images, dtype=np.uint8)
    labels = np.asarray(labels, dtype=np.uint8)
    if len(images) == 0 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise ClassError("classset.error.empty")
    train_size = min(mnist_images, spec.train_size or mnist_images)
    wanted = FINE_TUNE_CLASS_SHARE * train_size / (1.0 - FINE_TUNE_CLASS_SHARE)
    repeats = int(min(FINE_TUNE_MAX_REPEATS, max(1, math.ceil(wanted / len(images)))))
    tuned = spec.replace(
        train_size=train_size,
        epochs=epochs,
        batch_size=min(spec.batch_size, train_size),
        early_stopping_patience=0,
    )
    return FineTuneJob(tuned, np.tile(images, (repeats, 1, 1)), np.tile(labels, repeats), repeats)
