"""The one walk of a spec's architecture: every layer, its arguments, shape and parameters.

`plan(spec)` lists the layers `build_model` creates, in order, with their Keras names, plain
arguments, output shapes, parameter counts and the seeds of their random parts. The Keras model,
the summary rows, the diagram, the parameter count and the code export are projections of it.
Pure Python: no Keras, so the page preview can call it on every edit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from nnlab.core.shapes import (
    IMAGE_SIDE,
    NUM_CLASSES,
    POOL_SIZE,
    conv_parameters,
    dense_parameters,
)
from nnlab.core.spec import RunSpec

INPUT_NAME = "image"
# build_model draws seeds from spec.seed upwards, one per kernel and per dropout layer.
SEED_RANGE = 1000


@dataclass(frozen=True)
class PlannedLayer:
    """One layer of the network, as Keras will build it."""

    name: str  # the Keras layer name, e.g. "hidden_1"
    keras_type: str  # class name in keras.layers ("InputLayer" for the input)
    arguments: dict[str, Any] = field(default_factory=dict)  # plain keyword arguments
    output_shape: tuple[int | None, ...] = ()  # with the batch axis first, as None
    params: int = 0  # trainable parameters
    activation: str | None = None  # Dense and Conv2D: the activation's key
    source: int | None = None  # index into spec.hidden_layers, for hidden Dense/Conv2D layers
    seed: int | None = None  # kernel initialiser seed (Dense, Conv2D) or dropout seed

    @property
    def has_kernel(self) -> bool:
        """True for layers with a weight matrix (seeded initialiser, L2 penalty)."""
        return self.keras_type in ("Dense", "Conv2D")


# --- data augmentation: Keras preprocessing layers right after the rescaling ---------------------
# (nnlab.inspection.augmentation_preview draws the same changes in NumPy for the page's preview.)

AUGMENT_FIELDS = ("augment_shift", "augment_rotation", "augment_zoom", "augment_noise")
FILL = "constant"  # black outside the image: the digits' own background


def has_augmentation(spec: RunSpec) -> bool:
    """True when the spec changes its training images at random."""
    return any(getattr(spec, name) > 0 for name in AUGMENT_FIELDS)


def augmentation_layers(spec: RunSpec) -> list[PlannedLayer]:
    """The preprocessing layers of the spec's augmentation, in the order the model runs them.

    Their seeds come after the kernels' range, so switching augmentation on or off leaves every
    other layer's initial weights as they were.
    """
    shape = (None, IMAGE_SIDE, IMAGE_SIDE, 1)
    seeds = iter(range(spec.seed + SEED_RANGE, spec.seed + SEED_RANGE + len(AUGMENT_FIELDS)))
    layers = []
    if spec.augment_shift > 0:
        factor = float(spec.augment_shift)
        arguments = {"height_factor": factor, "width_factor": factor, "fill_mode": FILL}
        layers.append(
            PlannedLayer("augment_shift", "RandomTranslation", arguments, shape, seed=next(seeds))
        )
    if spec.augment_rotation > 0:
        # Keras takes a fraction of a full turn.
        arguments = {"factor": round(spec.augment_rotation / 360, 6), "fill_mode": FILL}
        layers.append(
            PlannedLayer("augment_rotation", "RandomRotation", arguments, shape, seed=next(seeds))
        )
    if spec.augment_zoom > 0:
        arguments = {"height_factor": float(spec.augment_zoom), "fill_mode": FILL}
        layers.append(
            PlannedLayer("augment_zoom", "RandomZoom", arguments, shape, seed=next(seeds))
        )
    if spec.augment_noise > 0:
        arguments = {"stddev": float(spec.augment_noise)}
        layers.append(
            PlannedLayer("augment_noise", "GaussianNoise", arguments, shape, seed=next(seeds))
        )
    return layers


# --- the whole network -----------------------------------------------------------------------


# A spec is frozen, so its plan never changes: the widgets, the worker, the store, the model file
# and the board ask for the same plan without walking it again. Callers must not change the
# layers' `arguments` dicts (they are shared between callers).
@functools.lru_cache(maxsize=256)
def plan(spec: RunSpec) -> tuple[PlannedLayer, ...]:
    """The layers `build_model(spec)` builds, in order, computed without Keras (cached)."""
    seeds: Iterator[int] = iter(range(spec.seed, spec.seed + SEED_RANGE))
    side = IMAGE_SIDE
    layers = [
        PlannedLayer(
            INPUT_NAME,
            "InputLayer",
            {"shape": (side, side), "dtype": "uint8"},
            (None, side, side),
        ),
        # Normalising inside the model keeps the data uint8: half the memory of float32 copies.
        PlannedLayer("rescaling", "Rescaling", {"scale": 1.0 / 255}, (None, side, side)),
    ]
    convs = [
        (index, layer) for index, layer in enumerate(spec.hidden_layers) if layer.kind == "conv"
    ]
    denses = [
        (index, layer) for index, layer in enumerate(spec.hidden_layers) if layer.kind != "conv"
    ]
    width = side * side
    dropout = {"rate": spec.dropout_rate} if spec.dropout_rate > 0 else None
    augment = augmentation_layers(spec)  # random shifts, turns, zooms, noise: training only
    if convs or augment:
        layers.append(
            PlannedLayer(
                "reshape", "Reshape", {"target_shape": (side, side, 1)}, (None, side, side, 1)
            )
        )
    layers += augment
    if convs:
        channels = 1
        for number, (index, layer) in enumerate(convs, start=1):
            params = conv_parameters(layer.kernel_size, channels, layer.filters)
            side, channels = side - layer.kernel_size + 1, layer.filters
            arguments = {
                "filters": layer.filters,
                "kernel_size": layer.kernel_size,
                "activation": layer.activation,
                "padding": "valid",
            }
            layers.append(
                PlannedLayer(
                    f"conv_{number}",
                    "Conv2D",
                    arguments,
                    (None, side, side, channels),
                    params,
                    layer.activation,
                    index,
                    next(seeds),
                )
            )
            side //= POOL_SIZE
            layers.append(
                PlannedLayer(
                    f"pool_{number}",
                    "MaxPooling2D",
                    {"pool_size": POOL_SIZE},
                    (None, side, side, channels),
                )
            )
        width = side * side * channels
    layers.append(PlannedLayer("flatten", "Flatten", {}, (None, width)))
    if convs and dropout:
        layers.append(
            PlannedLayer("conv_dropout", "Dropout", dropout, (None, width), seed=next(seeds))
        )
    for number, (index, layer) in enumerate(denses, start=1):
        layers.append(
            PlannedLayer(
                f"hidden_{number}",
                "Dense",
                {"units": layer.units, "activation": layer.activation},
                (None, layer.units),
                dense_parameters(width, layer.units),
                layer.activation,
                index,
                next(seeds),
            )
        )
        width = layer.units
        if dropout:
            layers.append(
                PlannedLayer(
                    f"dropout_{number}", "Dropout", dropout, (None, width), seed=next(seeds)
                )
            )
    layers.append(
        PlannedLayer(
            "output",
            "Dense",
            {"units": NUM_CLASSES, "activation": spec.output_activation},
            (None, NUM_CLASSES),
            dense_parameters(width, NUM_CLASSES),
            spec.output_activation,
            None,
            next(seeds),
        )
    )
    return tuple(layers)
