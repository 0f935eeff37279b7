"""Evaluate page (AppTest): the no-model prompt, an uploaded model, a lab's run, the filters.

Fast tests use the FakeEngine (tests/fake_engine.py) and NumPy networks; the slow one at the end
trains through the real engine's worker and evaluates what it made.
"""

from __future__ import annotations

import numpy as np
import pytest
from fake_engine import epoch_rows, linear_network, wrong_output_network
from helpers import app_test, wait_until

from nnlab.core.labs import new_lab_id
from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.data.datasets import load_dataset

EVALUATE = "pages/2_evaluate.py"


@pytest.fixture(scope="module")
def fashion_network():
    """A weak Flatten + Dense(10) classifier fitted to 300 Fashion-MNIST images: many mistakes."""
    dataset = load_dataset("fashion_mnist")
    return linear_network(dataset.x_train[:300], dataset.y_train[:300])


def evaluate_page(engine, setup=None, language: str = "en"):
    """The Evaluate page in `engine`'s lab, after `setup(session_state)`."""
    app = app_test(language=language)
    app.query_params["lab"] = engine.lab_id
    app.run()
    if setup is not None:
        setup(app.session_state)
    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    return app


def upload(network, dataset_name: str = "fashion_mnist"):
    """A setup that puts `network` among the session's uploaded models."""
    from pages.common import state
    from pages.common.models import ModelChoice

    def setup(session_state) -> None:
        session_state[state.UPLOADS.key] = [
            ModelChoice(
                key="upload:1",
                label="tiny upload",
                network=network,
                spec=None,
                dataset_name=dataset_name,
                source="upload",
            )
        ]

    return setup


def watch(run_id: str):
    """A setup that makes `run_id` the run the other pages use."""
    from pages.common import state

    def setup(session_state) -> None:
        session_state[state.ACTIVE_RUN_ID.key] = run_id

    return setup


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def options(app) -> list[str]:
    """Every option of every select box on the page, as the student reads it."""
    return [option for box in app.selectbox for option in box.options]


def first_evaluation(app):
    from pages.common import state

    return next(iter(app.session_state[state.EVALUATIONS.key].values()))


def test_without_a_model_the_page_prompts_to_train(fake_engine) -> None:
    app = evaluate_page(fake_engine)
    assert any("no model to evaluate" in info.value for info in app.info)
    assert not app.metric
    assert "Confusion matrix" not in texts(app.subheader)


def test_uploaded_model_shows_figures_confusion_and_mistakes(fake_engine, fashion_network) -> None:
    from nnlab.inspection.evaluation import evaluate

    app = evaluate_page(fake_engine, upload(fashion_network))
    expected = evaluate(fashion_network, load_dataset("fashion_mnist"))
    assert 0.3 < expected.accuracy < 0.95  # a weak model: mistakes to show
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Test accuracy"] == f"{expected.accuracy:.1%}"
    assert metrics["Test loss"] == f"{expected.loss:.3f}"
    assert {"Confusion matrix", "Per class", "Misclassified samples"} <= set(texts(app.subheader))
    captions = texts(app.caption)
    count = f"{expected.num_images:,}"
    assert any(caption.startswith(f"Evaluated on the {count} test images") for caption in captions)
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


def test_filters_pick_samples_and_cache_the_evaluation(fake_engine, fashion_network) -> None:
    from pages.common import state

    app = evaluate_page(fake_engine, upload(fashion_network))
    evaluation = first_evaluation(app)
    app.selectbox(key="evaluate_true_en").set_value(6).run()  # Shirt
    assert not app.exception
    assert first_evaluation(app) is evaluation  # not recomputed
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
    assert app.session_state[state.SAMPLE_INDEX.key] == index
    assert any(f"Test image #{index}" in markdown.value for markdown in app.markdown)


def test_preset_run_shows_training_and_published_figures(fake_engine, fashion_network) -> None:
    import nnlab

    preset = nnlab.PRESETS["t002_fashion_relu1000"]
    run = fake_engine.add_run(
        preset.spec,
        label="#1 · Fashion tiny",
        preset_key=preset.key,
        history=[
            {"epoch": 1, "loss": 0.9, "accuracy": 0.71, "val_loss": 1.0, "val_accuracy": 0.69}
        ],
        network=fashion_network,
    )
    app = evaluate_page(fake_engine, watch(run.run_id))
    assert app.selectbox(key="evaluate_model").value == f"run:{run.run_id}"
    metrics = {metric.label: metric for metric in app.metric}
    assert metrics["Training accuracy (epoch 1)"].value == "71.0%"
    assert metrics["Validation accuracy (epoch 1)"].value == "69.0%"
    assert metrics["Tutorial's test accuracy"].value == "88.2%"
    test_accuracy = float(metrics["Test accuracy"].value.rstrip("%")) / 100
    expected_points = 100 * (test_accuracy - 0.8821)
    assert metrics["Test accuracy"].delta.startswith(f"{expected_points:+.2f}"[:3])


def test_korean_page_renders(fake_engine, fashion_network) -> None:
    app = evaluate_page(fake_engine, upload(fashion_network), language="ko")
    assert "혼동 행렬" in texts(app.subheader)
    assert any(c.startswith("정답: ") for c in texts(app.caption))


def test_a_model_with_the_wrong_output_shows_an_error(fake_engine) -> None:
    app = evaluate_page(fake_engine, upload(wrong_output_network(), "mnist"))
    assert any("must output 10 numbers" in error.value for error in app.error)
    assert not app.metric


def test_evaluation_accuracy_matches_predictions(fake_engine, fashion_network) -> None:
    app = evaluate_page(fake_engine, upload(fashion_network))
    evaluation = first_evaluation(app)
    assert evaluation.accuracy == pytest.approx(
        np.mean(evaluation.predictions == evaluation.labels)
    )


def test_a_run_still_training_is_not_offered_until_it_ends(fake_engine, fashion_network) -> None:
    # Its weights are still changing in the worker: only an ended run's stored model is used.
    running = fake_engine.add_run(
        RunSpec(dataset="fashion_mnist"),
        label="#1 · still training",
        status="running",
        history=epoch_rows(1),
        network=fashion_network,
        has_model=True,  # even a model in the store is not used while the run is active
    )
    app = evaluate_page(fake_engine, watch(running.run_id))
    assert not app.exception
    assert "#1 · still training" not in options(app)
    assert any("no model to evaluate" in info.value for info in app.info)

    fake_engine.update(running.run_id, status="finished", history=epoch_rows(2))
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox(key="evaluate_model").value == f"run:{running.run_id}"
    assert "#1 · still training" in options(app)
    assert "Confusion matrix" in texts(app.subheader)


def test_a_run_whose_model_was_dropped_is_not_offered(fake_engine, fashion_network) -> None:
    fake_engine.add_run(label="#1 · old", has_model=False)  # the store's per-lab cap dropped it
    kept = fake_engine.add_run(
        RunSpec(dataset="fashion_mnist"), label="#2 · kept", network=fashion_network
    )
    app = evaluate_page(fake_engine)
    assert "#1 · old" not in options(app)
    assert app.selectbox(key="evaluate_model").value == f"run:{kept.run_id}"


def test_an_uploaded_file_is_read_by_the_engine_and_picked(fake_engine, fashion_network) -> None:
    app = evaluate_page(fake_engine)
    app.selectbox(key="evaluate_model_upload_classes").set_value("fashion_mnist")
    app.file_uploader(key="evaluate_model_upload").set_value(
        ("tiny.keras", fashion_network.to_bytes(), "application/octet-stream")
    ).run()
    assert not app.exception, app.exception
    assert fake_engine.loaded_files == [("tiny.keras", "fashion_mnist")]  # loaded in "a worker"
    assert any("tiny.keras" in success.value for success in app.success)
    assert app.selectbox(key="evaluate_model").value.startswith("upload:")
    assert "Confusion matrix" in texts(app.subheader)


def test_an_unreadable_upload_shows_the_engine_s_message(fake_engine) -> None:
    app = evaluate_page(fake_engine)
    app.file_uploader(key="evaluate_model_upload").set_value(
        ("broken.keras", b"not a model at all", "application/octet-stream")
    ).run()
    assert not app.exception, app.exception
    assert any("broken.keras" in error.value for error in app.error)
    assert not app.metric


# --- end to end, with the real engine ----------------------------------------------------------


@pytest.mark.slow
def test_a_run_trained_in_a_worker_is_evaluated_here(real_engine) -> None:
    from nnlab.inspection.evaluation import evaluate

    spec = RunSpec(
        train_size=300, epochs=1, batch_size=32, hidden_layers=(LayerSpec.dense(16, "relu"),)
    )
    lab = new_lab_id()
    run_id = real_engine.submit(lab, spec, label="#1 · from the worker")
    wait_until(lambda: not real_engine.live(run_id).is_active, 300, "the run to end")
    run = real_engine.live(run_id)
    assert run.status == "finished", run.error
    app = app_test()
    app.query_params["lab"] = lab
    app.run()
    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    assert app.selectbox(key="evaluate_model").value == f"run:{run_id}"
    expected = evaluate(real_engine.network(run_id), load_dataset("mnist"))
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Test accuracy"] == f"{expected.accuracy:.1%}"
    assert metrics["Training accuracy (epoch 1)"] == f"{run.history[-1].accuracy:.1%}"
