"""A trained model as plain NumPy: its layers' weights and the arithmetic Keras would do.

The app's process never imports Keras (see docs/DESIGN "A class on one process"): a worker turns
a Keras model into a `Network` with `nnlab.learn.keras_network.network_from_keras`, ships it as
`to_bytes()`, and the app runs `predict` and `forward_steps` with matrix products only (each
layer's arithmetic is in `nnlab.inspection.layers`). Batches go in chunks so memory stays bounded.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.inspection.layers import (
    KINDS,
    READABLE_KINDS,
    NetLayer,
    activation_function,
    output_shape,
    run_layer,
    use_one_blas_thread,
    whole_numbers,
)

FORMAT = "nnlab-network/1"
MAX_NETWORK_BYTES = 256 * 1024 * 1024  # 20 M parameters (the lab's limit) take 80 MB
MAX_PARAMETERS = 50_000_000
TEMP_BUDGET_BYTES = 64 * 1024 * 1024  # scratch memory per chunk of a batch
MAX_CHUNK = 128  # larger chunks are no faster on one core (worse for the cache), use more memory


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
            shape = output_shape(layer, shape)
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
        """Rows (layer, type, output_shape, params) as `summary_rows` gives for a Keras model."""
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
            values = run_layer(layer, values)
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
    whole_numbers(
        first.config.get("shape"), len(first.config.get("shape") or ()) or 1, "Input shape"
    )
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
