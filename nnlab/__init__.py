"""NN Lab's library: data sets, specs, models, training, evaluation and inspection.

Importing `nnlab` is cheap: names that need TensorFlow (`build_model`, `train`, ...) are resolved
on first use (PEP 562), so a page that only shows data never pays the 4-6 s TensorFlow import.
"""

from __future__ import annotations

import importlib
from typing import Any

from nnlab.core.presets import PRESETS
from nnlab.core.spec import LayerSpec, Preset, RunSpec

# public name -> module that defines it; imported only when the name is first used
_LAZY = {
    "Dataset": "nnlab.data.datasets",
    "load_dataset": "nnlab.data.datasets",
    "build_model": "nnlab.learn.model",
    "summary_rows": "nnlab.learn.model",
    "layer_rows": "nnlab.core.summary",
    "network_dot": "nnlab.core.summary",
    "train": "nnlab.learn.training",
    "evaluate": "nnlab.inspection.evaluation",
    "Evaluation": "nnlab.inspection.evaluation",
    "preprocess_drawing": "nnlab.inspection.drawing",
    "predict_digit": "nnlab.inspection.drawing",
    "load_default_model": "nnlab.inspection.default_model",
    "load_default_network": "nnlab.inspection.default_model",
    "Network": "nnlab.inspection.network",
    "network_from_keras": "nnlab.learn.keras_network",
    "forward_numpy": "nnlab.inspection.numpy_net",
    "dense_layers_of": "nnlab.inspection.numpy_net",
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
