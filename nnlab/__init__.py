"""NN Lab's library: data sets, specs, models, training, evaluation and inspection.

Importing `nnlab` is cheap: names that need TensorFlow (`build_model`, `train`, ...) are resolved
on first use (PEP 562), so a page that only shows data never pays the 4-6 s TensorFlow import.
"""

from __future__ import annotations

import importlib
from typing import Any

from nnlab.presets import PRESETS
from nnlab.spec import LayerSpec, Preset, RunSpec

# public name -> module that defines it; imported only when the name is first used
_LAZY = {
    "Dataset": "nnlab.datasets",
    "load_dataset": "nnlab.datasets",
    "build_model": "nnlab.model",
    "summary_rows": "nnlab.model",
    "layer_rows": "nnlab.model",
    "network_dot": "nnlab.model",
    "train": "nnlab.training",
    "evaluate": "nnlab.evaluation",
    "Evaluation": "nnlab.evaluation",
    "preprocess_drawing": "nnlab.drawing",
    "predict_digit": "nnlab.drawing",
    "load_default_model": "nnlab.default_model",
    "load_default_network": "nnlab.default_model",
    "Network": "nnlab.network",
    "network_from_keras": "nnlab.network",
    "forward_numpy": "nnlab.numpy_net",
    "dense_layers_of": "nnlab.numpy_net",
}

__all__ = ["PRESETS", "LayerSpec", "Preset", "RunSpec", *_LAZY]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'nnlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
