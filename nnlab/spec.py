"""What to build and how to train it: frozen dataclasses, validated on construction.

One `RunSpec` crosses the line between the UI and the library: a page builds it from widgets, a
share link serialises it, the code exporter prints it, and `build_model` / `train` consume it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nnlab import registry
from nnlab.i18n import translate

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
MAX_SEED = 2**31 - 1
# Keeps one model within the host's memory: 784 inputs x 4096 units x 8 layers would be ~130M.
MAX_PARAMETERS = 20_000_000

# The choices of a field, read from nnlab.registry when asked (a test may swap a table).
_CHOICES: dict[str, Callable[[], tuple[str, ...]]] = {
    "dataset": lambda: tuple(registry.DATASETS),
    "validation": lambda: VALIDATIONS,
    "output_activation": registry.output_activations,
    "loss": lambda: tuple(registry.LOSSES),
    "optimizer": lambda: tuple(registry.OPTIMIZERS),
    "kind": lambda: LAYER_KINDS,
    "activation": registry.hidden_activations,
    "lr_schedule": lambda: tuple(registry.LR_SCHEDULES),
}


def __getattr__(name: str) -> Any:
    # Views of nnlab.registry under their old names, computed when imported.
    views: dict[str, Callable[[], Any]] = {
        "DATASETS": _CHOICES["dataset"],
        "HIDDEN_ACTIVATIONS": registry.hidden_activations,
        "OUTPUT_ACTIVATIONS": registry.output_activations,
        "LOSSES": _CHOICES["loss"],
        "OPTIMIZERS": _CHOICES["optimizer"],
        "DEFAULT_LEARNING_RATES": lambda: {
            key: entry.default_learning_rate for key, entry in registry.OPTIMIZERS.items()
        },
    }
    if name in views:
        return views[name]()
    raise AttributeError(f"module 'nnlab.spec' has no attribute {name!r}")


class SpecError(ValueError):
    """An invalid setting: a text key with values, translated by the page; str() is English."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key  # a text key in nnlab/locales/spec.py, e.g. "spec.error.int_range"
        self.values = values  # its placeholders; "field" names a setting, labelled field.<name>
        super().__init__(self.message("en"))

    def message(self, language: str = "en") -> str:
        """The message in `language`, with setting names and nested errors translated too."""
        values = {
            name: value.message(language)
            if isinstance(value, SpecError)
            else translate(f"field.{value}", language)
            if name == "field"
            else value
            for name, value in self.values.items()
        }
        return translate(self.key, language, **values)


def _meta(
    kind: str,
    label: str = "",
    help: str = "",
    **bounds: Any,
) -> dict[str, Any]:
    """Field metadata: what kind of value, its bounds and step, and its widget's text keys."""
    return {"kind": kind, "label": label, "help": help, **bounds}


def field_metadata(owner: type, name: str) -> dict[str, Any]:
    """The metadata of one field of RunSpec or LayerSpec (bounds, step, label and help keys)."""
    for spec_field in dataclasses.fields(owner):
        if spec_field.name == name:
            return dict(spec_field.metadata)
    raise ValueError(f"{owner.__name__} has no field {name!r}.")


def field_choices(name: str) -> tuple[str, ...]:
    """The values a choice field accepts, in the order the widgets offer them."""
    return _CHOICES[name]()


def _check_value(name: str, value: object, meta: dict[str, Any]) -> None:
    """Raise SpecError when `value` is not a valid value of field `name` on its own."""
    kind = meta.get("kind")
    if value is None and meta.get("optional"):
        return
    if kind == "choice":
        choices = field_choices(name)
        if value not in choices:
            raise SpecError(
                "spec.error.choice", field=name, options=", ".join(choices), value=repr(value)
            )
    elif kind == "bool":
        if not isinstance(value, bool):
            raise SpecError("spec.error.true_false", field=name, value=repr(value))
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError("spec.error.whole_number", field=name, value=repr(value))
        if not meta["min"] <= value <= meta["max"]:
            raise SpecError(
                "spec.error.int_range",
                field=name,
                low=f"{meta['min']:,}",
                high=f"{meta['max']:,}",
                value=f"{value:,}",
            )
    elif kind == "float":
        # An int is always finite; math.isfinite would overflow on a huge one (10**400 from JSON).
        finite = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
        if isinstance(value, bool) or not finite:
            raise SpecError("spec.error.number", field=name, value=repr(value))
        low, high, open_low = meta["min"], meta["max"], meta.get("min_open", False)
        if (value <= low if open_low else value < low) or value > high:
            bracket = "(" if open_low else "["
            raise SpecError(
                "spec.error.float_range",
                field=name,
                interval=f"{bracket}{low}, {high}]",
                value=str(value),
            )


def check_field(owner: type, name: str, value: object) -> SpecError | None:
    """The error of one field's value on its own (bounds, type, choices), or None if valid."""
    try:
        _check_value(name, value, field_metadata(owner, name))
    except SpecError as error:
        return error
    return None


def _check_fields(instance: object) -> None:
    for spec_field in dataclasses.fields(instance):  # type: ignore[arg-type]
        if spec_field.metadata.get("kind"):
            _check_value(spec_field.name, getattr(instance, spec_field.name), spec_field.metadata)


@dataclass(frozen=True)
class LayerSpec:
    """One hidden layer: a Dense layer, or a Conv2D + MaxPooling2D block."""

    # "dense" (fully connected) or "conv" (Conv2D then 2x2 max pooling)
    kind: str = field(default="dense", metadata=_meta("choice", "build.kind", "build.help.kind"))
    units: int = field(  # dense: number of neurons
        default=128,
        metadata=_meta("int", "build.units", "build.help.units", min=1, max=MAX_UNITS, step=16),
    )
    filters: int = field(  # conv: number of filters (feature maps)
        default=32,
        metadata=_meta(
            "int", "build.filters", "build.help.filters", min=1, max=MAX_FILTERS, step=8
        ),
    )
    kernel_size: int = field(  # conv: side of the square kernel, in pixels
        default=3,
        metadata=_meta(
            "int",
            "build.kernel_size",
            "build.help.kernel_size",
            min=1,
            max=MAX_KERNEL_SIZE,
            step=1,
            widget="select",
        ),
    )
    activation: str = field(  # one of the registry's hidden activations
        default="relu", metadata=_meta("choice", "build.activation", "build.help.activation")
    )

    def __post_init__(self) -> None:
        _check_fields(self)

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
            raise SpecError("spec.error.layer_not_mapping", type=type(data).__name__)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(key) for key in set(data) - known)
        if unknown:
            raise SpecError("spec.error.unknown_layer_settings", names=", ".join(unknown))
        return cls(**data)


def conv_output_side(layers: tuple[LayerSpec, ...] | list[LayerSpec]) -> int:
    """Side length of the feature maps after the conv blocks (valid padding, 2x2 pooling)."""
    from nnlab.plan import conv_output_side as side_after_convs

    return side_after_convs(layers)


@dataclass(frozen=True)
class RunSpec:
    """Everything that defines one experiment: data, architecture and training."""

    # --- data ---
    dataset: str = field(  # a key of nnlab.registry.DATASETS
        default="mnist",
        metadata=_meta("choice", "build.dataset", "build.help.dataset", widget="segmented"),
    )
    train_size: int | None = field(  # how many training images to use; None: all available
        default=None,
        metadata=_meta(
            "int",
            "build.train_size",
            "build.help.train_size",
            min=MIN_TRAIN_SIZE,
            max=MAX_TRAIN_SIZE,
            step=100,
            optional=True,
        ),
    )
    # "test": validate on the test set (tutorial 002); "split": hold out part of the training set
    validation: str = field(
        default="test",
        metadata=_meta("choice", "build.validation", "build.help.validation", widget="radio"),
    )
    validation_split: float = field(  # fraction of the training images held out for "split"
        default=0.2,
        metadata=_meta(
            "float",
            "build.validation_split",
            "build.help.validation_split",
            min=0.0,
            min_open=True,
            max=0.5,
            step=0.05,
            widget="slider",
        ),
    )
    # --- data augmentation: random changes to each training image, by Keras preprocessing layers
    # inside the model (identity at inference); 0 turns each off ---
    augment_shift: float = field(  # shift up to this fraction of the image side, each way
        default=0.0,
        metadata=_meta(
            "float",
            "learn.augment_shift",
            "learn.help.augment_shift",
            min=0.0,
            max=0.3,
            step=0.05,
            widget="slider",
        ),
    )
    augment_rotation: float = field(  # rotate up to this many degrees, each way
        default=0.0,
        metadata=_meta(
            "float",
            "learn.augment_rotation",
            "learn.help.augment_rotation",
            min=0.0,
            max=45.0,
            step=5.0,
            widget="slider",
        ),
    )
    augment_zoom: float = field(  # zoom in or out by up to this fraction
        default=0.0,
        metadata=_meta(
            "float",
            "learn.augment_zoom",
            "learn.help.augment_zoom",
            min=0.0,
            max=0.5,
            step=0.05,
            widget="slider",
        ),
    )
    augment_noise: float = field(  # Gaussian noise of this spread (pixels scaled to 0..1)
        default=0.0,
        metadata=_meta(
            "float",
            "learn.augment_noise",
            "learn.help.augment_noise",
            min=0.0,
            max=0.5,
            step=0.05,
            widget="slider",
        ),
    )
    # --- architecture ---
    hidden_layers: tuple[LayerSpec, ...] = (LayerSpec(),)  # input -> these -> output
    dropout_rate: float = field(  # dropped after the flatten of conv blocks and after each Dense
        default=0.0,
        metadata=_meta(
            "float",
            "build.dropout_rate",
            "build.help.dropout",
            min=0.0,
            max=0.9,
            step=0.05,
            widget="slider",
        ),
    )
    l2_weight_decay: float = field(  # L2 penalty on every kernel; 0 disables it
        default=0.0,
        metadata=_meta(
            "float",
            "build.l2_weight_decay",
            "build.help.l2",
            min=0.0,
            max=1.0,
            step=0.0001,
            format="%.5f",
        ),
    )
    output_activation: str = field(  # "softmax", or "sigmoid" as in tutorial 000
        default="softmax",
        metadata=_meta("choice", "build.output_activation", "build.help.output_activation"),
    )
    # --- training ---
    loss: str = field(  # the losses other than sparse categorical train on one-hot labels
        default="sparse_categorical_crossentropy",
        metadata=_meta("choice", "build.loss", "build.help.loss"),
    )
    optimizer: str = field(  # a key of nnlab.registry.OPTIMIZERS
        default="adam", metadata=_meta("choice", "build.optimizer", "build.help.optimizer")
    )
    learning_rate: float = field(  # step size of the optimizer
        default=0.001,
        metadata=_meta(
            "float",
            "build.learning_rate",
            "build.help.learning_rate",
            min=0.0,
            min_open=True,
            max=10.0,
            step=0.001,
            format="%.5f",
        ),
    )
    momentum: float = field(  # SGD: fraction of the previous step carried into the next
        default=0.0,
        metadata=_meta(
            "float",
            "build.momentum",
            "build.help.momentum",
            min=0.0,
            max=0.999,
            step=0.05,
            format="%.3f",
        ),
    )
    nesterov: bool = field(  # SGD: look ahead along the momentum before the gradient
        default=False, metadata=_meta("bool", "build.nesterov", "build.help.nesterov")
    )
    # a key of nnlab.registry.LR_SCHEDULES: how the learning rate changes from epoch to epoch
    lr_schedule: str = field(
        default="constant",
        metadata=_meta("choice", "learn.lr_schedule", "learn.help.lr_schedule"),
    )
    lr_decay_factor: float = field(  # step / plateau: multiply the rate by this when it drops
        default=0.5,
        metadata=_meta(
            "float",
            "learn.lr_decay_factor",
            "learn.help.lr_decay_factor",
            min=0.0,
            min_open=True,
            max=0.99,
            step=0.05,
        ),
    )
    lr_decay_epochs: int = field(  # step: drop every this many epochs; plateau: patience
        default=2,
        metadata=_meta(
            "int",
            "learn.lr_decay_epochs",
            "learn.help.lr_decay_epochs",
            min=1,
            max=MAX_EPOCHS,
            step=1,
        ),
    )
    epochs: int = field(  # passes over the training images
        default=5,
        metadata=_meta("int", "build.epochs", "build.help.epochs", min=1, max=MAX_EPOCHS, step=1),
    )
    batch_size: int = field(  # images per gradient step
        default=32,
        metadata=_meta(
            "int", "build.batch_size", "build.help.batch_size", min=1, max=MAX_BATCH_SIZE, step=16
        ),
    )
    early_stopping_patience: int = field(  # stop after this many epochs without val_loss gain
        default=0,  # 0: off
        metadata=_meta(
            "int", "build.patience", "build.help.patience", min=0, max=MAX_EPOCHS, step=1
        ),
    )
    restore_best_weights: bool = field(  # with early stopping: keep the best val_loss epoch
        default=True,
        metadata=_meta("bool", "build.restore_best_weights", "build.help.restore_best_weights"),
    )
    seed: int = field(  # fixes initial weights, dropout masks and shuffling
        default=42,
        metadata=_meta("int", "build.seed", "build.help.seed", min=0, max=MAX_SEED, step=1),
    )

    def __post_init__(self) -> None:
        if not isinstance(self.hidden_layers, tuple) or not all(
            isinstance(layer, LayerSpec) for layer in self.hidden_layers
        ):
            # Accept lists and dicts from callers, but store an immutable tuple of LayerSpec.
            layers = self.hidden_layers
            if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
                raise SpecError("spec.error.layers_not_list")
            converted = tuple(
                layer if isinstance(layer, LayerSpec) else LayerSpec.from_dict(layer)
                for layer in layers
            )
            object.__setattr__(self, "hidden_layers", converted)
        _check_fields(self)
        if len(self.hidden_layers) > MAX_HIDDEN_LAYERS:
            raise SpecError(
                "spec.error.too_many_layers", limit=MAX_HIDDEN_LAYERS, count=len(self.hidden_layers)
            )
        seen_dense = False
        for position, layer in enumerate(self.hidden_layers, start=1):
            if layer.kind == "dense":
                seen_dense = True
            elif seen_dense:
                raise SpecError("spec.error.conv_after_dense", position=position)
        if conv_output_side(self.hidden_layers) < 1:
            raise SpecError("spec.error.conv_too_small")
        # A setting only some optimizers take must keep its default under the others.
        optimizer = registry.OPTIMIZERS[self.optimizer]
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        for name in registry.optimizer_settings():
            if name not in optimizer.settings and getattr(self, name) != defaults[name]:
                takers = [e.title for e in registry.OPTIMIZERS.values() if name in e.settings]
                raise SpecError(
                    "spec.error.not_for_optimizer", field=name, optimizers="/".join(takers)
                )
        schedule = registry.LR_SCHEDULES[self.lr_schedule]
        for name in registry.schedule_settings():
            if name not in schedule.settings and getattr(self, name) != defaults[name]:
                raise SpecError(
                    "spec.error.not_for_schedule", field=name, schedule=self.lr_schedule
                )
        if self.train_size is not None and self.batch_size > self.train_size:
            raise SpecError(
                "spec.error.batch_too_large",
                batch=f"{self.batch_size:,}",
                train=f"{self.train_size:,}",
            )
        parameters = self.parameter_count()
        if parameters > MAX_PARAMETERS:
            raise SpecError(
                "spec.error.too_many_parameters",
                count=f"{parameters:,}",
                limit=f"{MAX_PARAMETERS:,}",
            )

    # --- derived facts, no Keras needed ---

    @property
    def one_hot_labels(self) -> bool:
        """True when the loss trains on one-hot label vectors rather than class numbers."""
        return registry.LOSSES[self.loss].one_hot

    @property
    def has_conv(self) -> bool:
        """True when the network starts with conv blocks."""
        return any(layer.kind == "conv" for layer in self.hidden_layers)

    def parameter_count(self) -> int:
        """Trainable parameters of the network this spec builds, computed without Keras."""
        from nnlab.plan import plan  # plan imports this module

        return sum(layer.params for layer in plan(self))

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
            raise SpecError("spec.error.not_mapping", type=type(data).__name__)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(key) for key in set(data) - known)
        if unknown:
            raise SpecError("spec.error.unknown_settings", names=", ".join(unknown))
        values = dict(data)
        if "hidden_layers" in values:
            layers = values["hidden_layers"]
            if not isinstance(layers, (list, tuple)):
                raise SpecError("spec.error.layers_not_list")
            values["hidden_layers"] = tuple(
                layer if isinstance(layer, LayerSpec) else LayerSpec.from_dict(layer)
                for layer in layers
            )
        try:
            return cls(**values)
        except TypeError as error:  # e.g. a field of the wrong shape that slipped past checks
            raise SpecError("spec.error.invalid_settings", error=str(error)) from None

    def to_json(self) -> str:
        """Compact JSON text."""
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> RunSpec:
        """Parse `to_json` output; raises ValueError on malformed text."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as error:
            raise SpecError("spec.error.bad_json", error=str(error)) from None
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
