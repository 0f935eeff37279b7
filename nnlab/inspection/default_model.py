"""The digit model that ships with NN Lab, so the Draw page works before anyone trains.

It is made by `scripts/train_default_model.py`; how, on which data and how well it does is
recorded beside it in `assets/default_digit_model.json` (and in docs/DEFAULT_MODEL.md). The app
reads the NumPy copy, `assets/default_digit_model.npz` (written by
`scripts/export_default_network.py`), so it never imports TensorFlow; scripts may still load the
Keras file.
"""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path
from typing import Any

from nnlab.core.spec import RunSpec
from nnlab.inspection.network import Network
from nnlab.inspection.network_files import read_record

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_MODEL_PATH = ASSETS / "default_digit_model.keras"
DEFAULT_MODEL_RECORD = ASSETS / "default_digit_model.json"
DEFAULT_NETWORK_PATH = ASSETS / "default_digit_model.npz"

_lock = threading.Lock()  # sessions may ask for it at once; load it one time only


@functools.cache
def _load() -> Any:
    import keras

    if not DEFAULT_MODEL_PATH.exists():
        raise ValueError(
            f"The default digit model is missing ({DEFAULT_MODEL_PATH.name}); "
            "run `python scripts/train_default_model.py` to make it."
        )
    return keras.models.load_model(DEFAULT_MODEL_PATH, compile=False, safe_mode=True)


def load_default_model() -> Any:
    """The shipped small CNN for digits (a keras.Model taking uint8 (28, 28) images)."""
    with _lock:
        return _load()


@functools.cache
def _load_network() -> Network:
    if not DEFAULT_NETWORK_PATH.exists():
        raise ValueError(
            f"The default digit network is missing ({DEFAULT_NETWORK_PATH.name}); "
            "run `python scripts/export_default_network.py` to make it."
        )
    return Network.from_bytes(DEFAULT_NETWORK_PATH.read_bytes())


def load_default_network() -> Network:
    """The shipped small CNN as a NumPy Network (no TensorFlow), read once per process."""
    with _lock:
        return _load_network()


def default_model_record() -> dict[str, Any]:
    """How the default model was trained and its held-out accuracy ({} if not recorded)."""
    try:
        return json.loads(DEFAULT_MODEL_RECORD.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


@functools.cache
def default_model_spec() -> RunSpec | None:
    """The settings the default model was built from, read from its file (no TensorFlow)."""
    record = read_record(DEFAULT_MODEL_PATH) or {}
    try:
        return RunSpec.from_dict(record["spec"]) if record.get("spec") else None
    except (ValueError, TypeError, KeyError):  # settings from another NN Lab version
        return None
