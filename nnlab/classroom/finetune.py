"""Fine-tuning on a class's handwriting: the short run that continues a model on the class set.

Only the job's description lives here (its spec and its extra training images); the engine runs
it like any other run (`Engine.submit(..., extra_train=job.extra_train)`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnlab.classroom.errors import ClassError
from nnlab.core import choices
from nnlab.core.shapes import IMAGE_SIDE
from nnlab.core.spec import RunSpec

FINE_TUNE_EPOCHS = 2
FINE_TUNE_MNIST_IMAGES = 2_000  # an MNIST subset trains alongside, so the model keeps MNIST
FINE_TUNE_CLASS_SHARE = 0.25  # the class set, repeated, makes about this share of the images
FINE_TUNE_MAX_REPEATS = 20


@dataclass(frozen=True)
class FineTuneJob:
    """A short run that continues a model on the class set plus an MNIST subset."""

    spec: RunSpec  # the model's spec with the subset size, a few epochs, no early stopping
    images: np.ndarray  # uint8 (N * repeats, 28, 28): the class set, repeated
    labels: np.ndarray  # uint8 (N * repeats,)
    repeats: int  # how many times each class drawing is in the training data

    @property
    def extra_train(self) -> tuple[np.ndarray, np.ndarray]:
        """What nnlab.engine.engine.Engine.submit(extra_train=...) takes."""
        return self.images, self.labels


def fine_tune_job(
    spec: RunSpec,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    mnist_images: int = FINE_TUNE_MNIST_IMAGES,
    epochs: int = FINE_TUNE_EPOCHS,
) -> FineTuneJob:
    """The fine-tuning run of a model of `spec`: ClassError when it cannot read digits or no set."""
    entry = choices.DATASETS.get(spec.dataset)
    if entry is None or not entry.handwritten_digits:
        raise ClassError("classset.error.not_digits")
    images = np.asarray(images, dtype=np.uint8)
    labels = np.asarray(labels, dtype=np.uint8)
    if len(images) == 0 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise ClassError("classset.error.empty")
    train_size = min(mnist_images, spec.train_size or mnist_images)
    wanted = FINE_TUNE_CLASS_SHARE * train_size / (1.0 - FINE_TUNE_CLASS_SHARE)
    repeats = int(min(FINE_TUNE_MAX_REPEATS, max(1, math.ceil(wanted / len(images)))))
    tuned = spec.replace(
        train_size=train_size,
        epochs=epochs,
        batch_size=min(spec.batch_size, train_size),
        early_stopping_patience=0,
    )
    return FineTuneJob(tuned, np.tile(images, (repeats, 1, 1)), np.tile(labels, repeats), repeats)
