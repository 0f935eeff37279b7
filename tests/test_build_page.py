"""Build & Train through AppTest: widgets drive the spec, presets and share links load the same
way, Train queues the run in the lab's engine and the live panel follows it to its end.

Fast tests use the FakeEngine (tests/fake_engine.py): the test moves each run along as the
engine's events would. The slow ones train for real in the engine's worker (`real_engine`).
"""

from __future__ import annotations

import dataclasses
import sys
import time

import pytest
from fake_engine import epoch_rows
from helpers import app_test

from nnlab import PRESETS, LayerSpec, RunSpec
from nnlab.core.labs import new_lab_id
from pages.common import state

BUILD = "pages/1_build_and_train.py"
EVALUATE = "pages/2_evaluate.py"


def open_build(language: str = "en", lab: str | None = None):
    """The Build & Train page, in lab `lab` when given (else a fresh one)."""
    app = app_test(language=language)
    if lab is not None:
        app.query_params["lab"] = lab
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


def run_until_ended(app, engine, run_id: str, timeout_s: float = 300):
    """Rerun the page until the engine says the run ended (AppTest runs no timed fragments)."""
    deadline = time.monotonic() + timeout_s
    while engine.live(run_id).is_active:
        assert time.monotonic() < deadline, f"run still {engine.live(run_id).status}"
        app.run()  # each rerun takes a while: it is the polling interval
        assert not app.exception, app.exception
    app.run()  # the page as it looks once the run has ended
    assert not app.exception, app.exception
    return engine.live(run_id)


def active_run_id(app) -> str | None:
    try:
        return app.session_state[state.ACTIVE_RUN_ID.key]
    except KeyError:  # AppTest's session state has no .get
        return None


def texts(elements) -> str:
    return "\n".join(str(element.value) for element in elements)


def history_table(app):
    """The run history table (the page's last data frame)."""
    return app.dataframe[-1].value


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


def _widget_default_and_value(widget) -> tuple[object, object]:
    """What a browser mounting `widget` afresh would show (its proto's default), and its value."""
    default = widget.proto.default
    if widget.proto.DESCRIPTOR.name in ("Selectbox", "Radio"):
        return default, widget.index
    if widget.proto.DESCRIPTOR.name == "ButtonGroup":
        return list(default), [widget.options.index(widget.format_func(widget.value))]
    if widget.proto.DESCRIPTOR.name == "Slider":
        return list(default), [widget.value]
    return default, widget.value


def test_every_setting_s_widget_defaults_to_the_value_it_holds() -> None:
    # Streamlit sends a widget's value to the browser only in the run that changed it; a browser
    # that mounts the widget again later starts from the proto's default and sends that back.
    # Settings with the first option or the minimum as default fell to SGD, 1 epoch or the
    # smallest training size between runs (issue 13); the default must be the value held.
    app = open_build()
    app.button(key="b_preset_t004_dropout_early_stopping").click().run()
    app.toggle(key="build.use_all_images").set_value(False).run()
    app.number_input(key="build.train_size").set_value(2_500).run()
    app.run()  # a run that changed nothing: no widget carries its value any more
    checked = {}
    for kind in ("selectbox", "radio", "number_input", "slider", "checkbox", "toggle"):
        for widget in getattr(app, kind):
            if (widget.key or "").startswith("build."):
                checked[widget.key] = _widget_default_and_value(widget)
    dataset = app.get("button_group")[0]
    checked[dataset.key] = (list(dataset.proto.default), [1])  # Fashion-MNIST, the second
    assert {"build.optimizer", "build.train_size", "build.epochs", "build.dataset"} <= set(checked)
    assert app.session_state["build.optimizer"] == "adam"
    wrong = {key: pair for key, pair in checked.items() if pair[0] != pair[1]}
    assert not wrong, f"widgets whose browser default differs from their value: {wrong}"


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
    app.session_state[state.PENDING_SPEC.key] = (spec, None)
    app.switch_page(BUILD).run()
    assert not app.exception, app.exception
    assert state.PENDING_SPEC.key not in app.session_state
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
    app.session_state[state.LOCKED_FIELDS.key] = {"epochs"}
    app.session_state[state.HIDDEN_FIELDS.key] = {"seed"}
    app.run()
    app.switch_page(BUILD).run()
    assert app.number_input(key="build.epochs").disabled is True
    assert not [widget for widget in app.number_input if widget.key == "build.seed"]
    assert not app.exception


def test_korean_page_renders() -> None:
    app = open_build("ko")
    assert app.title[0].value.endswith("만들고 학습하기")
    assert app.button(key="b_train").label == "학습 시작"


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


# --- runs, with the fake engine --------------------------------------------------------------


def test_train_queues_the_widgets_spec_in_the_lab_and_watches_it(fake_engine) -> None:
    app = shrink(open_build(lab=fake_engine.lab_id))
    app.button(key="b_train").click().run()
    assert not app.exception, app.exception
    [(lab, spec, preset_key, label)] = fake_engine.submitted
    assert lab == fake_engine.lab_id and preset_key is None
    assert (spec.train_size, spec.epochs) == (300, 2)
    assert label.startswith("#1 · ")
    [run] = fake_engine.lab_runs(lab)
    assert active_run_id(app) == run.run_id
    assert "Waiting for a free slot: number 1 in the queue" in texts(app.info)
    assert history_table(app)["status"][0] == "queued"
    assert fake_engine.touched, "the live panel tells the engine someone watches the lab"
    app.button(key=f"b_stop_{run.run_id}").click().run()  # "Leave the queue"
    assert not app.exception, app.exception
    assert fake_engine.stopped == [run.run_id]


def test_live_panel_follows_a_run_to_its_end(fake_engine) -> None:
    app = shrink(open_build(lab=fake_engine.lab_id))
    app.button(key="b_train").click().run()
    [run] = fake_engine.lab_runs(fake_engine.lab_id)
    progress = dataclasses.replace(run.progress, epoch=2, batch=5, batches=10, eta_seconds=3.0)
    fake_engine.update(run.run_id, status="running", history=epoch_rows(1), progress=progress)
    app.run()
    assert not app.exception, app.exception
    bars = app.get("progress")
    assert bars and bars[0].value == 50  # batch 5 of 10
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Epochs"] == "1 / 2"
    assert app.button(key=f"b_stop_{run.run_id}").label == "Stop"

    fake_engine.update(
        run.run_id,
        status="finished",
        history=epoch_rows(2, accuracy=0.9),
        test_accuracy=0.88,
        test_loss=0.4,
    )
    app.run()
    assert not app.exception, app.exception
    assert "Finished 2 epoch(s)" in texts(app.success)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Epochs"] == "2 / 2"
    assert metrics["Train accuracy"] == "90.0%"
    assert metrics["Test accuracy"] == "88.0%"
    table = history_table(app)
    assert list(table["run"]) == [run.label]
    assert table["epochs"][0] == "2 / 2" and table["status"][0] == "finished"


def test_a_failed_run_shows_its_error(fake_engine) -> None:
    run = fake_engine.add_run(status="failed", history=[], error="ValueError: out of memory")
    app = open_build(lab=fake_engine.lab_id)
    assert active_run_id(app) is None  # the newest run is watched when none was chosen
    assert "The run failed: ValueError: out of memory" in texts(app.error)
    assert history_table(app)["status"][0] == "failed"
    assert run.label in texts(app.markdown)


def test_a_lab_with_two_active_runs_cannot_start_a_third(fake_engine) -> None:
    first = fake_engine.add_run(status="running", label="#1 · first")
    second = fake_engine.add_run(status="queued", label="#2 · second", queue_position=1)
    app = open_build(lab=fake_engine.lab_id)
    assert app.button(key="b_train").disabled is True
    assert any("You already have two runs" in caption.value for caption in app.caption)
    # The newest run is watched; the other one is listed with its own stop button.
    assert any(f"Also running: {first.label}" in caption.value for caption in app.caption)
    assert app.button(key=f"b_stop_{first.run_id}")
    assert app.button(key=f"b_stop_{second.run_id}").label == "Leave the queue"
    fake_engine.update(first.run_id, status="finished", history=epoch_rows(1))
    app.run()
    assert app.button(key="b_train").disabled is False


def test_the_lab_s_runs_are_there_after_a_reload(fake_engine) -> None:
    fake_engine.add_run(label="#1 · yesterday")
    fake_engine.add_run(label="#2 · another lab", lab_id=new_lab_id())
    app = open_build(lab=fake_engine.lab_id)  # a new session: only the URL carries the lab
    assert list(history_table(app)["run"]) == ["#1 · yesterday"]


def test_old_runs_lose_their_models_but_the_history_lists_every_run(fake_engine, tmp_path) -> None:
    from nnlab.core.runs import RunRecord
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    store = Store(sqlite_url(tmp_path / "runs.sqlite3"))
    lab = fake_engine.lab_id
    spec = RunSpec(train_size=300, epochs=1)
    for number in range(1, 8):
        run_id = f"old{number}"
        store.add_run(
            RunRecord(run_id, lab, f"#{number} · run", spec, status="running", created_at=number)
        )
        store.add_epoch(run_id, epoch_rows(1)[0])
        store.finish_run(run_id, status="finished", network_bytes=b"npz", keras_bytes=b"keras")
    store.enforce_lab_caps(lab)  # what the engine runs after each finished run
    records = store.lab_runs(lab)
    assert [record.has_model for record in records] == [False, False] + [True] * 5
    for record in records:
        fake_engine.add_run(
            record.spec,
            run_id=record.run_id,
            label=record.label,
            history=store.history(record.run_id),
            has_model=record.has_model,
        )
    store.close()

    app = open_build(lab=lab)
    table = history_table(app)
    assert list(table["run"]) == [f"#{number} · run" for number in range(1, 8)]
    dropped = "finished · weights freed (each lab keeps its newest models)"
    assert list(table["status"]) == [dropped] * 2 + ["finished"] * 5
    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    offered = [option for box in app.selectbox for option in box.options]
    assert "#1 · run" not in offered and "#2 · run" not in offered
    assert "#7 · run" in offered


def test_preset_run_shows_result_beside_published(fake_engine) -> None:
    preset = PRESETS["t004_logistic"]
    run = fake_engine.add_run(
        preset.spec.replace(train_size=300, epochs=1),
        preset_key=preset.key,
        history=epoch_rows(1, accuracy=0.8),
    )
    app = open_build(lab=fake_engine.lab_id)
    assert active_run_id(app) is None and run.is_active is False
    labels = [metric.label for metric in app.metric]
    titles = {"val_accuracy": "Validation accuracy", "accuracy": "Train accuracy"}
    for metric in preset.published:
        assert titles[metric] in labels
    assert any("Tutorial vs this run" in markdown.value for markdown in app.markdown)
    assert any("Your last run" in markdown.value for markdown in app.markdown)


def test_a_store_that_fell_back_says_so(fake_engine) -> None:
    fake_engine.store_warning = "PostgreSQL at db:5432 refused the connection."
    app = open_build(lab=fake_engine.lab_id)
    assert any("refused the connection" in warning.value for warning in app.warning)


# --- end to end, with the real engine ----------------------------------------------------------


def _started(app, engine, lab: str, number: int):
    """The lab's `number`th run (1-based), started by the Train click just made."""
    runs = engine.lab_runs(lab)
    assert len(runs) == number, [run.label for run in runs]
    return runs[-1].run_id


@pytest.mark.slow
def test_train_end_to_end_then_evaluate(real_engine) -> None:
    lab = new_lab_id()
    app = shrink(open_build(lab=lab))
    app.button(key="b_train").click().run()
    assert not app.exception, app.exception
    run_id = _started(app, real_engine, lab, 1)
    assert active_run_id(app) == run_id
    run = run_until_ended(app, real_engine, run_id)
    assert run.status == "finished", run.error
    assert len(run.history) == 2 and run.train_images == 300
    assert "Finished 2 epoch(s)" in texts(app.success)
    table = history_table(app)
    assert list(table["run"]) == [run.label]
    assert table["epochs"][0] == "2 / 2"

    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    page_text = texts(app.markdown) + texts(app.caption) + texts(app.subheader)
    assert "Misclassified samples" in page_text
    assert app.selectbox(key="evaluate_model").value == f"run:{run_id}"
    assert run.label in [option for box in app.selectbox for option in box.options]


@pytest.mark.slow
def test_widgets_and_page_switches_mid_training_lose_nothing(real_engine) -> None:
    lab = new_lab_id()
    app = shrink(open_build(lab=lab), train_size=400, epochs=3)
    app.number_input(key="build.batch_size").set_value(8).run()
    app.button(key="b_train").click().run()
    run_id = _started(app, real_engine, lab, 1)
    # Click around while it trains: other widgets, another page, and back.
    app.slider(key="build.dropout_rate").set_value(0.3).run()
    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    app.switch_page("pages/3_draw.py").run()
    app.switch_page(BUILD).run()
    assert not app.exception, app.exception
    # Settings survive the trip to other pages, and no click started another run.
    assert app.slider(key="build.dropout_rate").value == pytest.approx(0.3)
    assert app.number_input(key="build.batch_size").value == 8
    assert [run.run_id for run in real_engine.lab_runs(lab)] == [run_id]
    run = run_until_ended(app, real_engine, run_id)
    assert run.status == "finished", run.error
    assert [row.epoch for row in run.history] == [1, 2, 3]
    assert run.spec.dropout_rate == 0.0  # the run kept the settings it started with


@pytest.mark.slow
def test_second_run_can_be_stopped_and_history_compares_runs(real_engine) -> None:
    lab = new_lab_id()
    app = shrink(open_build(lab=lab), train_size=300, epochs=1)
    app.button(key="b_train").click().run()
    first = _started(app, real_engine, lab, 1)
    run_until_ended(app, real_engine, first)
    app.number_input(key="build.epochs").set_value(200).run()
    app.button(key="b_train").click().run()
    second = _started(app, real_engine, lab, 2)
    deadline = time.monotonic() + 300
    while not real_engine.live(second).progress.batch:
        assert time.monotonic() < deadline, "the second run never started training"
        app.run()
    app.button(key=f"b_stop_{second}").click().run()
    stopped = run_until_ended(app, real_engine, second)
    assert stopped.status == "stopped" and len(stopped.history) < 200
    assert "Stopped after" in texts(app.warning)
    assert app.selectbox(key="b_active_choice").value == second
    app.selectbox(key="b_active_choice").set_value(first).run()
    assert active_run_id(app) == first
    assert len(app.multiselect(key="b_compare_runs").value) == 2
    assert not app.exception


# --- honest settings, projector mode, the offline story (issue 12) -----------------------------


def _layer_units_key(app) -> str:
    [layer_id] = list(app.session_state["build.layer_ids"])
    return f"build.layer.{layer_id}.units"


def test_out_of_range_units_and_learning_rate_disable_train_with_the_message_beside() -> None:
    app = open_build()
    units = _layer_units_key(app)
    app.number_input(key=units).set_value(99999).run()
    assert not app.exception, app.exception
    message = "Units must be between 1 and 4,096; got 99,999."
    assert message in texts(app.error)
    assert app.number_input(key=units).value == 99999  # the field keeps what was typed
    assert app.button(key="b_train").disabled is True
    # Beside the field: the message is the element right after the widget in its column.
    column = next(
        block
        for block in app.main.get("column")
        if any(getattr(child, "key", None) == units for child in block.children.values())
    )
    kids = list(column.children.values())
    position = next(i for i, child in enumerate(kids) if getattr(child, "key", None) == units)
    assert message in kids[position + 1].value
    app.number_input(key=units).set_value(64).run()
    app.number_input(key="build.learning_rate").set_value(100.0).run()
    assert "Learning rate must be in (0.0, 10.0]; got 100.0." in texts(app.error)
    assert app.button(key="b_train").disabled is True
    app.number_input(key="build.learning_rate").set_value(0.01).run()
    assert not app.error and app.button(key="b_train").disabled is False


def test_a_batch_larger_than_the_training_images_is_explained() -> None:
    app = open_build()
    app.radio(key="build.validation").set_value("split").run()  # at most 48,000 images train
    app.number_input(key="build.batch_size").set_value(60000).run()
    assert not app.exception, app.exception
    warning = texts(app.warning)
    assert "The batch size (60,000) is larger than the" in warning
    assert "a single weight update" in warning


def _live_chart_heights(app) -> list[int]:
    import json

    specs = [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]
    live = ("Loss", "Accuracy")  # the live curves, named by their y axis
    return [spec["height"] for spec in specs if spec["encoding"]["y"].get("title") in live]


def test_projector_mode_enlarges_the_charts_and_the_type(fake_engine) -> None:
    from pages.common.charts import NORMAL_LOOK, PROJECTOR_LOOK

    fake_engine.add_run(RunSpec(train_size=300, epochs=2), history=epoch_rows(2))
    normal = open_build(lab=fake_engine.lab_id)
    assert _live_chart_heights(normal) == [NORMAL_LOOK.height] * 2
    assert NORMAL_LOOK.height >= 150  # a readable plot on a laptop, not 60-70 px
    app = app_test()
    app.query_params["lab"] = fake_engine.lab_id
    app.run()
    # (AppTest keeps the sidebar's elements from the first run only: switch there.)
    app.toggle(key="projector_choice").set_value(True)
    app.switch_page(BUILD).run()
    assert not app.exception, app.exception
    assert _live_chart_heights(app) == [PROJECTOR_LOOK.height] * 2
    assert PROJECTOR_LOOK.height >= 2 * NORMAL_LOOK.height - 20
    # A link opens it too, and a reload keeps it: the address carries projector=1.
    linked = app_test()
    linked.query_params["projector"] = "1"
    linked.query_params["lab"] = fake_engine.lab_id
    linked.run()
    assert any("font-size: 20px" in html.proto.body for html in linked.get("html"))  # bigger type
    linked.switch_page(BUILD).run()
    assert not linked.exception, linked.exception
    assert linked.session_state[state.PROJECTOR.key] is True
    assert _live_chart_heights(linked) == [PROJECTOR_LOOK.height] * 2
    assert linked.query_params["projector"] in ("1", ["1"])


def test_tutorial_000_offline_says_why_and_matches_its_weight_updates(fake_engine) -> None:
    from nnlab.core.presets import update_gap
    from nnlab.data.datasets import load_dataset

    preset = PRESETS["t000_sigmoid_mse"]
    gap = update_gap(preset, preset.spec, load_dataset("mnist").num_train)
    if gap is None:
        pytest.skip("the full MNIST is here: tutorial 000 makes its 6,000 updates already")
    app = open_build(lab=fake_engine.lab_id)
    app.button(key="b_preset_t000_sigmoid_mse").click().run()
    why = texts(app.info)
    assert "learns once per batch, not once per image" in why
    assert f"{gap.run_updates:,} weight updates" in why and "6,000" in why
    # The run's comparison with the published figure says the same, next to its red delta.
    fake_engine.add_run(preset.spec, preset_key=preset.key, history=epoch_rows(10, 0.34))
    app.run()
    assert texts(app.info).count("learns once per batch") == 2
    button = app.button(key="b_match_updates_settings")
    assert button.label.startswith(f"Use {gap.matching_epochs} epochs (6,000 updates")
    button.click().run()
    assert not app.exception, app.exception
    assert app.number_input(key="build.epochs").value == gap.matching_epochs
    assert gap.matching_epochs * -(-gap.train_images // 100) >= 6000
    # The settings now make the tutorial's updates; only the finished run still explains itself.
    assert texts(app.info).count("learns once per batch") == 1
    assert not [button for button in app.button if button.key == "b_match_updates_settings"]


def test_a_diverged_run_says_the_learning_rate_is_too_high_and_offers_a_tenth(
    fake_engine,
) -> None:
    from nnlab.core.runs import divergence_error

    spec = RunSpec(train_size=300, epochs=3, optimizer="sgd", learning_rate=10.0)
    run = fake_engine.add_run(
        spec,
        status="stopped",
        error=divergence_error("chance"),
        history=epoch_rows(1, accuracy=0.1, loss=14.2),
    )
    app = open_build(lab=fake_engine.lab_id)
    errors = texts(app.error)
    assert "The learning rate is too high for this network" in errors
    assert "accuracy stayed at chance (10.0%)" in errors and "Try a learning rate of 1." in errors
    assert not app.warning or "Stopped after" not in texts(app.warning)
    app.button(key=f"b_lower_rate_{run.run_id}").click().run()
    assert not app.exception, app.exception
    assert app.number_input(key="build.learning_rate").value == pytest.approx(1.0)
    korean = open_build("ko", lab=fake_engine.lab_id)
    assert "학습률이 너무 높습니다" in texts(korean.error)


@pytest.mark.slow
def test_a_diverging_run_stops_itself_in_the_worker_and_says_why(real_engine) -> None:
    lab = new_lab_id()
    app = shrink(open_build(lab=lab), train_size=600, epochs=5)
    app.selectbox(key="build.optimizer").set_value("sgd").run()
    app.number_input(key="build.learning_rate").set_value(10.0).run()
    app.button(key="b_train").click().run()
    assert not app.exception, app.exception
    run = run_until_ended(app, real_engine, _started(app, real_engine, lab, 1))
    assert run.status == "stopped" and len(run.history) < 5, (run.status, run.error)
    assert "The learning rate is too high for this network" in texts(app.error)
    assert "Try a learning rate of 1." in texts(app.error)


def test_weight_updates_of_tutorial_000_on_the_sample_and_on_the_full_set() -> None:
    from nnlab.core.presets import update_gap, weight_updates

    preset = PRESETS["t000_sigmoid_mse"]
    assert weight_updates(preset.spec, 60_000) == 6_000  # 600 batches of 100, 10 epochs
    assert weight_updates(preset.spec, 8_000) == 800
    gap = update_gap(preset, preset.spec, 8_000)
    assert (gap.run_updates, gap.tutorial_updates, gap.matching_epochs) == (800, 6_000, 75)
    assert update_gap(preset, preset.spec, 60_000) is None  # the full set: nothing to explain
    assert update_gap(preset, preset.spec.replace(epochs=75), 8_000) is None
    # The keras-io convnet holds out 10 %: 54,000 images of batch 128 for 15 epochs.
    convnet = PRESETS["cnn_mnist"]
    assert update_gap(convnet, convnet.spec, 8_000).tutorial_updates == 422 * 15


def test_build_and_train_says_what_the_run_costs_before_train(fake_engine) -> None:
    from nnlab.core.costs import RunCost

    fake_engine.cost = RunCost(seconds_per_image=1e-4, fixed_s=0.5, measured=True)
    app = shrink(open_build(), train_size=300, epochs=2)
    captions = " ".join(element.value for element in app.caption)
    # 0.5 s + 2 epochs x (300 + 10,000 / 3 scored) x 0.1 ms: 1.2 s, said as "about 2 s".
    assert "This run takes about 2 s alone on this server." in captions
    assert "first guess" not in captions  # measured here
    fake_engine.cost = RunCost(seconds_per_image=1e-4, fixed_s=0.5)
    app.run()
    assert "first guess" in " ".join(element.value for element in app.caption)


def _block_path(app, key: str) -> tuple[int, ...]:
    """Where the container with `key` sits in the page's element tree (indices from the top)."""

    def walk(node, path: tuple[int, ...]):
        if key in getattr(getattr(node, "proto", None), "id", ""):
            return path
        for index, child in getattr(node, "children", {}).items():
            found = walk(child, (*path, index))
            if found is not None:
                return found
        return None

    found = walk(app.main, ())
    assert found is not None, f"no container {key}"
    return found


def test_the_live_panel_keeps_its_place_when_a_store_notice_comes_and_goes(fake_engine) -> None:
    # Streamlit names the live panel's fragment by its container's place: a notice that moved it
    # gave the fragment a new id on every full run that showed it or not, and a run of the other
    # layout still finishing (fastReruns) dropped the id the browser's timer asks for, so the
    # page froze on "Waiting for a free slot" while the run finished (pages.common.ui.notice_slot).
    app = open_build()
    quiet = _block_path(app, "b_live_column")
    fake_engine.store_error = "database is locked"
    app.run()
    assert "database is locked" in texts(app.warning)
    assert _block_path(app, "b_live_column") == quiet
    fake_engine.store_error = None
    app.run()
    assert "database is locked" not in texts(app.warning)
    assert _block_path(app, "b_live_column") == quiet


def test_a_link_to_a_network_too_big_for_memory_says_what_to_lower_and_train_waits(
    fake_engine,
) -> None:
    from nnlab.core.links import encode_link
    from nnlab.core.memory import largest_batch_within

    conv = LayerSpec(kind="conv", filters=256, kernel_size=1)
    spec = RunSpec(hidden_layers=(conv, conv, LayerSpec(units=128)), batch_size=8000)
    app = app_test()
    for name, value in encode_link(spec).items():
        app.query_params[name] = value
    app.query_params["lab"] = fake_engine.lab_id
    app.run()
    app.switch_page(BUILD).run()
    assert not app.exception, app.exception
    fitting = largest_batch_within(spec, fake_engine.run_memory_mb)
    assert f"Use a batch size of {fitting:,} or less" in texts(app.error)
    assert app.button(key="b_train").disabled
    assert not fake_engine.submitted
    # At the batch size it offers, Train is back.
    app.number_input(key="build.batch_size").set_value(fitting).run()
    assert "Use a batch size" not in texts(app.error)
    assert not app.button(key="b_train").disabled
