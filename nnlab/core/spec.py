"""What to build and how to train it: frozen dataclasses, validated on construction.

One `RunSpec` crosses the line between the UI and the library: a page builds it from widgets, a
share link serialises it, the code exporter prints it, and `build_model` / `train` consume it.
Each field is declared once, with `setting(...)` (nnlab.core.fields): its bounds, widget, link
parameter and whether only some optimizers or schedules take it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from nnlab.core import choices
from nnlab.core.fields import OPTIMIZER, SCHEDULE, Field, defaults, field_info, setting, table
from nnlab.core.shapes import (
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_FILTERS,
    MAX_HIDDEN_LAYERS,
    MAX_KERNEL_SIZE,
    MAX_PARAMETERS,
    MAX_SEED,
    MAX_TRAIN_SIZE,
    MAX_UNITS,
    MIN_TRAIN_SIZE,
    conv_output_side,
    parameter_count,
)
from nnlab.i18n import translate

VALIDATIONS = ("test", "split")
LAYER_KINDS = ("dense", "conv")


@lru_cache(maxsize=256)
def _step_key(spec_json: str) -> str:
    """RunSpec.step_key, cached by the spec's JSON (a worker asks once per run)."""
    spec = RunSpec.from_json(spec_json)
    per_run = {
        name: defaults(RunSpec)[name] for name, info in table(RunSpec).items() if info.per_run
    }
    return spec.replace(**per_run).to_json()


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


def field_choices(name: str) -> tuple[str, ...]:
    """The values a choice field of RunSpec or LayerSpec accepts, in the widgets' order."""
    for owner in (RunSpec, LayerSpec):
        if name in table(owner):
            return table(owner)[name].options()
    raise ValueError(f"No spec field {name!r}.")


def group_fields(group: str) -> tuple[str, ...]:
    """The RunSpec fields only some optimizers (OPTIMIZER) or schedules (SCHEDULE) take."""
    return tuple(name for name, info in table(RunSpec).items() if info.belongs_to == group)


def _check_value(name: str, value: object, info: Field) -> None:
    """Raise SpecError when `value` is not a valid value of field `name` on its own."""
    kind = info.kind
    if value is None and info.optional:
        return
    if kind == "choice":
        options = info.options()
        if value not in options:
            raise SpecError(
                "spec.error.choice", field=name, options=", ".join(options), value=repr(value)
            )
    elif kind == "bool":
        if not isinstance(value, bool):
            raise SpecError("spec.error.true_false", field=name, value=repr(value))
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError("spec.error.whole_number", field=name, value=repr(value))
        if not info.min <= value <= info.max:
            raise SpecError(
                "spec.error.int_range",
                field=name,
                low=f"{info.min:,}",
                high=f"{info.max:,}",
                value=f"{value:,}",
            )
    elif kind == "float":
        # An int is always finite; math.isfinite would overflow on a huge one (10**400 from JSON).
        finite = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
        if isinstance(value, bool) or not finite:
            raise SpecError("spec.error.number", field=name, value=repr(value))
        low, high = info.min, info.max
        if (value <= low if info.min_open else value < low) or value > high:
            bracket = "(" if info.min_open else "["
            raise SpecError(
                "spec.error.float_range",
                field=name,
                interval=f"{bracket}{low}, {high}]",
                value=str(value),
            )


def check_field(owner: type, name: str, value: object) -> SpecError | None:
    """The error of one field's value on its own (bounds, type, choices), or None if valid."""
    try:
        _check_value(name, value, field_info(owner, name))
    except SpecError as error:
        return error
    return None


def _check_fields(instance: object) -> None:
    for name, info in table(type(instance)).items():
        _check_value(name, getattr(instance, name), info)


@dataclass(frozen=True)
class LayerSpec:
    """One hidden layer: a Dense layer, or a Conv2D + MaxPooling2D block."""

    # fmt: off
    # "dense" (fully connected) or "conv" (Conv2D then 2x2 max pooling)
    kind: str = setting("dense", "choice", "build.kind", "build.help.kind",
                        choices=lambda: LAYER_KINDS)
    units: int = setting(128, "int", "build.units", "build.help.units",  # dense: neurons
                         min=1, max=MAX_UNITS, step=16)
    filters: int = setting(32, "int", "build.filters", "build.help.filters",  # conv: maps
                           min=1, max=MAX_FILTERS, step=8)
    # conv: side of the square kernel, in pixels
    kernel_size: int = setting(3, "int", "build.kernel_size", "build.help.kernel_size",
                               min=1, max=MAX_KERNEL_SIZE, step=1, widget="select")
    activation: str = setting("relu", "choice", "build.activation", "build.help.activation",
                              choices=lambda: choices.hidden_activations())
    # fmt: on

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
        unknown = sorted(str(key) for key in set(data) - set(table(cls)))
        if unknown:
            raise SpecError("spec.error.unknown_layer_settings", names=", ".join(unknown))
        return cls(**data)


# --- hidden layers as link text: d128relu.c32k3relu ----------------------------------------------

NO_LAYERS = "none"
LAYER_SEPARATOR = "."
_DENSE_TOKEN = re.compile(r"d([0-9]{1,5})([a-z_]+)")
_CONV_TOKEN = re.compile(r"c([0-9]{1,4})k([0-9]{1,2})([a-z_]+)")


def format_layers(layers: Iterable[LayerSpec]) -> str:
    """Hidden layers as `d128relu.c32k3relu`; `none` when there are none."""
    tokens = [
        f"c{layer.filters}k{layer.kernel_size}{layer.activation}"
        if layer.kind == "conv"
        else f"d{layer.units}{layer.activation}"
        for layer in layers
    ]
    return LAYER_SEPARATOR.join(tokens) or NO_LAYERS


def parse_layers(text: str) -> tuple[LayerSpec, ...]:
    """Inverse of `format_layers`; raises ValueError naming the token it cannot read."""
    text = text.strip().lower()
    if text in (NO_LAYERS, ""):
        return ()
    tokens = text.split(LAYER_SEPARATOR)
    if len(tokens) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"At most {MAX_HIDDEN_LAYERS} hidden layers; got {len(tokens)}.")
    layers = []
    for token in tokens:
        dense = _DENSE_TOKEN.fullmatch(token)
        conv = _CONV_TOKEN.fullmatch(token)
        if dense:
            layers.append(LayerSpec.dense(int(dense[1]), dense[2]))
        elif conv:
            layers.append(LayerSpec.conv(int(conv[1]), int(conv[2]), conv[3]))
        else:
            raise ValueError(
                f"Cannot read layer {token!r}: write d<units><activation> (d128relu) or "
                f"c<filters>k<kernel><activation> (c32k3relu), activations "
                f"{', '.join(choices.hidden_activations())}."
            )
    return tuple(layers)


def _loss_link_name(key: str) -> str:
    entry = choices.LOSSES.get(key)
    return entry.alias if entry else key


@dataclass(frozen=True)
class RunSpec:
    """Everything that defines one experiment: data, architecture and training."""

    # fmt: off
    # --- data ---
    dataset: str = setting(  # a key of nnlab.core.choices.DATASETS
        "mnist", "choice", "build.dataset", "build.help.dataset", param="ds", widget="segmented",
        choices=lambda: tuple(choices.DATASETS), aliases=lambda: choices.dataset_aliases(),
        per_run=True)
    train_size: int | None = setting(  # how many training images to use; None: all available
        None, "int", "build.train_size", "build.help.train_size", param="n", min=MIN_TRAIN_SIZE,
        max=MAX_TRAIN_SIZE, step=100, optional=True, switch="use_all_images",
        switch_uses_widget=False, unused=None, idle=1_000, per_run=True)
    # "test": validate on the test set (tutorial 002); "split": hold out part of the training set
    validation: str = setting(
        "test", "choice", "build.validation", "build.help.validation", param="val",
        widget="radio", choices=lambda: VALIDATIONS, per_run=True)
    validation_split: float = setting(  # fraction of the training images held out for "split"
        0.2, "float", "build.validation_split", "build.help.validation_split", param="split",
        min=0.0, min_open=True, max=0.5, step=0.05, widget="slider", per_run=True)
    # --- data augmentation: random changes to each training image, by Keras preprocessing layers
    # inside the model (identity at inference); 0 turns each off ---
    augment_shift: float = setting(  # shift up to this fraction of the image side, each way
        0.0, "float", "learn.augment_shift", "learn.help.augment_shift", param="shift",
        min=0.0, max=0.3, step=0.05, widget="slider")
    augment_rotation: float = setting(  # rotate up to this many degrees, each way
        0.0, "float", "learn.augment_rotation", "learn.help.augment_rotation", param="rot",
        min=0.0, max=45.0, step=5.0, widget="slider")
    augment_zoom: float = setting(  # zoom in or out by up to this fraction
        0.0, "float", "learn.augment_zoom", "learn.help.augment_zoom", param="zoom",
        min=0.0, max=0.5, step=0.05, widget="slider")
    augment_noise: float = setting(  # Gaussian noise of this spread (pixels scaled to 0..1)
        0.0, "float", "learn.augment_noise", "learn.help.augment_noise", param="noise",
        min=0.0, max=0.5, step=0.05, widget="slider")
    # --- architecture ---
    hidden_layers: tuple[LayerSpec, ...] = setting(  # input -> these -> output
        (LayerSpec(),), "layers", "build.hidden_layers", "build.help.hidden_layers",
        param="layers", parse_text=parse_layers, format_text=format_layers)
    dropout_rate: float = setting(  # dropped after the flatten of conv blocks and after each Dense
        0.0, "float", "build.dropout_rate", "build.help.dropout", param="drop",
        min=0.0, max=0.9, step=0.05, widget="slider")
    l2_weight_decay: float = setting(  # L2 penalty on every kernel; 0 disables it
        0.0, "float", "build.l2_weight_decay", "build.help.l2", param="l2",
        min=0.0, max=1.0, step=0.0001, format="%.5f")
    output_activation: str = setting(  # "softmax", or "sigmoid" as in tutorial 000
        "softmax", "choice", "build.output_activation", "build.help.output_activation",
        param="out", choices=lambda: choices.output_activations())
    # --- training ---
    loss: str = setting(  # the losses other than sparse categorical train on one-hot labels
        "sparse_categorical_crossentropy", "choice", "build.loss", "build.help.loss",
        param="loss", choices=lambda: tuple(choices.LOSSES), aliases=lambda: choices.loss_aliases(),
        link_name=_loss_link_name)
    optimizer: str = setting(  # a key of nnlab.core.choices.OPTIMIZERS
        "adam", "choice", "build.optimizer", "build.help.optimizer", param="opt",
        choices=lambda: tuple(choices.OPTIMIZERS))
    learning_rate: float = setting(  # step size of the optimizer
        0.001, "float", "build.learning_rate", "build.help.learning_rate", param="lr",
        min=0.0, min_open=True, max=10.0, step=0.001, format="%.5f", per_run=True)
    # --- optimizer settings: an optimizer takes those its entry in choices.OPTIMIZERS lists ---
    momentum: float = setting(  # SGD: fraction of the previous step carried into the next
        0.0, "float", "build.momentum", "build.help.momentum", param="mom",
        min=0.0, max=0.999, step=0.05, format="%.3f", belongs_to=OPTIMIZER)
    nesterov: bool = setting(  # SGD: look ahead along the momentum before the gradient
        False, "bool", "build.nesterov", "build.help.nesterov", param="nesterov",
        belongs_to=OPTIMIZER)
    weight_decay: float = setting(  # AdamW: shrink each weight by this times the rate, per step
        0.004, "float", "build.weight_decay", "build.help.weight_decay", param="wd",
        min=0.0, max=1.0, step=0.001, format="%.4f", belongs_to=OPTIMIZER)
    # --- learning-rate schedule: how the rate changes from epoch to epoch ---
    lr_schedule: str = setting(  # a key of nnlab.core.choices.LR_SCHEDULES
        "constant", "choice", "learn.lr_schedule", "learn.help.lr_schedule", param="sched",
        choices=lambda: tuple(choices.LR_SCHEDULES), per_run=True)
    lr_decay_factor: float = setting(  # step / plateau: multiply the rate by this when it drops
        0.5, "float", "learn.lr_decay_factor", "learn.help.lr_decay_factor", param="decay",
        min=0.0, min_open=True, max=0.99, step=0.05, belongs_to=SCHEDULE, per_run=True)
    lr_decay_epochs: int = setting(  # step: drop every this many epochs; plateau: patience
        2, "int", "learn.lr_decay_epochs", "learn.help.lr_decay_epochs", param="every",
        min=1, max=MAX_EPOCHS, step=1, belongs_to=SCHEDULE, per_run=True)
    # --- how long, in which steps ---
    epochs: int = setting(  # passes over the training images
        5, "int", "build.epochs", "build.help.epochs", param="ep", min=1, max=MAX_EPOCHS, step=1,
        per_run=True)
    batch_size: int = setting(  # images per gradient step
        32, "int", "build.batch_size", "build.help.batch_size", param="bs",
        min=1, max=MAX_BATCH_SIZE, step=16)
    early_stopping_patience: int = setting(  # stop after this many epochs without val_loss gain
        0, "int", "build.patience", "build.help.patience", param="es",  # 0: off
        min=0, max=MAX_EPOCHS, step=1, key="patience", switch="early_stopping", unused=0, idle=2,
        per_run=True)
    restore_best_weights: bool = setting(  # with early stopping: keep the best val_loss epoch
        True, "bool", "build.restore_best_weights", "build.help.restore_best_weights",
        param="best", per_run=True)
    seed: int = setting(  # fixes initial weights, dropout masks and shuffling
        42, "int", "build.seed", "build.help.seed", param="seed", min=0, max=MAX_SEED, step=1,
        per_run=True)
    # fmt: on

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
        # A setting only some optimizers (schedules) take must keep its default under the others.
        optimizer = choices.OPTIMIZERS[self.optimizer]
        initial = defaults(RunSpec)
        for name in group_fields(OPTIMIZER):
            if name not in optimizer.settings and getattr(self, name) != initial[name]:
                takers = [e.title for e in choices.OPTIMIZERS.values() if name in e.settings]
                raise SpecError(
                    "spec.error.not_for_optimizer", field=name, optimizers="/".join(takers)
                )
        schedule = choices.LR_SCHEDULES[self.lr_schedule]
        for name in group_fields(SCHEDULE):
            if name not in schedule.settings and getattr(self, name) != initial[name]:
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
        return choices.LOSSES[self.loss].one_hot

    @property
    def has_conv(self) -> bool:
        """True when the network starts with conv blocks."""
        return any(layer.kind == "conv" for layer in self.hidden_layers)

    def parameter_count(self) -> int:
        """Trainable parameters of the network this spec builds, computed without Keras."""
        return parameter_count(self.hidden_layers)

    def replace(self, **changes: Any) -> RunSpec:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def step_key(self) -> str:
        """What the compiled training step depends on: this spec's JSON, per-run fields reset.

        Two specs with one key train the same graph (architecture, loss, optimizer and its
        settings, batch size); they differ only in data, seed, rate, schedule or length.
        """
        return _step_key(self.to_json())

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
        unknown = sorted(str(key) for key in set(data) - set(table(cls)))
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
        if cls is RunSpec and isinstance(text, str):
            return _decoded_spec(text)
        return _decode_spec(cls, text)


def _decode_spec(owner: type[RunSpec], text: str | bytes) -> RunSpec:
    """JSON text -> a validated spec of `owner`; SpecError on malformed text or settings."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as error:
        raise SpecError("spec.error.bad_json", error=str(error)) from None
    return owner.from_dict(data)


# The store, the board and the workers read the same runs' JSON again and again: a spec text is
# validated once per process and its (frozen) spec shared. Bad texts raise and are not kept.
@lru_cache(maxsize=1024)
def _decoded_spec(text: str) -> RunSpec:
    """`_decode_spec(RunSpec, text)`, once per distinct text."""
    return _decode_spec(RunSpec, text)


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
