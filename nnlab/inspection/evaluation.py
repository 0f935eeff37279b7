"""How well a model does on the test images: loss, accuracy, confusion matrix, per-class figures
and the misclassified samples, computed in NumPy from the model's output probabilities.

Only `predict_probabilities` runs the model (an nnlab.inspection.network.Network, in NumPy: no
Keras in the app's process); every other function takes plain arrays, so it is testable on hand-made
probabilities.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.core.choices import LOSSES
from nnlab.core.shapes import NUM_CLASSES
from nnlab.inspection.layers import activation_function
from nnlab.inspection.network import Network

EPSILON = 1e-7  # Keras' backend.epsilon(): keeps log() finite, as Keras' losses do
CROSS_ENTROPIES = ("sparse_categorical_crossentropy", "categorical_crossentropy")
# Keras' softmax and sigmoid keep their inputs (`_keras_logits`), and its cross-entropies use
# those: a sigmoid-output model is trained and scored on softmax(logits), not on its sigmoids.
SQUASHING = ("softmax", "sigmoid")


@dataclass(frozen=True)
class Mistake:
    """One misclassified test image."""

    index: int  # position in the test split
    true_label: int  # the class it is
    predicted_label: int  # the class the model chose
    confidence: float  # the model's probability for its (wrong) choice
    top3: tuple[tuple[int, float], ...]  # the three most probable (class, probability)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A model's results on a test split."""

    loss: float  # mean test loss under `loss_name`
    loss_name: str  # which loss `loss` is
    accuracy: float  # fraction of test images classified right
    labels: np.ndarray  # uint8 (N,) true classes
    probabilities: np.ndarray  # float32 (N, 10) model outputs
    predictions: np.ndarray  # int (N,) argmax of the probabilities
    confusion: np.ndarray  # int (10, 10): rows = true class, columns = predicted class
    per_class_accuracy: np.ndarray  # float (10,): right answers / images of that class (= recall)
    precision: np.ndarray  # float (10,): right answers / predictions of that class
    recall: np.ndarray  # float (10,): same as per_class_accuracy
    misclassified: tuple[Mistake, ...]  # most confident mistakes first
    class_names: tuple[str, ...] = tuple(str(digit) for digit in range(NUM_CLASSES))
    seconds: float = 0.0  # time taken to predict and compute
    # False when the model's own outputs do not add up to 1 (sigmoid outputs): `probabilities`
    # are then those outputs scaled to shares of their sum, as the Draw page shows them.
    outputs_sum_to_one: bool = True

    @property
    def num_images(self) -> int:
        """How many test images were evaluated."""
        return len(self.labels)

    @property
    def num_wrong(self) -> int:
        """How many of them the model got wrong."""
        return len(self.misclassified)

    def mistakes(
        self, true_label: int | None = None, predicted_label: int | None = None
    ) -> list[Mistake]:
        """The mistakes with this true and/or predicted class (None: any), most confident first."""
        return [
            mistake
            for mistake in self.misclassified
            if (true_label is None or mistake.true_label == true_label)
            and (predicted_label is None or mistake.predicted_label == predicted_label)
        ]

    def samples(self, true_label: int, predicted_label: int) -> np.ndarray:
        """Test indices with this true and predicted class (a confusion-matrix cell), in order."""
        return np.flatnonzero((self.labels == true_label) & (self.predictions == predicted_label))

    def cell_samples(
        self, true_label: int | None, predicted_label: int | None
    ) -> list[tuple[int, int, int, float]]:
        """(index, true, predicted, confidence) of the images a filter picks, in showing order.

        A diagonal cell (the same class on both sides) lists right answers, least sure first:
        those are the ones nearly got wrong. Anything else lists mistakes, most confident first.
        """
        if true_label is not None and true_label == predicted_label:
            indices = self.samples(true_label, predicted_label)
            confidences = self.probabilities[indices, predicted_label]
            order = np.argsort(confidences, kind="stable")
            return [
                (int(indices[i]), true_label, predicted_label, float(confidences[i])) for i in order
            ]
        return [
            (mistake.index, mistake.true_label, mistake.predicted_label, mistake.confidence)
            for mistake in self.mistakes(true_label, predicted_label)
        ]

    def per_class_rows(self) -> list[dict[str, Any]]:
        """One row per class: name, images, accuracy, precision, recall."""
        counts = self.confusion.sum(axis=1)
        return [
            {
                "class": name,
                "images": int(counts[label]),
                "accuracy": float(self.per_class_accuracy[label]),
                "precision": float(self.precision[label]),
                "recall": float(self.recall[label]),
            }
            for label, name in enumerate(self.class_names)
        ]


# --- pure NumPy ---------------------------------------------------------------------------------


def confusion_matrix(
    labels: np.ndarray, predictions: np.ndarray, num_classes: int = NUM_CLASSES
) -> np.ndarray:
    """Counts of (true, predicted) pairs: rows = true class, columns = predicted class."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    if labels.shape != predictions.shape:
        raise ValueError(
            f"Labels and predictions differ in length: {labels.shape} vs {predictions.shape}."
        )
    pairs = labels * num_classes + predictions
    return np.bincount(pairs, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    # A class never predicted (or never present) scores 0 rather than NaN.
    return np.divide(
        numerator,
        denominator,
        out=np.zeros(len(numerator), dtype=np.float64),
        where=denominator > 0,
    )


def precision_recall(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class precision (of the column) and recall (of the row); 0 where undefined."""
    right = np.diag(confusion).astype(np.float64)
    precision = _safe_divide(right, confusion.sum(axis=0).astype(np.float64))
    recall = _safe_divide(right, confusion.sum(axis=1).astype(np.float64))
    return precision, recall


def as_probabilities(outputs: np.ndarray) -> np.ndarray:
    """Model outputs (n, classes) as probabilities that add up to 1 per row.

    Softmax outputs pass unchanged; sigmoid outputs (tutorial 000) become shares of their sum,
    so a "top 3" never adds up to more than 100 %; raw scores (logits) go through a softmax.
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    outputs = outputs.reshape(len(outputs), -1)
    totals = outputs.sum(axis=1, keepdims=True)
    if np.all(outputs >= 0) and np.allclose(totals, 1.0, atol=1e-3):
        return outputs
    if np.all(outputs >= 0) and np.all(totals > 0):
        return outputs / totals
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def cross_entropy_from_logits(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean softmax cross-entropy from the scores before the last softmax/sigmoid, as Keras'
    (sparse_)categorical_crossentropy computes it for such a model (no clipping)."""
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_totals = np.log(np.exp(shifted).sum(axis=1))
    return float(np.mean(log_totals - shifted[np.arange(len(labels)), labels]))


def mean_loss(probabilities: np.ndarray, labels: np.ndarray, loss: str) -> float:
    """The mean loss as Keras computes it from output probabilities (not logits)."""
    if loss not in LOSSES:
        raise ValueError(f"Loss must be one of {', '.join(LOSSES)}; got {loss!r}.")
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    if loss == "mean_squared_error":
        one_hot = np.eye(probabilities.shape[1])[labels]
        return float(np.mean((probabilities - one_hot) ** 2))
    # Keras' cross-entropies first rescale each row to sum to 1 (matters for sigmoid outputs),
    # then clip, so a confident wrong answer costs -log(1e-7), not infinity.
    totals = probabilities.sum(axis=1, keepdims=True)
    normalised = np.divide(
        probabilities, totals, out=np.full_like(probabilities, 0.1), where=totals > 0
    )
    picked = np.clip(normalised[np.arange(len(labels)), labels], EPSILON, 1 - EPSILON)
    return float(np.mean(-np.log(picked)))


def find_mistakes(probabilities: np.ndarray, labels: np.ndarray) -> tuple[Mistake, ...]:
    """The misclassified images, the most confident mistakes first (ties: lower index first)."""
    predictions = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predictions != labels)
    confidences = probabilities[wrong, predictions[wrong]]
    order = wrong[np.lexsort((wrong, -confidences))]
    top3 = np.argsort(-probabilities[order], axis=1, kind="stable")[:, :3]
    return tuple(
        Mistake(
            index=int(index),
            true_label=int(labels[index]),
            predicted_label=int(predictions[index]),
            confidence=float(probabilities[index, predictions[index]]),
            top3=tuple((int(label), float(probabilities[index, label])) for label in classes),
        )
        for index, classes in zip(order, top3, strict=True)
    )


def evaluate_probabilities(
    probabilities: np.ndarray,
    labels: np.ndarray,
    loss: str = "sparse_categorical_crossentropy",
    class_names: tuple[str, ...] | None = None,
    seconds: float = 0.0,
    logits: np.ndarray | None = None,
) -> Evaluation:
    """Every figure of an Evaluation from the model's (N, 10) outputs and the true labels.

    With `logits` (the scores before a final softmax/sigmoid) a cross-entropy is computed from
    them, as Keras does in training; otherwise from the outputs.
    """
    probabilities = np.asarray(probabilities, dtype=np.float32)
    labels = np.asarray(labels)
    if probabilities.ndim != 2 or probabilities.shape[1] != NUM_CLASSES:
        raise ValueError(
            f"The model must output {NUM_CLASSES} numbers per image; "
            f"its output has shape {probabilities.shape}."
        )
    if len(probabilities) != len(labels) or len(labels) == 0:
        raise ValueError(
            f"Got {len(probabilities):,} predictions for {len(labels):,} labels; "
            "they must match and not be empty."
        )
    if not np.all(np.isfinite(probabilities)):
        raise ValueError(
            "The model's outputs contain NaN or infinity: training probably diverged "
            "(try a smaller learning rate)."
        )
    if logits is not None and loss in CROSS_ENTROPIES:
        loss_value = cross_entropy_from_logits(logits, labels)
    else:
        loss_value = mean_loss(probabilities, labels, loss)
    totals = probabilities.astype(np.float64).sum(axis=1)
    sum_to_one = bool(np.all(probabilities >= 0) and np.allclose(totals, 1.0, atol=1e-3))
    if not sum_to_one:
        probabilities = as_probabilities(probabilities).astype(np.float32)
    predictions = probabilities.argmax(axis=1)
    confusion = confusion_matrix(labels, predictions)
    precision, recall = precision_recall(confusion)
    return Evaluation(
        loss=loss_value,
        loss_name=loss,
        accuracy=float(np.mean(predictions == labels)),
        labels=labels,
        probabilities=probabilities,
        predictions=predictions,
        confusion=confusion,
        per_class_accuracy=recall,
        precision=precision,
        recall=recall,
        misclassified=find_mistakes(probabilities, labels),
        class_names=tuple(class_names or (str(digit) for digit in range(NUM_CLASSES))),
        seconds=seconds,
        outputs_sum_to_one=sum_to_one,
    )


# --- with a network ------------------------------------------------------------------------------


def predict_probabilities(
    network: Network, images: np.ndarray, batch_size: int | None = None
) -> np.ndarray:
    """The network's (N, 10) outputs for uint8 images (N, 28, 28), in NumPy, chunk by chunk."""
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"Batch size must be at least 1; got {batch_size}.")
    return network.predict(images, batch_size=batch_size)


def evaluate(
    network: Network,
    dataset: Any,
    loss: str = "sparse_categorical_crossentropy",
    batch_size: int | None = None,
) -> Evaluation:
    """Evaluate `network` (an nnlab.inspection.network.Network) on the test split of `dataset`."""
    started = time.perf_counter()
    split = without_final_squashing(network) if loss in CROSS_ENTROPIES else None
    logits = None
    if split is None:
        probabilities = predict_probabilities(network, dataset.x_test, batch_size)
    else:
        scores_network, activation = split
        logits = predict_probabilities(scores_network, dataset.x_test, batch_size)
        probabilities = activation_function(activation)(logits)
    return evaluate_probabilities(
        probabilities,
        dataset.y_test,
        loss=loss,
        class_names=tuple(dataset.class_names),
        seconds=time.perf_counter() - started,
        logits=logits,
    )


def without_final_squashing(network: Network) -> tuple[Network, str] | None:
    """(the network giving the scores before its final softmax/sigmoid, that activation's name),
    or None when the network ends in anything else."""
    last = network.layers[-1]
    if last.activation not in SQUASHING or len(network.layers) < 2:
        return None
    if last.kind == "Activation":
        layers = network.layers[:-1]
    else:
        layers = (*network.layers[:-1], dataclasses.replace(last, activation="linear"))
    return Network(layers=tuple(layers)), last.activation


def evaluate_images(
    network: Network,
    images: np.ndarray,
    labels: np.ndarray,
    loss: str = "sparse_categorical_crossentropy",
    class_names: tuple[str, ...] | None = None,
) -> Evaluation:
    """Evaluate `network` on any labelled uint8 images (N, 28, 28): a class's own handwriting."""
    started = time.perf_counter()
    probabilities = predict_probabilities(network, np.asarray(images, dtype=np.uint8))
    return evaluate_probabilities(
        probabilities,
        np.asarray(labels),
        loss=loss,
        class_names=class_names,
        seconds=time.perf_counter() - started,
    )
