"""Write the default digit model's NumPy copy, nnlab/assets/default_digit_model.npz.

    python scripts/export_default_network.py

Loads nnlab/assets/default_digit_model.keras with Keras and saves it as an
`nnlab.inspection.network.Network` with Keras' own outputs for the first 100 MNIST test images
inside, so the app can run and check the model without importing TensorFlow.
`train_default_model.py` calls this at its end.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from nnlab.inspection.default_model import DEFAULT_MODEL_PATH, DEFAULT_NETWORK_PATH  # noqa: E402

REFERENCE_IMAGES = 100  # first test images whose Keras outputs are stored with the network


def export(keras_path: Path = DEFAULT_MODEL_PATH, out: Path = DEFAULT_NETWORK_PATH) -> Path:
    """Convert the Keras file at `keras_path` into a Network file at `out`; returns `out`."""
    import keras

    from nnlab.data.datasets import load_dataset
    from nnlab.inspection.network import Network
    from nnlab.learn.keras_network import network_from_keras

    model = keras.models.load_model(keras_path, compile=False, safe_mode=True)
    dataset = load_dataset("mnist")
    network = network_from_keras(model, dataset.x_test[:REFERENCE_IMAGES], dataset_name="mnist")
    data = network.to_bytes()
    Network.from_bytes(data)  # refuse to write a file the app could not read
    out.write_bytes(data)
    return out


def main() -> None:
    """Export and print what was written."""
    path = export()
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
