"""Training in this process on a few hundred real digits: history, callbacks, stop, failure.

Runs in worker processes (queue, fairness, crashes) are tested in test_engine.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import TinyData, figures

from nnlab import LayerSpec, RunSpec
from nnlab.training import describe_spec, epoch_order, fit_spec, prepare_data, split_sizes, train

EPOCH_KEYS = {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"}


def small_spec(**changes) -> RunSpec:
    base = RunSpec(
        train_size=300,
        hidden_layers=(LayerSpec.dense(32, "relu"),),
        dropout_rate=0.2,  # dropout is random: reproducibility must cover it
        epochs=2,
        batch_size=32,
    )
    return base.replace(**changes)


def test_history_and_callbacks_are_complete(tiny: TinyData) -> None:
    started: list[tuple[int, int, int]] = []
    progress: list[dict] = []
    epochs: list[dict] = []
    result = fit_spec(
        small_spec(),
        tiny,
        on_start=lambda *sizes: started.append(sizes),
        on_progress=progress.append,
        on_epoch=epochs.append,
    )
    assert started == [(300, 200, 10)]  # 300 images in batches of 32: 10 batches
    history = result.history
    assert [row["epoch"] for row in history] == [1, 2] and epochs == history
    for row in history:
        # the curves' figures, then what the callbacks add (rate, diagnostics, map, watch)
        assert set(row) >= EPOCH_KEYS and "lr" in row and "diagnostics" in row
        assert all(math.isfinite(row[key]) for key in EPOCH_KEYS)
        assert 0 <= row["accuracy"] <= 1 and 0 <= row["val_accuracy"] <= 1
    assert len(progress) == 20  # every batch of both epochs
    assert [(p["epoch"], p["batch"]) for p in progress[9:11]] == [(1, 10), (2, 1)]
    last = progress[-1]
    assert last["batches"] == 10 and last["epochs"] == 2 and last["eta_seconds"] == 0
    assert last["images_per_second"] > 0
    assert result.train_images == 300 and result.validation_images == 200
    assert 0 <= result.test_accuracy <= 1 and result.test_loss > 0
    assert not result.stopped and not result.stopped_early
    assert result.model.predict(tiny.x_test[:3], verbose=0).shape == (3, 10)


@pytest.mark.slow
def test_same_spec_and_seed_give_identical_history(tiny: TinyData) -> None:
    # Exact equality, not a tolerance: initializers, dropout and batch order are all seeded per
    # run, and TensorFlow's CPU kernels for these layers are deterministic.
    _, first = train(small_spec(), tiny)
    _, second = train(small_spec(), tiny)
    assert figures(first) == figures(second)
    _, other_seed = train(small_spec(seed=7), tiny)
    assert figures(other_seed) != figures(first)


def test_should_stop_ends_after_the_current_batch_and_keeps_the_weights(tiny: TinyData) -> None:
    spec = small_spec(epochs=100, batch_size=10)
    batches_seen: list[int] = []
    result = fit_spec(
        spec,
        tiny,
        on_progress=lambda progress: batches_seen.append(progress["batch"]),
        should_stop=lambda: len(batches_seen) >= 3,
    )
    assert result.stopped and not result.stopped_early
    # Keras ends the epoch it was in at once (validating it), and trains no further batch.
    assert len(batches_seen) == 3 and [row["epoch"] for row in result.history] == [1]
    assert result.test_loss is not None
    from nnlab.model import build_model

    initial = build_model(spec).get_weights()[0]
    trained = result.model.get_weights()[0]
    assert not np.array_equal(initial, trained)  # the weights learned so far are kept


def test_a_stop_before_the_first_batch_trains_nothing(tiny: TinyData) -> None:
    result = fit_spec(small_spec(), tiny, should_stop=lambda: True)
    assert result.stopped and result.history == [] and result.model is not None


def test_a_failing_run_reports_its_message(tiny: TinyData) -> None:
    broken = TinyData(tiny.x_train.reshape(-1, 784), tiny.y_train, tiny.x_test, tiny.y_test)
    with pytest.raises(ValueError, match="28x28"):
        train(small_spec(), broken)
    with pytest.raises(ValueError, match="RunSpec"):
        fit_spec({"epochs": 1}, tiny)


def test_early_stopping_is_reported(tiny: TinyData) -> None:
    # Adam at 0.05 on 240 images: the validation loss stops falling within a few epochs, and
    # patience 1 ends the run (high, but not so high that it diverges: that is its own stop).
    spec = small_spec(epochs=20, early_stopping_patience=1, learning_rate=0.05)
    result = fit_spec(spec, tiny)
    assert result.stopped_early and not result.stopped and result.stop_reason is None
    assert 2 <= len(result.history) < 20


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


def test_extra_training_examples_are_always_trained_on(tiny: TinyData) -> None:
    spec = small_spec(loss="categorical_crossentropy", validation="split", validation_split=0.2)
    plain = prepare_data(spec, tiny)
    marks = np.zeros((3, 28, 28), np.uint8)
    marks[:, 10:18, 10:18] = 255  # three squares, labelled 7, 7 and 1
    data = prepare_data(spec, tiny, extra_train=(marks, np.array([7, 7, 1])))
    assert len(data.train_indices) == len(plain.train_indices) + 3
    assert np.array_equal(data.x_train[data.train_indices[-3:]], marks)
    assert data.labels[data.train_indices[-1]].argmax() == 1
    assert np.array_equal(data.x_validation, plain.x_validation)  # never held out
    with pytest.raises(ValueError, match="28x28"):
        prepare_data(spec, tiny, extra_train=(np.zeros((2, 8, 8), np.uint8), np.array([1, 2])))
    with pytest.raises(ValueError, match="class numbers"):
        prepare_data(spec, tiny, extra_train=(marks, np.array([7, 7, 12])))


def test_describe_spec() -> None:
    assert describe_spec(RunSpec(hidden_layers=(LayerSpec.dense(128),))) == "MNIST 784-128-10 Adam"
    cnn = RunSpec(dataset="fashion_mnist", hidden_layers=(LayerSpec.conv(32),), optimizer="sgd")
    assert describe_spec(cnn) == "Fashion-MNIST c32-10 SGD"
