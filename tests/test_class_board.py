"""Class mode for teachers through AppTest: the Classroom page creates a class (code, links, QR),
the class board opens with the teacher key (and refuses a wrong one), shows the class's runs and
leaderboard, pushes a new step, deletes a bad drawing, ends the class."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import app_test

from nnlab.classes import ClassStore, class_store
from nnlab.spec import LayerSpec, RunSpec
from nnlab.store import RunRecord, Store, new_lab_id, new_run_id, sqlite_url
from pages import _state as state

CLASSROOM = "pages/5_classroom.py"
BOARD = "pages/6_class_board.py"


@pytest.fixture
def store(fake_engine, tmp_path: Path) -> Store:
    """A real store behind the fake engine: the pages' class_store() uses it."""
    opened = Store(sqlite_url(tmp_path / "classes.sqlite3"))
    fake_engine.store = opened
    yield opened
    opened.close()


def texts(app) -> str:
    """Every text the page shows (markdown, captions, alerts, html) in one string."""
    parts = [element.value for element in app.markdown]
    parts += [element.value for element in app.caption]
    for kind in (app.error, app.warning, app.info, app.success):
        parts += [element.value for element in kind]
    parts += [str(getattr(element, "proto", "")) for element in app.get("html")]
    return "\n".join(str(part) for part in parts)


def add_run(store: Store, lab: str, test: float | None, label: str = "#1") -> str:
    run_id = new_run_id()
    spec = RunSpec(hidden_layers=(LayerSpec.dense(16),), epochs=2)
    store.add_run(RunRecord(run_id=run_id, lab_id=lab, label=label, spec=spec, status="running"))
    for epoch, accuracy in ((1, 0.8), (2, 0.9)):
        store.add_epoch(run_id, {"epoch": epoch, "loss": 0.3, "accuracy": accuracy,
                                 "val_loss": 0.3, "val_accuracy": accuracy})  # fmt: skip
    if test is not None:
        store.finish_run(run_id, status="finished", test_accuracy=test)
    return run_id


def open_board(key: str | None, language: str = "en"):
    app = app_test(language=language)
    if key is not None:
        app.query_params["class_key"] = key
    app.run()
    app.switch_page(BOARD).run()
    return app


def test_classroom_creates_a_class(store: Store) -> None:
    app = app_test()
    app.run()
    app.switch_page(CLASSROOM).run()
    assert not app.exception, app.exception
    # a bad name is refused with a message, nothing stored
    app.button(key="class_go").click().run()
    assert "Give the class a name" in texts(app)
    assert state.TEACHER_KEY.key not in app.session_state
    app.text_input(key="class_name").set_value("Period 3").run()
    app.selectbox(key="class_challenge").set_value("mnist_small").run()
    app.number_input(key="class_capacity").set_value(25).run()
    app.button(key="class_go").click().run()
    assert not app.exception, app.exception
    key = app.session_state[state.TEACHER_KEY.key]
    info = ClassStore(store).class_for_teacher(key)
    assert info.name == "Period 3" and info.capacity == 25
    assert info.challenge_key == "mnist_small"
    assert info.locked == {"dataset", "loss", "optimizer", "learning_rate"}
    shown = texts(app)
    assert info.join_code in shown and f"?join={info.join_code}" in "".join(
        element.value for element in app.code
    )
    assert any(f"class_key={key}" in element.value for element in app.code)
    assert "Keep this link private" in shown
    assert len(app.get("image")) == 1  # the QR code


def test_board_refuses_a_missing_or_wrong_key(store: Store) -> None:
    app = open_board(None)
    assert not app.exception, app.exception
    assert "teacher link" in texts(app)
    app = open_board("x" * 32, language="ko")
    assert not app.exception, app.exception
    assert "올바르지 않은 선생님 링크" in texts(app)
    # an expired class says so
    _info, key = ClassStore(store).create_class("Old", RunSpec(), expiry_days=1, now=0.0)
    app = open_board(key)
    assert "expired" in texts(app)


def test_board_shows_runs_leaderboard_and_acts(store: Store) -> None:
    classes = class_store(store)
    info, key = classes.create_class("Period 3", RunSpec(), locked=["dataset"])
    mina, joon, tae = new_lab_id(), new_lab_id(), new_lab_id()
    for lab, name in ((mina, "Mina"), (joon, "Joon"), (tae, "Tae")):
        classes.join(info.join_code, lab, name)
    best = add_run(store, mina, test=0.95)
    add_run(store, joon, test=0.91)
    add_run(store, joon, test=None, label="#2")  # still training
    digit = np.zeros((28, 28), np.uint8)
    bad = classes.add_drawing(info.class_id, mina, 3, digit)
    classes.add_drawing(info.class_id, joon, 4, digit)
    app = open_board(key)
    assert not app.exception, app.exception
    shown = texts(app)
    assert "Period 3" in app.title[0].value and info.join_code in shown
    assert "Mina" in shown and "Joon" in shown and "95.0%" in shown
    assert "No run yet: Tae" in shown
    assert len(app.get("vega_lite_chart")) >= 1  # the class's curves
    # the leaderboard's first entry opens that run in detail
    app.selectbox(key="board_detail_run").set_value(best).run()
    assert not app.exception, app.exception
    assert app.session_state[state.BOARD_RUN.key] == best
    assert "kept no trained model" in texts(app)  # the fake store holds no network
    # push a new step with the epochs locked too
    app.selectbox(key="board_step_start").set_value("t000_sigmoid_mse").run()
    app.button(key="board_push").click().run()
    assert not app.exception, app.exception
    pushed = classes.class_for_teacher(key)
    assert pushed.step == 2 and pushed.preset_key == "t000_sigmoid_mse"
    assert "Step 2 sent" in texts(app)
    # delete a bad drawing
    app.button(key=f"board_delete_{bad}").click().run()
    assert not app.exception, app.exception
    assert [d.label for d in classes.drawings(info.class_id)] == [4]
    # the CSV has one row per run
    csv_button = app.get("download_button")[0]
    assert "Download results" in str(csv_button.proto)
    assert classes.results_csv(info.class_id).count("\n") == 1 + 3
    # end the class (after the confirmation)
    app.checkbox(key="board_end_sure").check().run()
    app.button(key="board_end").click().run()
    assert not app.exception, app.exception
    assert classes.class_for_teacher(key).is_ended
    assert "This class has ended" in texts(app)
