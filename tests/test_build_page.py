"""Build & Train through AppTest: widgets drive the spec, training runs end to end and survives
clicks and page switches, presets and share links load the same way, Evaluate shows the run."""

from __future__ import annotations

import sys
import time

import pytest
from helpers import app_test

from nnlab import PRESETS, LayerSpec, RunSpec

BUILD = "pages/1_build_and_train.py"
EVALUATE = "pages/2_evaluate.py"


def open_build(language: str = "en"):
    app = app_test(language=language)
    app.run()
    app.switch_page(BUILD).run()
    assert not app.exception, app.exception
    return app


def shrink(app, train_size: int = 300, epochs: int = 2):
    """Use a few hundred images and one or two epochs, through the widgets."""
    app.toggle(key="build.use_all_images").set_value(False).run()
    app.number_input(key="build.train_size").set_value(train_size).run()
    app.number_input(key="build.epochs").set_value(epochs).run()
    assert not app.exception, app.exception
    return app


def run_until_ended(app, run, timeout_s: float = 180):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.run()
        assert not app.exception, app.exception
        if not run.is_active:
            app.run()  # the page as it looks once the run has ended
            assert not app.exception, app.exception
            return
    raise TimeoutError(f"run still {run.status} after {timeout_s} s")


def texts(elements) -> str:
    return "\n".join(str(element.value) for element in elements)


def test_renders_without_tensorflow_and_previews_the_network() -> None:
    loaded_before = "tensorflow" in sys.modules
    app = open_build()
    if not loaded_before:
        assert "tensorflow" not in sys.modules  # first paint never pays the TF import
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Trainable parameters"] == f"{RunSpec().parameter_count():,}"
    assert not app.error
    assert app.button(key="b_train").disabled is False


def test_preset_loads_into_the_widgets() -> None:
    app = open_build()
    app.button(key="b_preset_t000_sigmoid_mse").click().run()
    assert app.session_state["build.optimizer"] == "sgd"
    assert app.number_input(key="build.learning_rate").value == pytest.approx(0.2)
    assert app.selectbox(key="build.output_activation").value == "sigmoid"
    assert app.selectbox(key="build.loss").value == "mean_squared_error"
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Trainable parameters"] == "11,935"
    assert any("Settings from the preset" in caption.value for caption in app.caption)


def test_pending_spec_from_a_share_link_is_loaded() -> None:
    app = app_test()
    app.run()
    spec = RunSpec(
        dataset="fashion_mnist",
        train_size=500,
        hidden_layers=(LayerSpec.conv(8, 5), LayerSpec.dense(20, "tanh")),
        optimizer="sgd",
        learning_rate=0.05,
        momentum=0.5,
        epochs=3,
        seed=9,
    )
    app.session_state["pending_spec"] = (spec, None)
    app.switch_page(BUILD).run()
    assert not app.exception, app.exception
    assert "pending_spec" not in app.session_state
    assert app.session_state["build.dataset"] == "fashion_mnist"
    assert app.number_input(key="build.train_size").value == 500
    assert app.number_input(key="build.momentum").value == pytest.approx(0.5)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Trainable parameters"] == f"{spec.parameter_count():,}"


def test_layers_can_be_added_moved_and_removed() -> None:
    app = open_build()
    ids = list(app.session_state["build.layer_ids"])
    assert len(ids) == 1
    app.button(key="b_add_dense").click().run()
    app.button(key="b_add_conv").click().run()
    ids = list(app.session_state["build.layer_ids"])
    assert len(ids) == 3
    assert app.session_state[f"build.layer.{ids[0]}.kind"] == "conv"  # conv goes first
    app.button(key=f"b_down_{ids[1]}").click().run()
    assert list(app.session_state["build.layer_ids"]) == [ids[0], ids[2], ids[1]]
    app.button(key=f"b_remove_{ids[0]}").click().run()
    assert list(app.session_state["build.layer_ids"]) == [ids[2], ids[1]]
    assert not app.exception


def test_invalid_settings_show_a_message_and_disable_train() -> None:
    app = open_build()
    app.toggle(key="build.use_all_images").set_value(False).run()
    app.number_input(key="build.train_size").set_value(20).run()
    app.number_input(key="build.batch_size").set_value(64).run()
    assert not app.exception
    assert "Batch size (64) is larger than the training set" in texts(app.error)
    assert app.button(key="b_train").disabled is True


def test_switching_optimizer_offers_its_learning_rate() -> None:
    app = open_build()
    app.selectbox(key="build.optimizer").set_value("sgd").run()
    assert app.number_input(key="build.learning_rate").value == pytest.approx(0.01)
    assert app.number_input(key="build.momentum").value == 0.0  # SGD-only widgets appear
    app.selectbox(key="build.optimizer").set_value("rmsprop").run()
    assert app.number_input(key="build.learning_rate").value == pytest.approx(0.001)
    assert not [widget for widget in app.number_input if widget.key == "build.momentum"]


def test_locked_and_hidden_fields() -> None:
    app = app_test()
    app.session_state["locked_fields"] = {"epochs"}
    app.session_state["hidden_fields"] = {"seed"}
    app.run()
    app.switch_page(BUILD).run()
    assert app.number_input(key="build.epochs").disabled is True
    assert not [widget for widget in app.number_input if widget.key == "build.seed"]
    assert not app.exception


def test_korean_page_renders() -> None:
    app = open_build("ko")
    assert app.title[0].value.endswith("만들고 학습하기")
    assert app.button(key="b_train").label == "학습 시작"


@pytest.mark.slow
def test_train_end_to_end_then_evaluate() -> None:
    app = shrink(open_build())
    app.button(key="b_train").click().run()
    assert not app.exception, app.exception
    runs = app.session_state["runs"]
    assert len(runs) == 1
    run = runs[0]
    assert app.session_state["active_run_id"] == run.run_id
    run_until_ended(app, run)
    assert run.status == "finished", run.error
    assert len(run.history) == 2 and run.train_images == 300
    assert "Finished 2 epoch(s)" in texts(app.success)
    history_table = app.dataframe[-1].value
    assert list(history_table["run"]) == [run.label]
    assert history_table["epochs"][0] == "2 / 2"

    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    page_text = texts(app.markdown) + texts(app.caption) + texts(app.subheader)
    assert "Misclassified samples" in page_text
    assert run.label in [box.value and box.format_func(box.value) for box in app.selectbox]


@pytest.mark.slow
def test_widgets_and_page_switches_mid_training_lose_nothing() -> None:
    app = shrink(open_build(), train_size=400, epochs=3)
    app.number_input(key="build.batch_size").set_value(8).run()
    app.button(key="b_train").click().run()
    run = app.session_state["runs"][0]
    # Click around while it trains: other widgets, another page, and back.
    app.slider(key="build.dropout_rate").set_value(0.3).run()
    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    app.switch_page("pages/3_draw.py").run()
    app.switch_page(BUILD).run()
    assert not app.exception, app.exception
    # Settings survive the trip to other pages.
    assert app.slider(key="build.dropout_rate").value == pytest.approx(0.3)
    assert app.number_input(key="build.batch_size").value == 8
    assert app.session_state["runs"] == [run]
    run_until_ended(app, run)
    if run.exception is not None:
        import traceback

        traceback.print_exception(run.exception)  # the worker's traceback, for the test log
    assert run.status == "finished", run.error
    assert [row["epoch"] for row in run.history] == [1, 2, 3]
    assert run.spec.dropout_rate == 0.0  # the run kept the settings it started with


@pytest.mark.slow
def test_second_run_can_be_stopped_and_history_compares_runs() -> None:
    app = shrink(open_build(), train_size=300, epochs=1)
    app.button(key="b_train").click().run()
    first = app.session_state["runs"][0]
    run_until_ended(app, first)
    app.number_input(key="build.epochs").set_value(200).run()
    app.button(key="b_train").click().run()
    second = app.session_state["runs"][1]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not second.progress["batch"]:
        app.run()
    app.button(key=f"b_stop_{second.run_id}").click().run()
    run_until_ended(app, second)
    assert second.status == "stopped" and len(second.history) < 200
    assert "Stopped after" in texts(app.warning)
    assert app.selectbox(key="b_active_choice").value == second.run_id
    app.selectbox(key="b_active_choice").set_value(first.run_id).run()
    assert app.session_state["active_run_id"] == first.run_id
    assert len(app.multiselect(key="b_compare_runs").value) == 2
    assert not app.exception


@pytest.mark.slow
@pytest.mark.parametrize("preset_key", ["t004_logistic"])
def test_preset_run_shows_result_beside_published(preset_key: str) -> None:
    app = open_build()
    app.button(key=f"b_preset_{preset_key}").click().run()
    shrink(app, train_size=300, epochs=1)
    app.button(key="b_train").click().run()
    run = app.session_state["runs"][0]
    assert run.preset_key == preset_key
    run_until_ended(app, run)
    labels = [metric.label for metric in app.metric]
    titles = {"val_accuracy": "Validation accuracy", "accuracy": "Train accuracy"}
    for metric in PRESETS[preset_key].published:
        assert titles[metric] in labels
    assert any("Tutorial:" in caption.value for caption in app.caption)
    assert any("Your last run" in markdown.value for markdown in app.markdown)


def test_old_runs_release_their_models_but_the_newest_keep_them() -> None:
    from pages._build_runs import release_old_models

    class FakeRun:
        def __init__(self, active: bool = False) -> None:
            self.model, self.is_active = object(), active

        def release_model(self) -> None:
            self.model = None

    runs = [FakeRun() for _ in range(7)] + [FakeRun(active=True)]
    release_old_models(runs, keep=5)
    assert [run.model is not None for run in runs] == [False, False] + [True] * 6


def test_out_of_range_value_shows_its_message_and_disables_train() -> None:
    app = open_build()
    app.number_input(key="build.epochs").set_value(0).run()  # the widget takes it: no clamping
    assert not app.exception, app.exception
    errors = texts(app.error)
    assert "Random seed" not in errors
    assert (
        errors.count("Epochs must be between 1 and 200; got 0.") == 2
    )  # beside it, and above Train
    assert app.button(key="b_train").disabled is True
    app.number_input(key="build.epochs").set_value(3).run()
    assert not app.error
    assert app.button(key="b_train").disabled is False


def test_validation_messages_and_diagram_are_korean_in_korean() -> None:
    app = open_build("ko")
    app.number_input(key="build.epochs").set_value(0).run()
    assert "에포크 수은(는) 1에서 200 사이여야 합니다" in texts(app.error)
    app.number_input(key="build.epochs").set_value(3).run()
    dot = app.get("graphviz_chart")[0].proto.spec
    assert "입력" in dot and "가중치" in dot and "weights" not in dot
