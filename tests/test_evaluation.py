"""Evaluation: figures on hand-made probabilities with known answers, then a tiny trained model
(trained with Keras, evaluated as a NumPy Network)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlab.inspection.evaluation import (
    confusion_matrix,
    evaluate,
    evaluate_probabilities,
    find_mistakes,
    mean_loss,
    precision_recall,
)


def one_hot_rows(predictions: list[int], confidence: float = 0.91) -> np.ndarray:
    """Probabilities whose argmax is `predictions`, the rest spread evenly."""
    rest = (1 - confidence) / 9
    probabilities = np.full((len(predictions), 10), rest, dtype=np.float32)
    probabilities[np.arange(len(predictions)), predictions] = confidence
    return probabilities


def test_confusion_matrix_rows_are_true_columns_predicted() -> None:
    labels = np.array([0, 0, 1, 1, 1, 2])
    predictions = np.array([0, 1, 1, 1, 2, 2])
    confusion = confusion_matrix(labels, predictions)
    assert confusion.shape == (10, 10)
    assert confusion[0, 0] == 1 and confusion[0, 1] == 1
    assert confusion[1, 1] == 2 and confusion[1, 2] == 1
    assert confusion[2, 2] == 1
    assert confusion.sum() == 6
    with pytest.raises(ValueError, match="differ in length"):
        confusion_matrix(labels, predictions[:3])


def test_precision_and_recall_known_answers_and_zero_division() -> None:
    labels = np.array([0, 0, 1, 1, 1, 2])
    predictions = np.array([0, 1, 1, 1, 2, 2])
    precision, recall = precision_recall(confusion_matrix(labels, predictions))
    np.testing.assert_allclose(precision[:3], [1.0, 2 / 3, 1 / 2])
    np.testing.assert_allclose(recall[:3], [1 / 2, 2 / 3, 1.0])
    # classes 3-9 never occur and are never predicted: 0, not NaN
    assert np.all(precision[3:] == 0) and np.all(recall[3:] == 0)


def test_losses_from_probabilities() -> None:
    probabilities = np.array([[0.7, 0.2, 0.1] + [0.0] * 7, [0.25, 0.5, 0.25] + [0.0] * 7])
    labels = np.array([0, 2])
    expected = (-math.log(0.7) - math.log(0.25)) / 2
    assert mean_loss(probabilities, labels, "sparse_categorical_crossentropy") == pytest.approx(
        expected
    )
    assert mean_loss(probabilities, labels, "categorical_crossentropy") == pytest.approx(expected)
    squared = ((0.3**2 + 0.2**2 + 0.1**2) + (0.25**2 + 0.5**2 + 0.75**2)) / 20
    assert mean_loss(probabilities, labels, "mean_squared_error") == pytest.approx(squared)
    # A certain wrong answer costs -log(1e-7), as in Keras, not infinity.
    certain_wrong = mean_loss(np.eye(10)[[1]], np.array([0]), "sparse_categorical_crossentropy")
    assert certain_wrong == pytest.approx(-math.log(1e-7))
    with pytest.raises(ValueError, match="Loss must be one of"):
        mean_loss(probabilities, labels, "hinge")


def test_mistakes_most_confident_first_with_top3() -> None:
    probabilities = np.zeros((5, 10), dtype=np.float32)
    probabilities[0, [3, 5, 1]] = [0.6, 0.3, 0.1]  # true 3: right
    probabilities[1, [5, 3, 8]] = [0.55, 0.4, 0.05]  # true 3: wrong, 0.55 sure
    probabilities[2, [7, 1, 2]] = [0.9, 0.06, 0.04]  # true 1: wrong, 0.9 sure
    probabilities[3, [0, 6, 9]] = [0.55, 0.35, 0.1]  # true 6: wrong, 0.55 sure (tie: index 1 first)
    probabilities[4, [4, 9, 2]] = [0.8, 0.15, 0.05]  # true 4: right
    labels = np.array([3, 3, 1, 6, 4])
    mistakes = find_mistakes(probabilities, labels)
    assert [m.index for m in mistakes] == [2, 1, 3]
    first = mistakes[0]
    assert (first.true_label, first.predicted_label) == (1, 7)
    assert first.confidence == pytest.approx(0.9)
    assert [c for c, _ in first.top3] == [7, 1, 2]
    assert [p for _, p in first.top3] == pytest.approx([0.9, 0.06, 0.04])


def test_evaluate_probabilities_figures() -> None:
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9])
    predictions = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 4, 7]
    evaluation = evaluate_probabilities(
        one_hot_rows(predictions), labels, class_names=tuple("abcdefghij")
    )
    assert evaluation.accuracy == pytest.approx(10 / 12)
    assert evaluation.num_images == 12 and evaluation.num_wrong == 2
    assert evaluation.confusion[9, 4] == 1 and evaluation.confusion[9, 7] == 1
    assert evaluation.per_class_accuracy[9] == pytest.approx(1 / 3)
    assert evaluation.precision[4] == pytest.approx(1 / 2)
    assert evaluation.precision[9] == pytest.approx(1.0)
    np.testing.assert_array_equal(evaluation.recall, evaluation.per_class_accuracy)
    assert [m.index for m in evaluation.mistakes(true_label=9)] == [10, 11]
    assert [m.index for m in evaluation.mistakes(predicted_label=7)] == [11]
    np.testing.assert_array_equal(evaluation.samples(9, 9), [9])
    rows = evaluation.per_class_rows()
    assert rows[9] == {
        "class": "j",
        "images": 3,
        "accuracy": pytest.approx(1 / 3),
        "precision": pytest.approx(1.0),
        "recall": pytest.approx(1 / 3),
    }


def test_bad_outputs_are_clear_errors() -> None:
    labels = np.array([0, 1])
    with pytest.raises(ValueError, match="10 numbers per image"):
        evaluate_probabilities(np.zeros((2, 3)), labels)
    with pytest.raises(ValueError, match="must match"):
        evaluate_probabilities(one_hot_rows([0, 1, 2]), labels)
    nan = one_hot_rows([0, 1])
    nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        evaluate_probabilities(nan, labels)


# --- a real model ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist():
    from nnlab.data.datasets import load_dataset

    return load_dataset("mnist")


@pytest.fixture(scope="module")
def tiny_model(mnist):
    """Flatten + Dense(10) on 300 images, one epoch: weak, so it makes plenty of mistakes."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Rescaling(1 / 255),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(mnist.x_train[:300], mnist.y_train[:300], epochs=1, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def tiny_network(tiny_model):
    from nnlab.learn.keras_network import network_from_keras

    return network_from_keras(tiny_model)


def test_evaluate_real_model_agrees_with_keras(tiny_model, tiny_network, mnist) -> None:
    evaluation = evaluate(tiny_network, mnist, batch_size=500)
    reference = tiny_model.predict(mnist.x_test, verbose=0)
    np.testing.assert_allclose(evaluation.probabilities, reference, atol=1e-5)
    assert evaluation.accuracy == pytest.approx(np.mean(reference.argmax(1) == mnist.y_test))
    keras_loss, keras_accuracy = tiny_model.evaluate(mnist.x_test, mnist.y_test, verbose=0)
    assert evaluation.loss == pytest.approx(keras_loss, rel=1e-4)
    assert evaluation.accuracy == pytest.approx(keras_accuracy, abs=1e-6)
    assert evaluation.confusion.sum() == mnist.num_test
    assert evaluation.class_names == mnist.class_names
    confidences = [m.confidence for m in evaluation.misclassified]
    assert confidences == sorted(confidences, reverse=True)
    assert evaluation.num_wrong == int(np.sum(reference.argmax(1) != mnist.y_test)) > 0
    assert all(m.true_label == mnist.y_test[m.index] for m in evaluation.misclassified)


def test_evaluate_flat_input_model(mnist) -> None:
    """An uploaded model may take (N, 784): the images are reshaped for it."""
    import keras
    from keras import layers

    from nnlab.learn.keras_network import network_from_keras

    model = keras.Sequential(
        [keras.Input((784,)), layers.Rescaling(1 / 255), layers.Dense(10, activation="softmax")]
    )
    evaluation = evaluate(network_from_keras(model), mnist)
    reference = model.predict(mnist.x_test.reshape(-1, 784), verbose=0)
    np.testing.assert_allclose(evaluation.probabilities, reference, atol=1e-5)


def test_evaluate_mean_squared_error_loss(tiny_network, mnist) -> None:
    evaluation = evaluate(tiny_network, mnist, loss="mean_squared_error")
    one_hot = np.eye(10)[mnist.y_test]
    expected = np.mean((evaluation.probabilities.astype(np.float64) - one_hot) ** 2)
    assert evaluation.loss == pytest.approx(expected)
    assert evaluation.loss_name == "mean_squared_error"


def test_evaluate_needs_no_keras(mnist) -> None:
    """The app's process evaluates with NumPy only: a hand-made network, known answers."""
    from nnlab.inspection.layers import NetLayer
    from nnlab.inspection.network import Network

    # No weights, a bias favouring class 3: every image is called a 3.
    network = Network(
        (
            NetLayer("image", "InputLayer", config={"shape": [28, 28]}),
            NetLayer("flatten", "Flatten"),
            NetLayer("out", "Dense", "softmax", (np.zeros((784, 10)), np.eye(10)[3] * 5)),
        )
    )
    evaluation = evaluate(network, mnist)
    assert evaluation.accuracy == pytest.approx(np.mean(mnist.y_test == 3))
    assert set(evaluation.predictions) == {3}
    assert evaluation.confusion[:, 3].sum() == mnist.num_test


# --- sigmoid outputs: the loss Keras reported, shares that add up to 100 % ------------------------


def _sigmoid_network(seed: int = 0):
    """Flatten + Dense(10, sigmoid) with random weights: tutorial 000's kind of output."""
    from nnlab.inspection.layers import NetLayer
    from nnlab.inspection.network import Network

    rng = np.random.default_rng(seed)
    return Network(
        layers=(
            NetLayer("input_layer", "InputLayer", config={"shape": [28, 28]}),
            NetLayer("rescaling", "Rescaling", config={"scale": 1 / 255, "offset": 0.0}),
            NetLayer("flatten", "Flatten"),
            NetLayer("dense", "Dense", "sigmoid", (rng.normal(0, 0.1, (784, 10)), np.zeros(10))),
        )
    )


def test_sigmoid_cross_entropy_is_taken_on_the_scores_as_keras_does(mnist) -> None:
    """Keras' cross-entropies use the sigmoid's inputs (softmax of the scores), not the
    sigmoids scaled to sum 1: the NumPy loss must do the same to match training's figures."""
    network = _sigmoid_network()
    evaluation = evaluate(network, mnist, loss="categorical_crossentropy")
    weights, bias = network.layers[-1].weights
    scores = (mnist.x_test.reshape(-1, 784) / 255.0) @ weights.astype(np.float64) + bias
    expected = np.mean(
        np.log(np.exp(scores).sum(axis=1)) - scores[np.arange(mnist.num_test), mnist.y_test]
    )
    assert evaluation.loss == pytest.approx(expected, rel=1e-5)
    sigmoids = 1 / (1 + np.exp(-scores))
    assert (
        abs(evaluation.loss - mean_loss(sigmoids, mnist.y_test, "categorical_crossentropy")) > 0.1
    )
    # What the page shows as probabilities: shares that add up to 1, never a top 3 over 100 %.
    assert not evaluation.outputs_sum_to_one
    np.testing.assert_allclose(evaluation.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert all(sum(p for _, p in m.top3) <= 1.0 + 1e-6 for m in evaluation.misclassified)
    assert evaluation.accuracy == pytest.approx(np.mean(scores.argmax(1) == mnist.y_test))


def test_softmax_outputs_are_left_as_they_are(tiny_network, mnist) -> None:
    evaluation = evaluate(tiny_network, mnist)
    assert evaluation.outputs_sum_to_one


@pytest.mark.slow  # trains a small Keras model
def test_sigmoid_run_loss_equals_the_validation_loss_training_reported(mnist) -> None:
    """The issue's case: a sigmoid-output run with categorical cross-entropy, validated on the
    test images. Evaluate's loss on those images must be the val_loss training reported."""
    import keras
    from keras import layers

    from nnlab.learn.keras_network import network_from_keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Rescaling(1 / 255),
            layers.Flatten(),
            layers.Dense(30, activation="sigmoid"),
            layers.Dense(10, activation="sigmoid"),
        ]
    )
    model.compile("adam", "categorical_crossentropy")
    one_hot = keras.utils.to_categorical
    history = model.fit(
        mnist.x_train[:1000],
        one_hot(mnist.y_train[:1000], 10),
        validation_data=(mnist.x_test, one_hot(mnist.y_test, 10)),
        epochs=3,
        batch_size=50,
        verbose=0,
    )
    evaluation = evaluate(network_from_keras(model), mnist, loss="categorical_crossentropy")
    assert evaluation.loss == pytest.approx(history.history["val_loss"][-1], rel=1e-4)


@pytest.mark.slow  # trains a small Keras model
def test_training_and_evaluating_print_no_progress_bar(tiny, capfd) -> None:
    """A worker's output is the server's log: no Keras progress bar may land in it (issue 21)."""
    import nnlab

    spec = nnlab.RunSpec(
        train_size=300, hidden_layers=(nnlab.LayerSpec.dense(8, "relu"),), epochs=1, batch_size=64
    )
    capfd.readouterr()  # what earlier tests printed is not this test's
    model, history = nnlab.train(spec, tiny)
    dataset = nnlab.load_dataset("mnist")
    evaluation = nnlab.evaluate(nnlab.network_from_keras(model), dataset)
    printed = capfd.readouterr()
    assert len(history) == 1 and evaluation.accuracy > 0
    for text in (printed.out, printed.err):
        # Keras' bar: "10/10 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: ..."
        assert "━" not in text and "/step" not in text, text
