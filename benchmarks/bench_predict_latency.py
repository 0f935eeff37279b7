"""Server-side latency of the Draw page: canvas pixels (280x280 RGBA) -> class probabilities.

    python benchmarks/bench_predict_latency.py [--repeats 200]

The app process holds NumPy networks (`nnlab.inspection.network.Network`), never Keras. This
measures, for the shipped default digit CNN (`load_default_network()`) and for a 784-128-10 MLP
trained here with `nnlab.learn.training.train` and converted with `network_from_keras`:
preprocessing alone and the full path the Draw page takes,
`nnlab.inspection.drawing.predict_digit(network, rgba)`. Those run in a child process that never
imports TensorFlow, as the app process. For comparison the parent (which has Keras, to train the
MLP) times the same networks as Keras models: the direct call `model(x, training=False)` the app
used before the port, `model.predict`, and, for the MLP, the tutorial's NumPy forward pass
(`nnlab.inspection.numpy_net`). Prints the median and 95th percentile in ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("NNLAB_OFFLINE", "1")

import benchlib  # noqa: E402  (after the path set-up above)

GOAL_MS = 20.0
MLP_TRAIN_IMAGES = 3000


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


def _canvas() -> np.ndarray:
    from drawn_digits import stroked_digit

    return stroked_digit(7, width=20)  # what st_canvas returns: (280, 280, 4) uint8


def child_numpy(mlp_path: str, repeats: int) -> dict:
    """The app's path, in a process without TensorFlow: preprocess and predict_digit."""
    from nnlab.inspection.default_model import load_default_network
    from nnlab.inspection.drawing import predict_digit, preprocess_drawing
    from nnlab.inspection.network import Network

    canvas = _canvas()
    networks = {
        "default CNN": load_default_network(),
        "MLP 784-128-10": Network.from_bytes(Path(mlp_path).read_bytes()),
    }
    rows = [["preprocess_drawing only", *timed(lambda: preprocess_drawing(canvas), repeats)]]
    probabilities = {}
    for name, network in networks.items():
        rows.append(
            [
                f"{name}: predict_digit (NumPy Network)",
                *timed(lambda n=network: predict_digit(n, canvas), repeats),
            ]
        )
        probabilities[name] = predict_digit(network, canvas).tolist()
    loaded = sorted(name for name in ("tensorflow", "keras") if name in sys.modules)
    return {"rows": rows, "probabilities": probabilities, "tf_modules": loaded}


def main() -> None:
    """Train the MLP, time the NumPy path in a clean child, then the Keras paths here; print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        benchlib.report_result(child_numpy(args.child, args.repeats))
        return

    import nnlab
    from nnlab.core.spec import LayerSpec, RunSpec
    from nnlab.inspection.drawing import model_inputs, preprocess_drawing
    from nnlab.inspection.numpy_net import dense_layers_of, forward_numpy, numpy_inputs_of
    from nnlab.learn.keras_network import network_from_keras
    from nnlab.learn.training import train

    canvas = _canvas()
    spec = RunSpec(
        dataset="mnist",
        train_size=MLP_TRAIN_IMAGES,
        hidden_layers=(LayerSpec.dense(128),),
        epochs=1,
        batch_size=100,
    )
    dataset = nnlab.load_dataset("mnist")
    mlp_model, _history = train(spec, dataset)
    mlp = network_from_keras(mlp_model, dataset.x_test[:100], dataset.name)
    default_model = nnlab.load_default_model()
    default_network = nnlab.load_default_network()

    with tempfile.TemporaryDirectory(prefix="nnlab-latency-") as folder:
        mlp_path = Path(folder) / "mlp.npz"
        mlp_path.write_bytes(mlp.to_bytes())
        child = benchlib.run_child(
            [__file__, "--child", str(mlp_path), "--repeats", str(args.repeats)]
        )
    rows = [tuple(row) for row in child["rows"]]

    fewer = max(20, args.repeats // 4)
    for name, model, network in (
        ("default CNN", default_model, default_network),
        ("MLP 784-128-10", mlp_model, mlp),
    ):

        def keras_call(m=model, n=network):
            return m(model_inputs(n, preprocess_drawing(canvas)), training=False)

        def keras_predict(m=model, n=network):
            return m.predict(model_inputs(n, preprocess_drawing(canvas)), verbose=0)

        keras_probabilities = np.asarray(keras_call()).reshape(-1)
        difference = np.max(np.abs(keras_probabilities - np.asarray(child["probabilities"][name])))
        rows.append((f"{name}: preprocess + Keras model call", *timed(keras_call, args.repeats)))
        rows.append((f"{name}: preprocess + model.predict", *timed(keras_predict, fewer)))
        print(f"# {name}: NumPy vs Keras probabilities differ by at most {difference:.1e}")
    mlp_layers = dense_layers_of(mlp)
    rows.append(
        (
            "MLP 784-128-10: preprocess + numpy_net forward",
            *timed(
                lambda: forward_numpy(
                    mlp_layers, numpy_inputs_of(mlp, model_inputs(mlp, preprocess_drawing(canvas)))
                ),
                args.repeats,
            ),
        )
    )
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{args.repeats} repeats (model.predict: {fewer}), canvas 280x280 RGBA; "
        f"load average {benchlib.machine_record()['load_average_at_start']}"
    )
    print(
        "# predict_digit rows: a child process without TensorFlow (modules loaded among "
        f"tensorflow/keras: {', '.join(child['tf_modules']) or 'none'}); Keras rows: this process"
    )
    print(f"{'path':48s} {'median ms':>10s} {'p95 ms':>8s}")
    for name, median, p95 in rows:
        print(f"{name:48s} {median:10.2f} {p95:8.2f}")
    for name, median, _p95 in rows:
        if "predict_digit" in name:
            verdict = "met" if median < GOAL_MS else "MISSED"
            print(f"# goal < {GOAL_MS:.0f} ms median, {name.split(':')[0]}: {verdict}")


if __name__ == "__main__":
    main()
