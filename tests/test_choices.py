"""Adding a choice is one registry entry: a test-only optimizer and activation reach every module.

Nadam is registered in a copy of `nnlab.core.choices.OPTIMIZERS` (monkeypatched, so other tests
never see it); Build & Train offers it, the spec validates, the model compiles, the share link
round-trips and the exported script runs. Nothing but the entry is added.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import app_test

from nnlab.core import choices
from nnlab.core.codegen import keras_script
from nnlab.core.links import decode_link, encode_link
from nnlab.core.plan import plan
from nnlab.core.spec import LayerSpec, RunSpec, SpecError
from pages.common import navigation

REPO_ROOT = Path(__file__).resolve().parent.parent
NADAM = choices.Optimizer("nadam", "Nadam", "Nadam", default_learning_rate=0.002)


@pytest.fixture
def with_nadam(monkeypatch) -> choices.Optimizer:
    """The optimizer table with Nadam added, for this test only."""
    monkeypatch.setattr(choices, "OPTIMIZERS", {**choices.OPTIMIZERS, NADAM.key: NADAM})
    return NADAM


def test_a_registered_optimizer_validates_and_refuses_other_optimizers_settings(
    with_nadam,
) -> None:
    spec = RunSpec(optimizer="nadam", learning_rate=0.002)
    assert spec.optimizer == "nadam"
    with pytest.raises(SpecError, match="only to the SGD optimizer") as caught:
        RunSpec(optimizer="nadam", momentum=0.5)
    assert caught.value.key == "spec.error.not_for_optimizer"
    assert "SGD" in caught.value.message("ko")


def test_an_unregistered_optimizer_is_refused() -> None:
    with pytest.raises(SpecError, match="Optimizer must be one of"):
        RunSpec(optimizer="nadam")


def test_share_link_round_trips_a_registered_optimizer(with_nadam) -> None:
    spec = RunSpec(optimizer="nadam", learning_rate=0.002, epochs=3)
    params = encode_link(spec)
    assert params["opt"] == "nadam"
    decoded = decode_link(params)
    assert decoded.spec == spec
    assert not decoded.notices


def test_build_page_offers_a_registered_optimizer(with_nadam) -> None:
    app = app_test()
    app.run()
    app.switch_page(navigation.page("build").file).run()
    assert not app.exception, app.exception
    optimizer = app.selectbox(key="build.optimizer")
    assert "Nadam" in optimizer.options
    optimizer.set_value("nadam").run()
    assert not app.exception, app.exception
    # Its default learning rate is offered; SGD's settings are not drawn.
    assert app.number_input(key="build.learning_rate").value == pytest.approx(0.002)
    assert not [widget for widget in app.number_input if widget.key == "build.momentum"]
    assert not app.error
    assert app.button(key="b_train").disabled is False


def test_model_compiles_with_a_registered_optimizer(with_nadam) -> None:
    from nnlab.learn.model import build_model

    model = build_model(RunSpec(hidden_layers=(), optimizer="nadam", learning_rate=0.002))
    assert type(model.optimizer).__name__ == "Nadam"
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.002)


# Runs the exported script with fake data (no network) and reports its optimizer.
RUNNER = r"""
import runpy, sys
import numpy as np
import keras


def fake_load_data():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(300, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=300, dtype=np.uint8)
    return (images[:200], labels[:200]), (images[200:], labels[200:])


keras.datasets.mnist.load_data = fake_load_data
namespace = runpy.run_path(sys.argv[1], run_name="__main__")
print("OPTIMIZER " + type(namespace["model"].optimizer).__name__)
"""


@pytest.mark.slow
def test_code_export_runs_with_a_registered_optimizer(with_nadam, tmp_path) -> None:
    spec = RunSpec(hidden_layers=(LayerSpec.dense(8),), optimizer="nadam", learning_rate=0.002)
    script = keras_script(spec)
    assert "keras.optimizers.Nadam(learning_rate=0.002)" in script
    path = tmp_path / "nadam.py"
    path.write_text(script, encoding="utf-8")
    env = dict(os.environ, NNLAB_TINY="1", MPLBACKEND="Agg", NNLAB_OFFLINE="1")
    completed = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert "OPTIMIZER Nadam" in completed.stdout


def test_a_registered_activation_reaches_spec_links_and_plan(monkeypatch) -> None:
    swish = choices.Activation(
        key="swish",
        title="swish",
        function=lambda x: x / (1 + np.exp(-x)),
        derivative=lambda x: np.ones_like(x),
        hidden=True,
        keras_name="swish",
    )
    monkeypatch.setattr(choices, "ACTIVATIONS", {**choices.ACTIVATIONS, "swish": swish})
    spec = RunSpec(hidden_layers=(LayerSpec.dense(16, "swish"),))
    assert decode_link(encode_link(spec)).spec == spec
    assert plan(spec)[-2].arguments["activation"] == "swish"
    assert choices.activation("swish") is swish.function


def test_tables_are_complete() -> None:
    for key, entry in choices.OPTIMIZERS.items():
        assert entry.key == key and entry.default_learning_rate > 0
        assert set(entry.settings) <= {f for f in RunSpec.__dataclass_fields__}
    for key, entry in choices.DATASETS.items():
        assert entry.key == key and len(entry.class_names) == 10
        assert (REPO_ROOT / "nnlab" / "data" / entry.bundled_file).is_file()
    assert choices.hidden_activations()[0] == "relu"
    assert choices.output_activations() == ("softmax", "sigmoid")
