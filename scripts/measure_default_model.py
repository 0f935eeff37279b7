"""Measure the default digit model on canvas-like drawings (the figures in docs/DEFAULT_MODEL.md).

    python scripts/measure_default_model.py

Draws each held-out MNIST test digit large on a 280x280 canvas (transparent canvas strokes, and
dark ink on white), runs it through the Draw page's pipeline, and counts the right answers; then
the mouse-like stroked digits of tests/drawn_digits.py at five pen widths.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from drawn_digits import mnist_on_canvas, stroked_digit  # noqa: E402

import nnlab  # noqa: E402
from nnlab.datasets import load_dataset  # noqa: E402
from nnlab.drawing import class_probabilities, preprocess_drawing  # noqa: E402

PEN_WIDTHS = (8, 12, 20, 32, 40)


def main() -> None:
    """Print the accuracy figures."""
    model = nnlab.load_default_network()  # the NumPy copy the app runs
    data = load_dataset("mnist")
    print(data.describe())
    for scheme in ("canvas", "dark_on_light"):
        images = np.stack([preprocess_drawing(mnist_on_canvas(d, scheme)) for d in data.x_test])
        accuracy = (class_probabilities(model, images).argmax(axis=1) == data.y_test).mean()
        print(f"test digits drawn large on a canvas ({scheme}): {accuracy:.2%}")
    right = sum(
        int(nnlab.predict_digit(model, stroked_digit(digit, width=width)).argmax() == digit)
        for digit in range(10)
        for width in PEN_WIDTHS
    )
    print(f"stroked digits 0-9 at pen widths {PEN_WIDTHS}: {right} / {10 * len(PEN_WIDTHS)}")


if __name__ == "__main__":
    main()
