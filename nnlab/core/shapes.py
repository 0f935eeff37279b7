"""Image shapes, the lab's limits and conv arithmetic: the facts the spec and the plan share.

Pure Python, imported by `nnlab.core.spec` (to validate) and `nnlab.core.plan` (to lay out the
layers), so neither needs the other for a shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

IMAGE_SIDE = 28
NUM_CLASSES = 10
POOL_SIZE = 2  # every conv block ends in 2x2 max pooling
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
# Uploads, one limit each, in MB as Streamlit's uploader counts them. The server's own limit
# (.streamlit/config.toml, server.maxUploadSize) is the largest of these; a test checks it.
MAX_MODEL_UPLOAD_MB = 100  # 20 M parameters (the limit above) take ~80 MB as float32
MAX_PHOTO_UPLOAD_MB = 10  # photos and scans of a digit
MEGABYTE = 1024 * 1024


class HiddenLayer(Protocol):
    """What the arithmetic reads from a hidden layer (nnlab.core.spec.LayerSpec has it)."""

    kind: str  # "dense" or "conv"
    units: int
    filters: int
    kernel_size: int


def conv_output_side(layers: Iterable[HiddenLayer]) -> int:
    """Side length of the feature maps after the conv blocks (valid padding, 2x2 pooling)."""
    side = IMAGE_SIDE
    for layer in layers:
        if layer.kind == "conv":
            side = (side - layer.kernel_size + 1) // POOL_SIZE
    return side


def conv_parameters(kernel_size: int, channels: int, filters: int) -> int:
    """Weights and biases of one Conv2D layer."""
    return (kernel_size**2 * channels + 1) * filters


def dense_parameters(inputs: int, units: int) -> int:
    """Weights and biases of one Dense layer."""
    return (inputs + 1) * units


def parameter_count(layers: Iterable[HiddenLayer]) -> int:
    """Trainable parameters of the network with these hidden layers (conv blocks first)."""
    side, channels, width, total = IMAGE_SIDE, 1, IMAGE_SIDE * IMAGE_SIDE, 0
    for layer in layers:
        if layer.kind == "conv":
            total += conv_parameters(layer.kernel_size, channels, layer.filters)
            side = (side - layer.kernel_size + 1) // POOL_SIZE
            channels = layer.filters
            width = side * side * channels
        else:
            total += dense_parameters(width, layer.units)
            width = layer.units
    return total + dense_parameters(width, NUM_CLASSES)
