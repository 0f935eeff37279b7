"""What the per-epoch diagnostics cost: their time as a share of the epoch (goal: at most 3 %).

Trains a few specs in this process with `nnlab.learn.training.fit_spec` as a worker does, twice
each: with the diagnostics callback as it ships (its own time per epoch is measured inside it), and
with the callback replaced by one that does nothing. Prints, per spec and epoch, the callback's
seconds and its share of the epoch beside the epoch time with and without it.

    python benchmarks/bench_diagnostics.py            # Fashion-MNIST (Debian's full set), 3 epochs
    python benchmarks/bench_diagnostics.py --epochs 5 --images 20000
    python benchmarks/bench_diagnostics.py --quick    # 6,000 images, 2 epochs

The first epoch also pays for tracing the probe's TensorFlow functions (once per run), so the
table gives the first epoch and the median of the others apart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchlib

SPECS = {
    "t000-like sigmoid 784-15-10, SGD, batch 100": {
        "hidden_layers": [{"kind": "dense", "units": 15, "activation": "sigmoid"}],
        "output_activation": "sigmoid",
        "loss": "mean_squared_error",
        "optimizer": "sgd",
        "learning_rate": 0.2,
        "batch_size": 100,
    },
    "784-100-10 ReLU, RMSprop, batch 32 (tutorial 004)": {
        "hidden_layers": [{"kind": "dense", "units": 100, "activation": "relu"}],
        "optimizer": "rmsprop",
        "batch_size": 32,
    },
    "784-1000-10 ReLU, Adam, batch 100 (tutorial 002)": {
        "hidden_layers": [{"kind": "dense", "units": 1000, "activation": "relu"}],
        "batch_size": 100,
    },
    "convnet c32-c64, dropout 0.5, batch 128 (keras-io)": {
        "hidden_layers": [
            {"kind": "conv", "filters": 32, "kernel_size": 3, "activation": "relu"},
            {"kind": "conv", "filters": 64, "kernel_size": 3, "activation": "relu"},
        ],
        "dropout_rate": 0.5,
        "batch_size": 128,
    },
}


def _train(
    spec: Any, dataset: Any, diagnostics_on: bool
) -> tuple[list[float], list[float], list[float]]:
    """(epoch seconds, diagnostics seconds, of which the map's) per epoch of one run."""
    import keras

    from nnlab.learn import callbacks
    from nnlab.learn.training import fit_spec

    made: list[Any] = []
    original = callbacks.DiagnosticsCallback

    def keep(*args: Any, **kwargs: Any) -> Any:
        callback = original(*args, **kwargs) if diagnostics_on else keras.callbacks.Callback()
        made.append(callback)
        return callback

    callbacks.DiagnosticsCallback = keep
    try:
        result = fit_spec(spec, dataset)
    finally:
        callbacks.DiagnosticsCallback = original
    spent = list(getattr(made[0], "seconds", [])) if made else []
    mapped = list(getattr(made[0], "map_seconds", [])) if made else []
    return [row.seconds for row in result.history], spent, mapped


def main() -> None:
    """Measure and write the section of docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6,000 images, 2 epochs")
    parser.add_argument("--images", type=int, default=None, help="training images (default all)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per run (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    from nnlab.core.spec import RunSpec
    from nnlab.data.datasets import load_dataset

    dataset = load_dataset("fashion_mnist")
    epochs = args.epochs or (2 if args.quick else 3)
    train_size = 6000 if args.quick else args.images
    rows = []
    for title, settings in SPECS.items():
        spec = RunSpec.from_dict(
            {"dataset": "fashion_mnist", "epochs": epochs, "train_size": train_size, **settings}
        )
        with_epochs, spent, mapped = _train(spec, dataset, True)
        without_epochs, _, _ = _train(spec, dataset, False)
        later = slice(1, None)
        statistics = [whole - part for whole, part in zip(spent, mapped, strict=True)]
        later_statistics = benchlib.median(statistics[later])
        later_map = benchlib.median(mapped[later])
        later_epoch = benchlib.median(with_epochs[later])
        rows.append(
            [
                title,
                f"{dataset.num_train if train_size is None else train_size:,}",
                f"{later_epoch:.2f} s",
                f"{benchlib.median(without_epochs[later]):.2f} s",
                f"{1000 * later_statistics:.0f} ms "
                f"(**{100 * later_statistics / later_epoch:.2f} %**)",
                f"{1000 * later_map:.0f} ms ({100 * later_map / later_epoch:.2f} %)",
                f"**{100 * sum(spent) / sum(with_epochs):.2f} %**",
                f"{1000 * spent[0]:.0f} ms",
            ]
        )
        print(" | ".join(rows[-1]), flush=True)
    table = benchlib.markdown_table(
        [
            "spec (Fashion-MNIST)",
            "images",
            "epoch with diagnostics",
            "epoch without",
            "statistics + watched images, per epoch",
            "map of 1,000 images, at a recorded epoch",
            "whole run: diagnostics / training time",
            "first epoch's diagnostics (tracing)",
        ],
        rows,
    )
    body = f"""## Diagnostics' cost per epoch (issue 11)

`python benchmarks/bench_diagnostics.py {" ".join(sys.argv[1:])}` — {epochs} epochs per
spec, each trained twice in one process: with the diagnostics callback (its own time measured
inside it: probe batch of 256 images forward and backward, statistics, watched images, and the
hidden-layer map of 1,000 test images at the epochs that record one) and with a callback that
does nothing. Medians of the epochs after the first; the first pays once for tracing the probe's
TensorFlow functions. The map is recorded at epochs 1, 2, 3, 5, 8, 13, ... and the last, so a
short run records it at every epoch. Goal: at most 3 % of an epoch. The two epoch-time columns
are runs minutes apart on a shared machine: their difference follows the load, not the
diagnostics; the diagnostics' own time, measured inside the callback, is the figure to read.
{benchlib.machine_line(benchlib.machine_record())}

{table}
"""
    print(body)
    if not args.no_write:
        benchlib.write_section("diagnostics", body)


if __name__ == "__main__":
    main()
