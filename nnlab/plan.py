"""The one walk of a spec's architecture: every layer, its arguments, shape and parameters.

`plan(spec)` lists the layers `build_model` creates, in order, with their Keras names, plain
arguments, output shapes, parameter counts and the seeds of their random parts. The Keras model,
the summary rows, the diagram, the parameter count and the code export are projections of it.
Pure Python: no Keras, so the page preview can call it on every edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nnlab.spec import IMAGE_SIDE, NUM_CLASSES

if TYPE_CHECKING:
    from nnlab.spec import LayerSpec, RunSpec

INPUT_NAME = "image"
POOL_SIZE = 2
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


def conv_output_side(layers: Iterable[LayerSpec]) -> int:
    """Side length of the feature maps after the conv blocks (valid padding, 2x2 pooling)."""
    side = IMAGE_SIDE
    for layer in layers:
        if layer.kind == "conv":
            side = (side - layer.kernel_size + 1) // POOL_SIZE
    return side


def plan(spec: RunSpec) -> tuple[PlannedLayer, ...]:
    """The layers `build_model(spec)` builds, in order, computed without Keras."""
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
    from nnlab.augmentation import augmentation_layers  # it builds on this module

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
            params = (layer.kernel_size**2 * channels + 1) * layer.filters
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
                (width + 1) * layer.units,
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
            (width + 1) * NUM_CLASSES,
            spec.output_activation,
            None,
            next(seeds),
        )
    )
    return tuple(layers)


def parameter_count(spec: RunSpec) -> int:
    """Trainable parameters of the network `spec` describes."""
    return sum(layer.params for layer in plan(spec))
