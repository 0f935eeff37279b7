"""A class in real browsers: several students train at once on one server, reload, leave, and a
training process dies. Each student is its own browser context (its own session and lab).

The server runs with two workers and a short abandon timeout (NNLAB_ABANDON_S) so a closed
tab's queued run is cancelled within the test's time.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
from conftest import run_streamlit_server
from helpers import screenshot, wait_for_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ABANDON_S = 8
# t004_relu100 (784-100-10, ReLU, RMSprop) on 300 images: a couple of seconds per run.
TINY_LINK = "/build_and_train?preset=t004_relu100&n=300&ep={epochs}&bs={batch}&lang=en"


@pytest.fixture(scope="module")
def class_server():
    """A server of its own: two workers, queued runs of silent labs cancelled after ABANDON_S."""
    with run_streamlit_server({"NNLAB_WORKERS": "2", "NNLAB_ABANDON_S": str(ABANDON_S)}) as url:
        yield url


@pytest.fixture
def students(browser, class_server):
    """A factory of students: each call opens a new browser context on the class server."""
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    contexts = []

    def open_student(epochs: int = 2, batch: int = 50):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        contexts.append(context)
        student = context.new_page()
        student.goto(class_server + TINY_LINK.format(epochs=epochs, batch=batch))
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


def test_three_students_train_at_once_then_three_runs_each(students) -> None:
    class_of_three = [students(epochs=2) for _ in range(3)]
    for student in class_of_three:
        _train(student)
    for student in class_of_three:
        _expect_finished(student, 2)
    screenshot(class_of_three[0], "class_three_finished")
    # Three more runs in a row each, with settings changed between runs: every run must train
    # exactly what its page shows (the widgets must never fall back to other values).
    for epochs in (1, 3, 2):
        for student in class_of_three:
            _set_epochs(student, epochs)
            _train(student)
        for student in class_of_three:
            _expect_finished(student, epochs)
    from playwright.sync_api import expect

    for student in class_of_three:
        history = student.get_by_test_id("stDataFrame").last
        expect(history).to_be_visible()
        wait_for_idle(student)
    screenshot(class_of_three[-1], "class_after_four_runs")


def test_reload_mid_training_shows_the_same_run(students) -> None:
    from playwright.sync_api import expect

    # Small batches and many epochs: still training after the reload, however fast the worker.
    student = students(epochs=60, batch=5)
    _train(student)
    progress = student.get_by_text(re.compile(r"Epoch \d+/60 · batch"))
    expect(progress).to_be_visible(timeout=120_000)
    lab = re.search(r"[?&]lab=([\w-]+)", student.url)
    assert lab, f"the lab must be in the address: {student.url}"
    student.reload()
    wait_for_idle(student)
    # Same lab, same run: still training after the reload, then finished.
    assert f"lab={lab.group(1)}" in student.url
    expect(student.get_by_text(re.compile(r"Epoch \d+/60 · batch"))).to_be_visible()
    _expect_finished(student, 60, timeout_ms=300_000)


def test_a_closed_tab_frees_its_queued_slot(students) -> None:
    from playwright.sync_api import expect

    # Every page is open before anyone trains: opening one may take longer than ABANDON_S.
    busy, leaving, waiting = students(epochs=200), students(epochs=2), students(epochs=2)
    # Two long runs take both workers.
    _train(busy)
    expect(busy.get_by_text(re.compile(r"Epoch \d+/200 · batch"))).to_be_visible(timeout=120_000)
    _train(busy)
    expect(busy.get_by_text(re.compile(r"Also running: #1"))).to_be_visible()
    _train(leaving)
    expect(leaving.get_by_text(re.compile(r"number 1 in the queue"))).to_be_visible()
    _train(waiting)
    expect(waiting.get_by_text(re.compile(r"number 2 in the queue"))).to_be_visible()
    leaving.context.close()
    # The closed tab's run is cancelled once its lab has shown no page for ABANDON_S.
    expect(waiting.get_by_text(re.compile(r"number 1 in the queue"))).to_be_visible(
        timeout=(ABANDON_S + 30) * 1000
    )
    for _ in range(2):
        busy.get_by_role("button", name=re.compile("^Stop")).first.click()
        wait_for_idle(busy)
    _expect_finished(waiting, 2)


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return b""


def _parent(pid: int) -> int:
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return 0
    return int(re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE).group(1))


def _worker_pids(server_url: str) -> list[int]:
    """The training worker processes of the server at `server_url` (its spawned children)."""
    port = server_url.rsplit(":", 1)[1].encode()
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    servers = {
        pid
        for pid in pids
        if b"streamlit" in _cmdline(pid) and b"--server.port " + port in _cmdline(pid)
    }
    return [pid for pid in pids if _parent(pid) in servers and b"spawn" in _cmdline(pid)]


def test_a_killed_worker_fails_the_run_and_the_next_run_works(students, class_server) -> None:
    from playwright.sync_api import expect

    student = students(epochs=200)
    _train(student)
    expect(student.get_by_text(re.compile(r"Epoch \d+/200 · batch"))).to_be_visible(timeout=120_000)
    workers = _worker_pids(class_server)
    assert workers, "the server should have started its training workers"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    expect(student.get_by_text(re.compile(r"stopped unexpectedly"))).to_be_visible(timeout=60_000)
    screenshot(student, "class_worker_killed")
    _set_epochs(student, 2)
    _train(student)
    _expect_finished(student, 2)


def _server_pid(server_url: str) -> int:
    port = server_url.rsplit(":", 1)[1].encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            command = _cmdline(int(entry.name))
            if b"streamlit" in command and b"--server.port " + port in command:
                return int(entry.name)
    raise AssertionError(f"no streamlit process serves {server_url}")


def test_every_page_works_and_the_server_never_loads_tensorflow(students, class_server) -> None:
    """Train, evaluate, draw and look inside; the app's own process must not map TensorFlow."""
    from playwright.sync_api import expect

    student = students(epochs=1)
    _train(student)
    _expect_finished(student, 1)
    nav = student.get_by_test_id("stSidebarNav")
    nav.get_by_text("Evaluate", exact=True).click()
    wait_for_idle(student)
    expect(student.get_by_role("heading", name="Misclassified samples")).to_be_visible()
    nav.get_by_text("Inside", exact=True).click()
    wait_for_idle(student)
    expect(student.get_by_text(re.compile("Trainable parameters|parameters"))).not_to_have_count(0)
    nav.get_by_text("Draw", exact=True).click()
    wait_for_idle(student)
    canvas = student.locator("canvas.upper-canvas")
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    student.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.15)
    student.mouse.down()
    student.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.85, steps=8)
    student.mouse.up()
    wait_for_idle(student)
    expect(student.get_by_test_id("stMetric").filter(has_text="Prediction")).to_be_visible()
    maps = (Path("/proc") / str(_server_pid(class_server)) / "maps").read_text()
    assert "libtensorflow" not in maps, "the Streamlit process loaded TensorFlow"
