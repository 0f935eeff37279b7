"""Watch it learn: diagnostics, hidden-layer map, schedules, LR finder, augmentation, continuing.

Fast tests check the NumPy parts against references (scikit-learn's PCA, hand-built activations,
Keras' own formulas written out); the slow ones train tiny networks with Keras.
"""

from __future__ import annotations

import ast
import dataclasses
import math

import numpy as np
import pytest
from helpers import TinyData

from nnlab.core.codegen import keras_script
from nnlab.core.links import decode_link, encode_link
from nnlab.core.plan import augmentation_layers, has_augmentation
from nnlab.core.plan import plan as plan_layers
from nnlab.core.runs import EpochRow
from nnlab.core.schedules import schedule_curve, schedule_factors
from nnlab.core.spec import LayerSpec, RunSpec, SpecError
from nnlab.core.summary import layer_rows
from nnlab.inspection import diagnostics_view
from nnlab.inspection.augmentation_preview import augmented_examples
from nnlab.learn import diagnostics
from nnlab.learn.lr_finder import finder_rates, smooth_losses, suggest_rate


def small_spec(**changes) -> RunSpec:
    """A network that trains in about a second on the tiny data."""
    base = RunSpec(
        train_size=300,
        hidden_layers=(LayerSpec.dense(16, "relu"), LayerSpec.dense(12, "sigmoid")),
        epochs=2,
        batch_size=32,
        learning_rate=0.01,  # learns in epoch 1 (a run at chance may be stopped as diverged)
    )
    return base.replace(**changes)


# --- statistics -----------------------------------------------------------------------------------


def test_dead_fraction_of_a_hand_built_layer_with_known_dead_units() -> None:
    # A ReLU layer of 8 units on 50 random images: units 0, 3 and 5 have a bias so negative
    # that no input (pixels 0..1, weights within ±1/784 each) can wake them up.
    rng = np.random.default_rng(1)
    images = rng.random((50, 784))
    kernel = rng.uniform(-1, 1, (784, 8)) / 784
    bias = np.full(8, 0.5)
    bias[[0, 3, 5]] = -10.0
    outputs = np.maximum(images @ kernel + bias, 0)
    assert diagnostics.dead_fraction(outputs) == pytest.approx(3 / 8)
    stats = diagnostics.layer_statistics(outputs, "relu")
    assert stats["dead"] == pytest.approx(3 / 8) and stats["saturated"] is None
    # Conv feature maps: a filter is dead when it is 0 at every position of every image.
    maps = np.ones((4, 5, 5, 3))
    maps[..., 1] = 0
    assert diagnostics.dead_fraction(maps) == pytest.approx(1 / 3)


def test_saturated_fraction_counts_outputs_near_the_limits() -> None:
    values = np.array([0.01, 0.5, 0.97, 0.2])
    assert diagnostics.saturated_fraction(values, "sigmoid") == pytest.approx(0.5)
    assert diagnostics.saturated_fraction(np.array([-0.99, 0.0, 0.5, 0.999]), "tanh") == 0.5
    assert diagnostics.saturated_fraction(values, "relu") is None
    assert diagnostics.layer_statistics(values, "sigmoid")["dead"] is None


def test_update_ratio() -> None:
    before = np.ones((3, 4))
    assert diagnostics.update_ratio(before, before * 1.1) == pytest.approx(0.1)
    assert math.isnan(diagnostics.update_ratio(np.zeros(3), np.ones(3)))


def test_pca_matches_scikit_learn_and_keeps_the_previous_orientation() -> None:
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    features = rng.normal(size=(300, 12)) @ rng.normal(size=(12, 12))
    points, shares = diagnostics.project_2d(features)
    reference = PCA(n_components=2).fit(features)
    expected = reference.transform(features)
    # Each axis up to its sign (PCA's sign is arbitrary).
    for axis in range(2):
        assert np.allclose(np.abs(points[:, axis]), np.abs(expected[:, axis]), atol=1e-8)
    assert shares == pytest.approx(reference.explained_variance_ratio_.tolist())
    # A wide layer (more units than EXACT_PCA_WIDTH) takes the randomized path: same answer.
    wide = rng.normal(size=(400, 600)) * np.r_[[12.0, 6.0], np.full(598, 0.5)]
    wide_points, wide_shares = diagnostics.project_2d(wide)
    wide_reference = PCA(n_components=2).fit(wide)
    assert np.allclose(np.abs(wide_points), np.abs(wide_reference.transform(wide)), atol=1e-4)
    assert wide_shares == pytest.approx(wide_reference.explained_variance_ratio_.tolist())
    # A turned and mirrored copy of the previous map is turned back to match it.
    angle = 0.7
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    previous = points @ turn @ np.diag([1, -1])
    aligned, _ = diagnostics.project_2d(features, previous)
    assert np.allclose(aligned, previous, atol=1e-8)


def test_fixed_images_and_recorded_epochs() -> None:
    labels = np.array([3, 1, 3, 0, 2, 1, 9, 8, 7, 6, 5, 4, 0])
    assert diagnostics_view.watch_indices(labels).tolist() == [3, 1, 4, 0, 11, 10, 9, 8, 7, 6]
    chosen = diagnostics_view.map_indices(10_000)
    assert len(chosen) == 1000 and np.array_equal(chosen, diagnostics_view.map_indices(10_000))
    assert len(diagnostics_view.map_indices(200)) == 200
    assert diagnostics.map_epochs(10) == (1, 2, 3, 5, 8, 10)
    assert diagnostics.map_epochs(8) == (1, 2, 3, 5, 8)
    assert diagnostics.map_epochs(1) == (1,)


def _row(grads, saturated=(None, None), dead=(None, None), moved=(0.01, 0.01)) -> dict:
    return {
        "epoch": 1,
        "diagnostics": {
            "layers": ["hidden_1", "output"],
            "grad_norm": list(grads),
            "saturated": list(saturated),
            "dead": list(dead),
            "update_ratio": list(moved),
        },
    }


def test_reading_says_what_matters_most() -> None:
    key, values = diagnostics_view.reading(_row([1e-5, 0.02], saturated=(0.8, 0.1)))
    assert key == "learn.reading.vanishing_saturated"
    assert values == {
        "weak": "hidden_1",
        "strong": "output",
        "ratio": "1,000",
        "layer": "hidden_1",
        "share": "80",
    }
    assert diagnostics_view.reading(_row([1e-4, 0.02]))[0] == "learn.reading.vanishing"
    assert diagnostics_view.reading(_row([0.1, 0.1], dead=(0.42, None))) == (
        "learn.reading.dead",
        {"layer": "hidden_1", "share": "42"},
    )
    assert diagnostics_view.reading(_row([0.1, 0.1], saturated=(None, 0.5)))[0] == (
        "learn.reading.saturated"
    )
    assert diagnostics_view.reading(_row([0.1, 0.1], moved=(1e-6, 0.01))) == (
        "learn.reading.frozen",
        {"layer": "hidden_1"},
    )
    assert diagnostics_view.reading(_row([0.1, 0.1]))[0] == "learn.reading.healthy"
    assert diagnostics_view.reading({"epoch": 1})[0] == "learn.reading.none"
    assert diagnostics_view.reading(None)[0] == "learn.reading.none"


def test_readers_take_epoch_rows_and_their_dicts_alike() -> None:
    dicts = [
        {**_row([1e-5, 0.02]), "epoch": 1},
        {**_row([0.1, 0.1]), "epoch": 2, "map": {"x": [0]}},
    ]
    rows = [EpochRow.from_dict(row) for row in dicts]
    assert diagnostics_view.reading(rows[0]) == diagnostics_view.reading(dicts[0])
    assert diagnostics_view.series(rows, "grad_norm") == diagnostics_view.series(dicts, "grad_norm")
    assert [row["epoch"] for row in diagnostics_view.series(rows, "grad_norm")] == [1, 1, 2, 2]
    assert diagnostics_view.recorded_maps(rows) == diagnostics_view.recorded_maps(dicts)
    assert diagnostics_view.recorded_maps(rows) == {2: {"x": [0]}}


def test_reading_texts_exist_in_both_languages() -> None:
    from nnlab.i18n import translate

    for row in (_row([1e-5, 0.02], saturated=(0.8, 0.1)), _row([0.1, 0.1], dead=(0.5, None))):
        key, values = diagnostics_view.reading(row)
        for language in ("en", "ko"):
            text = translate(key, language, **values)
            assert not text.startswith("[") and "hidden_1" in text


# --- schedules and the finder's arithmetic -------------------------------------------------------


def test_schedule_curves() -> None:
    step = small_spec(
        epochs=6, learning_rate=0.1, lr_schedule="step", lr_decay_factor=0.5, lr_decay_epochs=2
    )
    assert schedule_curve(step)["learning_rates"] == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    assert schedule_curve(step)["epochs"] == [1, 2, 3, 4, 5, 6]
    cosine = small_spec(epochs=4, learning_rate=0.1, lr_schedule="cosine")
    expected = [0.1 * 0.5 * (1 + math.cos(math.pi * e / 4)) for e in range(4)]
    assert schedule_curve(cosine)["learning_rates"] == pytest.approx(expected, rel=1e-3)
    assert schedule_factors(small_spec(epochs=3)).tolist() == [1, 1, 1]
    plateau = small_spec(epochs=3, lr_schedule="plateau")
    assert schedule_factors(plateau).tolist() == [1, 1, 1]


def test_suggested_rate_on_a_known_curve() -> None:
    rates = finder_rates(100, 1e-6, 10)
    assert rates[0] == pytest.approx(1e-6) and rates[-1] == pytest.approx(10)
    # A loss that falls fastest at 1e-3 (log scale), bottoms out at 1e-2, then explodes.
    logs = np.log10(rates)
    loss = 2 - np.tanh(logs + 3) + np.where(logs > -2, (logs + 2) ** 2 * 5, 0)
    marks = suggest_rate(rates, smooth_losses(loss, beta=0.0))
    assert marks["steepest"] == pytest.approx(1e-3, rel=0.2)
    assert marks["suggested"] == marks["steepest"]
    assert marks["minimum"] == pytest.approx(1e-2, rel=0.5)
    assert suggest_rate(rates[:2], loss[:2])["suggested"] is None


# --- the spec, links and code export -------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "key", "field"),
    [
        ({"lr_schedule": "sometimes"}, "spec.error.choice", "lr_schedule"),
        ({"lr_schedule": "step", "lr_decay_factor": 1.5}, "spec.error.float_range", None),
        ({"lr_schedule": "step", "lr_decay_factor": 0.0}, "spec.error.float_range", None),
        ({"lr_schedule": "step", "lr_decay_epochs": 0}, "spec.error.int_range", None),
        ({"lr_decay_factor": 0.3}, "spec.error.not_for_schedule", "lr_decay_factor"),
        ({"augment_rotation": 90.0}, "spec.error.float_range", "augment_rotation"),
        ({"augment_shift": -0.1}, "spec.error.float_range", "augment_shift"),
        ({"augment_noise": math.nan}, "spec.error.number", "augment_noise"),
    ],
)
def test_bad_schedule_and_augmentation_values_get_clear_messages(changes, key, field) -> None:
    with pytest.raises(SpecError) as caught:
        small_spec(**changes)
    error = caught.value
    assert error.key == key
    if field is not None:
        assert error.values["field"] == field
    english, korean = error.message("en"), error.message("ko")
    # A missing text shows as "[key]"; every setting is named by its label.
    assert "[spec." not in english + korean and "[field." not in english + korean
    assert english != korean


def test_links_and_json_carry_schedules_and_augmentation() -> None:
    spec = small_spec(
        lr_schedule="plateau",
        lr_decay_factor=0.2,
        lr_decay_epochs=3,
        augment_shift=0.1,
        augment_rotation=15.0,
        augment_zoom=0.05,
        augment_noise=0.1,
    )
    params = encode_link(spec)
    assert params["sched"] == "plateau" and params["rot"] == "15"
    decoded = decode_link(params)
    assert decoded.spec == spec and decoded.notices == ()
    assert RunSpec.from_json(spec.to_json()) == spec
    garbled = decode_link({**params, "sched": "weekly"})
    assert garbled.spec.lr_schedule == "constant" and garbled.notices


def test_augmentation_is_in_the_plan_and_the_export() -> None:
    plain = small_spec()
    assert not has_augmentation(plain) and augmentation_layers(plain) == []
    spec = small_spec(augment_shift=0.1, augment_rotation=10.0, augment_zoom=0.1, augment_noise=0.1)
    types = [row["type"] for row in layer_rows(spec)]
    assert types[2:8] == [
        "Reshape",
        "RandomTranslation",
        "RandomRotation",
        "RandomZoom",
        "GaussianNoise",
        "Flatten",
    ]
    assert spec.parameter_count() == plain.parameter_count()
    # Kernel seeds stay as they were without augmentation: the same starting weights.
    seeds = [layer.seed for layer in plan_layers(spec) if layer.has_kernel]
    plain_seeds = [layer.seed for layer in plan_layers(plain)]
    assert seeds == [seed for seed in plain_seeds if seed is not None]
    script = keras_script(spec.replace(lr_schedule="cosine"))
    ast.parse(script)
    assert "layers.RandomRotation(" in script and "CosineDecay(" in script
    assert "callbacks=[lr_schedule]" in script
    plateau = keras_script(spec.replace(lr_schedule="plateau", early_stopping_patience=2))
    assert "ReduceLROnPlateau(" in plateau and "callbacks=[early_stopping, lr_schedule]" in plateau
    assert max(len(line) for line in plateau.splitlines()) <= 100


def test_augmentation_preview_shapes_and_determinism(tiny: TinyData) -> None:
    images = tiny.x_train[:3]
    spec = small_spec(augment_shift=0.1, augment_rotation=20.0, augment_zoom=0.1)
    first = augmented_examples(images, spec, copies=4, seed=5)
    assert first.shape == (12, 28, 28) and first.dtype == np.uint8
    assert np.array_equal(first, augmented_examples(images, spec, copies=4, seed=5))
    assert not np.array_equal(first, augmented_examples(images, spec, copies=4, seed=6))
    # Nothing to change: the images come back as they were.
    assert np.array_equal(augmented_examples(images, small_spec(), copies=1), images)
    # A pure shift moves the ink without losing much of it; noise changes the background.
    shifted = augmented_examples(images[:1], small_spec(augment_shift=0.1), copies=1, seed=1)
    assert abs(int(shifted.sum()) - int(images[:1].sum())) < 0.15 * int(images[:1].sum())
    noisy = augmented_examples(images[:1], small_spec(augment_noise=0.2), copies=1, seed=1)
    assert (noisy[0][images[0] == 0] > 0).mean() > 0.2
    with pytest.raises(ValueError, match="28x28"):
        augmented_examples(np.zeros((2, 10, 10)), spec)


# --- with Keras -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_gradient_norms_and_dead_units_match_a_direct_gradient_tape(tiny: TinyData) -> None:
    import keras
    import tensorflow as tf

    from nnlab.learn.model import build_model

    spec = small_spec()
    model = build_model(spec)
    # Kill three units of the ReLU layer by hand: a bias no input can overcome.
    hidden = model.get_layer("hidden_1")
    bias = hidden.bias.numpy()
    bias[[1, 4, 9]] = -1e4
    hidden.bias.assign(bias)
    probe = diagnostics.DiagnosticsProbe(model, spec)
    images, labels = tiny.x_train[:64], tiny.y_train[:64].astype(np.int32)
    outputs, gradients = probe.measure(images, labels)
    with tf.GradientTape() as tape:
        scores = model(images, training=False)
        loss = tf.reduce_mean(keras.losses.get(spec.loss)(labels, scores))
    kernels = [model.get_layer(name).kernel for name, _ in probe.layers]
    expected = tape.gradient(loss, kernels)
    for got, want in zip(gradients, expected, strict=True):
        assert np.linalg.norm(got) == pytest.approx(float(tf.norm(want)), rel=1e-5)
    assert diagnostics.dead_fraction(outputs[0]) == pytest.approx(3 / 16)
    assert np.allclose(outputs[-1], np.asarray(scores), atol=1e-6)


@pytest.mark.slow
def test_rows_carry_diagnostics_map_watch_and_scheduled_rates(tiny: TinyData) -> None:
    import json

    from nnlab.learn.training import fit_spec

    spec = small_spec(epochs=4, lr_schedule="step", lr_decay_factor=0.5, lr_decay_epochs=1)
    rows: list[EpochRow] = []
    result = fit_spec(spec, tiny, on_epoch=rows.append)
    assert rows == result.history
    json.dumps([row.to_dict() for row in rows], allow_nan=False)  # JSON-friendly: no NaN
    assert [row.lr for row in rows] == pytest.approx([0.01, 0.005, 0.0025, 0.00125])
    assert [row.lr for row in rows] == pytest.approx(schedule_curve(spec)["learning_rates"])
    figures = rows[-1].diagnostics
    assert figures["layers"] == ["hidden_1", "hidden_2", "output"]
    assert figures["activations"] == ["relu", "sigmoid", "softmax"]
    assert figures["dead"][0] is not None and figures["dead"][1] is None
    assert figures["saturated"][1] is not None and all(g > 0 for g in figures["grad_norm"])
    assert [row.epoch for row in rows if row.map] == [1, 2, 3, 4]
    mapped = rows[0].map
    assert mapped["layer"] == "hidden_2" and len(mapped["x"]) == len(tiny.x_test)
    assert len(rows[-1].watch) == 10
    assert all(0 <= item["predicted"] <= 9 for item in rows[-1].watch)


@pytest.mark.slow
def test_keras_schedules_match_the_numpy_curves() -> None:
    from nnlab.learn.schedules import keras_schedule

    for spec in (
        small_spec(epochs=7, lr_schedule="step", lr_decay_factor=0.3, lr_decay_epochs=3),
        small_spec(epochs=5, lr_schedule="cosine", learning_rate=0.05),
    ):
        schedule = keras_schedule(spec)
        keras_rates = [float(schedule(epoch)) for epoch in range(spec.epochs)]
        assert keras_rates == pytest.approx(spec.learning_rate * schedule_factors(spec), rel=1e-5)


class Commands:
    """A control() that hands out prepared commands batch by batch, then nothing."""

    def __init__(self, plan: dict[int, dict]) -> None:
        self.plan = plan  # call number -> command
        self.calls = 0

    def __call__(self) -> dict | None:
        self.calls += 1
        return self.plan.get(self.calls)


@pytest.mark.slow
def test_pause_and_new_learning_rate_through_control(tiny: TinyData, monkeypatch) -> None:
    from nnlab.learn import model as model_module
    from nnlab.learn.training import fit_spec

    # Commands are read after every call of the compiled step; one batch per call here, so the
    # counts below are per batch (tests/test_training.py covers several batches per call).
    monkeypatch.setattr(model_module, "steps_per_execution", lambda spec: 1)
    spec = small_spec(epochs=2)
    # Call 3 (after batch 3) pauses; calls 4-6 while paused: nothing, a new rate, resume.
    control = Commands({3: {"pause": True}, 5: {"learning_rate": 0.005}, 6: {"pause": False}})
    rows: list[EpochRow] = []
    fit_spec(spec, tiny, on_epoch=rows.append, control=control)
    assert rows[0].lr == 0.01 and rows[1].lr == 0.005
    assert rows[0].lr_changes == ({"batch": 3, "from": 0.01, "to": 0.005},)
    assert rows[1].lr_changes == ()
    assert control.calls == 20 + 3  # one per batch (10 a epoch) and three while paused
    # A stop while paused ends the run.
    stop_now = Commands({1: {"pause": True}})
    batches: list[int] = []
    result = fit_spec(
        spec,
        tiny,
        on_progress=lambda progress: batches.append(progress.batch),
        control=stop_now,
        should_stop=lambda: stop_now.calls > 3,
    )
    assert result.stopped and batches == [1] and stop_now.calls == 4


@pytest.mark.slow
def test_continuing_a_run_equals_training_longer_in_one_go(tiny: TinyData) -> None:
    from helpers import figures

    from nnlab.learn.model_files import model_file_bytes
    from nnlab.learn.training import fit_spec

    spec = small_spec(epochs=4, optimizer="adam")
    whole = fit_spec(spec, tiny)
    first = fit_spec(spec.replace(epochs=2), tiny)
    saved = model_file_bytes(first.model, spec)
    rest = fit_spec(spec, tiny, initial_model_bytes=saved, initial_epoch=2)
    assert [row.epoch for row in rest.history] == [3, 4]

    def comparable(rows: list[EpochRow]) -> list[dict]:
        # The map's orientation follows the previous map, which a new process does not have.
        return [{k: v for k, v in row.items() if k != "map"} for row in figures(rows)]

    assert comparable(first.history + rest.history) == comparable(whole.history)
    for got, want in zip(rest.model.get_weights(), whole.model.get_weights(), strict=True):
        assert np.array_equal(got, want)


@pytest.mark.slow
def test_lr_finder_suggests_a_rate_near_the_best_of_a_grid_search(tiny: TinyData) -> None:
    from nnlab.learn.lr_finder import lr_range_test
    from nnlab.learn.training import fit_spec

    spec = RunSpec(
        train_size=600,
        hidden_layers=(LayerSpec.dense(32, "relu"),),
        optimizer="sgd",
        epochs=1,
        batch_size=16,
    )
    found = lr_range_test(spec, tiny)
    assert found["steps"] <= 100 and len(found["learning_rates"]) == found["steps"]
    assert found["suggested"] is not None
    grid = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
    losses = {rate: fit_spec(spec.replace(learning_rate=rate), tiny).test_loss for rate in grid}
    finite = {rate: loss for rate, loss in losses.items() if loss is not None and loss == loss}
    best = min(finite, key=finite.get)
    assert best / 3 <= found["suggested"] <= best * 3, (found["suggested"], losses)


@pytest.mark.slow
def test_augmented_model_runs_in_numpy_as_identity(tiny: TinyData) -> None:
    from nnlab.learn.keras_network import network_from_keras
    from nnlab.learn.model import build_model, summary_rows

    spec = small_spec(augment_shift=0.1, augment_rotation=10.0, augment_zoom=0.1, augment_noise=0.1)
    model = build_model(spec)
    assert summary_rows(model) == layer_rows(spec)
    network = network_from_keras(model, reference_images=tiny.x_test[:20])
    assert network.predict(tiny.x_test[:20]).shape == (20, 10)


# --- the page (AppTest, fake engine) -------------------------------------------------------------


def _diagnosed_rows(epochs: int = 2) -> list[EpochRow]:
    """Epoch rows as the worker sends them, with every extra the page draws."""
    from fake_engine import epoch_rows

    count = len(diagnostics_view.map_indices(2000))
    rng = np.random.default_rng(0)
    rows = [
        dataclasses.replace(
            row,
            lr=0.001,
            diagnostics={
                "layers": ["hidden_1", "output"],
                "activations": ["relu", "softmax"],
                "mean": [0.5, 0.1],
                "std": [0.4, 0.2],
                "dead": [0.42, None],
                "saturated": [None, None],
                "grad_norm": [0.01, 0.02],
                "update_ratio": [0.05, 0.04],
            },
            watch=[{"predicted": number, "confidence": 0.9} for number in range(10)],
            map={
                "layer": "hidden_1",
                "x": rng.normal(size=count).round(3).tolist(),
                "y": rng.normal(size=count).round(3).tolist(),
                "variance": [0.3, 0.2],
            },
        )
        for row in epoch_rows(epochs)
    ]
    rows[-1] = dataclasses.replace(
        rows[-1], lr_changes=({"batch": 3, "from": 0.001, "to": 0.0005},)
    )
    return rows


def test_build_page_draws_a_runs_diagnostics_map_and_watched_images(fake_engine) -> None:
    from test_build_page import open_build, texts

    fake_engine.add_run(RunSpec(train_size=300, epochs=2), history=_diagnosed_rows(2))
    app = open_build(lab=fake_engine.lab_id)
    assert "42 % of hidden_1's units are dead" in texts(app.info)
    assert app.select_slider  # the map's and the watched images' epochs
    app = open_build(language="ko", lab=fake_engine.lab_id)
    assert "hidden_1 유닛의 42 %가 죽었습니다" in texts(app.info)


def test_learning_rate_finder_and_use_this_rate(fake_engine) -> None:
    from test_build_page import open_build

    app = open_build(lab=fake_engine.lab_id)
    app.button(key="b_find_lr").click().run()
    assert not app.exception, app.exception
    [task_id] = fake_engine.tasks
    fake_engine.tasks[task_id] = {
        "learning_rates": [1e-5, 1e-3, 1e-1],
        "losses": [2.3, 1.5, 9.0],
        "raw_losses": [2.3, 1.5, 9.0],
        "suggested": 0.00312,
        "steepest": 0.00312,
        "minimum": 0.001,
        "steps": 3,
        "error": None,
    }
    app.run()
    assert not app.exception, app.exception
    assert any("0.0031" in str(element.value) for element in app.markdown)
    app.button(key="b_use_lr").click().run()
    assert not app.exception, app.exception
    assert app.number_input(key="build.learning_rate").value == pytest.approx(0.0031)


def test_schedule_and_augmentation_widgets_drive_the_spec(fake_engine) -> None:
    from test_build_page import open_build

    app = open_build(lab=fake_engine.lab_id)
    app.selectbox(key="build.lr_schedule").set_value("step").run()
    app.number_input(key="build.lr_decay_epochs").set_value(3).run()
    app.slider(key="build.augment_rotation").set_value(15.0).run()
    assert not app.exception, app.exception
    assert app.image  # the augmentation preview grid
    app.button(key="b_train").click().run()
    [(_, spec, _, _)] = fake_engine.submitted
    assert spec.lr_schedule == "step" and spec.lr_decay_epochs == 3
    assert spec.augment_rotation == 15.0


# --- in a real browser ----------------------------------------------------------------------------


@pytest.mark.browser
def test_browser_sigmoid_preset_shows_diagnostics_map_and_the_finder(page) -> None:
    import re

    from helpers import screenshot, wait_for_idle
    from playwright.sync_api import expect

    page.goto(f"{page.base_url}/build_and_train?preset=t000_sigmoid_mse&n=1000&ep=3&lang=en")
    wait_for_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    epochs = page.locator(".st-key-b_live_metrics").get_by_test_id("stMetric").first
    expect(epochs).to_contain_text("3 / 3", timeout=300_000)
    wait_for_idle(page)
    expect(page.get_by_text("Inside the training", exact=True)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Hidden-layer map", exact=True)).to_be_attached()
    expect(page.get_by_text("Watch these images", exact=True)).to_be_attached()
    page.get_by_role("button", name="Find a learning rate").click()
    suggestion = page.get_by_text(re.compile("Suggested learning rate"))
    expect(suggestion).to_be_attached(timeout=300_000)
    wait_for_idle(page)
    suggested = float(re.search(r"rate: ([0-9.e+-]+)", suggestion.inner_text())[1])
    page.get_by_role("button", name="Use this rate").click()
    # The settings' learning rate (its widget shows 5 decimals) takes the suggestion.
    rate = page.get_by_label("Learning rate", exact=True)
    expect(rate).to_have_value(f"{suggested:.5f}", timeout=30_000)
    screenshot(page, "build_diagnostics")


def test_live_panel_sends_its_charts_as_tables_built_once_per_epoch(fake_engine, monkeypatch):
    # The live panel re-sends its charts every second while a run trains: their rows go as Arrow
    # tables built once per epoch (Streamlit would turn a list of rows into a pandas DataFrame on
    # every send), and the watched images as PNG data URLs encoded once.
    import json
    from types import SimpleNamespace

    import pyarrow as pa
    from test_build_page import open_build

    run = fake_engine.add_run(RunSpec(train_size=300, epochs=3), history=_diagnosed_rows(2))
    fake_engine.update(run.run_id, status="running")
    app = open_build(lab=fake_engine.lab_id)
    assert not app.exception, app.exception
    # (Altair charts elsewhere on the page send named datasets: not these.)
    charts = [element.proto for element in app.get("vega_lite_chart") if not element.proto.datasets]
    assert len(charts) >= 4  # loss, accuracy, the diagnostics' small multiples, the map
    for chart in charts:
        spec = json.loads(chart.spec)
        assert "values" not in spec.get("data", {})  # moved out of the spec, into the table
    # (The loss chart marks a learning-rate change in a second layer: rows inside layers stay in
    # the spec, which Streamlit sends as JSON without converting anything.)
    tables = [chart for chart in charts if chart.data.data]
    assert len(tables) >= 3  # accuracy, the diagnostics' small multiples, the map
    accuracy_rows = pa.ipc.open_stream(tables[0].data.data).read_all().to_pylist()
    assert {row["epoch"] for row in accuracy_rows} == {1, 2}
    watched = [
        image.url
        for element in app.get("image")
        for image in element.proto.imgs
        if image.caption[:1] in ("✓", "✗")
    ]
    assert len(watched) >= 5 and all(url.startswith("data:image/png") for url in watched)

    from pages.common import charts as _charts

    built = []

    def counted(rows: list) -> pa.Table:
        built.append(len(rows))
        return pa.Table.from_pylist(rows)

    monkeypatch.setattr(_charts, "pa", SimpleNamespace(Table=SimpleNamespace(from_pylist=counted)))
    app.run()  # a refresh without a new epoch builds no table
    assert not app.exception, app.exception
    assert not built
    fake_engine.update(run.run_id, history=_diagnosed_rows(3))
    app.run()  # a new epoch: the tables are built again, with its rows
    assert built
    charts = [element.proto for element in app.get("vega_lite_chart") if not element.proto.datasets]
    accuracy_rows = pa.ipc.open_stream(next(c for c in charts if c.data.data).data.data).read_all()
    assert set(accuracy_rows.column("epoch").to_pylist()) == {1, 2, 3}


def test_sendable_keeps_the_rows_and_leaves_mixed_fields_to_streamlit() -> None:
    import pyarrow as pa

    from pages.common.charts import sendable

    rows = [{"epoch": 1, "value": 0.5, "layer": "a"}, {"epoch": 2, "value": None, "layer": "a"}]
    spec = sendable({"mark": "line", "data": {"values": rows}})
    assert isinstance(spec["data"]["values"], pa.Table)
    assert spec["data"]["values"].to_pylist() == rows
    mixed = {"data": {"values": [{"value": 1}, {"value": "n/a"}]}}
    assert sendable(mixed) == mixed  # not a table: Streamlit converts it as it always did
    layered = {"layer": [{"data": {"values": rows}}]}
    assert sendable(layered) is layered
