"""A trained model as plain NumPy: its layers' weights and the arithmetic Keras would do.

The app's process never imports Keras (see docs/DESIGN "A class on one process"): a worker turns
a Keras model into a `Network` with `network_from_keras`, ships it as `to_bytes()`, and the app
runs `predict` and `forward_steps` with matrix products only. Conv2D layers become one matrix
product each (im2col: every k x k patch of the image is one row), batches go in chunks so memory
stays bounded, and the first prediction sets BLAS to one thread for the process: on a shared
2-core server its thread pool fights the other processes and is 2-4x slower than one thread.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import io
import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnlab.activations import activation as _tutorial_activation

FORMAT = "nnlab-network/1"
INPUT_KINDS = ("InputLayer",)
# Layers that do nothing at inference time.
PASS_THROUGH_KINDS = (
    "Dropout",
    "GaussianNoise",
    "GaussianDropout",
    # data augmentation (nnlab.augmentation): random changes while training, identity after
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
MAX_NETWORK_BYTES = 256 * 1024 * 1024  # 20 M parameters (the lab's limit) take 80 MB
MAX_PARAMETERS = 50_000_000
TEMP_BUDGET_BYTES = 64 * 1024 * 1024  # scratch memory per chunk of a batch
MAX_CHUNK = 128  # larger chunks are no faster on one core (worse for the cache), use more memory
REFERENCE_TOLERANCE = 1e-3  # NumPy further than this from Keras means a layer is misread


# --- activations ---------------------------------------------------------------------------------
# The tutorial's functions (nnlab.activations) run the common names; these add Keras' other
# built-in activations and a vectorised GELU (the tutorial's calls math.erf per number).


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x < -88: 1 / inf = 0
        return 1 / (1 + np.exp(-x))


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
    "sigmoid": _sigmoid,
    "gelu": _gelu,
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
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


def activation_function(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The NumPy function for a Keras activation name; ValueError for one NN Lab cannot run."""
    if name in _EXTRA_ACTIVATIONS:
        return _EXTRA_ACTIVATIONS[name]
    return _tutorial_activation(name)  # raises ValueError("Unknown activation ...")


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


def _ints(value: Any, length: int, what: str) -> tuple[int, ...]:
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


def _window_geometry(size: int, window: int, stride: int, padding: str) -> tuple[int, int, int]:
    """(output size, padding before, padding after) along one axis, as TensorFlow computes it."""
    if padding == "valid":
        return (size - window) // stride + 1 if size >= window else 0, 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return out, total // 2, total - total // 2


def _output_shape(layer: NetLayer, shape: tuple[int, ...]) -> tuple[int, ...]:
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
        target = _ints(config.get("target_shape"), len(config.get("target_shape") or ()), where)
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
            strides = _ints(config.get("strides", 1), 2, f"{where}: strides")
        else:
            window = _ints(config.get("pool_size", 2), 2, f"{where}: pool_size")
            strides = _ints(config.get("strides") or window, 2, f"{where}: strides")
            channels = shape[2]
        sizes = [
            _window_geometry(shape[axis], window[axis], strides[axis], padding)[0]
            for axis in (0, 1)
        ]
        if min(sizes) < 1:
            raise ValueError(f"{where}: its window does not fit in inputs of shape {shape}.")
        return (sizes[0], sizes[1], channels)
    raise ValueError(f"NN Lab can read {READABLE_KINDS} layers; this network has {kind}.")


def _im2col_conv(x: np.ndarray, layer: NetLayer) -> np.ndarray:
    """Conv2D as one matrix product: each output pixel's k x k x channels patch is one row."""
    kernel = layer.weights[0]
    kh, kw, channels, filters = kernel.shape
    sh, sw = _ints(layer.config.get("strides", 1), 2, "strides")
    padding = layer.config.get("padding", "valid")
    n, height, width, _ = x.shape
    out_h, top, bottom = _window_geometry(height, kh, sh, padding)
    out_w, left, right = _window_geometry(width, kw, sw, padding)
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


def _max_pool(x: np.ndarray, layer: NetLayer) -> np.ndarray:
    """Max over each pool window, as the maximum of a few strided slices (no copies per window)."""
    ph, pw = _ints(layer.config.get("pool_size", 2), 2, "pool_size")
    sh, sw = _ints(layer.config.get("strides") or (ph, pw), 2, "strides")
    padding = layer.config.get("padding", "valid")
    _, height, width, _ = x.shape
    out_h, top, bottom = _window_geometry(height, ph, sh, padding)
    out_w, left, right = _window_geometry(width, pw, sw, padding)
    if top or bottom or left or right:
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=-np.inf)
    rows = functools.reduce(
        np.maximum, [x[:, i : i + sh * (out_h - 1) + 1 : sh] for i in range(ph)]
    )
    return functools.reduce(
        np.maximum, [rows[:, :, j : j + sw * (out_w - 1) + 1 : sw] for j in range(pw)]
    )


def _run_layer(layer: NetLayer, x: np.ndarray) -> np.ndarray:
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
        x = _im2col_conv(x, layer)
    elif kind == "MaxPooling2D":
        return _max_pool(x, layer)
    elif kind != "Activation":
        return x  # InputLayer and the pass-through kinds
    if layer.activation in ("linear", "identity"):
        return x
    return np.asarray(activation_function(layer.activation)(x), dtype=np.float32)


# --- the network ---------------------------------------------------------------------------------


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(["None", *(str(size) for size in shape)]) + ")"


def images_digest(images: np.ndarray) -> str:
    """A short fingerprint of some images, to tell whether two data sets start alike."""
    array = np.ascontiguousarray(images)
    digest = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, eq=False)
class Network:
    """A trained model's layers as NumPy arrays; runs the model without Keras."""

    layers: tuple[NetLayer, ...]
    reference_inputs_dataset: str | None = None  # data set whose first test images were used
    reference_outputs: np.ndarray | None = None  # Keras' outputs for those images, (n, outputs)
    reference_inputs_digest: str | None = None  # images_digest of those images

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if self.reference_outputs is not None:
            outputs = np.asarray(self.reference_outputs)
            if outputs.dtype.kind != "f":
                raise ValueError("The reference outputs must be numbers.")
            outputs = np.ascontiguousarray(outputs, dtype=np.float32)
            outputs.setflags(write=False)
            object.__setattr__(self, "reference_outputs", outputs)
        _check(self)

    @functools.cached_property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        """Each layer's output shape, batch axis left out (the InputLayer's is the input shape)."""
        shape = tuple(self.layers[0].config["shape"])
        shapes = [shape]
        for layer in self.layers[1:]:
            shape = _output_shape(layer, shape)
            shapes.append(shape)
        return tuple(shapes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """What one input is, e.g. (28, 28) or (784,)."""
        return self.shapes[0]

    @property
    def output_size(self) -> int:
        """How many numbers the network gives per input (10 for NN Lab's classes)."""
        return self.shapes[-1][-1]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The layers' Keras class names, in order."""
        return tuple(layer.kind for layer in self.layers)

    def parameter_count(self) -> int:
        """How many numbers the network learned (as Keras' count_params)."""
        return sum(layer.parameter_count for layer in self.layers)

    def summary_rows(self) -> list[dict[str, Any]]:
        """Rows (layer, type, output_shape, params) as nnlab.model.summary_rows gives for Keras."""
        return [
            {
                "layer": layer.name,
                "type": layer.kind,
                "output_shape": _shape_text(shape),
                "params": layer.parameter_count,
            }
            for layer, shape in zip(self.layers, self.shapes, strict=True)
        ]

    @functools.cached_property
    def chunk_size(self) -> int:
        """Inputs per chunk of `predict`, so scratch memory stays under TEMP_BUDGET_BYTES."""
        per_image = 0
        for layer, before, after in zip(
            self.layers[1:], self.shapes[:-1], self.shapes[1:], strict=True
        ):
            scratch = math.prod(before) + 2 * math.prod(after)
            if layer.kind == "Conv2D":
                scratch += math.prod(after[:2]) * math.prod(layer.weights[0].shape[:3])
            per_image = max(per_image, scratch)
        return max(1, min(MAX_CHUNK, TEMP_BUDGET_BYTES // (4 * max(per_image, 1))))

    def _inputs(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images)
        if images.dtype.kind not in "fiub":
            raise ValueError(f"Images must be numbers; got {images.dtype}.")
        per_image = math.prod(self.input_shape)
        if images.size == 0 or images.size % per_image:
            raise ValueError(
                f"This network takes inputs of shape {self.input_shape}; got an array of shape "
                f"{images.shape}."
            )
        return images.reshape(-1, *self.input_shape)

    def _forward(self, x: np.ndarray, keep: bool) -> tuple[np.ndarray, list[np.ndarray]]:
        values = np.asarray(x, dtype=np.float32)
        kept = []
        for layer in self.layers[1:]:
            values = _run_layer(layer, values)
            if keep:
                kept.append(values)
        return values, kept

    def predict(self, images: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """The outputs (n, 10) float32 for uint8 or float images (n, 28, 28) or (n, 784)."""
        inputs = self._inputs(images)
        chunk = batch_size or self.chunk_size
        if chunk < 1:
            raise ValueError(f"Batch size must be at least 1; got {chunk}.")
        outputs = np.empty((len(inputs), *self.shapes[-1]), dtype=np.float32)
        use_one_blas_thread()
        for start in range(0, len(inputs), chunk):
            outputs[start : start + chunk] = self._forward(inputs[start : start + chunk], False)[0]
        return outputs

    def forward_steps(self, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """(layer name, output) for every layer after the input, for a few images."""
        use_one_blas_thread()
        _, kept = self._forward(self._inputs(images), True)
        return [(layer.name, values) for layer, values in zip(self.layers[1:], kept, strict=True)]

    def to_bytes(self) -> bytes:
        """The network as an .npz file's bytes (arrays only, no pickles)."""
        meta = {
            "format": FORMAT,
            "reference_inputs_dataset": self.reference_inputs_dataset,
            "reference_inputs_digest": self.reference_inputs_digest,
        }
        layers = [
            {
                "name": layer.name,
                "kind": layer.kind,
                "activation": layer.activation,
                "weights": len(layer.weights),
                "config": layer.config,
            }
            for layer in self.layers
        ]
        arrays: dict[str, np.ndarray] = {
            "meta": np.array(json.dumps(meta)),
            "layers": np.array([json.dumps(layer) for layer in layers]),
        }
        for number, layer in enumerate(self.layers):
            for index, weight in enumerate(layer.weights):
                arrays[f"w{number}_{index}"] = weight
        if self.reference_outputs is not None:
            arrays["reference_outputs"] = self.reference_outputs
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Network:
        """A network from `to_bytes` output; ValueError with a plain reason if the file is bad."""
        return _network_from_npz(data)


def _check(network: Network) -> None:
    """ValueError unless every layer is runnable and the shapes chain from input to output."""
    layers = network.layers
    if not layers or not all(isinstance(layer, NetLayer) for layer in layers):
        raise ValueError("A network needs layers (NetLayer objects).")
    first = layers[0]
    if first.kind != "InputLayer":
        raise ValueError(f"A network starts with an InputLayer, not {first.kind}.")
    _ints(first.config.get("shape"), len(first.config.get("shape") or ()) or 1, "Input shape")
    names = [layer.name for layer in layers]
    if not all(isinstance(name, str) and name for name in names):
        raise ValueError("Every layer needs a name.")
    if len(set(names)) != len(names):
        raise ValueError("Two layers have the same name.")
    for layer in layers:
        if layer.kind not in KINDS:
            raise ValueError(
                f"NN Lab can read {READABLE_KINDS} layers; this network has {layer.kind}."
            )
        if layer.kind == "InputLayer" and layer is not first:
            raise ValueError("Only the first layer may be an InputLayer.")
        if not isinstance(layer.config, dict) or not isinstance(layer.activation, str):
            raise ValueError(f"Layer {layer.name!r} has a broken description.")
        activation_function(layer.activation)
        for weight in layer.weights:
            if not np.all(np.isfinite(weight)):
                raise ValueError(f"Layer {layer.name!r} has NaN or infinite weights.")
    if network.parameter_count() > MAX_PARAMETERS:
        raise ValueError(f"The network has more than {MAX_PARAMETERS:,} parameters.")
    shapes = network.shapes  # computes (and so checks) every layer's output shape
    if len(shapes[-1]) != 1:
        raise ValueError(f"The network must end in a vector of scores; it gives {shapes[-1]}.")
    outputs = network.reference_outputs
    if outputs is not None:
        if outputs.ndim != 2 or outputs.shape[1] != shapes[-1][0] or not len(outputs):
            raise ValueError(
                f"The reference outputs have shape {outputs.shape}; the network gives "
                f"{shapes[-1][0]} numbers per image."
            )
        if not np.all(np.isfinite(outputs)):
            raise ValueError("The reference outputs contain NaN or infinity.")
    for text in (network.reference_inputs_dataset, network.reference_inputs_digest):
        if text is not None and not isinstance(text, str):
            raise ValueError("The reference data set must be named by a string.")


def _network_from_npz(data: bytes) -> Network:
    if not isinstance(data, (bytes, bytearray, memoryview)) or not len(data):
        raise ValueError("The network file is empty.")
    if len(data) > MAX_NETWORK_BYTES:
        raise ValueError(f"The network file is larger than {MAX_NETWORK_BYTES // 2**20} MB.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_NETWORK_BYTES:
                raise ValueError("The network file unpacks to far more data than a network holds.")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
        raise ValueError(
            f"This is not an NN Lab network file (not an npz archive: {error})."
        ) from None
    except ValueError as error:
        if "network file" in str(error):
            raise
        raise ValueError(f"The network file holds something other than arrays ({error}).") from None
    for name in ("meta", "layers"):
        if name not in arrays:
            raise ValueError(
                f"The network file has no {name!r} array; it is not an NN Lab network."
            )
    try:
        meta = json.loads(str(arrays["meta"][()]))
        descriptions = [json.loads(str(text)) for text in np.atleast_1d(arrays["layers"])]
    except (json.JSONDecodeError, TypeError, ValueError, IndexError):
        raise ValueError("The network file's layer list is not valid JSON.") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"The network file is not in NN Lab's format ({FORMAT}).")
    layers = []
    for number, description in enumerate(descriptions):
        if not isinstance(description, dict):
            raise ValueError(f"Layer {number} of the network file is not described properly.")
        count = description.get("weights", 0)
        if not isinstance(count, int) or not 0 <= count <= 2:
            raise ValueError(f"Layer {number} of the network file has a bad weight count.")
        missing = [
            f"w{number}_{index}" for index in range(count) if f"w{number}_{index}" not in arrays
        ]
        if missing:
            raise ValueError(f"The network file is missing the arrays {', '.join(missing)}.")
        layers.append(
            NetLayer(
                name=description.get("name"),
                kind=description.get("kind"),
                activation=description.get("activation", "linear"),
                weights=tuple(arrays[f"w{number}_{index}"] for index in range(count)),
                config=description.get("config", {}),
            )
        )
    try:
        return Network(
            layers=tuple(layers),
            reference_inputs_dataset=meta.get("reference_inputs_dataset"),
            reference_outputs=arrays.get("reference_outputs"),
            reference_inputs_digest=meta.get("reference_inputs_digest"),
        )
    except (TypeError, KeyError, AttributeError) as error:
        raise ValueError(f"The network file describes a layer wrongly ({error}).") from None


# --- from Keras (in a worker process only) -------------------------------------------------------


def _keras_activation_name(layer: Any) -> str:
    function = getattr(layer, "activation", None)
    name = getattr(function, "__name__", "linear") if function is not None else "linear"
    return "linear" if name in ("linear", "identity") else name


def _plain(value: Any) -> Any:
    """A Keras config value as JSON: tuples -> lists, NumPy numbers -> Python numbers."""
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _flat_layers(model: Any) -> list[Any]:
    """The model's layers, with nested models (a Sequential inside a Sequential) opened up."""
    layers = []
    for layer in model.layers:
        if hasattr(layer, "layers") and type(layer).__name__ in ("Sequential", "Functional"):
            layers.extend(_flat_layers(layer))
        else:
            layers.append(layer)
    return layers


def _net_layer_of(layer: Any) -> NetLayer:
    """One Keras layer as a NetLayer; ValueError for kinds or settings NumPy cannot run."""
    import keras

    kind = type(layer).__name__
    if kind not in KINDS or kind == "InputLayer":
        raise ValueError(
            f"NN Lab can read {READABLE_KINDS} layers; this model has {kind} ({layer.name})."
        )
    config = layer.get_config()
    if config.get("data_format", "channels_last") not in ("channels_last", None):
        raise ValueError(
            f"Layer {layer.name} uses channels-first images; NN Lab reads channels-last only."
        )
    settings: dict[str, Any] = {}
    if kind == "Rescaling":
        settings = {"scale": _plain(config["scale"]), "offset": _plain(config["offset"])}
    elif kind == "Reshape":
        settings = {"target_shape": _plain(config["target_shape"])}
    elif kind == "Dense":
        settings = {"units": int(config["units"])}
    elif kind == "Conv2D":
        if (
            tuple(_plain(config.get("dilation_rate", (1, 1)))) != (1, 1)
            or config.get("groups", 1) != 1
        ):
            raise ValueError(
                f"Layer {layer.name} uses dilated or grouped convolution; NN Lab cannot run it."
            )
        settings = {
            "filters": int(config["filters"]),
            "kernel_size": _plain(config["kernel_size"]),
            "strides": _plain(config["strides"]),
            "padding": config["padding"],
        }
    elif kind == "MaxPooling2D":
        settings = {
            "pool_size": _plain(config["pool_size"]),
            "strides": _plain(config["strides"] or config["pool_size"]),
            "padding": config["padding"],
        }
    weights: tuple[np.ndarray, ...] = ()
    if kind in ("Dense", "Conv2D"):
        weights = (keras.ops.convert_to_numpy(layer.kernel),)
        if layer.use_bias:
            weights += (keras.ops.convert_to_numpy(layer.bias),)
    elif layer.weights:
        raise ValueError(f"Layer {layer.name} ({kind}) holds weights NN Lab does not expect.")
    activation = (
        _keras_activation_name(layer) if kind in ("Dense", "Conv2D", "Activation") else "linear"
    )
    try:
        activation_function(activation)
    except ValueError:
        raise ValueError(
            f"Layer {layer.name} uses the activation {activation!r}, which NN Lab cannot run."
        ) from None
    return NetLayer(
        name=layer.name, kind=kind, activation=activation, weights=weights, config=settings
    )


def network_from_keras(
    model: Any, reference_images: np.ndarray | None = None, dataset_name: str | None = None
) -> Network:
    """A Keras model as a Network, with Keras' own outputs for `reference_images` kept inside."""
    import keras

    input_shape = tuple(int(size) for size in model.input_shape[1:])
    layers = _flat_layers(model)
    first = layers[0] if layers and type(layers[0]).__name__ == "InputLayer" else None
    input_layer = NetLayer(
        name=first.name if first is not None else "input",
        kind="InputLayer",
        config={"shape": list(input_shape)},
    )
    net_layers = [_net_layer_of(layer) for layer in layers if type(layer).__name__ != "InputLayer"]
    network = Network(layers=(input_layer, *net_layers))
    if reference_images is None:
        return network
    images = np.asarray(reference_images)
    outputs = keras.ops.convert_to_numpy(
        model(images.reshape(-1, *input_shape), training=False)
    ).astype(np.float32)
    difference = float(np.max(np.abs(network.predict(images) - outputs.reshape(len(outputs), -1))))
    if not difference <= REFERENCE_TOLERANCE:
        raise ValueError(
            f"NN Lab's NumPy copy of this model does not compute what Keras computes (they differ "
            f"by up to {difference:.2g}); a layer uses a setting NN Lab does not read."
        )
    return Network(
        layers=network.layers,
        reference_inputs_dataset=dataset_name,
        reference_outputs=outputs.reshape(len(outputs), -1),
        reference_inputs_digest=images_digest(images),
    )
