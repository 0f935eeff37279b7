"""The tutorials' experiments as one-click presets, each with the number the tutorial published.

The five seed tutorials (`shared/seeds/README.md`) trained these networks with Keras 2018-2022;
today's Keras draws other initial weights, so a preset reproduces its number within a tolerance
(about 1.5 points for the longer runs), not to the digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nnlab.core import choices
from nnlab.core.runs import split_sizes
from nnlab.core.shapes import MAX_EPOCHS
from nnlab.core.spec import LayerSpec, Preset, RunSpec

# Tutorial 004 compares optimizers and regularisation on one 100-unit ReLU network.
_T004_RELU100 = RunSpec(
    dataset="fashion_mnist",
    validation="split",
    validation_split=0.2,
    hidden_layers=(LayerSpec.dense(100, "relu"),),
    optimizer="rmsprop",
    learning_rate=0.001,
    epochs=5,
    batch_size=32,
)

# Tutorial 000's network: the sigmoid preset is exactly it, the ReLU preset changes one thing.
_T000_SPEC = RunSpec(
    dataset="mnist",
    validation="test",
    hidden_layers=(LayerSpec.dense(15, "sigmoid"),),
    output_activation="sigmoid",
    loss="mean_squared_error",
    optimizer="sgd",
    learning_rate=0.2,
    epochs=10,
    batch_size=100,
)

_PRESET_LIST = [
    Preset(
        key="t000_sigmoid_mse",
        title="000 · MNIST 784-15-10, sigmoid + MSE + SGD(0.2)",
        tutorial="000",
        spec=_T000_SPEC,
        published={"val_accuracy": 0.7759, "accuracy": 0.7608},
        note="10 epochs, batch 100, test set as validation; 11,935 parameters; 7.24 s wall.",
    ),
    Preset(
        key="t000_relu_mse",
        title="000 · the same net with ReLU in the hidden layer",
        tutorial="000",
        spec=_T000_SPEC.replace(hidden_layers=(LayerSpec.dense(15, "relu"),)),
        note="Tutorial 000's network with one change, sigmoid to ReLU in the hidden layer: "
        "compare the diagnostics (gradients, saturated and dead units) of the two runs.",
    ),
    Preset(
        key="t002_mnist_relu1000",
        title="002 · MNIST 784-1000-10, ReLU + Adam",
        tutorial="002",
        spec=RunSpec(
            dataset="mnist",
            validation="test",
            hidden_layers=(LayerSpec.dense(1000, "relu"),),
            optimizer="adam",
            learning_rate=0.001,
            epochs=10,
            batch_size=100,
        ),
        published={"test_accuracy": 0.9804},
        note="196 of 10,000 test images wrong; 795,010 parameters.",
    ),
    Preset(
        key="t002_fashion_relu1000",
        title="002 · Fashion-MNIST 784-1000-10, ReLU + Adam",
        tutorial="002",
        spec=RunSpec(
            dataset="fashion_mnist",
            validation="test",
            hidden_layers=(LayerSpec.dense(1000, "relu"),),
            optimizer="adam",
            learning_rate=0.001,
            epochs=10,
            batch_size=100,
        ),
        published={"test_accuracy": 0.8821},
        note="1,179 of 10,000 test images wrong; 795,010 parameters.",
    ),
    Preset(
        key="t003_mnist_relu512_rmsprop",
        title="003 · MNIST 784-512-10, ReLU + RMSprop, one-hot labels",
        tutorial="003",
        spec=RunSpec(
            dataset="mnist",
            validation="test",
            hidden_layers=(LayerSpec.dense(512, "relu"),),
            loss="categorical_crossentropy",
            optimizer="rmsprop",
            learning_rate=0.001,
            epochs=5,
            batch_size=128,
        ),
        published={"test_accuracy": 0.9778, "accuracy": 0.989},
        note="Deep Learning with Python, chapter 2: 5 epochs, batch 128.",
    ),
    Preset(
        key="t004_logistic",
        title="004 · Fashion-MNIST logistic regression: Dense(10) alone",
        tutorial="004",
        spec=_T004_RELU100.replace(hidden_layers=()),
        published={"val_accuracy": 0.8483, "accuracy": 0.8551},
        note="Default RMSprop, batch 32, 5 epochs, 20 % validation split. "
        "scikit-learn's SGDClassifier baseline: 0.8196.",
    ),
    Preset(
        key="t004_sigmoid100",
        title="004 · Fashion-MNIST 784-100-10, sigmoid hidden layer",
        tutorial="004",
        spec=_T004_RELU100.replace(hidden_layers=(LayerSpec.dense(100, "sigmoid"),)),
        published={"accuracy": 0.8784},
        note="Training accuracy after 5 epochs (RMSprop, batch 32).",
    ),
    Preset(
        key="t004_relu100",
        title="004 · Fashion-MNIST 784-100-10, ReLU hidden layer",
        tutorial="004",
        spec=_T004_RELU100,
        published={"accuracy": 0.8859},
        note="Training accuracy after 5 epochs (RMSprop, batch 32): ReLU beats sigmoid.",
    ),
    Preset(
        key="t004_sgd_nesterov",
        title="004 · Optimizers: SGD with momentum 0.9 + Nesterov",
        tutorial="004",
        spec=_T004_RELU100.replace(
            optimizer="sgd", learning_rate=0.01, momentum=0.9, nesterov=True
        ),
        note="The tutorial shows the optimizer without a published score; compare it with the "
        "Adagrad, RMSprop and Adam presets on the same network.",
    ),
    Preset(
        key="t004_adagrad",
        title="004 · Optimizers: Adagrad",
        tutorial="004",
        spec=_T004_RELU100.replace(optimizer="adagrad", learning_rate=0.001),
        note="No published score; Adagrad's steps shrink over time, so it learns slowly here.",
    ),
    Preset(
        key="t004_adam_curves",
        title="004 · Loss curves over 20 epochs with Adam (overfitting shows)",
        tutorial="004",
        spec=_T004_RELU100.replace(optimizer="adam", learning_rate=0.001, epochs=20),
        note="The tutorial plots train vs validation loss: validation loss turns up after a few "
        "epochs while training loss keeps falling.",
    ),
    Preset(
        key="t004_dropout_early_stopping",
        title="004 · Dropout 0.3 + early stopping (patience 2)",
        tutorial="004",
        spec=_T004_RELU100.replace(
            optimizer="adam",
            learning_rate=0.001,
            epochs=20,
            dropout_rate=0.3,
            early_stopping_patience=2,
            restore_best_weights=True,
        ),
        note="Dropout narrows the gap between the curves; early stopping ends the run when "
        "validation loss stops improving and keeps the best epoch's weights.",
    ),
    Preset(
        key="cnn_mnist",
        title="Beyond: MNIST convnet (Keras example), about 99 %",
        tutorial="keras-io",
        spec=RunSpec(
            dataset="mnist",
            validation="split",
            validation_split=0.1,
            hidden_layers=(LayerSpec.conv(32, 3), LayerSpec.conv(64, 3)),
            dropout_rate=0.5,
            loss="categorical_crossentropy",
            optimizer="adam",
            learning_rate=0.001,
            epochs=15,
            batch_size=128,
        ),
        published={"test_accuracy": 0.99},
        note="keras-io examples/vision/mnist_convnet.py: 34,826 parameters, about 99 % test "
        "accuracy after 15 epochs.",
    ),
]

PRESETS: dict[str, Preset] = {preset.key: preset for preset in _PRESET_LIST}


# --- weight updates: what a smaller data set changes ---------------------------------------------
# A network learns once per batch, not once per image: the bundled 8,000-image MNIST sample gives
# tutorial 000 (10 epochs of batch 100) 800 weight updates where the tutorial's 60,000 images gave
# 6,000, and that, not the images themselves, is most of the gap in its score.


def weight_updates(spec: RunSpec, train_available: int) -> int:
    """How many times a run of `spec` changes its weights with `train_available` images."""
    train_images, _ = split_sizes_for(spec, train_available)
    return math.ceil(train_images / spec.batch_size) * spec.epochs


@dataclass(frozen=True)
class UpdateGap:
    """A run's weight updates against the tutorial's, and the epochs that would match them."""

    run_updates: int  # what the run makes on the images at hand
    tutorial_updates: int  # what the tutorial made on the full data set
    train_images: int  # training images the run uses here
    tutorial_images: int  # training images the tutorial used
    matching_epochs: int  # epochs that give at least the tutorial's updates here (<= MAX_EPOCHS)

    @property
    def ratio(self) -> float:
        """The run's updates as a fraction of the tutorial's."""
        return self.run_updates / self.tutorial_updates if self.tutorial_updates else 1.0


def update_gap(preset: Preset, spec: RunSpec, train_available: int) -> UpdateGap | None:
    """How far `spec` on `train_available` images falls short of `preset`'s weight updates.

    None when it makes at least 90 % of the tutorial's updates (nothing to explain) or when the
    spec is not the preset's network on the preset's data set.
    """
    if spec.dataset != preset.spec.dataset:
        return None
    full_train = choices.DATASETS[preset.spec.dataset].full_sizes[0]
    tutorial = weight_updates(preset.spec, full_train)
    ours = weight_updates(spec, train_available)
    if ours >= 0.9 * tutorial:
        return None
    train_images, _ = split_sizes_for(spec, train_available)
    tutorial_images, _ = split_sizes_for(preset.spec, full_train)
    per_epoch = max(1, math.ceil(train_images / spec.batch_size))
    epochs = min(MAX_EPOCHS, math.ceil(tutorial / per_epoch))
    return UpdateGap(ours, tutorial, train_images, tutorial_images, epochs)


def split_sizes_for(spec: RunSpec, train_available: int) -> tuple[int, int]:
    """(training, validation) images a run of `spec` uses out of `train_available` images."""
    return split_sizes(spec, train_available, 0)
