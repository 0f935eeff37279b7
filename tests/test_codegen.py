"""The exported Keras script: runnable for every preset, and the same network as the lab's.

Every preset's script runs for real (NNLAB_TINY=1: 500 images, one epoch) in one subprocess that
imports Keras once. The scripts find nnlab there, so they load the app's own data (offline:
NNLAB_OFFLINE=1); `keras.datasets.*.load_data` is replaced by a few hundred seeded random uint8
images in case one does not, so nothing touches the network. `Model.fit` is wrapped to record the
starting weights. The subprocess then compares each script's model with `nnlab.build_model(spec)`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnlab.core.codegen import keras_script, script_filename
from nnlab.core.presets import PRESETS
from nnlab.core.spec import LayerSpec, RunSpec

REPO_ROOT = Path(__file__).resolve().parent.parent

# Runs inside the subprocess: argv[1] is a JSON list of [preset_key, script_path].
RUNNER = r"""
import json, runpy, sys
import numpy as np
import keras
import nnlab
from nnlab.core.presets import PRESETS


def fake_load_data():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(700, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=700, dtype=np.uint8)
    return (images[:500], labels[:500]), (images[500:], labels[500:])


keras.datasets.mnist.load_data = fake_load_data
keras.datasets.fashion_mnist.load_data = fake_load_data
starting_weights = {}
original_fit = keras.Model.fit


def recording_fit(self, *args, **kwargs):
    starting_weights["weights"] = [w.copy() for w in self.get_weights()]
    kwargs["verbose"] = 0
    return original_fit(self, *args, **kwargs)


keras.Model.fit = recording_fit


def layer_list(model):
    return [
        [layer.name, type(layer).__name__, int(layer.count_params())]
        for layer in model.layers
        if type(layer).__name__ != "InputLayer"
    ]


results = {}
for key, path in json.loads(sys.argv[1]):
    namespace = runpy.run_path(path, run_name="__main__")
    script_model = namespace["model"]
    lab_model = nnlab.build_model(PRESETS[key].spec)
    lab_weights = lab_model.get_weights()
    results[key] = {
        "script_params": int(script_model.count_params()),
        "script_layers": layer_list(script_model),
        "lab_params": int(lab_model.count_params()),
        "lab_layers": layer_list(lab_model),
        "max_weight_difference": max(
            float(np.max(np.abs(a - b))) for a, b in zip(starting_weights["weights"], lab_weights)
        ),
        "same_weight_shapes": [w.shape for w in starting_weights["weights"]]
        == [w.shape for w in lab_weights],
        "epochs_run": len(namespace["history"].history["loss"]),
        "has_validation": "val_loss" in namespace["history"].history,
        "test_accuracy": float(namespace["test_accuracy"]),
        "optimizer": type(script_model.optimizer).__name__,
        "lab_optimizer": type(lab_model.optimizer).__name__,
        "loss": script_model.loss,
    }
print("RESULTS " + json.dumps(results))
"""


@pytest.fixture(scope="module")
def script_results(tmp_path_factory) -> dict[str, dict]:
    """Run every preset's exported script once; per preset, what its model looked like."""
    folder = tmp_path_factory.mktemp("scripts")
    jobs = []
    for key, preset in PRESETS.items():
        path = folder / f"{key}.py"
        path.write_text(keras_script(preset.spec), encoding="utf-8")
        jobs.append([key, str(path)])
    env = dict(os.environ, NNLAB_TINY="1", MPLBACKEND="Agg", NNLAB_OFFLINE="1")
    completed = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(jobs)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    line = next(row for row in completed.stdout.splitlines() if row.startswith("RESULTS "))
    return json.loads(line.removeprefix("RESULTS "))


@pytest.mark.slow
@pytest.mark.parametrize("key", list(PRESETS))
def test_exported_script_builds_the_labs_network(key: str, script_results) -> None:
    result = script_results[key]
    spec = PRESETS[key].spec
    assert result["script_params"] == result["lab_params"] == spec.parameter_count()
    assert result["script_layers"] == result["lab_layers"]
    # Seeded initializers: the script starts from exactly the lab's initial weights.
    assert result["same_weight_shapes"]
    assert result["max_weight_difference"] == 0.0
    assert result["optimizer"] == result["lab_optimizer"]
    assert result["loss"] == spec.loss


@pytest.mark.slow
@pytest.mark.parametrize("key", list(PRESETS))
def test_exported_script_trains_and_evaluates(key: str, script_results) -> None:
    result = script_results[key]
    assert result["epochs_run"] == 1  # NNLAB_TINY forces one epoch
    assert result["has_validation"]
    assert 0.0 <= result["test_accuracy"] <= 1.0


@pytest.mark.slow
def test_published_parameter_counts_appear_in_the_scripts(script_results) -> None:
    assert script_results["t000_sigmoid_mse"]["script_params"] == 11_935
    assert script_results["t002_mnist_relu1000"]["script_params"] == 795_010
    assert script_results["cnn_mnist"]["script_params"] == 34_826


def test_script_spells_out_the_settings() -> None:
    spec = PRESETS["t004_sgd_nesterov"].spec
    script = keras_script(spec)
    assert "keras.datasets.fashion_mnist.load_data()" in script
    assert "keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)" in script
    assert "validation_split=VALIDATION_SPLIT" in script
    assert "VALIDATION_SPLIT = 0.2" in script
    assert "EPOCHS = 5" in script and "BATCH_SIZE = 32" in script
    assert "layers.Rescaling(1.0 / 255" in script


def test_early_stopping_and_test_validation_are_exported() -> None:
    early = keras_script(PRESETS["t004_dropout_early_stopping"].spec)
    assert "keras.callbacks.EarlyStopping(" in early
    assert "patience=2" in early and "restore_best_weights=True" in early
    assert "callbacks=[early_stopping]" in early
    plain = keras_script(PRESETS["t000_sigmoid_mse"].spec)
    assert "EarlyStopping" not in plain
    assert "validation_data=(x_test, y_test)" in plain
    assert 'loss="mean_squared_error"' in plain


def test_one_hot_labels_only_for_losses_that_need_them() -> None:
    assert "to_categorical" in keras_script(PRESETS["t003_mnist_relu512_rmsprop"].spec)
    assert "to_categorical" in keras_script(PRESETS["t000_sigmoid_mse"].spec)
    assert "to_categorical" not in keras_script(PRESETS["t002_mnist_relu1000"].spec)


def test_train_size_and_l2_are_exported() -> None:
    spec = RunSpec(train_size=300, l2_weight_decay=0.0005, hidden_layers=(LayerSpec.dense(8),))
    script = keras_script(spec)
    assert "TRAIN_SIZE = 300" in script
    assert "default_rng(SEED).choice(len(x_train), TRAIN_SIZE, replace=False)" in script
    assert script.count("keras.regularizers.L2(0.0005)") == 2


def test_korean_comments() -> None:
    script = keras_script(PRESETS["t000_sigmoid_mse"].spec, language="ko")
    assert "# 4. 학습하기" in script
    assert "model.fit(" in script  # the code itself is the same


def test_script_filename() -> None:
    spec = PRESETS["cnn_mnist"].spec
    assert script_filename(spec) == "nnlab_mnist_c32k3relu_c64k3relu.py"


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_exported_scripts_are_lint_clean(tmp_path: Path) -> None:
    for key, preset in PRESETS.items():
        for language in ("en", "ko"):
            (tmp_path / f"{key}_{language}.py").write_text(
                keras_script(preset.spec, language), encoding="utf-8"
            )
    check = subprocess.run(
        ["ruff", "check", "--isolated", "--line-length", "100", "--select", "E,F,W,I", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout


# --- where the script's data comes from --------------------------------------------------------


def test_script_uses_the_apps_data_or_says_where_it_downloads() -> None:
    script = keras_script(PRESETS["t000_sigmoid_mse"].spec)
    assert "from nnlab.data.datasets import load_dataset" in script
    assert 'data = load_dataset("mnist")' in script  # inside NN Lab: the app's own data
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in script
    assert "~/.keras/datasets/mnist.npz" in script
    assert "Offline?" in script and "raise SystemExit(" in script
    korean = keras_script(PRESETS["t004_relu100"].spec, language="ko")
    assert 'load_dataset("fashion_mnist")' in korean and "오프라인이라면" in korean


# Runs the exported script with Keras' download failing, as it does without a network.
OFFLINE_RUNNER = r"""
import runpy, sys
import keras

def no_network():
    raise OSError("[Errno -3] Temporary failure in name resolution")

keras.datasets.mnist.load_data = no_network
runpy.run_path(sys.argv[1], run_name="__main__")
"""


@pytest.mark.slow
def test_exported_script_reads_the_apps_data_inside_nnlab_and_explains_offline(
    tmp_path: Path,
) -> None:
    path = tmp_path / "exported.py"
    path.write_text(keras_script(RunSpec(epochs=1, hidden_layers=(LayerSpec.dense(8),))))
    env = dict(os.environ, NNLAB_TINY="1", MPLBACKEND="Agg", NNLAB_OFFLINE="1")
    env.pop("PYTHONPATH", None)
    # Inside NN Lab (nnlab importable): the same data the app uses, no download.
    inside = subprocess.run(
        [sys.executable, "-c", OFFLINE_RUNNER, str(path)],
        cwd=tmp_path,
        env=dict(env, PYTHONPATH=str(REPO_ROOT)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert inside.returncode == 0, inside.stderr[-3000:]
    assert "data: MNIST" in inside.stdout
    # Elsewhere and offline: it says where it downloads from and what to do, and exits.
    outside = subprocess.run(
        [sys.executable, "-c", OFFLINE_RUNNER, str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert outside.returncode == 1
    assert "Downloading MNIST from https://storage.googleapis.com" in outside.stdout
    assert "Could not download MNIST" in outside.stderr and "Offline?" in outside.stderr
