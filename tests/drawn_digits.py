"""Digits drawn the way people draw them on the 280x280 canvas, for drawing-pipeline tests.

Two sources: real MNIST digits blown up to canvas size with solid brush-like strokes, and digits
written as thick polylines with PIL (the strokes a mouse makes). Colour schemes:
"canvas" is what st_canvas returns (transparent background, coloured strokes), "dark_on_light"
and "light_on_dark" are opaque images such as photos or scans.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CANVAS_SIDE = 280
SCHEMES = ("canvas", "dark_on_light", "light_on_dark")
BUNDLED_MNIST = Path(__file__).resolve().parent.parent / "nnlab" / "data" / "mnist-sample.npz"


def all_sample_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 real MNIST digits bundled with nnlab (its train and test splits together)."""
    with np.load(BUNDLED_MNIST) as sample:
        x = np.concatenate([sample["x_train"], sample["x_test"]])
        y = np.concatenate([sample["y_train"], sample["y_test"]])
    return x, y


def to_rgba(
    ink: np.ndarray, scheme: str, colour: tuple[int, int, int] = (20, 40, 200)
) -> np.ndarray:
    """An ink mask (0..1) as an RGBA canvas image in the given colour scheme."""
    ink = np.clip(ink, 0, 1)
    height, width = ink.shape
    rgba = np.zeros((height, width, 4), np.uint8)
    if scheme == "canvas":
        rgba[..., :3] = colour
        rgba[..., 3] = np.round(ink * 255)
    elif scheme == "dark_on_light":
        rgba[..., :3] = np.round(255 * (1 - ink))[..., None]
        rgba[..., 3] = 255
    elif scheme == "light_on_dark":
        rgba[..., :3] = np.round(255 * ink)[..., None]
        rgba[..., 3] = 255
    else:
        raise ValueError(scheme)
    return rgba


def mnist_on_canvas(
    digit: np.ndarray, scheme: str = "canvas", size: int = 190, offset: tuple[int, int] = (30, 60)
) -> np.ndarray:
    """A 28x28 MNIST digit drawn large on a canvas with solid strokes, away from the centre."""
    big = Image.fromarray(digit).resize((size, size), Image.Resampling.BILINEAR)
    strokes = (np.asarray(big, dtype=np.float64) > 100).astype(np.float64)
    ink = np.zeros((CANVAS_SIDE, CANVAS_SIDE))
    top, left = offset
    ink[top : top + size, left : left + size] = strokes[: CANVAS_SIDE - top, : CANVAS_SIDE - left]
    return to_rgba(ink, scheme)


# Mouse strokes for each digit, in a unit box (x right, y down); each inner list is one stroke.
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5 + 0.32 * np.sin(a), 0.5 - 0.45 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 40)]],
    1: [[(0.5, 0.05), (0.5, 0.95)]],
    2: [
        [
            (0.2, 0.25),
            (0.35, 0.08),
            (0.6, 0.05),
            (0.78, 0.2),
            (0.75, 0.4),
            (0.2, 0.93),
            (0.85, 0.93),
        ]
    ],
    3: [[(0.2, 0.1), (0.7, 0.08), (0.45, 0.45), (0.78, 0.65), (0.6, 0.92), (0.2, 0.88)]],
    4: [[(0.6, 0.05), (0.15, 0.65), (0.85, 0.65)], [(0.65, 0.35), (0.65, 0.95)]],
    5: [
        [(0.8, 0.08), (0.3, 0.08), (0.25, 0.45), (0.65, 0.45), (0.8, 0.7), (0.6, 0.92), (0.2, 0.88)]
    ],
    6: [
        [
            (0.7, 0.05),
            (0.35, 0.35),
            (0.25, 0.7),
            (0.45, 0.95),
            (0.7, 0.85),
            (0.72, 0.6),
            (0.5, 0.5),
            (0.28, 0.65),
        ]
    ],
    7: [[(0.15, 0.08), (0.85, 0.08), (0.4, 0.95)]],
    8: [
        [(0.5 + 0.22 * np.sin(a), 0.27 - 0.22 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 30)],
        [
            (0.5 + 0.28 * np.sin(a), 0.72 - 0.25 * np.cos(a))
            for a in np.linspace(np.pi, 3 * np.pi, 30)
        ],
    ],
    9: [
        [
            (0.72, 0.3),
            (0.5, 0.08),
            (0.28, 0.25),
            (0.35, 0.48),
            (0.72, 0.35),
            (0.7, 0.95),
        ]
    ],
}


def stroked_digit(
    digit: int,
    scheme: str = "canvas",
    width: int = 20,
    box: tuple[int, int, int, int] = (60, 40, 200, 240),
) -> np.ndarray:
    """A digit drawn as mouse-like polylines with a round brush of `width` px."""
    left, top, right, bottom = box
    image = Image.new("L", (CANVAS_SIDE, CANVAS_SIDE), 0)
    pen = ImageDraw.Draw(image)
    for stroke in STROKES[digit]:
        points = [(left + x * (right - left), top + y * (bottom - top)) for x, y in stroke]
        pen.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps, as the canvas brush has
            pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return to_rgba(np.asarray(image, dtype=np.float64) / 255.0, scheme)


def mnist_sample(per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`per_class` real MNIST digits of each class from the shared 10k sample."""
    rng = np.random.default_rng(seed)
    x, y = all_sample_digits()
    chosen = np.concatenate(
        [rng.choice(np.flatnonzero(y == digit), per_class, replace=False) for digit in range(10)]
    )
    return x[chosen], y[chosen]
