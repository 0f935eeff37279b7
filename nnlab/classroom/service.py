"""Class mode's rules: creating a class, joining it, its steps, its end, its handwriting, its board.

A class lives in the run store (tables `classes`, `class_members`, `class_drawings`; all their
SQL is nnlab/store/classes.py). The teacher creates one and gets a short join code (for students)
and a long secret key (for the teacher link; only its sha256 is stored). Students join with the
code and a display name (no account); their lab's runs from then on are the class's runs.

`ClassStore` wraps a `nnlab.store.store.Store` (`class_store(store)` gives the process-wide one,
whose board cache every session shares) and calls the store's typed class methods:
- `create_class(name, spec, ...) -> (ClassInfo, teacher_key)`
- `class_by_code(code) -> ClassInfo` (ClassError: bad/unknown/expired/ended code)
- `class_for_teacher(teacher_key) -> ClassInfo` (ClassError: wrong/expired key)
- `join(code, lab_id, display_name) -> Member` (ClassError: bad name, full, too many joins)
- `member_class(lab_id) -> (ClassInfo, Member) | None`: the class the lab joined last
- `mark_step_seen(class_id, lab_id, step)`: the student applied that step's settings
- `members(class_id)`, `get_class(class_id)`, `recent_class(class_id)`, `leave(class_id, lab_id)`
- `push_step(teacher_key, spec, preset_key, locked, hidden) -> ClassInfo` (step + 1)
- `end_class(teacher_key) -> ClassInfo`
- `add_drawing(class_id, lab_id, label, image) -> int`, `drawings(class_id)`,
  `drawing_arrays(class_id) -> (images uint8 (N,28,28), labels uint8 (N,))`,
  `drawing_count(class_id)`, `drawings_version(class_id)`, `delete_drawing(teacher_key,
  drawing_id)`, `delete_own_drawing(class_id, lab_id, drawing_id)`
- `board(class_id) -> Board` (cached ~2 s per class), `leaderboard(class_id)`,
  `results_csv(class_id) -> str`, `expire_classes(now) -> int`
Codes, names and links are nnlab/classroom/codes.py; the board's views, the leaderboard and the
CSV nnlab/classroom/leaderboard.py; fine-tuning nnlab/classroom/finetune.py. Errors are
`ClassError(key, **values)` (nnlab/classroom/errors.py): a text key in
nnlab/locales/class_mode.py, translated by the page with `error.message(lang)`.
"""

from __future__ import annotations

import threading
import time
import uuid
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from nnlab.classroom.codes import (
    clean_display_name,
    hash_key,
    name_key,
    new_join_code,
    new_teacher_key,
    normalise_code,
    teacher_key_hash,
    with_suffix,
)
from nnlab.classroom.errors import ClassError
from nnlab.classroom.leaderboard import (
    Board,
    BoardRun,
    LeaderEntry,
    leaderboard_entries,
    results_csv_text,
)
from nnlab.core.challenges import CHALLENGES
from nnlab.core.links import SPEC_FIELDS
from nnlab.core.runs import RECORD_FIELDS
from nnlab.core.shapes import IMAGE_SIDE, NUM_CLASSES
from nnlab.core.spec import RunSpec
from nnlab.store.classes import (
    IMAGE_BYTES,
    ClassDrawing,
    ClassInfo,
    DrawingFacts,
    JoinFacts,
    Member,
    MemberRun,
    NewClass,
)
from nnlab.store.store import Store

DEFAULT_EXPIRY_DAYS = 7.0
MAX_EXPIRY_DAYS = 90.0
DEFAULT_CAPACITY = 60
MAX_CAPACITY = 500
MAX_CLASS_NAME = 80
JOINS_PER_MINUTE = 60  # per class: a full default class may join in one minute, a script not
DRAWINGS_PER_STUDENT = 50
DRAWINGS_PER_CLASS = 1000
DRAWINGS_PER_MINUTE = 12  # per student
BOARD_CACHE_S = 2.0  # one board query per class per this many seconds, whoever watches


def image_bytes(image: Any) -> bytes:
    """A 28x28 drawing as 784 uint8 bytes; ClassError for anything else."""
    if isinstance(image, (bytes, bytearray)):
        if len(image) != IMAGE_BYTES:
            raise ClassError("class.error.bad_image", side=IMAGE_SIDE)
        return bytes(image)
    array = np.asarray(image)
    if array.shape not in ((IMAGE_SIDE, IMAGE_SIDE), (IMAGE_BYTES,)):
        raise ClassError("class.error.bad_image", side=IMAGE_SIDE)
    if array.dtype != np.uint8:
        if not np.all(np.isfinite(array)):
            raise ClassError("class.error.bad_image", side=IMAGE_SIDE)
        # floats in 0..1 (the drawing pipeline's output) or 0..255
        scale = 255.0 if array.size and float(np.max(array)) <= 1.0 else 1.0
        array = np.clip(np.rint(array.astype(np.float64) * scale), 0, 255).astype(np.uint8)
    return array.astype(np.uint8).tobytes()


def drawing_summary(drawings: Sequence[ClassDrawing]) -> dict[int, int]:
    """How many drawings of each label the set holds (every label present, 0 when none)."""
    counts = dict.fromkeys(range(NUM_CLASSES), 0)
    for drawing in drawings:
        counts[drawing.label] = counts.get(drawing.label, 0) + 1
    return counts


def _fields(names: Iterable[str]) -> list[str]:
    known = set(SPEC_FIELDS)
    return sorted({name for name in names if name in known})


def _board_run(run: MemberRun) -> BoardRun:
    record = run.record
    stored = {name: getattr(record, name) for name in RECORD_FIELDS}
    return BoardRun(**stored, display_name=run.display_name, history=run.history)


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

    def _forget(self, class_id: str) -> None:
        with self._lock:
            self._boards.pop(class_id, None)
            self._recent.pop(class_id, None)

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
        teacher_key = new_teacher_key()
        new = NewClass(
            class_id=uuid.uuid4().hex,
            teacher_key_hash=hash_key(teacher_key),
            name=name,
            spec=spec,
            preset_key=preset_key,
            locked=tuple(locked_fields),
            hidden=tuple(hidden_fields),
            challenge_key=challenge_key,
            capacity=capacity,
            created_at=now,
            expires_at=now + float(expiry_days) * 86400.0,
        )
        info = self.store.insert_class(new, new_join_code)
        if info is None:
            raise ClassError("class.error.no_code")
        return info, teacher_key

    def class_by_code(self, code: object, now: float | None = None) -> ClassInfo:
        """The open class with this join code; ClassError saying what is wrong otherwise."""
        normalised = normalise_code(code)
        info = self.store.find_class(join_code=normalised)
        if info is None:
            raise ClassError("class.error.unknown_code", code=normalised)
        if info.is_expired(now):
            raise ClassError("class.error.expired", code=normalised)
        if info.is_ended:
            raise ClassError("class.error.ended", code=normalised)
        return info

    def class_for_teacher(self, teacher_key: object, now: float | None = None) -> ClassInfo:
        """The class this teacher key manages (also once ended); ClassError when none/expired."""
        info = self.store.find_class(teacher_key_hash=teacher_key_hash(teacher_key))
        if info is None:
            raise ClassError("class.error.bad_key")
        if info.is_expired(now):
            raise ClassError("class.error.key_expired")
        return info

    def get_class(self, class_id: str) -> ClassInfo | None:
        """The class with this id (open, ended or expired), or None."""
        return self.store.find_class(class_id=class_id)

    def recent_class(self, class_id: str, max_age_s: float | None = None) -> ClassInfo | None:
        """The class as read at most max_age_s ago (one read for all its members' step checks)."""
        # A teacher's push or end in this process is seen at once: they clear the entry.
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
        updated = self.store.set_class_step(
            info.class_id, spec, preset_key=preset_key, locked=locked_fields, hidden=hidden_fields
        )
        self._forget(info.class_id)
        assert updated is not None
        return updated

    def end_class(self, teacher_key: str, now: float | None = None) -> ClassInfo:
        """End the class: no more joins or drawings; the board and results stay until expiry."""
        info = self.class_for_teacher(teacher_key)
        if info.is_ended:
            return info
        ended = self.store.set_class_ended(info.class_id, time.time() if now is None else now)
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

        def choose_name(facts: JoinFacts) -> tuple[str, str]:
            # Runs in the join's transaction: the counts cannot change before the insert.
            if facts.member_count >= info.capacity:
                raise ClassError("class.error.full", capacity=info.capacity)
            if facts.joined_last_minute >= self.joins_per_minute:
                raise ClassError("class.error.join_rate")
            chosen, number = name, 1
            while name_key(chosen) in facts.taken_name_keys:
                number += 1
                chosen = with_suffix(name, number)
            return chosen, name_key(chosen)

        member = self.store.add_member(info.class_id, lab_id, now, choose_name)
        self._forget(info.class_id)
        return member

    def member_class(
        self, lab_id: str, now: float | None = None
    ) -> tuple[ClassInfo, Member] | None:
        """The class this lab joined last (open or ended, not expired) and its membership."""
        return self.store.lab_class(lab_id, time.time() if now is None else now)

    def members(self, class_id: str) -> list[Member]:
        """The class's members in joining order."""
        return self.store.class_members(class_id)

    def mark_step_seen(self, class_id: str, lab_id: str, step: int) -> None:
        """Record that this member's lab applied the settings of `step`."""
        self.store.set_step_seen(class_id, lab_id, step)

    def leave(self, class_id: str, lab_id: str) -> bool:
        """The lab leaves the class (its runs and drawings stay); False when it was not in it."""
        left = self.store.remove_member(class_id, lab_id)
        self._forget(class_id)
        return left

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

        def check(facts: DrawingFacts) -> None:
            # Runs in the insert's transaction: the counts cannot change before the insert.
            info = facts.info
            if info is None or info.is_expired(now):
                raise ClassError("class.error.no_class")
            if info.is_ended:
                raise ClassError("class.error.ended", code=info.join_code)
            if not facts.is_member:
                raise ClassError("class.error.not_member")
            if facts.class_drawings >= self.drawings_per_class:
                raise ClassError("class.error.class_drawings_full", cap=self.drawings_per_class)
            if facts.own_drawings >= self.drawings_per_student:
                raise ClassError("class.error.my_drawings_full", cap=self.drawings_per_student)
            if facts.own_last_minute >= self.drawings_per_minute:
                raise ClassError("class.error.drawing_rate")

        return self.store.add_class_drawing(class_id, lab_id, int(label), data, now, check)

    def drawings(self, class_id: str, lab_id: str | None = None) -> list[ClassDrawing]:
        """The class's drawings (or one member's) in the order added, with their authors' names."""
        return self.store.class_drawings(class_id, lab_id)

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
        return self.store.class_drawing_count(class_id)

    def drawings_version(self, class_id: str) -> tuple[int, int, int]:
        """(count, smallest id, largest id) of the class set: changes when it changes."""
        return self.store.class_drawings_version(class_id)

    def delete_drawing(self, teacher_key: str, drawing_id: int) -> bool:
        """The teacher removes a drawing from the set; False when it was not there."""
        info = self.class_for_teacher(teacher_key)
        return self.store.delete_class_drawing(info.class_id, drawing_id)

    def delete_own_drawing(self, class_id: str, lab_id: str, drawing_id: int) -> bool:
        """A student removes one of their own drawings; False when it was not theirs."""
        return self.store.delete_class_drawing(class_id, drawing_id, lab_id=lab_id)

    # --- the board ---

    def board(self, class_id: str, max_age_s: float | None = None) -> Board:
        """Members and their runs since joining, with histories; cached for max_age_s per class."""
        max_age = self.board_cache_s if max_age_s is None else max_age_s
        with self._lock:
            cached = self._boards.get(class_id)
        if cached is not None and time.time() - cached.fetched_at < max_age:
            return cached
        rows = self.store.class_board(class_id)
        if rows is None:
            raise ClassError("class.error.no_class")
        self.board_queries += 1
        board = Board(rows.info, rows.members, tuple(_board_run(run) for run in rows.runs))
        with self._lock:
            self._boards[class_id] = board
        return board

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
        doomed = self.store.delete_expired_classes(time.time() if now is None else now)
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
