"""Server-side latency of the Draw page: canvas pixels (280x280 RGBA) -> class probabilities.

    python benchmarks/bench_predict_latency.py [--repeats 200]

Measures, for the default digit model and for a freshly trained MLP (784-128-10):
preprocessing alone, the full path through `nnlab.predict_digit` (which calls the model directly,
`model(x, training=False)`), the same path through `model.predict` for comparison, and, for the
MLP, the NumPy forward pass. Prints the median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("NNLAB_OFFLINE", "1")


def timed(function, repeats: int, warmup: int = 5) -> tuple[float, float]:
    """(median, p95) wall time of function() in milliseconds."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return float(np.median(samples)), float(np.percentile(samples, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()

    from drawn_digits import stroked_digit

    import nnlab
    from nnlab.datasets import load_dataset
    from nnlab.drawing import model_inputs, preprocess_drawing
    from nnlab.model import build_model
    from nnlab.numpy_net import dense_layers_of, forward_numpy, numpy_inputs_of
    from nnlab.spec import LayerSpec, RunSpec

    canvas = stroked_digit(7, width=20)  # what st_canvas returns: (280, 280, 4) uint8
    image = preprocess_drawing(canvas)

    default_model = nnlab.load_default_model()
    dataset = load_dataset("mnist")
    mlp = build_model(RunSpec(hidden_layers=(LayerSpec.dense(128),), epochs=1, batch_size=100))
    mlp.fit(dataset.x_train[:3000], dataset.y_train[:3000], epochs=1, batch_size=100, verbose=0)
    mlp_layers = dense_layers_of(mlp)

    rows = [("preprocess_drawing only", timed(lambda: preprocess_drawing(canvas), args.repeats))]
    for name, model in (("default CNN", default_model), ("MLP 784-128-10", mlp)):
        rows.append(
            (
                f"{name}: predict_digit (model call)",
                timed(lambda m=model: nnlab.predict_digit(m, canvas), args.repeats),
            )
        )
        rows.append(
            (
                f"{name}: preprocess + model.predict",
                timed(
                    lambda m=model: m.predict(
                        model_inputs(m, preprocess_drawing(canvas)), verbose=0
                    ),
                    max(20, args.repeats // 4),
                ),
            )
        )
    rows.append(
        (
            "MLP 784-128-10: preprocess + NumPy forward",
            timed(
                lambda: forward_numpy(
                    mlp_layers,
                    numpy_inputs_of(mlp, model_inputs(mlp, preprocess_drawing(canvas))),
                ),
                args.repeats,
            ),
        )
    )
    assert image is not None
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{args.repeats} repeats (model.predict: fewer), canvas 280x280 RGBA"
    )
    print(f"{'path':48s} {'median ms':>10s} {'p95 ms':>8s}")
    for name, (median, p95) in rows:
        print(f"{name:48s} {median:10.2f} {p95:8.2f}")


if __name__ == "__main__":
    main()
