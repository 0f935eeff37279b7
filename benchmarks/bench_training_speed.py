"""Epoch time of a run through nnlab against the same network in a tutorial-style Keras script.

The baseline is written the way the tutorials write it: images divided by 255.0 in NumPy (float64),
`model.fit` on the arrays with the test set as validation data. nnlab trains the same network from a
RunSpec (uint8 images, Rescaling inside the model). Both run the same epochs, batch size and
validation, in fresh subprocesses, interleaved (A, B, A, B, ...), and the medians are compared.

    python benchmarks/bench_training_speed.py            # full: 60k images, 3 epochs, 3 reps
    python benchmarks/bench_training_speed.py --quick    # 6k images, 2 epochs, 1 rep
    python benchmarks/bench_training_speed.py --archs mlp128 --impls nnlab,baseline,uint8
    python benchmarks/bench_training_speed.py --archs mlp128 --impls uint8 \
        --options '{"steps_per_execution": 8, "jit_compile": true}'   # explore fit settings

Implementations: `nnlab` (nnlab.train), `baseline` (tutorial style, float64 / 255.0),
`baseline32` (the same with float32, as keras-io's convnet does), `uint8` (the same network with
Rescaling inside the model and uint8 arrays, plain `model.fit` with the given --options), and
`nnlablab` (nnlab's own model and data split, fed to `fit` as --options says: "feed" generator /
gather / arrays, "steps_per_execution", "jit_compile"): labs to find what makes nnlab fastest.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

# Architecture -> (hidden layers as RunSpec dicts, batch size, validation). Batch sizes follow the
# tutorials: Keras' default 32 (004), 100 (002), 128 (keras-io convnet); the convnet holds out 10 %.
ARCHS = {
    "mlp128": {
        "title": "784-128-10 (ReLU, Adam, batch 32)",
        "hidden_layers": [{"kind": "dense", "units": 128, "activation": "relu"}],
        "batch_size": 32,
    },
    "mlp1000": {
        "title": "784-1000-10 (ReLU, Adam, batch 100; tutorial 002)",
        "hidden_layers": [{"kind": "dense", "units": 1000, "activation": "relu"}],
        "batch_size": 100,
    },
    "cnn": {
        "title": "CNN preset cnn_mnist (2 conv blocks, dropout 0.5, batch 128)",
        "preset": "cnn_mnist",
    },
}


def spec_for(arch: str, train_size: int | None, epochs: int):
    """The RunSpec both sides train: Fashion-MNIST, the architecture, the given size and epochs."""
    from nnlab import PRESETS, RunSpec

    recipe = ARCHS[arch]
    if "preset" in recipe:
        base = PRESETS[recipe["preset"]].spec
    else:
        base = RunSpec.from_dict(
            {
                "hidden_layers": recipe["hidden_layers"],
                "batch_size": recipe["batch_size"],
                "optimizer": "adam",
                "learning_rate": 0.001,
                "validation": "test",
            }
        )
    return base.replace(dataset="fashion_mnist", train_size=train_size, epochs=epochs, seed=1)


# ----------------------------------------------------------------------------- children


def _tutorial_model(spec, keras, layers):
    """The spec's network written out by hand, as a tutorial would (no Rescaling layer)."""
    model = keras.Sequential()
    if spec.has_conv:
        model.add(keras.Input(shape=(28, 28, 1)))
    else:
        model.add(keras.Input(shape=(28, 28)))
    for layer in spec.hidden_layers:
        if layer.kind == "conv":
            model.add(layers.Conv2D(layer.filters, layer.kernel_size, activation=layer.activation))
            model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Flatten())
    if spec.has_conv and spec.dropout_rate:
        model.add(layers.Dropout(spec.dropout_rate))
    for layer in spec.hidden_layers:
        if layer.kind == "dense":
            model.add(layers.Dense(layer.units, activation=layer.activation))
            if spec.dropout_rate:
                model.add(layers.Dropout(spec.dropout_rate))
    model.add(layers.Dense(10, activation=spec.output_activation))
    return model


def _epoch_timer(keras):
    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    return EpochTimer()


def child_keras(arch: str, train_size: int | None, epochs: int, impl: str, options: dict) -> dict:
    """Tutorial-style script (baseline / baseline32) or the uint8 lab variant."""
    import keras
    import numpy as np
    from keras import layers

    spec = spec_for(arch, train_size, epochs)
    keras.utils.set_random_seed(spec.seed)
    (x_train, y_train), (x_test, y_test) = benchlib.load_fashion_idx()
    if train_size:
        x_train, y_train = x_train[:train_size], y_train[:train_size]
    if impl == "baseline":
        x_train, x_test = x_train / 255.0, x_test / 255.0  # float64, as the tutorials do
    elif impl == "baseline32":
        x_train = x_train.astype("float32") / 255
        x_test = x_test.astype("float32") / 255
    if spec.has_conv:
        x_train, x_test = np.expand_dims(x_train, -1), np.expand_dims(x_test, -1)
    if spec.one_hot_labels:
        y_train = keras.utils.to_categorical(y_train, 10)
        y_test = keras.utils.to_categorical(y_test, 10)

    model = _tutorial_model(spec, keras, layers)
    if impl == "uint8":  # Rescaling inside, as nnlab does
        model = keras.Sequential([keras.Input(shape=x_train.shape[1:]), layers.Rescaling(1 / 255)])
        for layer in _tutorial_model(spec, keras, layers).layers:
            model.add(layer)
    compile_options = {
        key: options[key] for key in ("jit_compile", "steps_per_execution") if key in options
    }
    model.compile(
        optimizer=keras.optimizers.Adam(spec.learning_rate),
        loss=spec.loss,
        metrics=["accuracy"],
        **compile_options,
    )
    timer = _epoch_timer(keras)
    fit_data: dict = {"x": x_train, "y": y_train}
    if options.get("tf_data"):
        import tensorflow as tf

        dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
        dataset = dataset.shuffle(len(x_train), seed=spec.seed).batch(spec.batch_size)
        fit_data = {"x": dataset.prefetch(tf.data.AUTOTUNE)}
    else:
        fit_data["batch_size"] = spec.batch_size
    validation = {"validation_data": (x_test, y_test)}
    if spec.validation == "split":
        validation = {"validation_split": spec.validation_split}
        if options.get("tf_data"):  # tf.data can't split; hold out the tail as Keras would
            raise SystemExit("tf_data with a validation split is not supported in this lab")
    start = time.perf_counter()
    history = model.fit(**fit_data, epochs=epochs, verbose=0, callbacks=[timer], **validation)
    wall = time.perf_counter() - start
    return {
        "epoch_seconds": timer.seconds,
        "fit_seconds": wall,
        "val_accuracy": float(history.history["val_accuracy"][-1]),
        "peak_rss_mb": benchlib.peak_rss_mb(),
    }


def child_nnlab(arch: str, train_size: int | None, epochs: int) -> dict:
    """The same run through nnlab.train (data loaded once beforehand, as the app does)."""
    import nnlab

    spec = spec_for(arch, train_size, epochs)
    nnlab.load_dataset("fashion_mnist")  # warm the shared copy: data loading is not training
    start = time.perf_counter()
    result = nnlab.train(spec)
    wall = time.perf_counter() - start
    history = result[1] if isinstance(result, tuple) else result.history
    return {
        "epoch_seconds": [float(entry.seconds) for entry in history],
        "fit_seconds": wall,
        "val_accuracy": float(history[-1].val_accuracy),
        "peak_rss_mb": benchlib.peak_rss_mb(),
    }


def child_nnlab_lab(arch: str, train_size: int | None, epochs: int, options: dict) -> dict:
    """nnlab's model and data, fed to `fit` in other ways: what would make nnlab.train faster.

    options: "feed" = "generator" (nnlab.learn.training's per-batch Python generator, as shipped),
    "gather" (a tf.data stream of seeded per-epoch index batches, images gathered from one
    shared uint8 tensor inside tf.data: no Python per batch) or "arrays" (the run's uint8 images
    copied out and given to fit as arrays, Keras shuffling); plus "steps_per_execution",
    "jit_compile".
    """
    import itertools
    import math

    import nnlab
    from nnlab.learn import training

    spec = spec_for(arch, train_size, epochs)
    dataset = nnlab.load_dataset("fashion_mnist")
    data = training.prepare_data(spec, dataset)
    model = nnlab.build_model(spec)
    compile_options = {
        key: options[key] for key in ("jit_compile", "steps_per_execution") if key in options
    }
    if compile_options:
        model.compile(
            optimizer=model.optimizer, loss=spec.loss, metrics=["accuracy"], **compile_options
        )
    batches = math.ceil(len(data.train_indices) / spec.batch_size)
    feed = options.get("feed", "generator")
    if feed == "generator":
        fit_data = {"x": benchlib.generator_dataset(spec, data), "steps_per_epoch": batches}
    elif feed == "gather":
        import tensorflow as tf

        images = tf.constant(data.x_train)
        labels = tf.constant(data.labels)

        def orders():
            for epoch in itertools.count():
                yield training.epoch_order(spec, data.train_indices, epoch)

        stream = tf.data.Dataset.from_generator(
            orders, output_signature=tf.TensorSpec((None,), tf.int64)
        )
        stream = stream.flat_map(
            lambda order: tf.data.Dataset.from_tensor_slices(order).batch(spec.batch_size)
        )
        stream = stream.map(lambda index: (tf.gather(images, index), tf.gather(labels, index)))
        fit_data = {"x": stream.prefetch(2), "steps_per_epoch": batches}
    elif feed == "arrays":
        fit_data = {
            "x": data.x_train[data.train_indices],
            "y": data.labels[data.train_indices],
            "batch_size": spec.batch_size,
        }
    else:
        raise SystemExit(f"unknown feed {feed!r}")
    import keras

    timer = _epoch_timer(keras)
    start = time.perf_counter()
    history = model.fit(
        **fit_data,
        epochs=epochs,
        validation_data=(data.x_validation, data.y_validation),
        validation_batch_size=options.get("validation_batch_size", training.VALIDATION_BATCH_SIZE),
        callbacks=[timer],
        verbose=0,
    )
    wall = time.perf_counter() - start
    return {
        "epoch_seconds": timer.seconds,
        "fit_seconds": wall,
        "val_accuracy": float(history.history["val_accuracy"][-1]),
        "peak_rss_mb": benchlib.peak_rss_mb(),
    }


# ----------------------------------------------------------------------------- parent


def steady_epoch(seconds: list[float]) -> float:
    """Median epoch time after the first (which also traces and compiles the graph)."""
    return benchlib.median(seconds[1:]) if len(seconds) > 1 else seconds[0]


def main() -> None:
    """Parse arguments; as a child, measure once; as the parent, interleave and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="6k images, 2 epochs, 1 rep")
    parser.add_argument("--archs", default=",".join(ARCHS))
    parser.add_argument("--impls", default="nnlab,baseline")
    parser.add_argument("--train-size", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--options", default="{}", help="JSON fit settings for the uint8 lab")
    parser.add_argument("--no-report", action="store_true", help="print only; leave the doc")
    parser.add_argument("--child", nargs=2, metavar=("IMPL", "ARCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    train_size = args.train_size or (6000 if args.quick else None)
    epochs = args.epochs or (2 if args.quick else 3)
    reps = args.reps or (1 if args.quick else 3)
    options = json.loads(args.options)

    if args.child:
        impl, arch = args.child
        if impl == "nnlab":
            benchlib.report_result(child_nnlab(arch, train_size, epochs))
        elif impl == "nnlablab":
            benchlib.report_result(child_nnlab_lab(arch, train_size, epochs, options))
        else:
            benchlib.report_result(child_keras(arch, train_size, epochs, impl, options))
        return

    machine = benchlib.machine_record()
    print(benchlib.machine_line(machine))
    archs = args.archs.split(",")
    impls = args.impls.split(",")
    results: dict[tuple[str, str], list[dict]] = {}
    for arch in archs:
        for rep in range(reps):
            for impl in impls if rep % 2 == 0 else reversed(impls):  # A B, B A: no order bias
                child_args = [__file__, "--child", impl, arch, "--epochs", str(epochs)]
                child_args += ["--options", json.dumps(options)]
                if train_size:
                    child_args += ["--train-size", str(train_size)]
                result = benchlib.run_child(child_args)
                results.setdefault((arch, impl), []).append(result)
                epochs_text = ", ".join(f"{s:.2f}" for s in result["epoch_seconds"])
                print(
                    f"{arch:8s} {impl:10s} rep {rep + 1}: epochs [{epochs_text}] s, "
                    f"val_acc {result['val_accuracy']:.4f}, peak {result['peak_rss_mb']:.0f} MB",
                    flush=True,
                )

    rows = []
    for arch in archs:
        steady = {
            impl: [steady_epoch(r["epoch_seconds"]) for r in results[arch, impl]] for impl in impls
        }
        first = {impl: [r["epoch_seconds"][0] for r in results[arch, impl]] for impl in impls}
        reference = benchlib.median(steady[impls[-1]]) if len(impls) > 1 else float("nan")
        for impl in impls:
            value = benchlib.median(steady[impl])
            ratio = value / reference if impl != impls[-1] else 1.0
            rows.append(
                [
                    ARCHS[arch]["title"],
                    impl,
                    f"{value:.2f}",
                    f"{benchlib.median(first[impl]):.2f}",
                    f"{ratio:.2f}",
                    f"{benchlib.median([r['peak_rss_mb'] for r in results[arch, impl]]):.0f}",
                ]
            )
    header = [
        "network",
        "implementation",
        "epoch s (median, epochs 2+)",
        "first epoch s",
        f"ratio to {impls[-1]}",
        "peak RSS MB",
    ]
    table = benchlib.markdown_table(header, rows)
    print(table)
    if args.no_report:
        return
    size_text = f"{train_size:,} training images" if train_size else "all 60,000 training images"
    lab = f" (lab options {json.dumps(options)})" if {"uint8", "nnlablab"} & set(impls) else ""
    command = "python " + " ".join(Path(a).name if a == __file__ else a for a in sys.argv)
    body = f"""## Training speed

Goal: nnlab's epoch time no higher than the tutorial-style script's (ratio <= 1.0).

{benchlib.machine_line(machine)}

Fashion-MNIST from Debian's IDX files, {size_text}, {epochs} epochs per run, {reps} run(s) per
implementation, each in a fresh process, interleaved. Epoch time includes the validation pass
(10,000 test images; the CNN holds out 10 % instead). Implementations: {", ".join(impls)}{lab}.
The baseline divides by 255.0 in float64 for every network, as the tutorials do (keras-io's
convnet uses float32: `--impls nnlab,baseline32` measures that).
Command: `{command}`

{table}
"""
    benchlib.write_section("training_speed" + ("_quick" if args.quick else ""), body)


if __name__ == "__main__":
    main()
