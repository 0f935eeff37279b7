"""Which way of feeding batches makes nnlab's training fastest: an A/B lab in one process.

bench_training_speed.py compares whole runs in fresh processes; on a busy machine the noise
between processes can hide a 20 % difference. This lab builds nnlab's own model for the same
spec again and again in ONE process and alternates the variants round by round (rotating their
order), so slow and busy moments hit every variant alike. It times the second epoch of each fit
(the first also traces the graph). Variants:

- generator: nnlab.learn.training as shipped (a Python generator per batch through tf.data)
- generator_spe8: the same with compile(steps_per_execution=8)
- gather: per-epoch seeded index orders; tf.data batches the indices and gathers images and
  labels from one uint8 tensor (no Python per batch, same batch order as shipped)
- gather_spe8: gather with steps_per_execution=8
- arrays: the run's uint8 images given to fit() as NumPy arrays (Keras shuffles; not seeded
  per run, so only a speed reference)
- tutorial: the tutorial-style model on float64 / 255.0 arrays (the baseline of the speed goal)

    python benchmarks/bench_feed_settings.py --arch mlp128 --train-size 12000 --rounds 3
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
from bench_training_speed import ARCHS, _epoch_timer, _tutorial_model, spec_for

VARIANTS = ("generator", "generator_spe8", "gather", "gather_spe8", "arrays", "tutorial")


def _fit_once(variant: str, spec, data, tutorial_data) -> float:
    """Build a fresh model, fit 2 epochs with `variant`; the second epoch's seconds."""
    import keras
    import tensorflow as tf

    from nnlab.learn import training
    from nnlab.learn.model import build_model

    batches = math.ceil(len(data.train_indices) / spec.batch_size)
    validation = {
        "validation_data": (data.x_validation, data.y_validation),
        "validation_batch_size": training.VALIDATION_BATCH_SIZE,
    }
    if variant == "tutorial":
        x_train, y_train, x_val, y_val = tutorial_data
        model = _tutorial_model(spec, keras, keras.layers)
        model.compile(optimizer="adam", loss=spec.loss, metrics=["accuracy"])
        fit = {"x": x_train, "y": y_train, "batch_size": spec.batch_size}
        validation = {"validation_data": (x_val, y_val)}
    else:
        model = build_model(spec)
        if variant.endswith("_spe8"):
            model.compile(
                optimizer=model.optimizer,
                loss=spec.loss,
                metrics=["accuracy"],
                steps_per_execution=8,
            )
        if variant.startswith("generator"):
            fit = {"x": benchlib.generator_dataset(spec, data), "steps_per_epoch": batches}
        elif variant.startswith("gather"):
            images, labels = tf.constant(data.x_train), tf.constant(data.labels)

            def orders():
                for epoch in itertools.count():
                    yield training.epoch_order(spec, data.train_indices, epoch)

            stream = tf.data.Dataset.from_generator(
                orders, output_signature=tf.TensorSpec((None,), tf.int64)
            ).flat_map(
                lambda order: tf.data.Dataset.from_tensor_slices(order).batch(spec.batch_size)
            )
            stream = stream.map(lambda index: (tf.gather(images, index), tf.gather(labels, index)))
            fit = {"x": stream.prefetch(2), "steps_per_epoch": batches}
        else:
            fit = {
                "x": data.x_train[data.train_indices],
                "y": data.labels[data.train_indices],
                "batch_size": spec.batch_size,
            }
    timer = _epoch_timer(keras)
    model.fit(**fit, epochs=2, callbacks=[timer], verbose=0, **validation)
    return timer.seconds[1]


def main() -> None:
    """Alternate the variants for a few rounds; print medians and ratios to the tutorial."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", default="mlp128", choices=list(ARCHS))
    parser.add_argument("--train-size", type=int, default=12000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    import numpy as np

    import nnlab
    from nnlab.learn import training

    machine = benchlib.machine_record()
    print(benchlib.machine_line(machine), flush=True)
    spec = spec_for(args.arch, args.train_size, 2)
    dataset = nnlab.load_dataset("fashion_mnist")
    data = training.prepare_data(spec, dataset)
    x_train = data.x_train[data.train_indices] / 255.0
    x_val = data.x_validation / 255.0
    if spec.has_conv:
        x_train, x_val = np.expand_dims(x_train, -1), np.expand_dims(x_val, -1)
    tutorial_data = (x_train, data.labels[data.train_indices], x_val, data.y_validation)
    variants = args.variants.split(",")
    seconds: dict[str, list[float]] = {variant: [] for variant in variants}
    for round_number in range(args.rounds):
        shift = round_number % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            value = _fit_once(variant, spec, data, tutorial_data)
            seconds[variant].append(value)
            print(f"round {round_number + 1} {variant:15s} epoch 2: {value:.2f} s", flush=True)
    reference = benchlib.median(seconds.get("tutorial", [])) if "tutorial" in seconds else None
    rows = []
    for variant in variants:
        value = benchlib.median(seconds[variant])
        ratio = f"{value / reference:.2f}" if reference else "-"
        rows.append(
            [variant, f"{value:.2f}", ratio, " ".join(f"{s:.2f}" for s in seconds[variant])]
        )
    print(f"{ARCHS[args.arch]['title']}, {args.train_size:,} images, {args.rounds} rounds")
    print(
        benchlib.markdown_table(["variant", "epoch s (median)", "ratio to tutorial", "all"], rows)
    )


if __name__ == "__main__":
    main()
