"""nnlab.inspection's backprop, saliency, robustness and digit_check against references, and the
Draw/Evaluate pages' explanation sections (AppTest).

Saliency of a linear model is its weights times the input; the backward pass agrees with finite
differences on a small convolutional network; FGSM raises the loss; the robustness transforms move
known images where they should; the shipped "not a digit" rule separates MNIST and drawn digits
from non-digit strokes it was not calibrated on.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from drawn_digits import stroked_digit
from helpers import app_test

from nnlab.data.datasets import load_dataset
from nnlab.i18n import translate
from nnlab.inspection import backprop, digit_check, robustness, saliency
from nnlab.inspection.default_model import load_default_network
from nnlab.inspection.drawing import preprocess_drawing
from nnlab.inspection.layers import NetLayer
from nnlab.inspection.network import Network

DRAW = "pages/3_draw.py"
EVALUATE = "pages/2_evaluate.py"


def _layer(name: str, kind: str, activation: str = "linear", weights=(), **config) -> NetLayer:
    return NetLayer(name=name, kind=kind, activation=activation, weights=weights, config=config)


def linear_model(seed: int = 0) -> Network:
    """28x28 -> Flatten -> Dense(10, softmax) with random weights."""
    rng = np.random.default_rng(seed)
    return Network(
        layers=(
            _layer("image", "InputLayer", shape=[28, 28]),
            _layer("flatten", "Flatten"),
            _layer(
                "output",
                "Dense",
                "softmax",
                (rng.normal(0, 0.1, (784, 10)), rng.normal(0, 0.1, 10)),
                units=10,
            ),
        )
    )


def small_conv_model(output_activation: str = "softmax", seed: int = 1) -> Network:
    """A 10x12 input through Rescaling, Conv2D (same), MaxPooling, strided Conv2D, Dense layers.

    Smooth activations (tanh, elu, gelu: the last through the finite-difference path) so finite
    differences are a fair reference; a non-square input catches swapped axes.
    """
    rng = np.random.default_rng(seed)
    return Network(
        layers=(
            _layer("image", "InputLayer", shape=[10, 12]),
            _layer("rescaling", "Rescaling", scale=1 / 255, offset=0.0),
            _layer("reshape", "Reshape", target_shape=[10, 12, 1]),
            _layer(
                "conv_1",
                "Conv2D",
                "tanh",
                (rng.normal(0, 0.5, (3, 3, 1, 4)), rng.normal(0, 0.1, 4)),
                filters=4,
                kernel_size=[3, 3],
                strides=[1, 1],
                padding="same",
            ),
            _layer("pool", "MaxPooling2D", pool_size=[2, 2], strides=[2, 2], padding="valid"),
            _layer(
                "conv_2",
                "Conv2D",
                "elu",
                (rng.normal(0, 0.5, (2, 2, 4, 3)), rng.normal(0, 0.1, 3)),
                filters=3,
                kernel_size=[2, 2],
                strides=[2, 2],
                padding="valid",
            ),
            _layer("flatten", "Flatten"),
            _layer("hidden", "Dense", "gelu", (rng.normal(0, 0.5, (18, 6)), rng.normal(0, 0.1, 6))),
            _layer("dropout", "Dropout"),
            _layer(
                "output",
                "Dense",
                output_activation,
                (rng.normal(0, 0.5, (6, 4)), rng.normal(0, 0.1, 4)),
            ),
        )
    )


def test_saliency_of_a_linear_model_is_its_weights_times_the_input() -> None:
    network = linear_model()
    image = np.random.default_rng(2).uniform(0, 1, (28, 28))
    kernel = network.layers[-1].weights[0]
    for class_index in (0, 7):
        expected = kernel[:, class_index].reshape(28, 28) * image
        np.testing.assert_allclose(
            saliency.saliency(network, image, class_index), expected, rtol=1e-5, atol=1e-7
        )
    # Scores are the pre-softmax logits: x . W + b.
    logits = image.reshape(1, -1) @ kernel + network.layers[-1].weights[1]
    np.testing.assert_allclose(backprop.scores(network, image), logits, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("output_activation", ["softmax", "sigmoid"])
def test_backward_pass_matches_finite_differences(output_activation: str) -> None:
    network = small_conv_model(output_activation)
    image = np.random.default_rng(3).uniform(0.1, 0.9, (10, 12))
    gradient = backprop.score_gradient(network, image, 2)
    _, loss_gradient = backprop.loss_gradient(network, image, [1])
    step = 1e-3  # small enough that no max-pool window changes its winner
    rng = np.random.default_rng(4)
    for row, column in zip(rng.integers(0, 10, 12), rng.integers(0, 12, 12), strict=True):
        up, down = image.copy(), image.copy()
        up[row, column] += step
        down[row, column] -= step
        score_slope = (
            backprop.scores(network, up)[0, 2] - backprop.scores(network, down)[0, 2]
        ) / (2 * step)
        loss_slope = (
            backprop.loss_gradient(network, up, [1])[0]
            - backprop.loss_gradient(network, down, [1])[0]
        ) / (2 * step)
        assert gradient[row, column] == pytest.approx(score_slope, rel=2e-2, abs=2e-3)
        assert loss_gradient[row, column] == pytest.approx(loss_slope, rel=2e-2, abs=2e-3)


def test_the_loss_is_minus_log_the_probability_shown() -> None:
    network = small_conv_model("sigmoid")
    images = np.random.default_rng(5).uniform(0, 1, (3, 10, 12))
    loss, _ = backprop.loss_gradient(network, images, [0, 1, 3])
    outputs = network.predict(images * 255).astype(np.float64)
    shares = outputs / outputs.sum(axis=1, keepdims=True)  # as Draw shows sigmoid outputs
    np.testing.assert_allclose(loss, -np.log(shares[[0, 1, 2], [0, 1, 3]]), rtol=1e-4)


@pytest.fixture(scope="module")
def default_network() -> Network:
    """The shipped default digit CNN (NumPy)."""
    return load_default_network()


@pytest.fixture(scope="module")
def mnist():
    """MNIST (the bundled sample offline)."""
    return load_dataset("mnist")


def test_fgsm_raises_the_loss_and_stays_in_the_pixel_range(default_network, mnist) -> None:
    flipped = 0
    for index in range(20):
        image = mnist.x_test[index] / 255.0
        label = int(mnist.y_test[index])
        result = robustness.fgsm(default_network, image, label, 0.15)
        assert result.loss_after > result.loss_before
        assert result.adversarial.min() >= 0 and result.adversarial.max() <= 1
        assert np.abs(result.perturbation).max() <= 0.15 + 1 / 255
        # On the 0..255 grid the network reads: uint8 pixels give the same answer.
        np.testing.assert_allclose(result.adversarial * 255, np.round(result.adversarial * 255))
        flipped += result.flipped
    assert flipped >= 5, f"FGSM at epsilon 0.15 flipped only {flipped} of 20 answers"
    unchanged = robustness.fgsm(default_network, mnist.x_test[0] / 255.0, int(mnist.y_test[0]), 0.0)
    assert unchanged.loss_after == pytest.approx(unchanged.loss_before, rel=1e-3, abs=1e-6)
    with pytest.raises(ValueError, match="Epsilon"):
        robustness.fgsm(default_network, mnist.x_test[0] / 255.0, 0, 2.0)


def test_transforms_move_known_images() -> None:
    dot = np.zeros((28, 28))
    dot[10, 5] = 1.0
    moved = robustness.shift(dot, dx=3, dy=-2)
    assert np.unravel_index(np.argmax(moved), moved.shape) == (8, 8)
    assert moved[8, 8] == pytest.approx(1.0)
    assert robustness.shift(dot, dx=30).max() == 0  # pushed off the square: gone

    bar = np.zeros((28, 28))
    bar[13:15, 4:24] = 1.0  # horizontal, centred
    turned = robustness.rotate(bar, 90)
    rows, columns = np.nonzero(turned > 0.5)
    assert np.ptp(rows) >= 18 and np.ptp(columns) <= 3  # now vertical
    corner = np.zeros((28, 28))
    corner[2, 20] = 1.0  # top right: counter-clockwise turns it to the top left
    assert np.argmax(robustness.rotate(corner, 90)) // 28 < 14
    assert np.argmax(robustness.rotate(corner, 90)) % 28 < 14

    thick = robustness.thicken(bar, 2)
    assert (thick > 0.5).sum() > (bar > 0.5).sum()
    assert thick[11, 10] == 1.0 and thick[16, 10] == 1.0 and thick[10, 10] == 0.0
    assert (robustness.thicken(thick, -2) > 0.5).sum() == (bar > 0.5).sum()  # erosion undoes it
    assert (robustness.thicken(bar, -1) > 0.5).sum() == 0  # a 2-pixel bar thinned by 1 each side

    blurred = robustness.blur(bar, 1.5)
    assert blurred.max() < 1.0 and blurred[10, 10] > 0 and blurred.sum() == pytest.approx(40, 0.01)

    full = np.ones((28, 28))
    assert (
        robustness.erase(full, "top")[:14].sum() == 0
        and robustness.erase(full, "top")[14:].min() == 1
    )
    assert robustness.erase(full, "right")[:, 14:].sum() == 0
    assert robustness.erase(full, (5, 5, 3, 4)).sum() == 784 - 12
    with pytest.raises(ValueError, match="Erase"):
        robustness.erase(full, "middle")

    noisy = robustness.add_noise(bar, 0.2, seed=7)
    np.testing.assert_array_equal(noisy, robustness.add_noise(bar, 0.2, seed=7))
    assert not np.array_equal(noisy, robustness.add_noise(bar, 0.2, seed=8))
    assert noisy.min() >= 0 and noisy.max() <= 1

    assert robustness.Changes().is_identity
    np.testing.assert_array_equal(robustness.apply_changes(bar, robustness.Changes()), bar)
    combined = robustness.apply_changes(dot, robustness.Changes(dx=2, dy=1))
    assert np.unravel_index(np.argmax(combined), combined.shape) == (11, 7)


def test_evidence_splits_the_score_difference(default_network, mnist) -> None:
    image = mnist.x_test[np.flatnonzero(mnist.y_test == 7)[0]] / 255.0
    evidence = saliency.class_evidence(default_network, image, 1)
    answer = int(np.argmax(backprop.scores(default_network, image)[0]))
    assert evidence.versus == answer == 7
    for part in (evidence.speaks_for, evidence.speaks_against, evidence.add_ink):
        assert part.shape == (28, 28) and part.min() >= 0
    assert evidence.total_against > evidence.total_for  # it is a 7: the ink speaks against 1
    # Blank pixels carry no evidence for or against (gradient x input is zero there).
    assert evidence.speaks_for[image == 0].max() == 0
    occluded = saliency.occlusion(default_network, image, answer)
    assert occluded.shape == (28, 28) and occluded.max() > 0.1  # covering strokes hurts the 7


def test_not_a_digit_separates_held_out_digits_from_non_digit_strokes(
    default_network, mnist
) -> None:
    rule = digit_check.digit_rule(default_network)
    assert rule.calibrated, (
        "nnlab/assets/not_a_digit.json is not for the current default model: run "
        "`python scripts/calibrate_not_a_digit.py`"
    )
    # Seeds the calibration never used: new drawings of the shapes, the other half of MNIST test.
    others, _ = digit_check.non_digit_drawings(120, seed=12345)
    digits = mnist.x_test[1000:1600] / 255.0
    drawn = np.stack(
        [
            preprocess_drawing(stroked_digit(digit, width=w))
            for digit in range(10)
            for w in (12, 20, 28)
        ]
    )
    method, probe = rule.method, rule.probe
    caught = np.mean(
        digit_check.digit_scores(default_network, others, method, probe) < rule.threshold
    )
    digits_flagged = np.mean(
        digit_check.digit_scores(default_network, digits, method, probe) < rule.threshold
    )
    drawn_flagged = np.mean(
        digit_check.digit_scores(default_network, drawn, method, probe) < rule.threshold
    )
    assert caught >= 0.6, f"only {caught:.0%} of non-digit strokes caught"
    assert digits_flagged <= 0.08, f"{digits_flagged:.0%} of MNIST digits flagged"
    assert drawn_flagged <= 0.15, f"{drawn_flagged:.0%} of drawn digits flagged"


def test_a_stale_calibration_falls_back_to_confidence(tmp_path, default_network) -> None:
    stale = tmp_path / "not_a_digit.json"
    stale.write_text(
        '{"format": "nnlab-not-a-digit/1", "network_fingerprint": "old", "method": "energy", '
        '"threshold": 5}'
    )
    rule = digit_check.digit_rule(default_network, stale)
    assert not rule.calibrated and rule.method == "max_probability"
    assert rule.threshold == digit_check.FALLBACK_MIN_PROBABILITY
    assert not digit_check.digit_rule(linear_model()).calibrated


# --- pages ---------------------------------------------------------------------------------------


def _draw_with(monkeypatch: pytest.MonkeyPatch, engine, rgba: np.ndarray, language: str = "en"):
    """The Draw page with `rgba` on the canvas (the component itself needs a browser)."""
    # The real module registers its component on import, which needs a running server.
    fake = SimpleNamespace(st_canvas=lambda **_: SimpleNamespace(image_data=rgba))
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake)
    app = app_test(language=language)
    app.query_params["lab"] = engine.lab_id
    app.run()
    app.switch_page(DRAW).run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("language", ["en", "ko"])
def test_draw_page_explains_a_digit(fake_engine, monkeypatch, language: str) -> None:
    app = _draw_with(monkeypatch, fake_engine, stroked_digit(7), language)
    assert any(h.value.endswith(translate("explain.title", language)) for h in app.subheader)
    assert not any(translate("explain.not_a_digit", language) in w.value for w in app.warning)
    assert app.selectbox(key="draw_explain_target").value != 7  # the runner-up, not the answer
    assert len(app.get("image")) >= 5  # the drawing, saliency, three evidence maps
    answer = next(m for m in app.metric if m.label == translate("explain.changed_answer", language))
    assert answer.value.startswith("7")
    if language != "en":
        # AppTest formats select-box options outside the script run, where t() speaks English:
        # a rerun would resend a Korean page's select boxes with English labels.
        return
    shown = len(app.get("image"))
    app.toggle(key="draw_explain_occlusion").set_value(True).run()
    assert len(app.get("image")) == shown + 1  # the occlusion cross-check
    # Erasing the top half (the 7's bar) leaves a slanted stroke: no longer a sure 7.
    app.selectbox(key="draw_robust_erase").set_value("top").run()
    assert not app.exception
    changed = next(m for m in app.metric if m.label == "Answer after the changes")
    assert changed.value != answer.value
    app.slider(key="draw_robust_dx").set_value(8).run()
    assert not app.exception


def test_draw_page_says_a_non_digit_does_not_look_like_one(fake_engine, monkeypatch) -> None:
    blob = digit_check.draw_strokes(digit_check.NON_DIGIT_SHAPES["E"], 22)
    app = _draw_with(monkeypatch, fake_engine, blob)
    assert any(translate("explain.not_a_digit", "en") in w.value for w in app.warning)
    # no confident answer under the notice: the metric says "not sure", not a digit
    prediction = next(m for m in app.metric if m.label == translate("draw.prediction", "en"))
    assert prediction.value == translate("draw.not_sure", "en")


def test_evaluate_page_shows_robustness_and_fgsm(fake_engine, mnist) -> None:
    from pages.common import state

    label = str(mnist.y_test[0])
    app = app_test()
    app.query_params["lab"] = fake_engine.lab_id
    app.run()
    app.session_state[state.USE_DEFAULT_MODEL.key] = True
    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    assert any(h.value.endswith(translate("explain.evaluate_title", "en")) for h in app.subheader)
    before = next(m for m in app.metric if m.label == translate("explain.before", "en"))
    assert before.value.startswith(label)  # test image 0, read right
    app.slider(key="evaluate_fgsm_epsilon").set_value(0.3).run()
    assert not app.exception
    after = next(m for m in app.metric if m.label == translate("explain.after", "en"))
    assert not after.value.startswith(label)  # at epsilon 0.3 the answer flips
    app.number_input(key="evaluate_robust_index").set_value(1).run()
    assert not app.exception


def _path_of(node: Any, wanted: Any, path: tuple[int, ...] = ()) -> tuple[int, ...] | None:
    """Where `wanted` sits in AppTest's element tree: the indices Streamlit places it by."""
    if node is wanted:
        return path
    for index, child in getattr(node, "children", {}).items():
        found = _path_of(child, wanted, (*path, index))
        if found is not None:
            return found
    return None


def test_the_prediction_keeps_its_place_whether_or_not_the_notice_shows(
    fake_engine, monkeypatch
) -> None:
    # A rerun replaces an element in place only at the same place; a moved metric would show twice
    # (the new one and the previous run's stale copy) until the run ends.
    places = []
    for rgba in (stroked_digit(7), digit_check.draw_strokes(digit_check.NON_DIGIT_SHAPES["E"], 22)):
        app = _draw_with(monkeypatch, fake_engine, rgba)
        prediction = next(m for m in app.metric if m.label == translate("draw.prediction", "en"))
        places.append(_path_of(app._tree, prediction))
    assert places[0] is not None
    assert places[0] == places[1]
