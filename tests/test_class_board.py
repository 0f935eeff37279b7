"""Class mode for teachers through AppTest: the Classroom page creates a class (code, links, QR),
the class board opens with the teacher key (and refuses a wrong one), shows the class's runs and
leaderboard, pushes a new step, deletes a bad drawing, ends the class."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import numpy as np
import pytest
from helpers import app_test

from nnlab.classroom.service import ClassStore, class_store
from nnlab.core.labs import new_lab_id
from nnlab.core.runs import EpochRow, RunRecord
from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.store.database import sqlite_url
from nnlab.store.store import Store
from pages.common import state

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
    run_id = uuid.uuid4().hex
    spec = RunSpec(hidden_layers=(LayerSpec.dense(16),), epochs=2)
    store.add_run(RunRecord(run_id=run_id, lab_id=lab, label=label, spec=spec, status="running"))
    for epoch, accuracy in ((1, 0.8), (2, 0.9)):
        row = EpochRow(epoch=epoch, loss=0.3, accuracy=accuracy, val_loss=0.3,
                       val_accuracy=accuracy)  # fmt: skip
        store.add_epoch(run_id, row)
    if test is not None:
        store.finish_run(run_id, status="finished", test_accuracy=test)
    return run_id


def open_board(key: str | None, language: str = "en"):
    app = app_test(language=language)
    if key is not None:
        app.query_params["class_key"] = key
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


def test_a_class_that_would_run_long_is_offered_settings_that_fit(store, fake_engine) -> None:
    from nnlab.core.costs import RunCost, fitting_changes

    # 0.2 ms an image: a full class of 30 on one worker would wait many minutes, even on the
    # bundled sample (8,000 training images) the estimate counts here.
    fake_engine.cost = RunCost(seconds_per_image=2e-4, fixed_s=0.5)
    app = app_test()
    app.run()
    app.switch_page(CLASSROOM).run()
    app.text_input(key="class_name").set_value("Period 4").run()
    app.number_input(key="class_capacity").set_value(30).run()
    assert not app.exception, app.exception
    shown = texts(app)
    assert "more than 5 minutes of the lesson" in shown and "For 30 students" in shown
    fit = app.radio(key="class_fit")
    assert fit.value == "keep"
    assert fit.options == ["Keep the settings", "100 training images", "1 epoch"]
    app.radio(key="class_fit").set_value("epochs").run()
    app.button(key="class_go").click().run()
    assert not app.exception, app.exception
    info = ClassStore(store).class_for_teacher(app.session_state[state.TEACHER_KEY.key])
    assert info.spec.epochs == 1
    sample = 8000  # the bundled MNIST sample's training images, what the estimate counts here
    assert fitting_changes(info.spec, fake_engine.cost, 30, 1, train_images=sample) == {}


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


# --- in a real browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def board_server(tmp_path_factory):
    """A server whose store this test can also write to (its NNLAB_HOME is known)."""
    from conftest import run_streamlit_server

    home = tmp_path_factory.mktemp("board-home")
    with run_streamlit_server({"NNLAB_HOME": str(home), "NNLAB_WORKERS": "1"}) as url:
        yield url, home


@pytest.mark.browser
def test_board_in_a_browser_follows_the_class_live(browser, board_server) -> None:
    from helpers import wait_for_idle
    from playwright.sync_api import expect

    url, home = board_server
    expect.set_options(timeout=60_000)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    # the teacher creates the class on the Classroom page
    page.goto(f"{url}/classroom?lang=en")
    wait_for_idle(page)
    page.get_by_role("tab", name="Class mode").click()
    page.get_by_label("Class name").fill("Period 5")
    page.get_by_role("button", name="Create the class").click()
    expect(page.get_by_text("Keep this link private")).to_be_visible()
    teacher_link = next(
        text for text in page.locator("code").all_inner_texts() if "class_key=" in text
    )
    store = Store(sqlite_url(home / "nnlab.sqlite3"))
    classes = ClassStore(store)
    info = classes.class_for_teacher(teacher_link.split("class_key=")[1].strip())
    mina, joon = new_lab_id(), new_lab_id()
    classes.join(info.join_code, mina, "Mina")
    classes.join(info.join_code, joon, "Joon")
    add_run(store, mina, test=0.93)
    page.goto(teacher_link.strip())
    wait_for_idle(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Period 5")).to_be_visible()
    expect(main.locator("table").first).to_contain_text("Mina")
    expect(main.get_by_text("No run yet: Joon")).to_be_visible()
    # Joon starts training: the board shows it within a few seconds, without a reload
    run_id = uuid.uuid4().hex
    spec = RunSpec(hidden_layers=(LayerSpec.dense(16),), epochs=4)
    store.add_run(RunRecord(run_id=run_id, lab_id=joon, label="#1", spec=spec, status="running"))
    store.add_epoch(run_id, EpochRow(epoch=1, loss=0.4, accuracy=0.8, val_accuracy=0.77))
    runs = main.locator("table.nnlab-board-table").last
    expect(runs).to_contain_text("Joon")
    expect(runs).to_contain_text("1/4")
    expect(runs).to_contain_text("77.0%")
    store.add_epoch(run_id, EpochRow(epoch=2, loss=0.3, accuracy=0.85, val_accuracy=0.84))
    expect(runs).to_contain_text("2/4")
    # dark for the projector, and the results as CSV with one row per run
    page.get_by_role("radio", name="Dark").click()
    # Polled: the click's rerun may not have started when the page first reads as idle.
    expect(page.get_by_test_id("stApp")).to_have_css("background-color", "rgb(11, 16, 32)")
    wait_for_idle(page)
    page.get_by_role("tab", name="Results").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download results (CSV)").click()
    lines = Path(download.value.path()).read_text().strip().splitlines()
    assert len(lines) == 1 + 2 and "Mina" in lines[1] + lines[2]
    context.close()
    store.close()


@pytest.mark.parametrize(
    ("names", "counted"), [(["Mina"], "1 student"), (["Mina", "Joon"], "2 students")]
)
def test_the_board_counts_students_in_words_that_agree(store: Store, names, counted) -> None:
    classes = class_store(store)
    info, key = classes.create_class("Period 4", RunSpec())
    for name in names:
        classes.join(info.join_code, new_lab_id(), name)
    app = open_board(key)
    assert not app.exception, app.exception
    # The big numbers are HTML: <div class="nnlab-stat"><span>1</span>student</div>
    bodies = " ".join(element.proto.body for element in app.get("html"))
    shown = " ".join(re.sub(r"<[^>]+>", " ", bodies).split())
    assert counted in shown and "1 students" not in shown


def test_the_class_curves_never_repeat_a_percent_tick() -> None:
    from pages.classroom.board_charts import class_curves_spec

    # Accuracies between 94 % and 96 %: Vega-Lite would tick every 0.5 % and label each ".0%".
    rows = [
        {"student": name, "run_id": name, "run": "#1", "epoch": epoch, "value": value}
        for name, values in (("Mina", (0.941, 0.952)), ("Joon", (0.948, 0.959)))
        for epoch, value in enumerate(values, start=1)
    ]
    spec = class_curves_spec(rows, title="Accuracy", epoch_title="Epoch", student_title="Student",
                             run_title="Run")  # fmt: skip
    axis = spec["encoding"]["y"]["axis"]
    assert axis["format"] == ".0%" and axis["tickMinStep"] == pytest.approx(0.01)


def test_the_board_says_which_machines_train_and_where_each_run_went(store, fake_engine) -> None:
    from nnlab.store.queue_tables import MachineRow

    classes = class_store(store)
    info, key = classes.create_class("Period 4", RunSpec())
    mina, joon = new_lab_id(), new_lab_id()
    classes.join(info.join_code, mina, "Mina")
    classes.join(info.join_code, joon, "Joon")
    store.update_run(add_run(store, mina, test=0.95), machine="lab-pc")
    store.update_run(add_run(store, joon, test=None), machine="gpu-server")
    fake_engine.machine_rows = [
        MachineRow("a", "gpu-server", 1, 4, 1, 0.0, 0.0),
        MachineRow("b", "lab-pc", 2, 2, 0, 0.0, 0.0),
    ]
    shown = texts(open_board(key))
    assert "Training on 2 machines with 6 workers in all: gpu-server (4), lab-pc (2)." in shown
    assert "Machine" in shown and "gpu-server" in shown and "lab-pc" in shown
    fake_engine.machine_rows = [MachineRow("c", "this server", 3, 1, 0, 0.0, 0.0)]
    assert "Training on this server with 1 worker." in texts(open_board(key))
    fake_engine.machine_rows = []
    app = open_board(key, language="ko")
    assert not app.exception, app.exception
    assert "연결된 학습용 컴퓨터가 없습니다" in texts(app)
