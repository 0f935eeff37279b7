"""Training in this process on a few hundred real digits: history, callbacks, stop, failure.

Runs in worker processes (queue, fairness, crashes) are tested in test_engine.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import TinyData, figures

from nnlab import LayerSpec, RunSpec
from nnlab.core.runs import EPOCH_FIGURES, EpochRow, Progress, describe_spec, split_sizes
from nnlab.learn.training import epoch_order, fit_spec, prepare_data, train


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
    progress: list[Progress] = []
    epochs: list[EpochRow] = []
    result = fit_spec(
        small_spec(),
        tiny,
        on_start=lambda *sizes: started.append(sizes),
        on_progress=progress.append,
        on_epoch=epochs.append,
    )
    assert started == [(300, 200, 10)]  # 300 images in batches of 32: 10 batches
    history = result.history
    assert [row.epoch for row in history] == [1, 2] and epochs == history
    for row in history:
        # one typed row: the curves' figures, then what the callbacks add (rate, diagnostics, ...)
        assert isinstance(row, EpochRow) and row.lr is not None and row.diagnostics is not None
        assert all(math.isfinite(getattr(row, name)) for name in EPOCH_FIGURES)
        assert 0 <= row.accuracy <= 1 and 0 <= row.val_accuracy <= 1
        assert EpochRow.from_dict(row.to_dict()) == row  # what the pipe and the store carry
    # One report per call of the compiled step (steps_per_execution batches), the epoch's last
    # batch always among them: batches only go forward within an epoch.
    assert all(isinstance(p, Progress) for p in progress)
    for epoch in (1, 2):
        batches = [p.batch for p in progress if p.epoch == epoch]
        assert batches and batches == sorted(set(batches)) and batches[-1] == 10
    last = progress[-1]
    assert last.batches == 10 and last.epochs == 2 and last.eta_seconds == 0
    assert last.images_per_second > 0
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


def test_should_stop_ends_after_the_current_batch_and_keeps_the_weights(
    tiny: TinyData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nnlab.learn import model as model_module

    # Four batches a call, so the stop lands in the middle of the first epoch (30 batches).
    monkeypatch.setattr(model_module, "steps_per_execution", lambda spec: 4)
    spec = small_spec(epochs=100, batch_size=10)
    batches_seen: list[int] = []
    result = fit_spec(
        spec,
        tiny,
        on_progress=lambda progress: batches_seen.append(progress.batch),
        should_stop=lambda: len(batches_seen) >= 3,
    )
    assert result.stopped and not result.stopped_early
    # Keras ends the epoch it was in at once (validating it), and trains no further batch.
    assert batches_seen == [4, 8, 12] and [row.epoch for row in result.history] == [1]
    assert result.test_loss is not None
    from nnlab.learn.model import build_model

    initial = build_model(spec).get_weights()[0]
    trained = result.model.get_weights()[0]
    assert not np.array_equal(initial, trained)  # the weights learned so far are kept


@pytest.mark.slow
def test_batches_per_call_change_no_figure(tiny: TinyData, monkeypatch: pytest.MonkeyPatch) -> None:
    # 10 batches an epoch in calls of 3: the last call of each epoch is short and must not run
    # into the next epoch's batches.
    from nnlab.learn import model as model_module

    spec = small_spec(epochs=3)
    monkeypatch.setattr(model_module, "steps_per_execution", lambda spec: 1)
    single, one_at_a_time = train(spec, tiny)
    monkeypatch.setattr(model_module, "steps_per_execution", lambda spec: 3)
    grouped, three_a_call = train(spec, tiny)
    assert figures(three_a_call) == figures(one_at_a_time)
    # 300 images in batches of 32, 3 epochs: 30 optimizer steps, not one more per epoch end.
    assert int(single.optimizer.iterations) == int(grouped.optimizer.iterations) == 30


# Specs that exercise every part of a model a reused one must restart: dropout and augmentation
# (their random state), a conv block, the L2 penalty, optimizers whose state does not start at
# zero (Adagrad's accumulators) or carries momentum, and AdamW's decoupled decay.
REUSED_SPECS = {
    "dense_dropout": small_spec(),
    "conv_augment_l2": small_spec(
        hidden_layers=(LayerSpec.conv(4), LayerSpec.dense(16, "relu")),
        augment_shift=0.1,
        augment_noise=0.1,
        l2_weight_decay=0.001,
        optimizer="adagrad",
        learning_rate=0.05,
    ),
    "adamw": small_spec(optimizer="adamw"),
    "sgd_momentum": small_spec(optimizer="sgd", learning_rate=0.05, momentum=0.9, nesterov=True),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REUSED_SPECS))
def test_a_reused_model_trains_the_history_of_a_fresh_one(tiny: TinyData, name: str) -> None:
    from nnlab.learn.model import ModelCache

    spec = REUSED_SPECS[name]
    fresh = fit_spec(spec, tiny)
    models = ModelCache(capacity=2)
    # Another run of the same step first (another seed and rate, one epoch), so the model that
    # comes back has trained weights, optimizer state and used random state.
    other = spec.replace(seed=7, learning_rate=spec.learning_rate * 2, epochs=1)
    assert other.step_key() == spec.step_key()
    first = fit_spec(other, tiny, models=models)
    models.give_back(other, first.model)
    reused = fit_spec(spec, tiny, models=models)
    assert reused.model is first.model and models.hits == 1 and models.misses == 1
    assert figures(reused.history) == figures(fresh.history)
    assert (reused.test_loss, reused.test_accuracy) == (fresh.test_loss, fresh.test_accuracy)
    for got, want in zip(reused.model.get_weights(), fresh.model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_the_test_figures_are_the_final_weights_scores(tiny: TinyData) -> None:
    # Validated on the test set, a run takes its test figures from the last epoch's validation
    # instead of scoring the test set again: they must be what evaluate() says.
    result = fit_spec(small_spec(), tiny)
    scores = result.model.evaluate(tiny.x_test, tiny.y_test, batch_size=500, verbose=0)
    assert result.test_loss == pytest.approx(scores[0], rel=1e-6)
    assert result.test_accuracy == pytest.approx(scores[1], rel=1e-6)


def test_the_model_cache_is_bounded_and_keyed_by_step(tiny: TinyData) -> None:
    from nnlab.learn.model import ModelCache

    models = ModelCache(capacity=2)
    specs = [small_spec(batch_size=size) for size in (16, 32, 64)]
    taken = [models.take(spec) for spec in specs]
    for spec, model in zip(specs, taken, strict=True):
        models.give_back(spec, model)
    assert len(models) == 2  # the oldest (batch 16) was dropped
    assert models.take(specs[2]) is taken[2] and models.take(specs[0]) is not taken[0]
    assert models.take(specs[1].replace(seed=3, epochs=9, train_size=120)) is taken[1]
    models.clear()
    assert len(models) == 0


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
    assert len(history) == 1 and math.isfinite(history[0].val_loss)


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
