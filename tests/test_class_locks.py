"""Locks that hold: for a class member (and an exercise link), no path changes a locked setting.

A preset click, a share link, a URL edit (removing or changing `lock=` and the settings' own
parameters), the challenge button and the widgets all leave every locked setting at the class's
value, and the spec the page submits to the (fake) engine carries those values.
"""

from __future__ import annotations

import pytest
from helpers import app_test

from nnlab import RunSpec
from nnlab.core.challenges import CHALLENGES
from nnlab.core.labs import new_lab_id
from nnlab.core.locks import Locks, apply_locks, broken_locks
from nnlab.core.presets import PRESETS
from nnlab.core.spec import LayerSpec

# app.py on every AppTest run, and a real class store: fixtures in conftest.py.
pytestmark = pytest.mark.usefixtures("app_py_runs_every_time")

BUILD = "pages/1_build_and_train.py"
CLASSROOM = "pages/5_classroom.py"
LOCKED = ("dataset", "loss", "optimizer", "learning_rate", "epochs", "batch_size")
# The class's settings: nothing like any preset, so a preset's value can never pass for it.
CLASS_SPEC = RunSpec(
    dataset="mnist",
    train_size=300,
    hidden_layers=(LayerSpec.dense(24),),
    loss="categorical_crossentropy",
    optimizer="adagrad",
    learning_rate=0.02,
    epochs=3,
    batch_size=25,
)


@pytest.fixture
def member(classes):
    """(lab id, class) of a student who joined a class with six locked settings."""
    info, _key = classes.create_class("Period 3", CLASS_SPEC, locked=LOCKED, hidden=("seed",))
    lab = new_lab_id()
    classes.join(info.join_code, lab, "Mina")
    return lab, info


def open_build(lab: str, **params: str):
    """A new browser session (as after a reload or a typed URL) of `lab` on Build & Train."""
    app = app_test()
    app.query_params["lab"] = lab
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(BUILD).run()
    assert not app.exception, app.exception
    return app


def widget_values(app) -> dict[str, object]:
    state = app.session_state
    return {name: state[f"build.{name}"] for name in LOCKED}


def assert_locked(app) -> None:
    assert widget_values(app) == {name: getattr(CLASS_SPEC, name) for name in LOCKED}
    for name in ("learning_rate", "epochs", "batch_size"):
        assert app.number_input(key=f"build.{name}").disabled
    assert app.selectbox(key="build.optimizer").disabled
    assert not [widget for widget in app.number_input if widget.key == "build.seed"]  # hidden


def submitted_spec(app, fake_engine) -> RunSpec:
    app.button(key="b_train").click().run()
    assert not app.exception, app.exception
    return fake_engine.submitted[-1][1]


def assert_trains_class_values(spec: RunSpec) -> None:
    assert not broken_locks(spec, Locks(CLASS_SPEC, frozenset(LOCKED), frozenset({"seed"})))


def test_apply_locks_keeps_fixed_values_against_every_preset() -> None:
    locks = Locks(CLASS_SPEC, frozenset(LOCKED), frozenset({"seed"}))
    for preset in PRESETS.values():
        locked = apply_locks(preset.spec, locks)
        assert broken_locks(locked, locks) == []
        assert locked.hidden_layers == preset.spec.hidden_layers  # free settings follow
    # SGD's momentum clashes with a locked Adagrad: the clashing free value is dropped
    sgd = RunSpec(optimizer="sgd", learning_rate=0.1, momentum=0.9)
    assert apply_locks(sgd, locks).momentum == 0.0
    assert apply_locks(sgd, None) is sgd


def test_class_member_lands_with_the_class_settings_locked(member, fake_engine) -> None:
    lab, _ = member
    app = open_build(lab)
    assert_locked(app)
    banner = " ".join(markdown.value for markdown in app.markdown)
    assert "Period 3" in banner and "step 1" in banner
    assert_trains_class_values(submitted_spec(app, fake_engine))


def test_preset_click_leaves_locked_settings(member, fake_engine) -> None:
    lab, _ = member
    app = open_build(lab)
    app.button(key="b_preset_t000_sigmoid_mse").click().run()
    assert not app.exception, app.exception
    assert_locked(app)
    # the free settings did follow the preset
    assert app.session_state["build.output_activation"] == "sigmoid"
    assert_trains_class_values(submitted_spec(app, fake_engine))


def test_share_link_and_url_edits_leave_locked_settings(member, fake_engine) -> None:
    lab, _ = member
    edits = (
        {"preset": "t003_mnist_relu512_rmsprop", "lock": "dataset"},  # a share link, fewer locks
        {"opt": "sgd", "lr": "0.5", "ep": "40", "bs": "512", "ds": "fashion_mnist"},  # no lock=
        {"lock": "", "hide": "", "loss": "mse", "seed": "7"},  # locks removed, fields changed
    )
    for params in edits:
        app = open_build(lab, **params)
        assert_locked(app)
        assert_trains_class_values(submitted_spec(app, fake_engine))
        for run in fake_engine.lab_runs(lab):  # room for the next session's run
            fake_engine.update(run.run_id, status="finished")


def test_challenge_button_leaves_locked_settings(member, fake_engine) -> None:
    lab, _ = member
    app = open_build(lab)
    app.switch_page(CLASSROOM).run()
    assert not app.exception, app.exception
    challenge = next(iter(CHALLENGES))
    app.button(key=f"start_{challenge}").click().run()
    assert not app.exception, app.exception
    app.switch_page(BUILD).run()
    assert_locked(app)
    assert_trains_class_values(submitted_spec(app, fake_engine))


def test_tampered_widget_state_is_put_back_before_train(member, fake_engine) -> None:
    lab, _ = member
    app = open_build(lab)
    app.session_state["build.epochs"] = 50  # what a disabled widget can never do
    app.session_state["build.optimizer"] = "adam"
    app.run()
    assert_locked(app)
    assert_trains_class_values(submitted_spec(app, fake_engine))


def test_exercise_link_locks_hold_against_a_preset(fake_engine) -> None:
    link = {"preset": "t004_relu100", "lock": ",".join(LOCKED), "ep": "3", "bs": "64"}
    app = open_build(new_lab_id(), **link)
    app.button(key="b_preset_t000_sigmoid_mse").click().run()
    assert not app.exception, app.exception
    assert app.session_state["build.epochs"] == 3
    assert app.session_state["build.batch_size"] == 64
    assert app.session_state["build.optimizer"] == PRESETS["t004_relu100"].spec.optimizer
    spec = submitted_spec(app, fake_engine)
    assert (spec.epochs, spec.batch_size) == (3, 64)
