"""Training runs on a few hundred real digits: history, reproducibility, stop, failure, queue."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pytest

from nnlab import LayerSpec, RunSpec
from nnlab.training import TrainingRun, describe_spec, epoch_order, prepare_data, split_sizes, train

EPOCH_KEYS = {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"}


@dataclass(frozen=True)
class TinyData:
    """A Dataset-like slice: the run only needs the four arrays."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@pytest.fixture(scope="module")
def tiny() -> TinyData:
    from nnlab.datasets import load_dataset

    mnist = load_dataset("mnist")
    return TinyData(
        mnist.x_train[:600], mnist.y_train[:600], mnist.x_test[:200], mnist.y_test[:200]
    )


def small_spec(**changes) -> RunSpec:
    base = RunSpec(
        train_size=300,
        hidden_layers=(LayerSpec.dense(32, "relu"),),
        dropout_rate=0.2,  # dropout is random: reproducibility must cover it
        epochs=2,
        batch_size=32,
    )
    return base.replace(**changes)


def figures(history: list[dict]) -> list[dict]:
    """The history without wall-clock seconds, which differ between runs by nature."""
    return [{key: value for key, value in row.items() if key != "seconds"} for row in history]


def wait_until(condition, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)  # polling interval, not a wait for a result
    raise TimeoutError("condition not met in time")


def test_history_is_complete(tiny: TinyData) -> None:
    run = TrainingRun(small_spec(), tiny, preset_key="t004_relu100", label="#1 test")
    assert run.status == "queued" and run.history == []
    run.start()
    assert run.wait(120)
    assert run.status == "finished", run.error
    assert run.error is None and run.model is not None
    history = run.history
    assert [row["epoch"] for row in history] == [1, 2]
    for row in history:
        assert set(row) == EPOCH_KEYS
        assert all(math.isfinite(row[key]) for key in EPOCH_KEYS)
        assert 0 <= row["accuracy"] <= 1 and 0 <= row["val_accuracy"] <= 1
    progress = run.progress
    assert progress["epoch"] == 2 and progress["batch"] == progress["batches"] == 10  # 300 / 32
    assert run.train_images == 300 and run.validation_images == 200
    assert (
        run.final["epochs_done"] == 2 and run.final["val_accuracy"] == history[-1]["val_accuracy"]
    )
    assert 0 <= run.final["test_accuracy"] <= 1 and run.final["test_loss"] > 0
    assert run.duration_s > 0 and run.queue_position == 0
    assert run.label == "#1 test" and run.preset_key == "t004_relu100"


def test_same_spec_and_seed_give_identical_history(tiny: TinyData) -> None:
    # Exact equality, not a tolerance: initializers, dropout and batch order are all seeded per
    # run, and TensorFlow's CPU kernels for these layers are deterministic.
    _, first = train(small_spec(), tiny)
    _, second = train(small_spec(), tiny)
    assert figures(first) == figures(second)
    _, other_seed = train(small_spec(seed=7), tiny)
    assert figures(other_seed) != figures(first)


def test_concurrent_runs_equal_the_same_runs_alone(tiny: TinyData) -> None:
    specs = [small_spec(seed=1), small_spec(seed=2, hidden_layers=(LayerSpec.conv(4, 3),))]
    alone = [figures(train(spec, tiny)[1]) for spec in specs]
    runs = [TrainingRun(spec, tiny).start() for spec in specs]
    assert all(run.wait(120) for run in runs)
    assert [run.status for run in runs] == ["finished", "finished"]
    assert [figures(run.history) for run in runs] == alone


def test_stop_ends_after_the_current_batch_and_keeps_the_weights(tiny: TinyData) -> None:
    spec = small_spec(epochs=100, batch_size=10)
    run = TrainingRun(spec, tiny).start()
    wait_until(lambda: run.progress["batch"] >= 1)
    stopped_in_epoch = run.progress["epoch"]
    run.stop()
    assert run.wait(60)
    assert run.status == "stopped" and run.error is None
    # The epoch that was running ends at once (Keras checks stop_training after each batch).
    assert len(run.history) <= stopped_in_epoch + 1 < spec.epochs
    assert run.progress["batch"] < run.progress["batches"] or len(run.history) > stopped_in_epoch
    from nnlab.model import build_model

    initial = build_model(spec).get_weights()[0]
    trained = run.model.get_weights()[0]
    assert not np.array_equal(initial, trained)  # the weights learned so far are kept
    assert run.model.predict(tiny.x_test[:5], verbose=0).shape == (5, 10)


def test_a_failing_run_reports_its_message(tiny: TinyData) -> None:
    broken = TinyData(tiny.x_train.reshape(-1, 784), tiny.y_train, tiny.x_test, tiny.y_test)
    run = TrainingRun(small_spec(), broken).start()
    assert run.wait(60)
    assert run.status == "failed"
    assert "28x28" in run.error
    with pytest.raises(ValueError, match="28x28"):
        train(small_spec(), broken)


def test_one_hot_labels_and_split_validation(tiny: TinyData) -> None:
    spec = small_spec(loss="categorical_crossentropy", validation="split", validation_split=0.2)
    data = prepare_data(spec, tiny)
    assert data.labels.shape == (600, 10) and data.labels.dtype == np.float32
    assert len(data.train_indices) == 240 and len(data.x_validation) == 60
    assert split_sizes(spec, 600, 200) == (240, 60)
    assert data.x_train is tiny.x_train  # no copy of the images: indices into the shared array
    assert data.x_validation.dtype == np.uint8
    trained_on = {image.tobytes() for image in tiny.x_train[data.train_indices]}
    assert not any(image.tobytes() in trained_on for image in data.x_validation)
    assert sorted(epoch_order(spec, data.train_indices, 0)) == sorted(data.train_indices)
    assert not np.array_equal(
        epoch_order(spec, data.train_indices, 0), epoch_order(spec, data.train_indices, 1)
    )
    _, history = train(spec.replace(epochs=1), tiny)
    assert len(history) == 1 and math.isfinite(history[0]["val_loss"])


def test_queue_with_limit_one(tiny: TinyData, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNLAB_MAX_CONCURRENT_RUNS", "1")
    first = TrainingRun(small_spec(epochs=200, batch_size=10), tiny).start()
    wait_until(lambda: first.status == "running")
    second = TrainingRun(small_spec(seed=3), tiny).start()
    third = TrainingRun(small_spec(seed=4), tiny).start()
    wait_until(lambda: third.queue_position == 2)
    assert second.status == "queued" and second.queue_position == 1
    third.stop()  # a stopped queued run leaves the queue without training
    assert third.wait(10) and third.status == "stopped" and third.history == []
    assert second.queue_position == 1 and second.status == "queued"
    first.stop()
    assert first.wait(60) and first.status == "stopped"
    assert second.wait(120)
    assert second.status == "finished" and len(second.history) == 2
    assert second.queue_position == 0


def test_describe_spec() -> None:
    assert describe_spec(RunSpec(hidden_layers=(LayerSpec.dense(128),))) == "MNIST 784-128-10 Adam"
    cnn = RunSpec(dataset="fashion_mnist", hidden_layers=(LayerSpec.conv(32),), optimizer="sgd")
    assert describe_spec(cnn) == "Fashion-MNIST c32-10 SGD"


def test_release_model_frees_weights_but_keeps_history(tiny: TinyData) -> None:
    run = TrainingRun(small_spec(epochs=1), tiny).start()
    assert run.wait(120)
    history = run.history
    assert run.model is not None
    run.release_model()
    assert run.model is None and run.model_released
    assert run.history == history
