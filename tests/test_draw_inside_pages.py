"""Draw and Inside pages under AppTest: both languages, the default model, a lab's run, an upload.

Fast tests use the FakeEngine (tests/fake_engine.py) and NumPy networks; the slow one at the end
trains in the real engine's worker and checks Inside's NumPy pass against Keras' own outputs.
"""

from __future__ import annotations

from typing import Any

import pytest
from drawn_digits import stroked_digit
from fake_engine import dense_network, with_reference
from helpers import app_test, wait_until

from nnlab.core.labs import new_lab_id
from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.data.datasets import load_dataset
from nnlab.i18n import translate
from nnlab.inspection.drawing import preprocess_drawing

DRAW = "pages/3_draw.py"
INSIDE = "pages/4_inside.py"
DENSE_SPEC = RunSpec(hidden_layers=(LayerSpec.dense(15, "sigmoid"),), epochs=1, batch_size=50)


@pytest.fixture(scope="module")
def dense_net():
    """A 784-15(sigmoid)-10 MLP (tutorial 000's shape) with its reference outputs on MNIST."""
    return with_reference(dense_network(15, "sigmoid"), load_dataset("mnist"))


def _open(page: str, lab: str, language: str = "en", **slots: Any):
    """`page` in lab `lab`, with session slots (pages.common.state) set before the first run."""
    from pages.common import state

    app = app_test(language=language)
    app.query_params["lab"] = lab
    for name, value in slots.items():
        app.session_state[getattr(state, name).key] = value
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _dense_run(engine, network, **fields: Any):
    fields.setdefault("label", "#1 · MNIST 784-15-10")
    return engine.add_run(DENSE_SPEC, network=network, **fields)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_draw_page_prompts_on_an_empty_canvas(fake_engine, language: str) -> None:
    app = _open(DRAW, fake_engine.lab_id, language)
    assert app.title[0].value.endswith(translate("draw.title", language))
    assert any(info.value == translate("draw.prompt", language) for info in app.info)
    assert not app.metric  # never a prediction without a drawing
    assert not app.error


def test_draw_page_labels_a_fashion_model(fake_engine, dense_net) -> None:
    fashion = fake_engine.add_run(
        DENSE_SPEC.replace(dataset="fashion_mnist"), label="#2 · Fashion-MNIST", network=dense_net
    )
    app = _open(DRAW, fake_engine.lab_id, ACTIVE_RUN_ID=fashion.run_id)
    assert app.selectbox(key="draw_model").value == f"run:{fashion.run_id}"
    assert any("Fashion-MNIST" in warning.value for warning in app.warning)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_inside_page_with_the_default_cnn(fake_engine, language: str) -> None:
    app = _open(INSIDE, fake_engine.lab_id, language)
    assert app.title[0].value.endswith(translate("inside.title", language))
    assert app.selectbox(key="inside_model").value == "default"
    summary = app.dataframe[0].value
    assert "Conv2D" in set(summary.iloc[:, 1])
    # The CNN has no NumPy twin: the page says so instead of failing.
    assert any("Conv2D" in info.value for info in app.info)
    # The softmax overflow demonstration: naive gives nan, the stable one the right answer.
    code = "\n".join(block.value for block in app.code)
    assert "naive_softmax = [nan nan nan]" in code
    assert "9.99954600e-01" in code
    assert "def sigmoid(x" in code


@pytest.mark.parametrize("language", ["en", "ko"])
def test_inside_page_numpy_twin_of_a_dense_run(fake_engine, dense_net, language: str) -> None:
    run = _dense_run(fake_engine, dense_net)
    app = _open(INSIDE, fake_engine.lab_id, language, ACTIVE_RUN_ID=run.run_id)
    assert app.selectbox(key="inside_model").value == f"run:{run.run_id}"
    code = "\n".join(block.value for block in app.code)
    assert "X (1, 784) · W1 (784, 15) + b1 (15,) → sigmoid → Z1 (1, 15)" in code
    assert "Z1 (1, 15) · W2 (15, 10) + b2 (10,) → softmax → Z2 (1, 10)" in code
    # Test image 0 is among the images the reference outputs were computed for.
    difference = next(
        m for m in app.metric if m.label == translate("inside.max_difference", language)
    )
    assert float(difference.value) < 1e-5
    assert any(s.value == translate("inside.same_result", language) for s in app.success)

    if language != "en":
        # AppTest formats select-box options outside the script run, where t() speaks English:
        # clicking would resend a Korean page's select boxes with English labels.
        return
    app.button(key="inside_batch_run").click().run()
    assert not app.exception
    result = [s.value for s in app.success if "%" in s.value]
    assert result, "batch inference shows its accuracy"


def test_inside_page_on_a_drawing_has_no_keras_reference(fake_engine, dense_net) -> None:
    run = _dense_run(fake_engine, dense_net)
    drawing = preprocess_drawing(stroked_digit(3))
    app = _open(INSIDE, fake_engine.lab_id, ACTIVE_RUN_ID=run.run_id, CURRENT_DRAWING=drawing)
    code = "\n".join(block.value for block in app.code)
    assert "X (1, 784) · W1 (784, 15) + b1 (15,) → sigmoid → Z1 (1, 15)" in code
    # Keras only ran on test images (in the worker): a drawing shows NumPy's output alone.
    assert not any(m.label == "Largest difference" for m in app.metric)
    assert any(c.value == translate("inside.keras_reference_only", "en") for c in app.caption)


def test_inside_page_uses_an_uploaded_model(fake_engine, dense_net) -> None:
    from pages.common.models import ModelChoice

    upload = ModelChoice(
        key="upload:1",
        label="Uploaded #1 · m.keras",
        network=dense_net,
        spec=DENSE_SPEC,
        dataset_name="mnist",
        source="upload",
        file_bytes=b"the uploaded file",
    )
    app = _open(INSIDE, fake_engine.lab_id, UPLOADS=[upload])
    assert app.selectbox(key="inside_model").value == "upload:1"
    assert any(m.label == "Largest difference" for m in app.metric)
    download = app.get("download_button")
    assert download, "an upload is offered back as its own file"


def test_inside_page_offers_a_run_s_model_file_only_when_stored(fake_engine, dense_net) -> None:
    with_file = _dense_run(fake_engine, dense_net, model_file=b"PK keras file")
    app = _open(INSIDE, fake_engine.lab_id, ACTIVE_RUN_ID=with_file.run_id)
    assert app.get("download_button"), "a run with a stored .keras file can be downloaded"
    without = _dense_run(fake_engine, dense_net, label="#2 · no file")
    app = _open(INSIDE, fake_engine.lab_id, ACTIVE_RUN_ID=without.run_id)
    assert not app.exception, app.exception
    assert not app.get("download_button")
    assert any(c.value == translate("models.download_missing", "en") for c in app.caption)


def test_evaluate_page_still_renders_with_an_upload(fake_engine, dense_net) -> None:
    from pages.common.models import ModelChoice

    upload = ModelChoice("upload:1", "Uploaded #1", dense_net, None, "mnist", "upload")
    app = _open("pages/2_evaluate.py", fake_engine.lab_id, UPLOADS=[upload])
    assert not app.exception
    assert app.metric


# --- end to end, with the real engine ----------------------------------------------------------


@pytest.mark.slow
def test_inside_compares_numpy_with_keras_outputs_from_the_worker(real_engine) -> None:
    lab = new_lab_id()
    spec = DENSE_SPEC.replace(train_size=300)
    run_id = real_engine.submit(lab, spec, label="#1 · MNIST 784-15-10")
    wait_until(lambda: not real_engine.live(run_id).is_active, 300, "the run to end")
    assert real_engine.live(run_id).status == "finished", real_engine.live(run_id).error
    app = _open(INSIDE, lab, ACTIVE_RUN_ID=run_id)
    assert app.selectbox(key="inside_model").value == f"run:{run_id}"
    difference = next(m for m in app.metric if m.label == "Largest difference")
    assert float(difference.value) < 1e-5  # NumPy here, Keras in the worker: the same network
    assert app.get("download_button"), "the run's .keras file is offered"
