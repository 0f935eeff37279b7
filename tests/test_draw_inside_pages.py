"""Draw and Inside pages under AppTest: both languages, default model, a session run, an upload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from drawn_digits import all_sample_digits, stroked_digit
from helpers import app_test

from nnlab.drawing import preprocess_drawing
from nnlab.i18n import translate
from nnlab.spec import LayerSpec, RunSpec

DRAW = "pages/3_draw.py"
INSIDE = "pages/4_inside.py"


@dataclass
class FakeRun:
    """What the pages read from a TrainingRun (the Build & Train page's object)."""

    run_id: str
    label: str
    spec: RunSpec
    model: Any
    history: list = field(default_factory=lambda: [{"epoch": 1, "accuracy": 0.9}])
    status: str = "finished"
    preset_key: str | None = None
    error: str | None = None
    duration_s: float = 1.0
    queue_position: int = 0
    is_active: bool = False  # finished: its model may be used by the pages


@pytest.fixture(scope="module")
def dense_run() -> FakeRun:
    """A 784-15(sigmoid)-10 MLP trained briefly on 300 real digits (tutorial 000's shape)."""
    from nnlab.model import build_model

    spec = RunSpec(hidden_layers=(LayerSpec.dense(15, "sigmoid"),), epochs=1, batch_size=50)
    model = build_model(spec)
    sample_x, sample_y = all_sample_digits()
    order = np.random.default_rng(0).permutation(len(sample_y))[:300]
    model.fit(sample_x[order], sample_y[order], epochs=1, batch_size=50, verbose=0)
    return FakeRun(run_id="r1", label="#1 · MNIST 784-15-10", spec=spec, model=model)


def _open(page: str, language: str = "en", **state: Any):
    app = app_test(language=language)
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("language", ["en", "ko"])
def test_draw_page_prompts_on_an_empty_canvas(language: str) -> None:
    app = _open(DRAW, language)
    assert app.title[0].value.endswith(translate("draw.title", language))
    assert any(info.value == translate("draw.prompt", language) for info in app.info)
    assert not app.metric  # never a prediction without a drawing
    assert not app.error


def test_draw_page_labels_a_fashion_model(dense_run: FakeRun) -> None:
    fashion = FakeRun(
        run_id="f1",
        label="#2 · Fashion-MNIST",
        spec=dense_run.spec.replace(dataset="fashion_mnist"),
        model=dense_run.model,
    )
    app = _open(DRAW, runs=[fashion], active_run_id="f1")
    assert any("Fashion-MNIST" in warning.value for warning in app.warning)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_inside_page_with_the_default_cnn(language: str) -> None:
    app = _open(INSIDE, language)
    assert app.title[0].value.endswith(translate("inside.title", language))
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
def test_inside_page_numpy_twin_of_a_dense_run(dense_run: FakeRun, language: str) -> None:
    drawing = preprocess_drawing(stroked_digit(3))
    app = _open(INSIDE, language, runs=[dense_run], active_run_id="r1", current_drawing=drawing)
    code = "\n".join(block.value for block in app.code)
    assert "X (1, 784) · W1 (784, 15) + b1 (15,) → sigmoid → Z1 (1, 15)" in code
    assert "Z1 (1, 15) · W2 (15, 10) + b2 (10,) → softmax → Z2 (1, 10)" in code
    difference = next(
        m for m in app.metric if m.label == translate("inside.max_difference", language)
    )
    assert float(difference.value) < 1e-5
    assert any(s.value == translate("inside.same_result", language) for s in app.success)

    app.button(key="inside_batch_run").click().run()
    assert not app.exception
    result = [s.value for s in app.success if "%" in s.value]
    assert result, "batch inference shows its accuracy"


def test_inside_page_uses_an_uploaded_model(dense_run: FakeRun) -> None:
    from nnlab.model_io import load_model_bytes, model_file_bytes
    from pages._models import ModelChoice

    loaded = load_model_bytes(model_file_bytes(dense_run.model, dense_run.spec), "m.keras")
    upload = ModelChoice(
        key="upload:1",
        label="Uploaded #1 · m.keras",
        model=loaded.model,
        spec=loaded.spec,
        dataset_name="mnist",
        source="upload",
    )
    app = _open(INSIDE, uploaded_models=[upload])
    assert app.selectbox(key="inside_model").value == "upload:1"
    assert any(m.label == "Largest difference" for m in app.metric)


def test_evaluate_page_still_renders_with_an_upload(dense_run: FakeRun) -> None:
    from pages._models import ModelChoice

    upload = ModelChoice("upload:1", "Uploaded #1", dense_run.model, None, "mnist", "upload")
    app = _open("pages/2_evaluate.py", uploaded_models=[upload])
    assert not app.exception
