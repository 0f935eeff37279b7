"""Class mode in real browsers: a teacher's class, two students join (by link and by code) and
train, the board shows their runs, a new step reaches both, a drawing joins the class set and
its accuracy, and the results CSV has one row per run.

The class is created through nnlab's API on the store of the session's app server (its
NNLAB_HOME is the `streamlit_home` fixture); students and the teacher are separate browser
contexts on that server (two workers). After the class has used every page (Build & Train, Draw,
Evaluate, Inside, the board), the server's own process must not have loaded TensorFlow.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from helpers import screenshot, server_pid, wait_for_idle

from nnlab.classroom.codes import teacher_url
from nnlab.classroom.service import ClassStore
from nnlab.core.presets import PRESETS
from nnlab.store.database import DATABASE_FILE_NAME, sqlite_url
from nnlab.store.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# t004_relu100's network (784-100-10, RMSprop) on 300 MNIST images, one epoch: seconds per run.
CLASS_SPEC = PRESETS["t004_relu100"].spec.replace(
    dataset="mnist", train_size=300, epochs=1, batch_size=50
)
LOCKED = ("dataset", "train_size", "optimizer", "learning_rate", "epochs", "batch_size")


@pytest.fixture
def classes(streamlit_home):
    """The class store of the session's app server (SQLite in its NNLAB_HOME)."""
    store = Store(sqlite_url(streamlit_home / DATABASE_FILE_NAME))
    yield ClassStore(store, board_cache_s=0.0)
    store.close()


@pytest.fixture
def contexts(browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    opened = []

    def open_context(width: int = 1366, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        opened.append(context)
        return context.new_page()

    yield open_context
    for context in opened:
        context.close()


def _banner(student):
    return student.locator(".st-key-class_banner")


def _epochs(student):
    """The Epochs field, once the page's run has replaced its stale copy (a rerun that moves the
    settings shows the old ones beside the new ones until it ends)."""
    from playwright.sync_api import expect

    field = student.get_by_label("Epochs", exact=True)
    expect(field).to_have_count(1, timeout=60_000)
    return field


def _join_on_build(student, name: str) -> None:
    from playwright.sync_api import expect

    student.get_by_role("textbox", name="Your name on the class board").fill(name)
    student.get_by_role("button", name="Join").click()
    wait_for_idle(student)
    expect(student.get_by_role("heading", name="Build & Train")).to_be_visible()
    expect(_banner(student)).to_contain_text("Period 3")
    expect(_banner(student)).to_contain_text("step 1")


def _expect_finished(student, epochs: int) -> None:
    from playwright.sync_api import expect

    status = student.locator(".st-key-b_live_status")
    expect(status.get_by_text(re.compile(rf"Finished {epochs} epoch"))).to_be_visible(
        timeout=240_000
    )


def _stroke(page, points: list[tuple[float, float]]) -> None:
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    first, *rest = points
    page.mouse.move(box["x"] + first[0] * box["width"], box["y"] + first[1] * box["height"])
    page.mouse.down()
    for x, y in rest:
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=4)
    page.mouse.up()


def _nav(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
    wait_for_idle(page)


def test_a_class_joins_trains_follows_a_step_and_shares_its_handwriting(
    contexts, streamlit_server, classes
) -> None:
    from playwright.sync_api import expect

    info, key = classes.create_class("Period 3", CLASS_SPEC, locked=LOCKED, hidden=("seed",))

    # Ana opens the join link; Ben types the code on the home page.
    ana = contexts()
    ana.goto(f"{streamlit_server}/?join={info.join_code}&lang=en")
    wait_for_idle(ana)
    expect(ana.get_by_text("You are joining Period 3")).to_be_visible()
    _join_on_build(ana, "Ana")
    ben = contexts()
    ben.goto(f"{streamlit_server}/?lang=en")
    wait_for_idle(ben)
    ben.get_by_role("textbox", name="Class code").fill(info.join_code.lower())
    _join_on_build(ben, "Ben")
    for student in (ana, ben):
        expect(_epochs(student)).to_be_disabled()
        expect(_epochs(student)).to_have_value("1")
    screenshot(ana, "class_mode_member_build")

    # A preset click changes the free settings only; both train the class's locked values.
    ana.get_by_role("button", name=re.compile(r"^000 · MNIST 784-15-10")).click()
    wait_for_idle(ana)
    expect(_epochs(ana)).to_have_value("1")
    optimizer = ana.get_by_test_id("stSelectbox").filter(has_text="Optimizer")
    # As with the Train button below: until the rerun ends the old selectbox may stand beside
    # the new one.
    expect(optimizer).to_have_count(1)
    expect(optimizer).to_match_aria_snapshot('- combobox "Optimizer": RMSprop')
    for student in (ana, ben):
        # Until a rerun ends Streamlit may show the last run's elements beside the new ones: once
        # in CI there were two Train buttons here. Click when there is one.
        wait_for_idle(student)
        train = student.get_by_role("button", name="Train", exact=True)
        expect(train).to_have_count(1)
        train.click()
    for student in (ana, ben):
        _expect_finished(student, 1)

    # The teacher's board lists both students' runs.
    teacher = contexts(1920, 1080)
    teacher.goto(teacher_url(streamlit_server, key) + "&lang=en")
    wait_for_idle(teacher)
    expect(teacher.get_by_text("Ana").first).to_be_visible()
    expect(teacher.get_by_text("Ben").first).to_be_visible()
    board = classes.board(info.class_id)
    assert sorted(run.display_name for run in board.runs) == ["Ana", "Ben"]
    assert all(run.spec.epochs == 1 and run.spec.train_size == 300 for run in board.runs)
    screenshot(teacher, "class_mode_board")

    # A new step: both students get its settings without doing anything.
    classes.push_step(key, CLASS_SPEC.replace(epochs=2))
    for student in (ana, ben):
        expect(_banner(student)).to_contain_text("step 2", timeout=60_000)
        expect(_epochs(student)).to_have_value("2")
    assert {member.step_seen for member in classes.members(info.class_id)} == {2}

    # A URL edit that drops the lab, the locks and changes a locked setting frees nothing: the
    # browser's cookie finds the lab, and the lab's class holds the locks.
    ben.goto(f"{streamlit_server}/build_and_train?lang=en&ep=9&bs=10&lock=&hide=")
    wait_for_idle(ben)
    expect(_banner(ben)).to_contain_text("step 2")
    expect(_epochs(ben)).to_have_value("2")
    expect(_epochs(ben)).to_be_disabled()
    expect(ben.get_by_label("Batch size", exact=True)).to_have_value("50")

    # Ana adds a drawing of a 1 to the class set from the Draw page.
    _nav(ana, "Draw")
    _stroke(ana, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])
    wait_for_idle(ana)
    expect(ana.get_by_test_id("stMetric").filter(has_text="Prediction")).to_be_visible()
    box = ana.locator(".st-key-class_contribute")
    expect(box).to_be_visible()
    digit = box.get_by_test_id("stSelectbox").locator("input")  # prefilled: the model's answer
    digit.click()
    digit.fill("1")
    digit.press("Enter")
    wait_for_idle(ana)
    box.get_by_role("button", name="Add to the class set").click()
    wait_for_idle(ana)
    expect(box.get_by_text("Added to the class set as a 1.")).to_be_visible()
    screenshot(ana, "class_mode_draw_contributed")
    images, labels = classes.drawing_arrays(info.class_id)
    assert labels.tolist() == [1] and images.shape == (1, 28, 28) and images.max() > 0

    # Evaluate scores Ana's model on the class's handwriting beside MNIST's test set.
    _nav(ana, "Evaluate")
    expect(ana.get_by_role("heading", name=re.compile("Period 3's handwriting"))).to_be_visible()
    expect(ana.get_by_role("heading", name="Misclassified samples")).to_be_visible()
    drawings = ana.get_by_test_id("stMetric").filter(has_text="Class drawings")
    expect(drawings).to_contain_text("1")
    expect(
        ana.get_by_test_id("stMetric").filter(has_text="Accuracy on our handwriting")
    ).to_contain_text("%")
    _nav(ana, "Inside")
    expect(ana.get_by_text(re.compile("Trainable parameters|parameters"))).not_to_have_count(0)

    # The results: one CSV row per run, from the board's download button.
    teacher.reload()
    wait_for_idle(teacher)
    teacher.get_by_role("tab", name="Class handwriting").click()
    expect(teacher.get_by_text(re.compile(r"^1 drawings"))).to_be_visible()
    teacher.get_by_role("tab", name="Results").click()
    with teacher.expect_download() as download:
        teacher.get_by_role("button", name="Download results (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert len(rows) == len(classes.board(info.class_id).runs) == 2
    assert sorted(row["student"] for row in rows) == ["Ana", "Ben"]

    # Every page has been used by the class: the app's own process never mapped TensorFlow.
    maps = (Path("/proc") / str(server_pid(streamlit_server)) / "maps").read_text()
    assert "libtensorflow" not in maps, "the Streamlit process loaded TensorFlow"
