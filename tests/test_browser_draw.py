"""Draw digits with the mouse on the real canvas in Chromium and read the "Prediction" metric."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from drawn_digits import all_sample_digits
from helpers import screenshot, wait_for_idle, wait_until

pytestmark = pytest.mark.browser


def _stroke(page, points: list[tuple[float, float]]) -> None:
    """One mouse stroke on the canvas through points given in 0..1 canvas coordinates."""
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()  # the mouse only reaches what is in the viewport
    box = canvas.bounding_box()
    x0, y0 = box["x"], box["y"]
    first, *rest = points
    page.mouse.move(x0 + first[0] * box["width"], y0 + first[1] * box["height"])
    page.mouse.down()
    for x, y in rest:
        page.mouse.move(x0 + x * box["width"], y0 + y * box["height"], steps=4)
    page.mouse.up()


def _touch_stroke(page, points: list[tuple[float, float]]) -> None:
    """One finger stroke on the canvas (Chromium touch events through CDP), 0..1 coordinates."""
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(state="visible")
    box = canvas.bounding_box()
    session = page.context.new_cdp_session(page)

    def touch(kind: str, x: float, y: float) -> None:
        where = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]}]
        session.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": [] if kind == "touchEnd" else where},
        )

    first, *rest = points
    touch("touchStart", *first)
    for start, end in zip(points, rest, strict=False):
        for step in range(1, 5):
            share = step / 4
            touch(
                "touchMove",
                start[0] + share * (end[0] - start[0]),
                start[1] + share * (end[1] - start[1]),
            )
    touch("touchEnd", *points[-1])


def _open_draw_page(page) -> None:
    # Through the home page and the sidebar, so app.py's navigation (and layout) is in effect.
    page.goto(page.base_url)
    wait_for_idle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Draw", exact=True).click()
    wait_for_idle(page)
    page.locator("canvas.upper-canvas").wait_for(state="visible")


def _prediction(page):
    return page.get_by_test_id("stMetric").filter(has_text="Prediction")


def _expect_settled_prediction(page, value: str | re.Pattern) -> None:
    """The canvas's latest drawing is answered: one Prediction metric (no stale copy of the
    previous run's still on screen) showing `value`, and no script run in progress."""
    from playwright.sync_api import expect

    metric = _prediction(page)
    expect(metric).to_have_count(1)
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(value)
    wait_for_idle(page)
    expect(metric).to_have_count(1)
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(value)


def test_draw_one_and_zero_and_seven(page) -> None:
    from playwright.sync_api import expect

    _open_draw_page(page)
    expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible()

    _stroke(page, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])  # a "1": one vertical stroke
    wait_for_idle(page)
    expect(_prediction(page).get_by_test_id("stMetricValue")).to_have_text("1")
    screenshot(page, "draw_one")

    page.get_by_role("button", name="Clear").click()
    wait_for_idle(page)
    expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible()
    loop = [
        (0.5 + 0.25 * math.sin(a / 20 * 2 * math.pi), 0.5 - 0.35 * math.cos(a / 20 * 2 * math.pi))
        for a in range(21)
    ]
    _stroke(page, loop)  # a "0": one closed loop
    wait_for_idle(page)
    expect(_prediction(page).get_by_test_id("stMetricValue")).to_have_text("0")

    page.get_by_role("button", name="Clear").click()
    wait_for_idle(page)
    expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible()
    _stroke(page, [(0.2, 0.18), (0.8, 0.18), (0.45, 0.88)])  # a "7": bar, then diagonal
    wait_for_idle(page)
    expect(_prediction(page).get_by_test_id("stMetricValue")).to_have_text("7")
    page.set_viewport_size({"width": 1400, "height": 1800})
    expect(page.get_by_text("Probability of each class")).to_be_visible()
    screenshot(page, "draw_seven")


def test_undo_takes_back_the_last_stroke(page) -> None:
    _open_draw_page(page)
    _stroke(page, [(0.5, 0.15), (0.5, 0.85)])
    _expect_settled_prediction(page, "1")
    _stroke(page, [(0.15, 0.5), (0.85, 0.5)])  # a cross: no longer a "1"
    _expect_settled_prediction(page, re.compile(r"^(?!1$)"))
    page.get_by_role("button", name="Undo").click()
    _expect_settled_prediction(page, "1")


def test_bad_model_upload_leaves_the_page_usable(page, tmp_path) -> None:
    from playwright.sync_api import expect

    _open_draw_page(page)
    page.get_by_text("Upload a model (.keras or .h5)").click()
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"not a model at all")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(bad))
    wait_for_idle(page)
    expect(page.get_by_text("Could not use broken.keras")).to_be_visible()
    _stroke(page, [(0.5, 0.15), (0.5, 0.85)])
    wait_for_idle(page)
    expect(_prediction(page).get_by_test_id("stMetricValue")).to_have_text("1")
    screenshot(page, "draw_bad_upload")


def test_inside_page_opens_the_drawing(page) -> None:
    from playwright.sync_api import expect

    _open_draw_page(page)
    _stroke(page, [(0.2, 0.18), (0.8, 0.18), (0.45, 0.88)])
    wait_for_idle(page)
    expect(_prediction(page).get_by_test_id("stMetricValue")).to_have_text("7")
    page.get_by_test_id("stSidebarNav").get_by_text("Inside").click()
    wait_for_idle(page)
    expect(page.get_by_role("heading", name="Inside the network")).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 2400})
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_test_id("stGraphVizChart")).to_be_visible()
    screenshot(page, "inside_summary")
    page.get_by_role("tab", name="Layer outputs").click()
    expect(page.get_by_text("My drawing (Draw page)")).to_be_visible()
    expect(page.get_by_text("output (Dense)")).to_be_visible()
    screenshot(page, "inside_activations")
    page.get_by_role("tab", name="Activation functions").click()
    expect(page.get_by_text("Why softmax subtracts the maximum")).to_be_visible()
    expect(page.locator("[data-testid=stVegaLiteChart]:visible").first).to_be_visible()
    screenshot(page, "inside_functions")


def test_upload_a_dense_model_and_see_its_numpy_twin(page, tmp_path) -> None:
    from playwright.sync_api import expect

    from nnlab.core.spec import LayerSpec, RunSpec
    from nnlab.learn.model import build_model
    from nnlab.learn.model_files import save_model_file

    spec = RunSpec(hidden_layers=(LayerSpec.dense(15, "sigmoid"),), epochs=1, batch_size=50)
    model = build_model(spec)
    sample_x, sample_y = all_sample_digits()
    order = np.random.default_rng(0).permutation(len(sample_y))[:500]
    model.fit(sample_x[order], sample_y[order], epochs=2, batch_size=50, verbose=0)
    path = save_model_file(model, tmp_path / "mlp_784_15_10.keras", spec=spec, label="My MLP")

    page.goto(page.base_url)
    wait_for_idle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Inside", exact=True).click()
    wait_for_idle(page)
    page.get_by_text("Upload a model (.keras or .h5)").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    wait_for_idle(page)
    expect(page.get_by_text("mlp_784_15_10.keras is loaded")).to_be_visible()
    # A new upload comes first in the picker, so it is the model the page now shows.
    expect(page.get_by_role("combobox", name="Model")).to_have_value("Uploaded #1 · My MLP")
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.get_by_role("tab", name="Weights").click()
    expect(page.get_by_text("one 28x28 image per hidden unit")).to_be_visible()
    screenshot(page, "inside_weights_mlp")
    page.get_by_role("tab", name="The same network in NumPy").click()
    expect(page.get_by_text("X (1, 784) · W1 (784, 15) + b1 (15,) → sigmoid")).to_be_visible()
    expect(page.get_by_text("NumPy and Keras agree to within 1e-5")).to_be_visible()
    page.get_by_role("button", name="Run over the test set").click()
    wait_for_idle(page)
    expect(page.get_by_text(re.compile(r"Accuracy \d+\.\d+%"))).to_be_visible()
    screenshot(page, "inside_numpy_mlp")


def test_a_stroke_drawn_right_after_clear_is_read_whole(page) -> None:
    """Clear empties the canvas in the browser: a digit drawn at once after it is read whole,
    with nothing of the drawing before it left over (it used to vanish for a second or two)."""
    from playwright.sync_api import expect

    _open_draw_page(page)
    zero = [
        (0.5 + 0.25 * math.sin(a / 20 * 2 * math.pi), 0.5 - 0.35 * math.cos(a / 20 * 2 * math.pi))
        for a in range(21)
    ]
    seven = [(0.2, 0.18), (0.8, 0.18), (0.45, 0.88)]
    one = [(0.5, 0.12), (0.5, 0.88)]
    value = _prediction(page).get_by_test_id("stMetricValue")
    _stroke(page, zero)
    wait_for_idle(page)
    expect(value).to_have_text("0")
    for strokes, digit in ((seven, "7"), (one, "1"), (zero, "0"), (seven, "7")):
        page.get_by_role("button", name="Clear").click()
        _stroke(page, strokes)  # no wait: the first moments after Clear are the ones at stake
        wait_for_idle(page)
        expect(value).to_have_text(digit)
    # A 7 without its bar would read as a 1, and a leftover 0 under it as something else.
    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible()


def test_canvas_and_prediction_fit_a_laptop_screen(browser, streamlit_server) -> None:
    """At 1366x768 the canvas and the prediction are both on screen without scrolling."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.base_url = streamlit_server
    try:
        _open_draw_page(page)
        _stroke(page, [(0.5, 0.15), (0.5, 0.85)])
        wait_for_idle(page)
        value = _prediction(page).get_by_test_id("stMetricValue")
        expect(value).to_have_text("1")
        assert page.evaluate("window.scrollY") == 0
        canvas = page.locator("canvas.upper-canvas").bounding_box()
        metric = _prediction(page).bounding_box()
        assert canvas["y"] + canvas["height"] <= 768, canvas
        assert metric["y"] + metric["height"] <= 768, metric
        screenshot(page, "draw_1366")
    finally:
        context.close()


def test_tablet_sidebar_closed_and_the_whole_canvas_takes_a_finger(browser, streamlit_server):
    """An 820x1180 touch tablet: the sidebar starts closed, the canvas fits its column, and a
    digit drawn with a finger against the canvas's right edge is read."""
    from playwright.sync_api import expect

    context = browser.new_context(
        viewport={"width": 820, "height": 1180}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    try:
        page.goto(f"{streamlit_server}/draw")
        wait_for_idle(page)
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
        canvas = page.locator("canvas.upper-canvas")
        canvas.wait_for(state="visible")
        column = page.locator(".st-key-draw_canvas_box")
        expect(column).to_be_visible()

        def right_edges() -> tuple[float, float]:
            return (
                canvas.bounding_box()["x"] + canvas.bounding_box()["width"],
                column.bounding_box()["x"] + column.bounding_box()["width"],
            )

        # The sidebar slides shut, the column widens, the canvas is refitted: wait for that.
        wait_until(lambda: right_edges()[0] <= min(right_edges()[1] + 1, 820), timeout_s=10)
        # A 7 squeezed into the right third of the canvas: its bar starts at 70 %, ends at 98 %.
        _touch_stroke(page, [(0.70, 0.2), (0.98, 0.2), (0.80, 0.9)])
        wait_for_idle(page)
        expect(_prediction(page).get_by_test_id("stMetricValue")).to_have_text("7")
        expect(page.get_by_text("Probability of each class")).to_be_in_viewport()
        screenshot(page, "draw_tablet")
        # Narrower still (a phone): the canvas shrinks with its column and still fits.
        page.set_viewport_size({"width": 390, "height": 844})
        wait_until(lambda: right_edges()[0] <= right_edges()[1] + 1, timeout_s=10)
    finally:
        context.close()
