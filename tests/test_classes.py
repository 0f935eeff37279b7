"""Classes in the store (nnlab.classroom.service) on SQLite, and on PostgreSQL when
NNLAB_TEST_DATABASE_URL names one: codes, joining, names, limits, steps, the handwriting set, the
board, CSV, expiry."""

from __future__ import annotations

import csv
import dataclasses
import io
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

import nnlab.classroom as classroom_package
from nnlab.classroom.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    clean_display_name,
    join_url,
    normalise_code,
    qr_png,
    teacher_url,
)
from nnlab.classroom.errors import ClassError
from nnlab.classroom.leaderboard import BoardRun, leaderboard_entries
from nnlab.classroom.service import ClassStore
from nnlab.core.labs import new_lab_id
from nnlab.core.runs import RECORD_FIELDS, EpochRow, RunRecord
from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.store import schema
from nnlab.store.database import sqlite_url
from nnlab.store.migrations import SCHEMA_VERSION
from nnlab.store.schema import class_members_table, classes_table
from nnlab.store.store import Store
from tests.pg import fresh_schema_url, postgres_test_url

DAY = 86400.0


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store: a SQLite file, or a fresh schema on the test PostgreSQL."""
    if request.param == "sqlite":
        opened = Store(sqlite_url(tmp_path / "data" / "nnlab.sqlite3"))
        yield opened
        opened.close()
        return
    with fresh_schema_url(postgres_test_url()) as url:
        opened = Store(url)
        yield opened
        opened.close()


@pytest.fixture
def classes(store: Store) -> ClassStore:
    return ClassStore(store)


def new_class(classes: ClassStore, **options) -> tuple:
    options.setdefault("locked", ["dataset", "loss"])
    return classes.create_class("Period 3", RunSpec(), **options)


def add_run(store: Store, lab: str, *, accuracies=(0.8, 0.9), test=None, status="finished",
            spec: RunSpec | None = None, label: str = "#1") -> str:  # fmt: skip
    run_id = uuid.uuid4().hex
    spec = spec or RunSpec(hidden_layers=(LayerSpec.dense(16),), epochs=len(accuracies))
    store.add_run(RunRecord(run_id=run_id, lab_id=lab, label=label, spec=spec, status="running"))
    for epoch, accuracy in enumerate(accuracies, start=1):
        row = EpochRow(epoch=epoch, loss=1 - accuracy, accuracy=accuracy, val_loss=0.5,
                       val_accuracy=accuracy - 0.01)  # fmt: skip
        store.add_epoch(run_id, row)
    if status != "running":
        store.finish_run(run_id, status=status, test_accuracy=test, network_bytes=b"net")
    return run_id


# --- codes and joining ----------------------------------------------------------------------------


def test_schema_has_the_class_tables(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION >= 3
    with store._engine.begin() as connection:
        names = set(sa.inspect(connection).get_table_names())
    assert {"classes", "class_members", "class_drawings"} <= names


def test_create_and_join_by_code(classes: ClassStore) -> None:
    info, key = new_class(classes, challenge_key="mnist_small", capacity=30, expiry_days=2)
    assert len(info.join_code) == CODE_LENGTH and set(info.join_code) <= set(CODE_ALPHABET)
    assert not set(info.join_code) & set("01IO")
    assert len(key) >= 30 and info.locked == {"dataset", "loss"} and info.step == 1
    assert info.expires_at - info.created_at == pytest.approx(2 * DAY)
    # the store keeps only a hash of the teacher key
    with classes.store._engine.begin() as connection:
        stored = connection.execute(sa.select(classes_table)).one()
    assert key not in [str(value) for value in stored]
    # codes are read forgivingly: case, spaces and a dash
    typed = f" {info.join_code[:3].lower()}-{info.join_code[3:]} "
    assert classes.class_by_code(typed).class_id == info.class_id
    assert classes.class_for_teacher(key).class_id == info.class_id
    lab = new_lab_id()
    member = classes.join(typed, lab, "  Mina   Kim ")
    assert member.display_name == "Mina Kim"
    found, membership = classes.member_class(lab)
    assert found.class_id == info.class_id and membership.display_name == "Mina Kim"
    assert found.member_count == 1 and found.spec == RunSpec()
    # joining again from the same lab changes nothing
    assert classes.join(info.join_code, lab, "Someone else") == member
    assert classes.member_class(new_lab_id()) is None


def test_duplicate_names_get_suffixes(classes: ClassStore) -> None:
    info, _ = new_class(classes)
    names = [classes.join(info.join_code, new_lab_id(), name).display_name
             for name in ("Mina", "mina", "MINA", "민준", "민준")]  # fmt: skip
    assert names == ["Mina", "mina 2", "MINA 3", "민준", "민준 2"]
    long_name = "A" * 24
    assert classes.join(info.join_code, new_lab_id(), long_name).display_name == long_name
    second = classes.join(info.join_code, new_lab_id(), long_name).display_name
    assert second == "A" * 22 + " 2" and len(second) == 24


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", "class.error.name_length"),
        ("   ", "class.error.name_length"),
        ("x" * 25, "class.error.name_length"),
        ("<script>", "class.error.name_characters"),
        ("Mina 😀", "class.error.name_characters"),
        ("a@b.com", "class.error.name_characters"),
        (None, "class.error.name_length"),
    ],
)
def test_bad_names_are_rejected(name, key: str) -> None:
    with pytest.raises(ClassError) as caught:
        clean_display_name(name)
    assert caught.value.key == key
    assert "[" not in caught.value.message("ko")  # the message exists in Korean too


def test_good_names_are_kept() -> None:
    assert clean_display_name("Zoë O'Neil-Park") == "Zoë O'Neil-Park"
    assert clean_display_name("김 민준") == "김 민준"


def test_full_class_says_so(classes: ClassStore) -> None:
    info, _ = new_class(classes, capacity=2)
    classes.join(info.join_code, new_lab_id(), "A")
    classes.join(info.join_code, new_lab_id(), "B")
    with pytest.raises(ClassError) as caught:
        classes.join(info.join_code, new_lab_id(), "C")
    assert caught.value.key == "class.error.full" and "2" in str(caught.value)
    assert len(classes.members(info.class_id)) == 2


@pytest.mark.parametrize("code", ["", "ABC", "ABCDEFG", "AB0DEF", "ABCDE!", 12])
def test_malformed_codes_say_what_a_code_looks_like(code) -> None:
    with pytest.raises(ClassError) as caught:
        normalise_code(code)
    assert caught.value.key == "class.error.bad_code"


def test_wrong_expired_and_ended_codes(classes: ClassStore) -> None:
    with pytest.raises(ClassError) as caught:
        classes.class_by_code("ABCDEF")
    assert caught.value.key == "class.error.unknown_code" and "ABCDEF" in str(caught.value)
    info, key = new_class(classes, expiry_days=1)
    later = time.time() + 2 * DAY
    with pytest.raises(ClassError) as caught:
        classes.join(info.join_code, new_lab_id(), "Mina", now=later)
    assert caught.value.key == "class.error.expired"
    with pytest.raises(ClassError) as caught:
        classes.class_for_teacher(key, now=later)
    assert caught.value.key == "class.error.key_expired"
    ended = classes.end_class(key)
    assert ended.is_ended and not ended.is_open()
    with pytest.raises(ClassError) as caught:
        classes.join(info.join_code, new_lab_id(), "Mina")
    assert caught.value.key == "class.error.ended"
    # the teacher still opens an ended class (the board and the CSV stay until expiry)
    assert classes.class_for_teacher(key).is_ended
    for bad_key in ("", "short", "x" * 40, None):
        with pytest.raises(ClassError) as caught:
            classes.class_for_teacher(bad_key)
        assert caught.value.key == "class.error.bad_key"


def test_bad_class_settings_are_refused(classes: ClassStore) -> None:
    for options, key in (
        ({"capacity": 0}, "class.error.capacity"),
        ({"capacity": 10_000}, "class.error.capacity"),
        ({"expiry_days": 0}, "class.error.expiry"),
        ({"expiry_days": 365}, "class.error.expiry"),
        ({"challenge_key": "nope"}, "class.error.challenge"),
    ):
        with pytest.raises(ClassError) as caught:
            new_class(classes, **options)
        assert caught.value.key == key
    with pytest.raises(ClassError):
        classes.create_class("   ", RunSpec())


def test_joins_are_rate_limited_per_class(store: Store) -> None:
    classes = ClassStore(store, joins_per_minute=3)
    info, _ = new_class(classes)
    other, _ = new_class(classes)
    now = time.time()
    for number in range(3):
        classes.join(info.join_code, new_lab_id(), f"S{number}", now=now)
    with pytest.raises(ClassError) as caught:
        classes.join(info.join_code, new_lab_id(), "S3", now=now + 1)
    assert caught.value.key == "class.error.join_rate"
    classes.join(other.join_code, new_lab_id(), "S3", now=now + 1)  # another class is not held up
    classes.join(info.join_code, new_lab_id(), "S3", now=now + 61)  # a minute later it goes on


def test_push_step_changes_settings_and_locks(classes: ClassStore) -> None:
    info, key = new_class(classes)
    lab = new_lab_id()
    classes.join(info.join_code, lab, "Mina")
    spec = RunSpec(epochs=3, learning_rate=0.01)
    pushed = classes.push_step(key, spec, locked=["epochs", "learning_rate"], hidden=["seed"])
    assert pushed.step == 2 and pushed.spec == spec
    assert pushed.locked == {"epochs", "learning_rate"} and pushed.hidden == {"seed"}
    found, member = classes.member_class(lab)
    assert found.step == 2 and member.step_seen == 0
    classes.mark_step_seen(info.class_id, lab, 2)
    assert classes.member_class(lab)[1].step_seen == 2
    # locks kept when not given; a field both locked and hidden is hidden
    again = classes.push_step(key, RunSpec(), hidden=["loss"], locked=["loss", "dataset"])
    assert again.step == 3 and again.locked == {"dataset"} and again.hidden == {"loss"}
    kept = classes.push_step(key, RunSpec())
    assert kept.locked == {"dataset"} and kept.hidden == {"loss"}
    with pytest.raises(ClassError):
        classes.push_step("x" * 32, RunSpec())


# --- the handwriting set -------------------------------------------------------------------------


def test_drawings_caps_rate_and_delete(store: Store) -> None:
    classes = ClassStore(store, drawings_per_student=3, drawings_per_class=5, drawings_per_minute=2)
    info, key = new_class(classes)
    mina, joon, tae = new_lab_id(), new_lab_id(), new_lab_id()
    for lab, name in ((mina, "Mina"), (joon, "Joon"), (tae, "Tae")):
        classes.join(info.join_code, lab, name)
    digit = np.zeros((28, 28), np.uint8)
    digit[5:20, 12:15] = 255
    now = time.time()
    first = classes.add_drawing(info.class_id, mina, 1, digit, now=now)
    classes.add_drawing(info.class_id, mina, 7, digit.astype(np.float32) / 255.0, now=now)
    with pytest.raises(ClassError) as caught:
        classes.add_drawing(info.class_id, mina, 1, digit, now=now + 1)
    assert caught.value.key == "class.error.drawing_rate"
    classes.add_drawing(info.class_id, mina, 2, digit, now=now + 61)
    with pytest.raises(ClassError) as caught:
        classes.add_drawing(info.class_id, mina, 3, digit, now=now + 200)
    assert caught.value.key == "class.error.my_drawings_full"
    classes.add_drawing(info.class_id, joon, 4, digit, now=now)
    classes.add_drawing(info.class_id, joon, 5, digit, now=now)
    with pytest.raises(ClassError) as caught:
        classes.add_drawing(info.class_id, tae, 6, digit, now=now)
    assert caught.value.key == "class.error.class_drawings_full"
    found = classes.drawings(info.class_id)
    assert [d.label for d in found] == [1, 7, 2, 4, 5]
    assert found[0].display_name == "Mina" and found[0].image.dtype == np.uint8
    assert np.array_equal(found[1].image, digit)  # floats 0..1 come back as the same uint8
    images, labels = classes.drawing_arrays(info.class_id)
    assert images.shape == (5, 28, 28) and labels.tolist() == [1, 7, 2, 4, 5]
    assert [d.label for d in classes.drawings(info.class_id, lab_id=joon)] == [4, 5]
    # the teacher deletes a bad one; a student only their own
    assert classes.delete_drawing(key, first) is True
    assert classes.delete_drawing(key, first) is False
    assert classes.delete_own_drawing(info.class_id, tae, found[3].drawing_id) is False
    assert classes.delete_own_drawing(info.class_id, joon, found[3].drawing_id) is True
    assert classes.drawing_count(info.class_id) == 3
    classes.add_drawing(info.class_id, tae, 6, digit, now=now)  # room again


def test_bad_drawings_and_strangers_are_refused(classes: ClassStore) -> None:
    info, key = new_class(classes)
    lab = new_lab_id()
    classes.join(info.join_code, lab, "Mina")
    digit = np.zeros((28, 28), np.uint8)
    cases = (
        (lab, 10, digit, "class.error.bad_label"),
        (lab, True, digit, "class.error.bad_label"),
        (lab, 3, np.zeros((27, 28), np.uint8), "class.error.bad_image"),
        (lab, 3, np.full((28, 28), np.nan), "class.error.bad_image"),
        (lab, 3, b"abc", "class.error.bad_image"),
        (new_lab_id(), 3, digit, "class.error.not_member"),
    )
    for who, label, image, error in cases:
        with pytest.raises(ClassError) as caught:
            classes.add_drawing(info.class_id, who, label, image)
        assert caught.value.key == error
    classes.end_class(key)
    with pytest.raises(ClassError) as caught:
        classes.add_drawing(info.class_id, lab, 3, digit)
    assert caught.value.key == "class.error.ended"
    assert classes.drawing_count(info.class_id) == 0


# --- the board, the leaderboard, the CSV ---------------------------------------------------------


def test_board_shows_members_runs_since_joining(store: Store, classes: ClassStore) -> None:
    info, _ = new_class(classes)
    mina, joon = new_lab_id(), new_lab_id()
    before = add_run(store, mina, test=0.5)  # trained before joining: not the class's
    classes.join(info.join_code, mina, "Mina")
    classes.join(info.join_code, joon, "Joon")
    done = add_run(store, mina, accuracies=(0.8, 0.9), test=0.91)
    live = add_run(store, joon, accuracies=(0.7,), status="running")
    board = classes.board(info.class_id, max_age_s=0)
    assert [m.display_name for m in board.members] == ["Mina", "Joon"]
    assert [run.run_id for run in board.runs] == [done, live]
    assert before not in {run.run_id for run in board.runs}
    finished, running = board.runs
    assert finished.display_name == "Mina" and finished.has_model and finished.test_accuracy == 0.91
    assert [row.epoch for row in finished.history] == [1, 2]
    assert finished.current_accuracy == pytest.approx(0.89)
    assert running.status == "running" and running.epochs_done == 1 and not running.has_model
    assert running.current_accuracy == pytest.approx(0.69)
    assert board.status_counts() == {"finished": 1, "running": 1}


def test_board_is_cached_per_class(store: Store, classes: ClassStore) -> None:
    info, _ = new_class(classes)
    lab = new_lab_id()
    classes.join(info.join_code, lab, "Mina")
    first = classes.board(info.class_id)
    assert classes.board(info.class_id) is first and classes.board_queries == 1
    add_run(store, lab)
    assert classes.board(info.class_id, max_age_s=0).runs  # a fresh read sees the new run
    assert classes.board_queries == 2


def test_members_step_checks_share_one_read_and_see_a_push_at_once(
    classes: ClassStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    info, key = new_class(classes)
    reads = []
    real_get_class = classes.get_class
    monkeypatch.setattr(
        classes, "get_class", lambda class_id: reads.append(1) or real_get_class(class_id)
    )
    # Thirty members asking within the cache's age: one read of the class row.
    answers = {classes.recent_class(info.class_id).step for _ in range(30)}
    assert answers == {1} and len(reads) == 1
    # The teacher's push (in this process) clears it: the next check sees step 2 at once.
    classes.push_step(key, RunSpec(epochs=3))
    assert classes.recent_class(info.class_id).step == 2 and len(reads) == 2
    classes.end_class(key)
    assert classes.recent_class(info.class_id).is_ended
    assert classes.recent_class("no-such-class") is None


def test_leaderboard_by_test_accuracy_and_by_challenge(store: Store, classes: ClassStore) -> None:
    info, _ = new_class(classes)
    mina, joon, tae = new_lab_id(), new_lab_id(), new_lab_id()
    for lab, name in ((mina, "Mina"), (joon, "Joon"), (tae, "Tae")):
        classes.join(info.join_code, lab, name)
    add_run(store, mina, test=0.90)
    add_run(store, mina, test=0.95, label="#2")
    add_run(store, joon, test=0.93)
    add_run(store, tae, test=None, status="failed")
    board = classes.leaderboard(info.class_id)
    assert [(e.rank, e.display_name, e.label, e.accuracy) for e in board] == [
        (1, "Mina", "#2", 0.95),
        (2, "Joon", "#1", 0.93),
    ]
    assert "MNIST 784-16-10" in board[0].settings
    # a challenge ranks by its own rules: a big network breaks the 20,000-parameter rule
    runs = classes.board(info.class_id, max_age_s=0).runs
    big = RunSpec(hidden_layers=(LayerSpec.dense(128),))
    runs = tuple(run if run.display_name != "Mina" else _with_spec(run, big) for run in runs)
    ranked = leaderboard_entries(runs, "mnist_small")
    assert [e.display_name for e in ranked] == ["Joon", "Mina"]
    assert ranked[1].progress == 0 and ranked[1].message_key == "challenge.msg.too_many_parameters"


def _with_spec(run, spec: RunSpec):
    from dataclasses import replace

    return replace(run, spec=spec)


def test_results_csv_has_one_row_per_run(store: Store, classes: ClassStore) -> None:
    info, _ = new_class(classes)
    mina, joon = new_lab_id(), new_lab_id()
    classes.join(info.join_code, mina, "Mina O'Neil")
    classes.join(info.join_code, joon, "Joon")
    ids = [add_run(store, mina, test=0.9), add_run(store, mina, test=0.8, label="#2, again"),
           add_run(store, joon, status="running")]  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(classes.results_csv(info.class_id))))
    assert [row["run_id"] for row in rows] == ids
    assert rows[0]["student"] == "Mina O'Neil" and rows[0]["test_accuracy"] == "0.9000"
    assert rows[1]["run"] == "#2, again"  # a comma in a value is quoted, not a new column
    assert rows[2]["status"] == "running" and rows[2]["test_accuracy"] == ""
    assert rows[0]["hidden_layers"] == "d16relu" and rows[0]["dataset"] == "mnist"


def test_expiry_deletes_the_class_data(store: Store, classes: ClassStore) -> None:
    old, old_key = new_class(classes, expiry_days=1)
    young, _ = new_class(classes, expiry_days=30)
    lab = new_lab_id()
    classes.join(old.join_code, lab, "Mina")
    classes.join(young.join_code, new_lab_id(), "Joon")
    classes.add_drawing(old.class_id, lab, 3, np.zeros((28, 28), np.uint8))
    run_id = add_run(store, lab)
    assert classes.expire_classes(time.time()) == 0
    assert classes.expire_classes(time.time() + 2 * DAY) == 1
    assert classes.get_class(old.class_id) is None and classes.get_class(young.class_id)
    assert classes.drawing_count(old.class_id) == 0
    with store._engine.begin() as connection:
        names = connection.execute(sa.select(class_members_table.c.display_name)).scalars()
        assert list(names) == ["Joon"]
    with pytest.raises(ClassError) as caught:
        classes.class_for_teacher(old_key)
    assert caught.value.key == "class.error.bad_key"
    assert store.get_run(run_id) is not None  # the student's own run stays in their lab


def test_the_store_expires_classes(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "s.sqlite3"))
    info, _ = ClassStore(store).create_class("Old", RunSpec(), expiry_days=1, now=0.0)
    assert store.expire_classes() == 1  # what the engine calls at start-up
    assert ClassStore(store).get_class(info.class_id) is None
    store.close()


def test_links_and_qr_code() -> None:
    assert join_url("http://host:8501/", "K7M2QX") == "http://host:8501/?join=K7M2QX"
    assert teacher_url("http://host", "abc_-1") == "http://host/class_board?class_key=abc_-1"
    png = qr_png("http://host:8501/?join=K7M2QX")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    assert image.size[0] == image.size[1] >= 200


def test_csv_cells_never_start_a_formula(store: Store, classes: ClassStore) -> None:
    info, _ = new_class(classes)
    lab = new_lab_id()
    classes.join(info.join_code, lab, "-2-3")
    add_run(store, lab, test=0.9)
    rows = list(csv.DictReader(io.StringIO(classes.results_csv(info.class_id))))
    assert rows[0]["student"] == "'-2-3"


def test_creating_a_class_deletes_expired_ones(classes: ClassStore) -> None:
    old, _ = classes.create_class("Old", RunSpec(), expiry_days=1, now=time.time() - 2 * DAY)
    new_class(classes)
    assert classes.get_class(old.class_id) is None


def test_version_2_database_gains_the_class_tables(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "v2.sqlite3")
    with sa.create_engine(url).begin() as connection:
        old_tables = [
            table for table in schema.metadata.sorted_tables if not table.name.startswith("class")
        ]
        schema.metadata.create_all(connection, tables=old_tables)
        connection.execute(schema.meta_table.insert().values(key="schema_version", value="2"))
    opened = Store(url)
    assert opened.schema_version() == SCHEMA_VERSION
    info, _ = ClassStore(opened).create_class("Migrated", RunSpec())
    assert ClassStore(opened).class_by_code(info.join_code).name == "Migrated"
    opened.close()


def test_drawings_version_changes_with_the_set(classes: ClassStore) -> None:
    info, key = new_class(classes)
    lab = new_lab_id()
    classes.join(info.join_code, lab, "Mina")
    assert classes.drawings_version(info.class_id) == (0, 0, 0)
    digit = np.zeros((28, 28), np.uint8)
    first = classes.add_drawing(info.class_id, lab, 1, digit)
    classes.add_drawing(info.class_id, lab, 2, digit)
    before = classes.drawings_version(info.class_id)
    classes.delete_drawing(key, first)
    classes.add_drawing(info.class_id, lab, 3, digit)  # the same count, another set
    assert classes.drawings_version(info.class_id) != before


def test_a_board_run_is_a_run_record_plus_the_board_s_fields(
    store: Store, classes: ClassStore
) -> None:
    info, _ = new_class(classes)
    lab = new_lab_id()
    classes.join(info.join_code, lab, "Mina")
    run_id = add_run(store, lab, accuracies=(0.8,), test=0.85)
    (run,) = classes.board(info.class_id, max_age_s=0).runs
    assert isinstance(run, RunRecord) and isinstance(run.history[0], EpochRow)
    added = {field.name for field in dataclasses.fields(BoardRun)} - set(RECORD_FIELDS)
    assert added == {"display_name", "history"}
    assert run.record() == store.get_run(run_id)  # the stored fields, exactly as stored


def test_the_classroom_holds_no_sql() -> None:
    folder = Path(classroom_package.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text()
        assert "sqlalchemy" not in text and "_read(" not in text and "_write(" not in text, path
