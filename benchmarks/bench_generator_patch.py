"""Why nnlab trains big layers slowly: TensorFlow's from_generator malloc patch, counted.

The first `tf.data.Dataset.from_generator` in a process makes TensorFlow set M_TRIM_THRESHOLD
to 128 kB for the whole process; large tensors are then mmap-ed and unmapped every step. Page
faults and system CPU time show it whatever the machine's load. Each case runs in a fresh process
(784-1000-10, batch 100, Fashion-MNIST, 10k images, 3 epochs):

- tutorial: tutorial-style fit on float64 arrays, nothing else in the process
- tutorial_patched: the same after one tiny generator dataset was iterated
- generator: nnlab's model and data split fed by `from_generator` as first shipped
  (`benchlib.generator_dataset`; nnlab.learn.training itself now gathers, as `gather` does)
- gather: the same batches in the same order, from per-epoch index orders and tf.gather

    python benchmarks/bench_generator_patch.py [--cases tutorial,tutorial_patched,generator,gather]
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

CASES = ("tutorial", "tutorial_patched", "generator", "gather")


def child(case: str) -> dict:
    """Fit once; epoch times, minor page faults, user and system CPU seconds."""
    import keras
    import numpy as np
    import tensorflow as tf

    import nnlab
    from nnlab import LayerSpec, RunSpec
    from nnlab.learn import training
    from nnlab.learn.model import build_model

    spec = RunSpec(
        dataset="fashion_mnist",
        train_size=10_000,
        hidden_layers=(LayerSpec.dense(1000),),
        epochs=3,
        batch_size=100,
        seed=1,
    )
    data = training.prepare_data(spec, nnlab.load_dataset("fashion_mnist"))
    batches = math.ceil(len(data.train_indices) / spec.batch_size)
    validation = {"validation_data": (data.x_validation, data.y_validation)}
    if case.startswith("tutorial"):
        if case == "tutorial_patched":
            tiny = tf.data.Dataset.from_generator(
                lambda: iter([np.zeros(3, np.float32)]),
                output_signature=tf.TensorSpec((3,), tf.float32),
            )
            for _ in tiny:
                pass
        model = keras.Sequential(
            [
                keras.Input(shape=(28, 28)),
                keras.layers.Flatten(),
                keras.layers.Dense(1000, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(optimizer="adam", loss=spec.loss, metrics=["accuracy"])
        fit = {
            "x": data.x_train[data.train_indices] / 255.0,
            "y": data.labels[data.train_indices],
            "batch_size": spec.batch_size,
        }
        validation = {"validation_data": (data.x_validation / 255.0, data.y_validation)}
    else:
        model = build_model(spec)
        validation["validation_batch_size"] = training.VALIDATION_BATCH_SIZE
        if case == "generator":
            fit = {"x": benchlib.generator_dataset(spec, data), "steps_per_epoch": batches}
        else:
            orders = np.stack(
                [training.epoch_order(spec, data.train_indices, e) for e in range(spec.epochs)]
            ).astype(np.int32)
            images, labels = tf.constant(data.x_train), tf.constant(data.labels)
            stream = tf.data.Dataset.from_tensor_slices(orders).flat_map(
                lambda order: tf.data.Dataset.from_tensor_slices(order).batch(spec.batch_size)
            )
            stream = stream.map(lambda index: (tf.gather(images, index), tf.gather(labels, index)))
            fit = {"x": stream.prefetch(2), "steps_per_epoch": batches}
    seconds: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    before = resource.getrusage(resource.RUSAGE_SELF)
    history = model.fit(
        **fit, epochs=spec.epochs, callbacks=[EpochTimer()], verbose=0, **validation
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "epoch_seconds": seconds,
        "minor_faults": after.ru_minflt - before.ru_minflt,
        "user_s": after.ru_utime - before.ru_utime,
        "system_s": after.ru_stime - before.ru_stime,
        "val_accuracy": float(history.history["val_accuracy"][-1]),
    }


def main() -> None:
    """Run each case in a fresh process and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        benchlib.report_result(child(args.child))
        return
    print(benchlib.machine_line(benchlib.machine_record()))
    rows = []
    for case in args.cases.split(","):
        result = benchlib.run_child([__file__, "--child", case])
        rows.append(
            [
                case,
                ", ".join(f"{s:.2f}" for s in result["epoch_seconds"]),
                f"{result['minor_faults']:,}",
                f"{result['user_s']:.1f}",
                f"{result['system_s']:.1f}",
                f"{result['val_accuracy']:.4f}",
            ]
        )
        print(rows[-1], flush=True)
    header = ["case", "epoch s", "minor page faults", "user CPU s", "system CPU s", "val_accuracy"]
    print(benchlib.markdown_table(header, rows))


if __name__ == "__main__":
    main()
