"""Save a model with its settings, and load a model file a student uploads, safely.

A `.keras` file is a zip (config.json, metadata.json, model.weights.h5); NN Lab adds
`nnlab.json` holding the RunSpec, so reloading restores the settings (the app reads it back
without Keras: `nnlab.inspection.network_files.read_record`). Uploads are checked before
Keras sees them (size, zip integrity, no Lambda or custom code), then loaded with
`safe_mode=True`, then checked to take 28x28 images and give 10 outputs. `network_from_model_file`
then copies the weights into a NumPy `Network` (it runs in a worker; the app never imports Keras).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnlab.core.choices import DATASETS
from nnlab.core.shapes import MAX_MODEL_UPLOAD_MB, MEGABYTE, NUM_CLASSES
from nnlab.core.spec import RunSpec
from nnlab.data.datasets import load_dataset
from nnlab.inspection.network_files import SPEC_ENTRY, LoadedNetwork
from nnlab.learn.keras_network import network_from_keras

MAX_MODEL_BYTES = MAX_MODEL_UPLOAD_MB * MEGABYTE
MAX_UNPACKED_BYTES = 4 * MAX_MODEL_BYTES  # a zip that unpacks to more than this is a zip bomb
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Layers that run arbitrary Python, so a file holding them is refused outright.
CODE_LAYERS = {"Lambda", "TFOpLambda", "SlicingOpLambda", "__lambda__"}
ACCEPTED_INPUT_SHAPES = {(28, 28), (784,), (28, 28, 1)}
REFERENCE_IMAGES = 100  # test images whose Keras outputs are kept with a loaded network


@dataclass(frozen=True)
class LoadedModel:
    """A model read from a file, with the settings and notes that came with it."""

    model: Any  # keras.Model taking uint8 (28, 28) images, rescaling inside
    spec: RunSpec | None  # the RunSpec stored by NN Lab, if the file has one
    dataset_name: str | None  # "mnist" or "fashion_mnist" when the file says so
    label: str | None  # the label NN Lab saved it under, if any
    added_rescaling: bool  # True when a Rescaling(1/255) layer was put in front (see load)


def _temporary_keras_file(model: Any) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nnlab-save-") as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def model_file_bytes(
    model: Any,
    spec: RunSpec | None = None,
    dataset_name: str | None = None,
    label: str | None = None,
    extra: dict[str, Any] | None = None,
) -> bytes:
    """The model as `.keras` bytes, with its RunSpec (and label, data set) stored inside."""
    data = _temporary_keras_file(model)
    record = {
        "format": "nnlab-model/1",
        "spec": spec.to_dict() if spec is not None else None,
        "dataset": dataset_name or (spec.dataset if spec is not None else None),
        "label": label,
        **(extra or {}),
    }
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(SPEC_ENTRY, json.dumps(record, indent=1, sort_keys=True))
    return buffer.getvalue()


def keras_model_for_continuing(data: bytes) -> Any:
    """A run's own `model_file_bytes` back as a compiled model, optimizer state included.

    For continuing a run (nnlab.learn.training.fit_spec): `compile=True` restores the optimizer, its
    step count and moments, so the next epochs train as if the run had never stopped. Only for
    files NN Lab saved itself; uploads go through `load_model_bytes` (checked, not compiled).
    """
    _, config = _read_keras_zip(data)
    check_config(config)
    import keras

    with tempfile.TemporaryDirectory(prefix="nnlab-continue-") as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(data)
        return keras.models.load_model(path, compile=True, safe_mode=True)


def save_model_file(model: Any, path: str | Path, spec: RunSpec | None = None, **info: Any) -> Path:
    """Write `model_file_bytes` to a `.keras` path."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"Save models as .keras files; got {path.name}.")
    path.write_bytes(model_file_bytes(model, spec, **info))
    return path


def _walk(node: Any) -> Any:
    """Every dict inside a JSON tree."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def check_config(config: Any) -> None:
    """Refuse a model config that would run code: Lambda layers, custom or non-Keras objects."""
    for node in _walk(config):
        class_name = node.get("class_name")
        if class_name in CODE_LAYERS:
            raise ValueError(
                "This model contains a Lambda layer (Python code inside the model). NN Lab does "
                "not load code from files; rebuild the model without Lambda layers."
            )
        module = node.get("module")
        if isinstance(module, str) and not (module == "keras" or module.startswith("keras.")):
            raise ValueError(
                f"This model needs code from outside Keras ({module}.{class_name}); NN Lab only "
                "loads models made of standard Keras layers."
            )
        registered = node.get("registered_name")
        if not isinstance(registered, str) and isinstance(class_name, str):
            registered = class_name  # legacy .h5 configs name custom classes "Package>Class"
        if isinstance(registered, str) and ">" in registered:
            raise ValueError(
                f"This model uses a custom layer or function ({registered}); NN Lab only loads "
                "models made of standard Keras layers."
            )


def _read_keras_zip(data: bytes) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(NN Lab record or None, model config) from `.keras` bytes; ValueError if broken."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = {info.filename: info for info in archive.infolist()}
            if sum(info.file_size for info in entries.values()) > MAX_UNPACKED_BYTES:
                raise ValueError("This file unpacks to far more data than a model holds.")
            if "config.json" not in entries or "model.weights.h5" not in entries:
                raise ValueError(
                    "This zip file is not a Keras model (no config.json and model.weights.h5)."
                )
            broken = archive.testzip()
            if broken is not None:
                raise ValueError(f"The file is damaged ({broken} does not match its checksum).")
            config = json.loads(archive.read("config.json"))
            record = None
            if SPEC_ENTRY in entries:
                try:
                    record = json.loads(archive.read(SPEC_ENTRY))
                except (json.JSONDecodeError, UnicodeDecodeError):
                    record = None  # the model itself can still be used
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
        raise ValueError(f"The file is damaged or incomplete ({error}).") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"The model's config.json is not valid JSON ({error}).") from None
    return record, config


def _read_h5_config(path: Path) -> Any:
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            raw = handle.attrs.get("model_config")
    except OSError as error:
        raise ValueError(f"The .h5 file is damaged or incomplete ({error}).") from None
    if raw is None:
        raise ValueError(
            "This .h5 file holds weights only, no model; save the whole model (model.save)."
        )
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"The model description inside the .h5 file is broken ({error})."
        ) from None


def _check_shapes(model: Any) -> None:
    try:
        input_shape = model.input_shape
        output_shape = model.output_shape
    except (AttributeError, ValueError):
        raise ValueError("The model must have exactly one input and one output.") from None
    if not isinstance(input_shape, tuple) or not isinstance(output_shape, tuple):
        raise ValueError("The model must have exactly one input and one output.")
    if tuple(input_shape[1:]) not in ACCEPTED_INPUT_SHAPES:
        raise ValueError(
            f"The model takes inputs of shape {tuple(input_shape[1:])}; NN Lab needs 28x28 "
            "images: (28, 28), (28, 28, 1) or (784,)."
        )
    if tuple(output_shape[1:]) != (NUM_CLASSES,):
        raise ValueError(
            f"The model gives outputs of shape {tuple(output_shape[1:])}; NN Lab needs 10 "
            "outputs, one per class (digits 0-9 or the 10 kinds of clothing)."
        )


def _with_rescaling(model: Any) -> Any:
    """The model behind Rescaling(1/255), so it takes uint8 images like every NN Lab model."""
    import keras
    from keras import layers

    front = [keras.Input(shape=(28, 28), name="pixels"), layers.Rescaling(1 / 255, name="rescale")]
    target = tuple(model.input_shape[1:])
    if target != (28, 28):
        front.append(layers.Reshape(target, name="reshape_input"))
    if isinstance(model, keras.Sequential):
        # Reuse the trained layers one by one, so the Inside page sees a flat list of layers.
        wrapped = keras.Sequential([*front, *model.layers], name=model.name)
    else:
        wrapped = keras.Sequential([*front, model], name=f"{model.name}_rescaled")
    return wrapped


def load_model_bytes(
    data: bytes,
    filename: str = "model.keras",
    pixels_divided_by_255: bool = True,
    max_bytes: int = MAX_MODEL_BYTES,
) -> LoadedModel:
    """Load an uploaded `.keras` or `.h5` model safely; ValueError with a clear reason if not."""
    if not data:
        raise ValueError("The file is empty.")
    if len(data) > max_bytes:
        raise ValueError(
            f"The file is larger ({len(data):,} bytes) than the {max_bytes / 2**20:.0f} MB "
            "NN Lab accepts for a model."
        )
    suffix = Path(filename).suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    is_h5 = data[:8] == HDF5_SIGNATURE
    if not (is_zip or is_h5):
        if suffix in (".keras", ".h5", ".hdf5"):
            raise ValueError(
                f"{filename} is not a Keras model file: a .keras file is a zip archive and an "
                ".h5 file starts with the HDF5 signature; this one is neither."
            )
        raise ValueError("Upload a Keras model saved as .keras or .h5.")

    import keras

    record: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="nnlab-upload-") as folder:
        # Our own file name, whatever the upload was called: the suffix picks Keras' loader.
        path = Path(folder) / ("upload.keras" if is_zip else "upload.h5")
        path.write_bytes(data)
        if is_zip:
            record, config = _read_keras_zip(data)
        else:
            config = _read_h5_config(path)
        check_config(config)
        try:
            model = keras.models.load_model(path, compile=False, safe_mode=True)
        except ValueError as error:
            reason = _first_line(error)
            if reason.startswith("Unknown"):
                reason = f"{reason.split('.')[0]}. It is not a standard Keras layer or function"
            raise ValueError(f"Keras could not load this model: {reason}.") from None
        except (TypeError, KeyError, AttributeError, OSError, IndexError) as error:
            raise ValueError(
                f"This model file is damaged or uses something NN Lab cannot load "
                f"({type(error).__name__}: {_first_line(error)})."
            ) from None
    if not isinstance(model, keras.Model):
        raise ValueError("The file does not hold a Keras model.")
    _check_shapes(model)

    added = False
    has_rescaling = any(type(layer).__name__ == "Rescaling" for layer in model.layers)
    if not has_rescaling and pixels_divided_by_255:
        model = _with_rescaling(model)
        added = True

    spec = None
    dataset_name = None
    label = None
    if isinstance(record, dict):
        try:
            spec = RunSpec.from_dict(record["spec"]) if record.get("spec") else None
        except ValueError:
            spec = None  # settings from another version: the model still works
        dataset = record.get("dataset")
        dataset_name = dataset if dataset in DATASETS else None
        label = record.get("label") if isinstance(record.get("label"), str) else None
    return LoadedModel(
        model=model, spec=spec, dataset_name=dataset_name, label=label, added_rescaling=added
    )


def network_from_model_file(data: bytes, filename: str, dataset_name: str) -> LoadedNetwork:
    """Check and load an uploaded model file (in a worker: imports Keras) as a NumPy Network."""
    loaded = load_model_bytes(data, filename)
    dataset_name = loaded.dataset_name or dataset_name
    try:
        images = load_dataset(dataset_name).x_test[:REFERENCE_IMAGES]
    except (OSError, ValueError):  # no data: the network still works, just without Keras' check
        images = None
    network = network_from_keras(loaded.model, images, dataset_name if images is not None else None)
    return LoadedNetwork(
        network=network, spec=loaded.spec, label=loaded.label, dataset_name=dataset_name
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__
