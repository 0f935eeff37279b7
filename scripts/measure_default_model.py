"""Measure the default digit model on handwriting (the figures in docs/DEFAULT_MODEL.md).

    python scripts/measure_default_model.py            # every table (about 3 minutes on 2 cores)
    python scripts/measure_default_model.py --limit 300  # a quicker look at 300 real digits
    python scripts/measure_default_model.py --network other.npz  # a candidate, not the shipped one

1. Real handwriting from writers the model never saw: scikit-learn's `load_digits` (1,797 digits
   by 43 writers, UCI "Optical Recognition of Handwritten Digits", 8x8). Each digit's centre line
   is traced again with a round pen (`nnlab.inspection.drawing.pen_redraw`) at several digit sizes
   and pen widths, placed on a 280x280 canvas as the canvas returns it (transparent, coloured
   strokes), and put through the Draw page's pipeline (`preprocess_drawing`). Accuracy per size and
   pen width. 2. Each held-out MNIST test digit drawn large on a canvas (canvas strokes, and dark
   ink on white). 3. The mouse-like stroked digits of tests/drawn_digits.py at five pen widths.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from drawn_digits import CANVAS_SIDE, mnist_on_canvas, stroked_digit, to_rgba  # noqa: E402

import nnlab  # noqa: E402
from nnlab.data.datasets import load_dataset  # noqa: E402
from nnlab.inspection.drawing import class_probabilities, pen_redraw, preprocess_drawing  # noqa: E402
from nnlab.inspection.network import Network  # noqa: E402

PEN_WIDTHS = (6, 12, 20, 30, 40)  # the Draw page's pen slider runs from 6 to 40 px
DIGIT_SIZES = (40, 80, 140, 220)  # digit height on the 280 px canvas: small to nearly full
# A size and pen for which a person's digit is still legible: the pen is at most a quarter of the
# digit's height (a 40 px digit drawn with a 30 px pen is a blot to people too).
LEGIBLE_PEN_SHARE = 0.25


def handwriting() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 real handwritten digits (8x8, 0..16) and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.images, digits.target


def on_canvas(digit: np.ndarray, size: int, pen_width: float, rng: np.random.Generator):
    """One handwritten digit redrawn `size` px tall with a `pen_width` px pen, somewhere on a
    280x280 canvas, as the canvas returns it (RGBA, transparent background)."""
    ink = pen_redraw(digit, size, pen_width)[:CANVAS_SIDE, :CANVAS_SIDE]
    canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE))
    top = rng.integers(0, CANVAS_SIDE - ink.shape[0] + 1)
    left = rng.integers(0, CANVAS_SIDE - ink.shape[1] + 1)
    canvas[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return to_rgba(canvas, "canvas")


def handwriting_accuracy(
    network, images: np.ndarray, labels: np.ndarray, size: int, pen_width: float, seed: int = 0
) -> float:
    """Share of the handwritten digits read right when drawn at this size and pen width."""
    rng = np.random.default_rng(seed)
    inputs = [preprocess_drawing(on_canvas(image, size, pen_width, rng)) for image in images]
    blank = np.zeros((28, 28), np.float32)  # a digit lost by the pipeline counts as wrong
    read = [image is not None for image in inputs]
    batch = np.stack([image if image is not None else blank for image in inputs])
    predicted = class_probabilities(network, batch).argmax(axis=1)
    return float(np.mean((predicted == labels) & np.array(read)))


def legible(size: int, pen_width: float) -> bool:
    """Whether a person's digit of this size and pen width is still legible."""
    return pen_width <= LEGIBLE_PEN_SHARE * size


def handwriting_table(network, limit: int | None = None) -> dict[tuple[int, int], float]:
    """Accuracy for every (digit size, pen width) on the (first `limit`) handwritten digits."""
    images, labels = handwriting()
    if limit is not None:
        order = np.random.default_rng(0).permutation(len(labels))[:limit]
        images, labels = images[order], labels[order]
    return {
        (size, width): handwriting_accuracy(network, images, labels, size, width)
        for size in DIGIT_SIZES
        for width in PEN_WIDTHS
    }


def print_handwriting_table(table: dict[tuple[int, int], float], count: int) -> None:
    """The table as Markdown (docs/DEFAULT_MODEL.md), with the mean over legible cells."""
    print(f"\nscikit-learn handwriting, {count:,} digits (43 writers), through the Draw pipeline")
    print("| digit size \\ pen width | " + " | ".join(f"{w} px" for w in PEN_WIDTHS) + " |")
    print("|---" * (len(PEN_WIDTHS) + 1) + "|")
    for size in DIGIT_SIZES:
        cells = []
        for width in PEN_WIDTHS:
            figure = f"{table[(size, width)]:.1%}"
            cells.append(figure if legible(size, width) else f"({figure})")
        print(f"| {size} px | " + " | ".join(cells) + " |")
    fair = [value for (size, width), value in table.items() if legible(size, width)]
    print(
        f"mean over legible cells (pen <= {LEGIBLE_PEN_SHARE:.0%} of the size): "
        f"{np.mean(fair):.1%}; worst legible cell {min(fair):.1%}"
    )


def main() -> None:
    """Print the accuracy figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="handwritten digits to use")
    parser.add_argument("--network", type=Path, default=None, help="another .npz to measure")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.network is not None:
        model = Network.from_bytes(args.network.read_bytes())
    else:
        model = nnlab.load_default_network()  # the NumPy copy the app runs
    table = handwriting_table(model, args.limit)
    print_handwriting_table(table, args.limit or len(handwriting()[1]))

    data = load_dataset("mnist")
    print("\n" + data.describe())
    for scheme in ("canvas", "dark_on_light"):
        images = np.stack([preprocess_drawing(mnist_on_canvas(d, scheme)) for d in data.x_test])
        accuracy = (class_probabilities(model, images).argmax(axis=1) == data.y_test).mean()
        print(f"test digits drawn large on a canvas ({scheme}): {accuracy:.2%}")
    held_out = class_probabilities(model, data.x_test / 255.0).argmax(axis=1) == data.y_test
    print(f"held-out MNIST test digits as they are: {held_out.mean():.2%}")
    right = sum(
        int(nnlab.predict_digit(model, stroked_digit(digit, width=width)).argmax() == digit)
        for digit in range(10)
        for width in (8, 12, 20, 32, 40)
    )
    print(f"stroked digits 0-9 at pen widths 8, 12, 20, 32, 40: {right} / 50")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
