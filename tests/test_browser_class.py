"""A class in real browsers: several students train at once on one server, reload, leave, and a
training process dies. Each student is its own browser context (its own session and lab).

The session's app server has two workers and a short abandon time (conftest's SERVER_ABANDON_S),
so a closed tab's queued run is cancelled within the test's time. Runs are tiny (300 images,
batches of 50) unless a run must still be training when the test acts on it; those are stopped.
(The class-mode test, test_browser_class_mode.py, also visits every page after training and
checks that the server never loads TensorFlow.)
"""

from __future__ import annotations

import os
import re
import signal

import pytest
from conftest import SERVER_ABANDON_S
from helpers import screenshot, wait_for_idle, worker_pids

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# t004_relu100 (784-100-10, ReLU, RMSprop) on 300 images: a couple of seconds per run.
TINY_LINK = "/build_and_train?preset=t004_relu100&n=300&ep={epochs}&bs={batch}&lang=en"
# Long enough to be training whatever the test does next, however fast the worker; then stopped.
LONG_EPOCHS = 200


@pytest.fixture
def students(browser, streamlit_server):
    """A factory of students: each call opens a new browser context on the app server."""
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    contexts = []

    def open_student(epochs: int = 2, batch: int = 50):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        contexts.append(context)
        student = context.new_page()
        student.goto(streamlit_server + TINY_LINK.format(epochs=epochs, batch=batch))
        wait_for_idle(student)
        expect(student.get_by_role("heading", name="Build & Train")).to_be_visible()
        return student

    yield open_student
    for context in contexts:
        context.close()


def _train(student) -> None:
    student.get_by_role("button", name="Train", exact=True).click()


def _set_epochs(student, epochs: int) -> None:
    field = student.get_by_label("Epochs", exact=True)
    field.fill(str(epochs))
    field.press("Enter")
    wait_for_idle(student)


def _expect_training(student, epochs: int, timeout_ms: int = 120_000) -> None:
    from playwright.sync_api import expect

    progress = student.get_by_text(re.compile(rf"Epoch \d+/{epochs} · batch"))
    expect(progress).to_be_visible(timeout=timeout_ms)


def _stop(student) -> int:
    """Press the watched run's Stop; the number of epochs it kept."""
    from playwright.sync_api import expect

    student.get_by_role("button", name=re.compile("^Stop")).first.click()
    stopped = student.locator(".st-key-b_live_status").get_by_text(
        re.compile(r"Stopped after \d+ epoch")
    )
    expect(stopped).to_be_visible()
    return int(re.search(r"Stopped after (\d+) epoch", stopped.inner_text())[1])


def _expect_finished(student, epochs: int, timeout_ms: int = 240_000) -> None:
    """The watched run finished `epochs` epochs, and the page still shows the link's optimizer."""
    from playwright.sync_api import expect

    status = student.locator(".st-key-b_live_status")
    expect(status.get_by_text(re.compile(rf"Finished {epochs} epoch"))).to_be_visible(
        timeout=timeout_ms
    )
    metrics = student.locator(".st-key-b_live_metrics").get_by_test_id("stMetric").first
    expect(metrics).to_contain_text(f"{epochs} / {epochs}")
    # The run's own label and the settings the page shows after it: RMSprop, as the link set.
    label = student.locator(".st-key-b_live_column strong", has_text="RMSprop").first
    expect(label).to_be_visible()
    optimizer = student.get_by_test_id("stSelectbox").filter(has_text="Optimizer")
    expect(optimizer).to_match_aria_snapshot('- combobox "Optimizer": RMSprop')


# Sessions that follow their runs at once: with two workers, most wait in the queue first.
CLASS_SIZE = 10


def test_a_class_trains_at_once_every_page_sees_its_run_end_then_again(students) -> None:
    from playwright.sync_api import expect

    # Every page must follow its run from the queue to its end by itself (no click, no reload):
    # in class drills a page once stayed on "Waiting for a free slot" long after its run ended.
    class_ = [students(epochs=2) for _ in range(CLASS_SIZE)]
    for student in class_:
        _train(student)
    for student in class_:
        _expect_finished(student, 2)
    screenshot(class_[0], "class_three_finished")
    class_of_three = class_[:3]
    # Another run each, with a setting changed after the first run ended: every run must train
    # exactly what its page shows (the widgets must never fall back to the link's or the last
    # run's values), and the history lists both runs.
    for student in class_of_three:
        _set_epochs(student, 1)
        _train(student)
    for student in class_of_three:
        _expect_finished(student, 1)
        history = student.get_by_test_id("stDataFrame").last
        expect(history).to_be_visible()
        wait_for_idle(student)
    screenshot(class_of_three[-1], "class_after_two_runs")


def test_reload_mid_training_shows_the_same_run(students) -> None:
    from playwright.sync_api import expect

    student = students(epochs=LONG_EPOCHS, batch=5)
    _train(student)
    _expect_training(student, LONG_EPOCHS)
    lab = re.search(r"[?&]lab=([\w-]+)", student.url)
    assert lab, f"the lab must be in the address: {student.url}"
    epochs = student.locator(".st-key-b_live_metrics").get_by_test_id("stMetric").first
    expect(epochs).to_contain_text(re.compile(rf"[1-9]\d* / {LONG_EPOCHS}"))
    before = int(re.search(rf"(\d+) / {LONG_EPOCHS}", epochs.inner_text())[1])
    student.reload()
    wait_for_idle(student)
    # Same lab, same run: still training after the reload, and the page follows it on.
    assert f"lab={lab.group(1)}" in student.url
    _expect_training(student, LONG_EPOCHS, timeout_ms=60_000)
    expect(epochs).to_contain_text(re.compile(rf"\d+ / {LONG_EPOCHS}"))
    expect(epochs).not_to_contain_text(re.compile(rf"^\D*{before} / {LONG_EPOCHS}"))
    # The reloaded page controls that run: Stop ends it with what it learned.
    kept = _stop(student)
    assert before < kept < LONG_EPOCHS


def test_a_closed_tab_frees_its_queued_slot(students) -> None:
    from playwright.sync_api import expect

    # Every page is open before anyone trains: opening one may take longer than the abandon time.
    busy = students(epochs=LONG_EPOCHS)
    leaving, waiting = students(epochs=2), students(epochs=2)
    # Two long runs take both workers.
    _train(busy)
    _expect_training(busy, LONG_EPOCHS)
    _train(busy)
    expect(busy.get_by_text(re.compile(r"Also running: #1"))).to_be_visible()
    _train(leaving)
    expect(leaving.get_by_text(re.compile(r"number 1 in the queue"))).to_be_visible()
    _train(waiting)
    expect(waiting.get_by_text(re.compile(r"number 2 in the queue"))).to_be_visible()
    leaving.context.close()
    # The closed tab's run is cancelled once its lab has shown no page for the abandon time.
    expect(waiting.get_by_text(re.compile(r"number 1 in the queue"))).to_be_visible(
        timeout=(SERVER_ABANDON_S + 30) * 1000
    )
    for _ in range(2):
        busy.get_by_role("button", name=re.compile("^Stop")).first.click()
        wait_for_idle(busy)
    _expect_finished(waiting, 2)


def test_a_killed_worker_fails_the_run_and_the_next_run_works(students, streamlit_server) -> None:
    from playwright.sync_api import expect

    student = students(epochs=LONG_EPOCHS)
    _train(student)
    _expect_training(student, LONG_EPOCHS)
    workers = worker_pids(streamlit_server)
    assert workers, "the server should have started its training workers"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    expect(student.get_by_text(re.compile(r"stopped unexpectedly"))).to_be_visible(timeout=60_000)
    screenshot(student, "class_worker_killed")
    _set_epochs(student, 2)
    _train(student)
    _expect_finished(student, 2)
