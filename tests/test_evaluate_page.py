"""Evaluate page (AppTest): the no-model prompt, an uploaded model, a preset run, the filters."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from helpers import app_test

from nnlab.spec import RunSpec

EVALUATE = "pages/2_evaluate.py"


@pytest.fixture(scope="module")
def fashion_model():
    """A weak Flatten + Dense(10) model on 300 Fashion-MNIST images: many mistakes to show."""
    import keras
    from keras import layers

    from nnlab.datasets import load_dataset

    dataset = load_dataset("fashion_mnist")
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Rescaling(1 / 255),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(dataset.x_train[:300], dataset.y_train[:300], epochs=1, verbose=0)
    return model


def evaluate_page(setup=None, language: str = "en"):
    app = app_test(language=language)
    app.run()
    if setup is not None:
        setup(app.session_state)
    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    return app


def upload(model, dataset_name: str = "fashion_mnist"):
    from pages._models import ModelChoice

    def setup(state) -> None:
        state["uploaded_models"] = [
            ModelChoice(
                key="upload:1",
                label="tiny upload",
                model=model,
                spec=None,
                dataset_name=dataset_name,
                source="upload",
            )
        ]

    return setup


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def test_without_a_model_the_page_prompts_to_train() -> None:
    app = evaluate_page()
    assert any("no model to evaluate" in info.value for info in app.info)
    assert not app.metric
    assert "Confusion matrix" not in texts(app.subheader)


def test_uploaded_model_shows_figures_confusion_and_mistakes(fashion_model) -> None:
    from nnlab.datasets import load_dataset
    from nnlab.evaluation import evaluate

    app = evaluate_page(upload(fashion_model))
    expected = evaluate(fashion_model, load_dataset("fashion_mnist"))
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Test accuracy"] == f"{expected.accuracy:.2%}"
    assert metrics["Test loss"] == f"{expected.loss:.4f}"
    assert {"Confusion matrix", "Per class", "Misclassified samples"} <= set(texts(app.subheader))
    captions = texts(app.caption)
    assert any(caption.startswith("Evaluated on the 10,000 test images") for caption in captions)
    tiles = [caption for caption in captions if caption.endswith("% sure")]
    assert len(tiles) == 24  # one full page of the grid
    first = expected.misclassified[0]
    names = expected.class_names
    assert tiles[0].startswith(
        f"Label: {names[first.true_label]} · Predict: {names[first.predicted_label]}"
    )
    table = app.dataframe[0].value
    assert list(table["class"]) == list(names)
    # The chosen sample (the most confident mistake) has its probability bars.
    assert any(f"Test image #{first.index}" in markdown.value for markdown in app.markdown)


def test_filters_pick_samples_and_cache_the_evaluation(fashion_model) -> None:
    app = evaluate_page(upload(fashion_model))
    evaluation = next(iter(app.session_state["evaluations"].values()))
    app.selectbox(key="evaluate_true_en").set_value(6).run()  # Shirt
    assert not app.exception
    assert next(iter(app.session_state["evaluations"].values())) is evaluation  # not recomputed
    tiles = [c.value for c in app.caption if c.value.endswith("% sure")]
    assert tiles and all(tile.startswith("Label: Shirt · ") for tile in tiles)
    wrong_shirts = len(evaluation.mistakes(true_label=6))
    assert f"{wrong_shirts:,} misclassified images match" in texts(app.caption)
    # A diagonal choice shows the right answers of that class.
    app.selectbox(key="evaluate_predicted_en").set_value(6).run()
    right = int(evaluation.confusion[6, 6])
    assert any(f"{right:,} images of Shirt classified right" in c for c in texts(app.caption))
    # Clicking the number under a tile shows that sample's probabilities.
    pick = next(b for b in app.button if b.key and b.key.startswith("evaluate_pick_"))
    index = int(pick.key.rsplit("_", 1)[1])
    pick.click().run()
    assert app.session_state["evaluate_sample"] == index
    assert any(f"Test image #{index}" in markdown.value for markdown in app.markdown)


def test_preset_run_shows_training_and_published_figures(fashion_model) -> None:
    import nnlab

    preset = nnlab.PRESETS["t002_fashion_relu1000"]
    run = SimpleNamespace(
        run_id="abc",
        label="#1 · Fashion tiny",
        spec=preset.spec,
        preset_key=preset.key,
        status="finished",
        is_active=False,
        history=[
            {"epoch": 1, "loss": 0.9, "accuracy": 0.71, "val_loss": 1.0, "val_accuracy": 0.69}
        ],
        model=fashion_model,
        error=None,
    )

    def setup(state) -> None:
        state["runs"] = [run]
        state["active_run_id"] = "abc"

    app = evaluate_page(setup)
    metrics = {metric.label: metric for metric in app.metric}
    assert metrics["Training accuracy (epoch 1)"].value == "71.00%"
    assert metrics["Validation accuracy (epoch 1)"].value == "69.00%"
    assert metrics["Tutorial's test accuracy"].value == "88.21%"
    test_accuracy = float(metrics["Test accuracy"].value.rstrip("%")) / 100
    expected_points = 100 * (test_accuracy - 0.8821)
    assert metrics["Test accuracy"].delta.startswith(f"{expected_points:+.2f}"[:3])


def test_korean_page_renders(fashion_model) -> None:
    app = evaluate_page(upload(fashion_model), language="ko")
    assert "혼동 행렬" in texts(app.subheader)
    assert any(c.startswith("정답: ") for c in texts(app.caption))


def test_a_model_with_the_wrong_output_shows_an_error() -> None:
    import keras
    from keras import layers

    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(3)])
    app = evaluate_page(upload(model, "mnist"))
    assert any("must output 10 numbers" in error.value for error in app.error)
    assert not app.metric


def test_evaluation_accuracy_matches_predictions(fashion_model) -> None:
    app = evaluate_page(upload(fashion_model))
    evaluation = next(iter(app.session_state["evaluations"].values()))
    assert evaluation.accuracy == pytest.approx(
        np.mean(evaluation.predictions == evaluation.labels)
    )


def test_a_run_still_training_is_not_offered_until_it_ends(fashion_model) -> None:
    # The page must not call a model that its worker thread is still fitting.
    running = SimpleNamespace(
        run_id="live",
        label="#1 · still training",
        spec=RunSpec(dataset="fashion_mnist"),
        preset_key=None,
        status="running",
        is_active=True,
        history=[{"epoch": 1, "loss": 0.9, "accuracy": 0.7, "val_loss": 1.0, "val_accuracy": 0.7}],
        model=fashion_model,
        error=None,
    )

    def setup(state) -> None:
        state["runs"] = [running]
        state["active_run_id"] = "live"

    app = evaluate_page(setup)
    assert not app.exception
    assert "#1 · still training" not in [option for box in app.selectbox for option in box.options]
