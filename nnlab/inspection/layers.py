"""The arithmetic of one layer in NumPy: activation functions, shapes, im2col convolution, pooling.

A `NetLayer` is one Keras layer's weights and settings; `output_shape` says what it gives for an
input shape (and refuses what NumPy cannot run), `run_layer` computes it for a float32 batch.
Conv2D layers become one matrix product each (im2col: every k x k patch of the image is one row).
The first prediction sets BLAS to one thread for the process: on a shared 2-core server its
thread pool fights the other processes and is 2-4x slower than one thread.
"""

from __future__ import annotations

import ctypes
import functools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from nnlab.core.activations import sigmoid
from nnlab.core.choices import activation as tutorial_activation

INPUT_KINDS = ("InputLayer",)
# Layers that do nothing at inference time.
PASS_THROUGH_KINDS = (
    "Dropout",
    "GaussianNoise",
    "GaussianDropout",
    # data augmentation (nnlab.core.plan): random changes while training, identity after
    "RandomTranslation",
    "RandomRotation",
    "RandomZoom",
)
KINDS = (
    "InputLayer",
    "Rescaling",
    "Reshape",
    "Conv2D",
    "MaxPooling2D",
    "Flatten",
    "Dense",
    "Activation",
    *PASS_THROUGH_KINDS,
)
READABLE_KINDS = "Dense, Conv2D, MaxPooling2D, Flatten, Reshape, Rescaling, Dropout and Activation"
# How many weight arrays each kind holds: (kernel,) or (kernel, bias).
WEIGHT_COUNTS = {"Dense": (1, 2), "Conv2D": (1, 2)}


# --- activations ---------------------------------------------------------------------------------
# The tutorial's functions (nnlab.core.activations, through nnlab.core.choices) run the lab's own
# names; these add Keras' other built-in activations, and a vectorised GELU: the tutorial's calls
# math.erf per number (its source is shown to students), ~200x slower, minutes on a conv layer.
# tests/test_network.py checks the vectorised GELU against the tutorial's.


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1 + erf(x / np.float32(math.sqrt(2))))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(np.zeros((), dtype=x.dtype), x)


def _selu(x: np.ndarray) -> np.ndarray:
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def _hard_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.clip(x / 6 + 0.5, 0, 1)


_EXTRA_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gelu": _gelu,
    "silu": lambda x: x * sigmoid(x),
    "swish": lambda x: x * sigmoid(x),
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "selu": _selu,
    "relu6": lambda x: np.clip(x, 0, 6),
    "exponential": np.exp,
    "hard_sigmoid": _hard_sigmoid,
    "hard_silu": lambda x: x * _hard_sigmoid(x),
    "hard_swish": lambda x: x * _hard_sigmoid(x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
}


@functools.cache
def activation_function(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The NumPy function for a Keras activation name; ValueError for one NN Lab cannot run."""
    function = _EXTRA_ACTIVATIONS.get(name) or tutorial_activation(name)  # ValueError if unknown

    @functools.wraps(function)
    def without_overflow_warnings(x: np.ndarray) -> np.ndarray:
        # exp(-x) overflows to inf for x < -88 in float32, where sigmoid's 1 / (1 + inf) = 0 is
        # right: the warning would only fill the app's log.
        with np.errstate(over="ignore"):
            return function(x)

    return without_overflow_warnings


# --- one BLAS thread -----------------------------------------------------------------------------


@functools.cache
def _blas_thread_functions() -> tuple[Any, Any] | None:
    """OpenBLAS' (get, set) number-of-threads functions from the library NumPy loaded, if any."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "")):
            getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
            setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
            if getter is not None and setter is not None:
                getter.restype = ctypes.c_int
                setter.argtypes = [ctypes.c_int]
                return getter, setter
    return None


@functools.cache
def use_one_blas_thread() -> bool:
    """Switch this process's BLAS to one thread (once); False if it could not or was told not to.

    Changing the thread count around each call would race with matrix products running in other
    threads (other sessions), so it is set once for the process: the app's concurrency comes from
    its sessions, not from BLAS. An operator's OPENBLAS_NUM_THREADS or OMP_NUM_THREADS wins.
    """
    if os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS"):
        return False
    functions = _blas_thread_functions()
    if functions is None:
        return False
    _, setter = functions
    setter(1)
    return True


# --- layers --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NetLayer:
    """One layer: its Keras class name, activation, weights (float32) and settings."""

    name: str  # the layer's name in the Keras model
    kind: str  # the Keras class name, one of KINDS
    activation: str = "linear"  # Keras activation name; "linear" for none
    weights: tuple[np.ndarray, ...] = ()  # Dense/Conv2D: (kernel, bias) or (kernel,)
    config: dict[str, Any] = field(default_factory=dict)  # JSON-safe settings (shapes, strides)

    def __post_init__(self) -> None:
        arrays = []
        for number, weight in enumerate(self.weights, start=1):
            array = np.asarray(weight)
            if array.dtype.kind not in "fiu":
                raise ValueError(
                    f"Layer {self.name!r}: weight array {number} holds {array.dtype} values, "
                    "not numbers."
                )
            array = np.ascontiguousarray(array, dtype=np.float32)
            array.setflags(write=False)  # shared between sessions: nobody may change it
            arrays.append(array)
        object.__setattr__(self, "weights", tuple(arrays))

    @property
    def parameter_count(self) -> int:
        """How many numbers this layer learned."""
        return int(sum(weight.size for weight in self.weights))


def whole_numbers(value: Any, length: int, what: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value] * length
    if (
        not isinstance(value, (list, tuple))
        or len(value) != length
        or not all(isinstance(item, int) and not isinstance(item, bool) for item in value)
        or not all(item >= 1 for item in value)
    ):
        raise ValueError(f"{what} must be {length} whole numbers of at least 1; got {value!r}.")
    return tuple(value)


def _padding(config: dict[str, Any], where: str) -> str:
    padding = config.get("padding", "valid")
    if padding not in ("valid", "same"):
        raise ValueError(f"{where}: padding must be 'valid' or 'same'; got {padding!r}.")
    return padding


def window_geometry(size: int, window: int, stride: int, padding: str) -> tuple[int, int, int]:
    """(output size, padding before, padding after) along one axis, as TensorFlow computes it."""
    if padding == "valid":
        return (size - window) // stride + 1 if size >= window else 0, 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return out, total // 2, total - total // 2


def output_shape(layer: NetLayer, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape (no batch axis) `layer` gives for inputs of `shape`; ValueError if it can't."""
    where = f"Layer {layer.name!r} ({layer.kind})"
    kind, config, weights = layer.kind, layer.config, layer.weights
    counts = WEIGHT_COUNTS.get(kind, (0,))
    if len(weights) not in counts:
        raise ValueError(f"{where} must hold {' or '.join(map(str, counts))} weight arrays.")
    if kind in PASS_THROUGH_KINDS or kind == "Activation":
        return shape
    if kind == "Rescaling":
        for key in ("scale", "offset"):
            value = np.asarray(config.get(key, 1.0 if key == "scale" else 0.0))
            if value.dtype.kind not in "fiu" or not np.all(np.isfinite(value)):
                raise ValueError(f"{where}: {key} must be a finite number.")
            try:
                np.broadcast_shapes(value.shape, shape)
            except ValueError:
                raise ValueError(f"{where}: {key} does not fit inputs of shape {shape}.") from None
        return shape
    if kind == "Flatten":
        return (math.prod(shape),)
    if kind == "Reshape":
        target = whole_numbers(
            config.get("target_shape"), len(config.get("target_shape") or ()), where
        )
        if not target or math.prod(target) != math.prod(shape):
            raise ValueError(f"{where} cannot reshape {shape} into {target}.")
        return target
    if kind == "Dense":
        kernel = weights[0]
        if kernel.ndim != 2 or (len(weights) == 2 and weights[1].shape != (kernel.shape[1],)):
            raise ValueError(f"{where}: the kernel must be a matrix and the bias one per unit.")
        if shape[-1] != kernel.shape[0]:
            raise ValueError(
                f"{where} takes {kernel.shape[0]} numbers per input, but gets {shape[-1]}."
            )
        return (*shape[:-1], kernel.shape[1])
    if kind in ("Conv2D", "MaxPooling2D"):
        if len(shape) != 3:
            raise ValueError(f"{where} needs (height, width, channels) inputs; gets {shape}.")
        padding = _padding(config, where)
        if kind == "Conv2D":
            kernel = weights[0]
            if kernel.ndim != 4 or (len(weights) == 2 and weights[1].shape != (kernel.shape[3],)):
                raise ValueError(f"{where}: the kernel must be (k, k, in, out), one bias per out.")
            if kernel.shape[2] != shape[2]:
                raise ValueError(f"{where} takes {kernel.shape[2]} channels but gets {shape[2]}.")
            window, channels = kernel.shape[:2], kernel.shape[3]
            strides = whole_numbers(config.get("strides", 1), 2, f"{where}: strides")
        else:
            window = whole_numbers(config.get("pool_size", 2), 2, f"{where}: pool_size")
            strides = whole_numbers(config.get("strides") or window, 2, f"{where}: strides")
            channels = shape[2]
        sizes = [
            window_geometry(shape[axis], window[axis], strides[axis], padding)[0] for axis in (0, 1)
        ]
        if min(sizes) < 1:
            raise ValueError(f"{where}: its window does not fit in inputs of shape {shape}.")
        return (sizes[0], sizes[1], channels)
    raise ValueError(f"NN Lab can read {READABLE_KINDS} layers; this network has {kind}.")


class ConvGeometry(NamedTuple):
    """Where a Conv2D layer's windows fall on an input: the forward and backward pass share it."""

    kernel_h: int
    kernel_w: int
    channels: int
    filters: int
    stride_h: int
    stride_w: int
    out_h: int
    out_w: int
    top: int
    bottom: int
    left: int
    right: int


def conv_geometry(layer: NetLayer, x: np.ndarray) -> ConvGeometry:
    """The kernel, strides, output size and padding of `layer` on the (n, h, w, c) input `x`."""
    kh, kw, channels, filters = layer.weights[0].shape
    sh, sw = whole_numbers(layer.config.get("strides", 1), 2, "strides")
    padding = layer.config.get("padding", "valid")
    _, height, width, _ = x.shape
    out_h, top, bottom = window_geometry(height, kh, sh, padding)
    out_w, left, right = window_geometry(width, kw, sw, padding)
    return ConvGeometry(kh, kw, channels, filters, sh, sw, out_h, out_w, top, bottom, left, right)


def im2col_conv(x: np.ndarray, layer: NetLayer) -> np.ndarray:
    """Conv2D as one matrix product: each output pixel's k x k x channels patch is one row."""
    kernel = layer.weights[0]
    kh, kw, channels, filters, sh, sw, out_h, out_w, top, bottom, left, right = conv_geometry(
        layer, x
    )
    n = x.shape[0]
    if top or bottom or left or right:
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    # Rows ordered (kernel row, kernel column, channel): the kernel's own memory order.
    columns = np.empty((n, out_h, out_w, kh * kw, channels), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            columns[:, :, :, i * kw + j, :] = x[
                :, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw, :
            ]
    output = columns.reshape(-1, kh * kw * channels) @ kernel.reshape(-1, filters)
    if len(layer.weights) == 2:
        output += layer.weights[1]
    return output.reshape(n, out_h, out_w, filters)


def max_pool(x: np.ndarray, layer: NetLayer) -> np.ndarray:
    """Max over each pool window, as the maximum of a few strided slices (no copies per window)."""
    ph, pw = whole_numbers(layer.config.get("pool_size", 2), 2, "pool_size")
    sh, sw = whole_numbers(layer.config.get("strides") or (ph, pw), 2, "strides")
    padding = layer.config.get("padding", "valid")
    _, height, width, _ = x.shape
    out_h, top, bottom = window_geometry(height, ph, sh, padding)
    out_w, left, right = window_geometry(width, pw, sw, padding)
    if top or bottom or left or right:
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=-np.inf)
    rows = functools.reduce(
        np.maximum, [x[:, i : i + sh * (out_h - 1) + 1 : sh] for i in range(ph)]
    )
    return functools.reduce(
        np.maximum, [rows[:, :, j : j + sw * (out_w - 1) + 1 : sw] for j in range(pw)]
    )


def run_layer(layer: NetLayer, x: np.ndarray) -> np.ndarray:
    """`layer`'s output for a float32 batch x."""
    kind = layer.kind
    if kind == "Rescaling":
        scale = np.asarray(layer.config.get("scale", 1.0), dtype=np.float32)
        offset = np.asarray(layer.config.get("offset", 0.0), dtype=np.float32)
        return x * scale + offset
    if kind == "Flatten":
        return x.reshape(len(x), -1)
    if kind == "Reshape":
        return x.reshape(len(x), *layer.config["target_shape"])
    if kind == "Dense":
        x = x @ layer.weights[0]
        if len(layer.weights) == 2:
            x += layer.weights[1]
    elif kind == "Conv2D":
        x = im2col_conv(x, layer)
    elif kind == "MaxPooling2D":
        return max_pool(x, layer)
    elif kind != "Activation":
        return x  # InputLayer and the pass-through kinds
    if layer.activation in ("linear", "identity"):
        return x
    return np.asarray(activation_function(layer.activation)(x), dtype=np.float32)
