"""What to build and how to train it: frozen dataclasses, validated on construction.

One `RunSpec` crosses the line between the UI and the library: a page builds it from widgets, a
share link serialises it, the code exporter prints it, and `build_model` / `train` consume it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

DATASETS = ("mnist", "fashion_mnist")
HIDDEN_ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "linear")
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid")
LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "mean_squared_error")
OPTIMIZERS = ("sgd", "adagrad", "rmsprop", "adam")
# Keras' own default learning rate for each optimizer, offered when the student switches optimizer.
DEFAULT_LEARNING_RATES = {"sgd": 0.01, "adagrad": 0.001, "rmsprop": 0.001, "adam": 0.001}
VALIDATIONS = ("test", "split")
LAYER_KINDS = ("dense", "conv")

IMAGE_SIDE = 28
NUM_CLASSES = 10
MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 4096
MAX_FILTERS = 256
MAX_KERNEL_SIZE = 7
MAX_EPOCHS = 200
MAX_BATCH_SIZE = 60_000
MAX_TRAIN_SIZE = 60_000
MIN_TRAIN_SIZE = 10
# Keeps one model within the host's memory: 784 inputs x 4096 units x 8 layers would be ~130M.
MAX_PARAMETERS = 20_000_000


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        options = ", ".join(choices)
        raise ValueError(f"{name} must be one of {options}; got {value!r}.")


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number; got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:,} and {high:,}; got {value:,}.")


def _check_float(
    name: str, value: object, low: float, high: float, *, open_low: bool = False
) -> None:
    # An int is always finite; math.isfinite would overflow on a huge one (10**400 from JSON).
    finite = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    if isinstance(value, bool) or not finite:
        raise ValueError(f"{name} must be a number; got {value!r}.")
    too_low = value <= low if open_low else value < low
    if too_low or value > high:
        bracket = "(" if open_low else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high}]; got {value}.")


@dataclass(frozen=True)
class LayerSpec:
    """One hidden layer: a Dense layer, or a Conv2D + MaxPooling2D block."""

    kind: str = "dense"  # "dense" (fully connected) or "conv" (Conv2D then 2x2 max pooling)
    units: int = 128  # dense: number of neurons
    filters: int = 32  # conv: number of filters (feature maps)
    kernel_size: int = 3  # conv: side of the square kernel, in pixels
    activation: str = "relu"  # one of HIDDEN_ACTIVATIONS

    def __post_init__(self) -> None:
        _check_choice("Layer kind", self.kind, LAYER_KINDS)
        _check_int("Units", self.units, 1, MAX_UNITS)
        _check_int("Filters", self.filters, 1, MAX_FILTERS)
        _check_int("Kernel size", self.kernel_size, 1, MAX_KERNEL_SIZE)
        _check_choice("Activation", self.activation, HIDDEN_ACTIVATIONS)

    @classmethod
    def dense(cls, units: int, activation: str = "relu") -> LayerSpec:
        """A fully connected hidden layer."""
        return cls(kind="dense", units=units, activation=activation)

    @classmethod
    def conv(cls, filters: int, kernel_size: int = 3, activation: str = "relu") -> LayerSpec:
        """A Conv2D + MaxPooling2D(2) block."""
        return cls(kind="conv", filters=filters, kernel_size=kernel_size, activation=activation)

    def describe(self) -> str:
        """A short human label, e.g. 'Dense 128 relu' or 'Conv 32@3x3 relu'."""
        if self.kind == "conv":
            return f"Conv {self.filters}@{self.kernel_size}x{self.kernel_size} {self.activation}"
        return f"Dense {self.units} {self.activation}"

    def to_dict(self) -> dict[str, Any]:
        """Only the fields that matter for this kind, so links and JSON stay short."""
        if self.kind == "conv":
            return {
                "kind": "conv",
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "activation": self.activation,
            }
        return {"kind": "dense", "units": self.units, "activation": self.activation}

    @classmethod
    def from_dict(cls, data: Any) -> LayerSpec:
        """Inverse of `to_dict`; raises ValueError on anything malformed."""
        if not isinstance(data, dict):
            raise ValueError(f"A layer must be a mapping of settings; got {type(data).__name__}.")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(key) for key in set(data) - known)
        if unknown:
            raise ValueError(f"Unknown layer setting(s): {', '.join(map(str, unknown))}.")
        return cls(**data)


def conv_output_side(layers: tuple[LayerSpec, ...] | list[LayerSpec]) -> int:
    """Side length of the feature maps after the conv blocks (valid padding, 2x2 pooling)."""
    side = IMAGE_SIDE
    for layer in layers:
        if layer.kind == "conv":
            side = (side - layer.kernel_size + 1) // 2
    return side


@dataclass(frozen=True)
class RunSpec:
    """Everything that defines one experiment: data, architecture and training."""

    # --- data ---
    dataset: str = "mnist"  # "mnist" or "fashion_mnist"
    train_size: int | None = None  # how many training images to use; None: all available
    validation: str = "test"  # "test": validate on the test set (tutorial 002); "split": hold out
    validation_split: float = (
        0.2  # fraction of the training images held out when validation="split"
    )
    # --- architecture ---
    hidden_layers: tuple[LayerSpec, ...] = (LayerSpec(),)  # input -> these -> output
    dropout_rate: float = 0.0  # dropped after the flatten of conv blocks and after each Dense
    l2_weight_decay: float = 0.0  # L2 penalty on every kernel; 0 disables it
    output_activation: str = "softmax"  # "softmax", or "sigmoid" as in tutorial 000
    # --- training ---
    loss: str = "sparse_categorical_crossentropy"  # the other two losses train on one-hot labels
    optimizer: str = "adam"  # "sgd", "adagrad", "rmsprop" or "adam"
    learning_rate: float = 0.001  # step size of the optimizer
    momentum: float = 0.0  # SGD only: fraction of the previous step carried into the next
    nesterov: bool = False  # SGD only: look ahead along the momentum before the gradient
    epochs: int = 5  # passes over the training images
    batch_size: int = 32  # images per gradient step
    early_stopping_patience: int = 0  # stop after this many epochs without val_loss gain; 0: off
    restore_best_weights: bool = True  # with early stopping: keep the epoch with the best val_loss
    seed: int = 42  # fixes initial weights, dropout masks and shuffling

    def __post_init__(self) -> None:
        _check_choice("Data set", self.dataset, DATASETS)
        if self.train_size is not None:
            _check_int("Training-set size", self.train_size, MIN_TRAIN_SIZE, MAX_TRAIN_SIZE)
        _check_choice("Validation", self.validation, VALIDATIONS)
        _check_float("Validation split", self.validation_split, 0.0, 0.5, open_low=True)
        if not isinstance(self.hidden_layers, tuple) or not all(
            isinstance(layer, LayerSpec) for layer in self.hidden_layers
        ):
            # Accept lists and dicts from callers, but store an immutable tuple of LayerSpec.
            layers = self.hidden_layers
            if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
                raise ValueError("Hidden layers must be a list of layers.")
            converted = tuple(
                layer if isinstance(layer, LayerSpec) else LayerSpec.from_dict(layer)
                for layer in layers
            )
            object.__setattr__(self, "hidden_layers", converted)
        if len(self.hidden_layers) > MAX_HIDDEN_LAYERS:
            raise ValueError(
                f"At most {MAX_HIDDEN_LAYERS} hidden layers; got {len(self.hidden_layers)}."
            )
        seen_dense = False
        for position, layer in enumerate(self.hidden_layers, start=1):
            if layer.kind == "dense":
                seen_dense = True
            elif seen_dense:
                raise ValueError(
                    f"Layer {position} is a conv block after a Dense layer: conv blocks work on "
                    "images, so put them before every Dense layer."
                )
        if conv_output_side(self.hidden_layers) < 1:
            raise ValueError(
                "Too many conv blocks or kernels too large: each block shrinks the 28x28 image "
                "(minus the kernel, then halved), and nothing would be left. Remove a block or "
                "use a smaller kernel."
            )
        _check_float("Dropout rate", self.dropout_rate, 0.0, 0.9)
        _check_float("L2 weight decay", self.l2_weight_decay, 0.0, 1.0)
        _check_choice("Output activation", self.output_activation, OUTPUT_ACTIVATIONS)
        _check_choice("Loss", self.loss, LOSSES)
        _check_choice("Optimizer", self.optimizer, OPTIMIZERS)
        _check_float("Learning rate", self.learning_rate, 0.0, 10.0, open_low=True)
        _check_float("Momentum", self.momentum, 0.0, 0.999)
        if not isinstance(self.nesterov, bool):
            raise ValueError(f"Nesterov must be true or false; got {self.nesterov!r}.")
        if self.nesterov and self.optimizer != "sgd":
            raise ValueError("Nesterov momentum applies only to the SGD optimizer.")
        if self.momentum and self.optimizer != "sgd":
            raise ValueError("Momentum applies only to the SGD optimizer; set it to 0.")
        _check_int("Epochs", self.epochs, 1, MAX_EPOCHS)
        _check_int("Batch size", self.batch_size, 1, MAX_BATCH_SIZE)
        if self.train_size is not None and self.batch_size > self.train_size:
            raise ValueError(
                f"Batch size ({self.batch_size:,}) is larger than the training set "
                f"({self.train_size:,} images): every epoch would be a single partial batch."
            )
        _check_int("Early-stopping patience", self.early_stopping_patience, 0, MAX_EPOCHS)
        if not isinstance(self.restore_best_weights, bool):
            raise ValueError("Restore best weights must be true or false.")
        _check_int("Seed", self.seed, 0, 2**31 - 1)
        parameters = self.parameter_count()
        if parameters > MAX_PARAMETERS:
            raise ValueError(
                f"This network has {parameters:,} parameters, more than the {MAX_PARAMETERS:,} "
                "this lab allows (memory is shared by the whole class). Use fewer units."
            )

    # --- derived facts, no Keras needed ---

    @property
    def one_hot_labels(self) -> bool:
        """True when the loss trains on one-hot label vectors rather than class numbers."""
        return self.loss != "sparse_categorical_crossentropy"

    @property
    def has_conv(self) -> bool:
        """True when the network starts with conv blocks."""
        return any(layer.kind == "conv" for layer in self.hidden_layers)

    def parameter_count(self) -> int:
        """Trainable parameters of the network this spec builds, computed without Keras."""
        total = 0
        channels = 1
        side = IMAGE_SIDE
        width = IMAGE_SIDE * IMAGE_SIDE
        for layer in self.hidden_layers:
            if layer.kind == "conv":
                total += (layer.kernel_size**2 * channels + 1) * layer.filters
                channels = layer.filters
                side = (side - layer.kernel_size + 1) // 2
                width = side * side * channels
            else:
                total += (width + 1) * layer.units
                width = layer.units
        return total + (width + 1) * NUM_CLASSES

    def replace(self, **changes: Any) -> RunSpec:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    # --- serialisation ---

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready dict."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["hidden_layers"] = [layer.to_dict() for layer in self.hidden_layers]
        return data

    @classmethod
    def from_dict(cls, data: Any) -> RunSpec:
        """Inverse of `to_dict`; missing fields take their defaults; raises ValueError."""
        if not isinstance(data, dict):
            raise ValueError(
                f"A run spec must be a mapping of settings; got {type(data).__name__}."
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(key) for key in set(data) - known)
        if unknown:
            raise ValueError(f"Unknown setting(s): {', '.join(unknown)}.")
        values = dict(data)
        if "hidden_layers" in values:
            layers = values["hidden_layers"]
            if not isinstance(layers, (list, tuple)):
                raise ValueError("Hidden layers must be a list of layers.")
            values["hidden_layers"] = tuple(
                layer if isinstance(layer, LayerSpec) else LayerSpec.from_dict(layer)
                for layer in layers
            )
        try:
            return cls(**values)
        except TypeError as error:  # e.g. a field of the wrong shape that slipped past checks
            raise ValueError(f"Invalid settings: {error}") from None

    def to_json(self) -> str:
        """Compact JSON text."""
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> RunSpec:
        """Parse `to_json` output; raises ValueError on malformed text."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as error:
            raise ValueError(f"Not valid run-spec JSON: {error}") from None
        return cls.from_dict(data)


@dataclass(frozen=True)
class Preset:
    """A tutorial experiment: its spec and the result the tutorial published."""

    key: str  # short id used in links, e.g. "t000_sigmoid_mse"
    title: str  # what the student sees
    tutorial: str  # which seed tutorial it comes from, e.g. "000"
    spec: RunSpec  # the settings, full data set
    published: dict[str, float] = field(default_factory=dict)  # e.g. {"val_accuracy": 0.7759}
    note: str = ""  # how the tutorial measured it, caveats

    @property
    def reference_metric(self) -> str:
        """The headline metric to compare against (first published)."""
        return next(iter(self.published), "")
