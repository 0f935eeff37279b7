"""Joining a class as a student: by link and by code, names checked, clear refusals, new steps,
leaving, and the class's handwriting on Draw and Evaluate (AppTest on a real SQLite class store).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from fake_engine import dense_network
from helpers import app_test

from nnlab import RunSpec
from nnlab.classroom.finetune import fine_tune_job
from nnlab.classroom.service import class_store
from nnlab.core.labs import new_lab_id
from nnlab.core.spec import LayerSpec

# app.py on every AppTest run, and a real class store: fixtures in conftest.py.
pytestmark = pytest.mark.usefixtures("app_py_runs_every_time")

BUILD = "pages/1_build_and_train.py"
EVALUATE = "pages/2_evaluate.py"
CLASS_SPEC = RunSpec(train_size=300, hidden_layers=(LayerSpec.dense(24),), epochs=3, batch_size=25)
STEP_TWO = CLASS_SPEC.replace(epochs=4, learning_rate=0.01)


@pytest.fixture
def period3(classes):
    """(class info, teacher key) of an open class with its epochs and optimizer locked."""
    return classes.create_class("Period 3", CLASS_SPEC, locked=("epochs", "optimizer"))


def open_app(lab: str | None = None, **params: str):
    app = app_test()
    app.query_params["lab"] = lab or new_lab_id()
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, app.exception
    return app


def texts(elements) -> str:
    return " ".join(str(element.value) for element in elements)


def submit_join(app, form: str, name: str, code: str | None = None):
    if code is not None:
        app.text_input(key=f"{form}_code").input(code)
    app.text_input(key=f"{form}_name").input(name)
    next(button for button in app.button if button.label == "Join").click().run()
    assert not app.exception, app.exception
    return app


def on_build(app) -> bool:
    return any(title.value.endswith("Build & Train") for title in app.title)


def test_join_by_link_lands_on_build_with_the_class_settings(classes, period3) -> None:
    info, _ = period3
    lab = new_lab_id()
    app = open_app(lab, join=info.join_code.lower())  # a code typed in lower case still works
    assert "Period 3" in texts(app.markdown)
    submit_join(app, "join_link", "  Mina  ")
    assert on_build(app)
    assert app.session_state["build.epochs"] == 3
    assert app.number_input(key="build.epochs").disabled
    assert "Mina" in texts(app.markdown) and "step 1" in texts(app.markdown)
    assert "Welcome, Mina" in texts(app.success)
    assert "join" not in app.query_params
    member = classes.member_class(lab)[1]
    assert (member.display_name, member.step_seen) == ("Mina", 1)


def test_join_by_code_on_home_and_duplicate_names_get_a_suffix(classes, period3) -> None:
    info, _ = period3
    first = submit_join(open_app(), "join_box", "Mina", code=info.join_code)
    assert on_build(first)
    second = submit_join(
        open_app(), "join_box", "mina", code=f" {info.join_code[:3]}-{info.join_code[3:]} "
    )
    assert on_build(second)
    assert 'mina" was taken' in texts(second.success) and "mina 2" in texts(second.markdown)
    assert sorted(m.display_name for m in classes.members(info.class_id)) == ["Mina", "mina 2"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "1 to 24 characters"), ("x" * 30, "1 to 24 characters"), ("<b>hi</b>", "< > /")],
)
def test_bad_names_are_refused_in_plain_words(classes, period3, name, message) -> None:
    info, _ = period3
    app = open_app(join=info.join_code)
    submit_join(app, "join_link", name)
    assert not on_build(app)
    error = texts(app.error)
    assert error, "a bad name must say why"
    assert all(part in error for part in message.split()) or message in error, error
    assert classes.members(info.class_id) == []


def test_wrong_and_expired_codes_say_so(classes) -> None:
    app = open_app(join="ZZZZZZ")
    assert "ZZZZZZ" in texts(app.error)
    assert app.text_input(key="join_retry_code")  # the student can type the right one
    expired, _ = classes.create_class(
        "Last week", CLASS_SPEC, expiry_days=1, now=time.time() - 2 * 86400
    )
    app = open_app(join=expired.join_code)
    assert "expired" in texts(app.error).lower()
    app = open_app(join="ab")
    assert texts(app.error)


def test_full_class_says_so(classes) -> None:
    info, _ = classes.create_class("Tiny", CLASS_SPEC, capacity=1)
    assert on_build(submit_join(open_app(join=info.join_code), "join_link", "Ana"))
    late = submit_join(open_app(join=info.join_code), "join_link", "Ben")
    assert not on_build(late)
    assert "full" in texts(late.error).lower()


def test_new_step_reaches_the_member_and_leaving_frees_the_locks(classes, period3) -> None:
    info, key = period3
    lab = new_lab_id()
    app = submit_join(open_app(lab, join=info.join_code), "join_link", "Mina")
    classes.push_step(key, STEP_TWO, locked=("epochs", "learning_rate"))
    app.run()  # the member's next page run
    assert not app.exception, app.exception
    assert app.session_state["build.epochs"] == 4
    assert app.session_state["build.learning_rate"] == 0.01
    assert app.number_input(key="build.learning_rate").disabled
    assert "step 2" in texts(app.markdown)
    assert classes.member_class(lab)[1].step_seen == 2
    app.button(key="class_leave").click().run()
    assert not app.exception, app.exception
    assert classes.member_class(lab) is None
    assert not app.number_input(key="build.epochs").disabled
    assert "You left Period 3." in texts(app.success)


def test_an_ended_class_frees_the_settings(classes, period3) -> None:
    info, key = period3
    app = submit_join(open_app(join=info.join_code), "join_link", "Mina")
    assert app.number_input(key="build.epochs").disabled
    classes.end_class(key)
    app.run()
    assert not app.exception, app.exception
    assert not app.number_input(key="build.epochs").disabled
    assert "ended this class" in texts(app.caption)


def test_drawing_goes_to_the_class_set_and_evaluate_scores_it(
    classes, period3, fake_engine
) -> None:
    info, _ = period3
    lab = new_lab_id()
    submit_join(open_app(lab, join=info.join_code), "join_link", "Mina")
    seven = np.zeros((28, 28), np.float32)
    seven[5:8, 6:22] = 1.0
    seven[8:24, 17:20] = 1.0
    # Draw's contribute box, as a function of the drawing (AppTest cannot draw on the canvas)
    membership = classes.member_class(lab)
    assert membership is not None
    drawing_id = classes.add_drawing(info.class_id, lab, 7, seven)
    assert drawing_id > 0
    run = fake_engine.add_run(CLASS_SPEC, lab_id=lab, network=dense_network(24))
    app = open_app(lab)
    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    assert "Period 3's handwriting" in texts(app.subheader)
    labels = [metric.label for metric in app.metric]
    assert "Accuracy on our handwriting" in labels and "MNIST test accuracy" in labels
    assert any(metric.value == "1" for metric in app.metric if metric.label == "Class drawings")
    next(button for button in app.button if button.key == "class_fine_tune").click().run()
    assert not app.exception, app.exception
    options = fake_engine.submit_options[-1]
    assert options["start_from"] == run.run_id
    images, labels_ = options["extra_train"]
    assert images.shape[1:] == (28, 28) and set(labels_.tolist()) == {7}


def test_the_join_parameter_is_the_class_modules() -> None:
    from nnlab.classroom import codes
    from pages.classroom import join as _class_join

    assert _class_join.JOIN_PARAM == codes.JOIN_PARAM  # Home reads it without SQLAlchemy


def test_fine_tune_job_mixes_the_class_set_with_an_mnist_subset() -> None:
    images = np.zeros((50, 28, 28), np.uint8)
    job = fine_tune_job(CLASS_SPEC.replace(train_size=None), images, np.arange(50) % 10)
    assert job.spec.train_size == 2_000 and job.spec.epochs == 2
    assert 0.15 < len(job.images) / (len(job.images) + 2_000) < 0.35  # about a quarter
    assert job.spec.hidden_layers == CLASS_SPEC.hidden_layers  # the same network continues
    few = fine_tune_job(CLASS_SPEC, images[:2], np.array([1, 2]))
    assert few.repeats == 20  # a tiny set is repeated, but not without limit
    with pytest.raises(ValueError, match="digits"):
        fine_tune_job(CLASS_SPEC.replace(dataset="fashion_mnist"), images, np.arange(10))


@pytest.mark.slow
def test_fine_tune_on_the_class_set_runs_in_the_engine(real_engine) -> None:
    from drawn_digits import all_sample_digits
    from helpers import wait_until

    classes = class_store(real_engine.store)
    info, _ = classes.create_class("Period 4", CLASS_SPEC)
    lab = new_lab_id()
    classes.join(info.join_code, lab, "Mina")
    base = real_engine.submit(lab, CLASS_SPEC.replace(epochs=1), label="base")
    wait_until(lambda: not real_engine.live(base).is_active, 300, "the base run")
    assert real_engine.live(base).status == "finished"
    images, labels = all_sample_digits()
    for image, label in zip(images[-10:], labels[-10:], strict=True):
        classes.add_drawing(info.class_id, lab, int(label), image)
    app = open_app(lab)
    app.switch_page(EVALUATE).run()
    assert not app.exception, app.exception
    app.button(key="class_fine_tune").click().run()
    assert not app.exception, app.exception
    tuned = [run for run in real_engine.lab_runs(lab) if run.run_id != base]
    assert len(tuned) == 1 and tuned[0].spec.epochs == 2
    wait_until(lambda: not real_engine.live(tuned[0].run_id).is_active, 300, "fine-tuning")
    finished = real_engine.live(tuned[0].run_id)
    assert finished.status == "finished", finished.error
    # the class set (10 drawings x 20 repeats) trained beside the 300-image subset
    assert finished.train_images > 300
    app.run()
    assert not app.exception, app.exception
    table = app.dataframe[-1].value
    assert len(table) == 2 and "After fine-tuning" in table.iloc[:, 0].tolist()
