"""Train the default digit model shipped in nnlab/assets/ (a small CNN, minutes on 2 cores).

    python scripts/train_default_model.py            # best MNIST available, writes the asset
    python scripts/train_default_model.py --quick    # a smoke run, writes nothing

Data: nnlab.data.datasets.load_dataset("mnist"): the full 60k + 10k when cached or online,
otherwise the bundled 10k sample (8,000 + 2,000). The test split is held out and never trained on.

Augmentation makes the model read what people draw on the canvas, not only MNIST scans: most
copies of a training digit are its centre line traced again with a round pen at a size and pen
width the canvas allows (small and thick to large and thin; sometimes from a coarse copy, so the
line wobbles; some 1s get a flag and base, some 7s a bar), the others are enlarged scans with
strokes thinned or thickened (grey erosion/dilation), sometimes made solid like a canvas brush.
Each is then rotated, sheared and stretched and put through exactly the pipeline the Draw page
uses (crop, scale the longer side to 20 px, centre of mass to the centre), plus small shifts.
docs/DEFAULT_MODEL.md has the details and the figures (scripts/measure_default_model.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from nnlab.core.spec import LayerSpec, RunSpec  # noqa: E402
from nnlab.inspection.drawing import mnist_style, pen_redraw  # noqa: E402

UPSCALE = 4  # augment at 112x112 so stroke thickness changes in fine steps
PEN_SHARE = 0.6  # of augmented copies, redrawn with a pen (the rest: thickened or thinned scans)
COARSE_SHARE = 0.5  # of pen redraws, traced from a coarse (8-14 px) copy: a wobbly centre line
MAX_PEN_SHARE = 0.3  # the widest pen drawn, as a share of the digit's height
HABIT_SHARE = 0.35  # of 1s and 7s redrawn with a pen, given a flag and base, or a bar

# The settings as a RunSpec, so the Inside page and the code exporter can describe the model.
DEFAULT_SPEC = RunSpec(
    dataset="mnist",
    hidden_layers=(LayerSpec.conv(32, 3), LayerSpec.conv(64, 3), LayerSpec.dense(64)),
    dropout_rate=0.25,
    optimizer="adam",
    learning_rate=0.002,
    epochs=10,
    batch_size=128,
    seed=7,
)


def load_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(x_train, y_train, x_held_out, y_held_out, source description).

    The held-out images are exactly the data set's test split (the official 10,000, or the
    bundled sample's 2,000), so the Evaluate page never scores the model on digits it saw.
    """
    from nnlab.data.datasets import load_dataset

    dataset = load_dataset("mnist")
    kind = "MNIST sample" if dataset.is_sample else "MNIST"
    return (
        dataset.x_train,
        dataset.y_train,
        dataset.x_test,
        dataset.y_test,
        f"{kind}, {dataset.source}",
    )


def augment_one(image: np.ndarray, label: int, rng: np.random.Generator) -> np.ndarray:
    """One MNIST digit (uint8 28x28) -> a canvas-like variant, through the Draw page's pipeline."""
    if rng.random() < PEN_SHARE:
        big, pen = _redrawn_with_a_pen(image, rng)
        big = _with_a_writers_habit(big, label, pen, rng)
    else:
        big = _thickened_or_thinned(image, rng)
    angle = rng.uniform(-15, 15)
    shear = rng.uniform(-0.25, 0.25)
    stretch = rng.uniform(0.8, 1.2)
    matrix = np.array([[stretch, shear], [0.0, 1.0 / stretch]])
    centre = np.array(big.shape) / 2
    big = ndimage.affine_transform(
        big, matrix, offset=centre - matrix @ centre, order=1, mode="constant"
    )
    big = ndimage.rotate(big, angle, reshape=False, order=1, mode="constant")
    digit = mnist_style(np.clip(big, 0, 1))
    if digit is None:
        return image
    shift = rng.uniform(-1.5, 1.5, size=2)
    digit = ndimage.shift(digit, shift, order=1, mode="constant")
    return np.round(np.clip(digit, 0, 1) * 255).astype(np.uint8)


def _thickened_or_thinned(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The scan enlarged 4x, its strokes grown or shrunk, sometimes made solid like a brush."""
    big = ndimage.zoom(image.astype(np.float32) / 255.0, UPSCALE, order=1)
    thickness = rng.choice([-2, -1, 0, 0, 2, 3, 4, 6])  # pixels at 112 px (÷4 at 28 px)
    if thickness > 0:
        big = ndimage.grey_dilation(big, footprint=_disk(thickness))
    elif thickness < 0:
        big = ndimage.grey_erosion(big, footprint=_disk(-thickness))
    if rng.random() < 0.5:
        big = (big > 0.45).astype(np.float32)  # a canvas brush: solid strokes, no soft scan grey
    return np.pad(big, 8)


def _redrawn_with_a_pen(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """The digit's centre line traced with a round pen, at a size and pen width the canvas
    allows (small and thick to large and thin); sometimes from a coarse copy, whose centre line
    wobbles like a finger's or a mouse's."""
    source = image.astype(np.float32)
    if rng.random() < COARSE_SHARE:
        side = int(rng.integers(8, 15))
        source = np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BOX))
    size = float(rng.uniform(40, 230))
    pen = float(rng.uniform(4, max(6.0, min(40.0, MAX_PEN_SHARE * size))))
    return pen_redraw(source, round(size), pen).astype(np.float32), pen


def _with_a_writers_habit(
    ink: np.ndarray, label: int, pen: float, rng: np.random.Generator
) -> np.ndarray:
    """Strokes many people add and MNIST rarely shows: a 1 with a flag and a base, a 7 with a
    bar through its stem."""
    if label not in (1, 7) or rng.random() > HABIT_SHARE:
        return ink
    rows = np.flatnonzero(ink.max(axis=1) > 0.5)
    if len(rows) < 4:
        return ink
    top, bottom = rows[0], rows[-1]
    height = bottom - top
    canvas = Image.fromarray(np.round(ink * 255).astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(pen))

    def centre_of_row(row: int) -> float:
        return float(np.mean(np.flatnonzero(ink[row] > 0.5) if (ink[row] > 0.5).any() else [0]))

    if label == 1:
        x = centre_of_row(top + 1)
        reach = rng.uniform(0.2, 0.4) * height
        draw.line([(x, top), (x - reach, top + rng.uniform(0.15, 0.35) * height)], 255, width)
        if rng.random() < 0.5:
            x = centre_of_row(bottom - 1)
            half = rng.uniform(0.15, 0.3) * height
            draw.line([(x - half, bottom), (x + half, bottom)], 255, width)
    else:
        row = int(top + rng.uniform(0.45, 0.6) * height)
        x = centre_of_row(row)
        half = rng.uniform(0.12, 0.25) * height
        draw.line([(x - half, row), (x + half, row)], 255, width)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def _disk(radius: int) -> np.ndarray:
    grid = np.arange(-radius, radius + 1)
    return (grid[:, None] ** 2 + grid[None, :] ** 2) <= radius**2


def augmented(x: np.ndarray, y: np.ndarray, copies: int, seed: int) -> np.ndarray:
    """`copies` canvas-like variants of every image, stacked."""
    rng = np.random.default_rng(seed)
    return np.stack(
        [
            augment_one(image, int(label), rng)
            for _ in range(copies)
            for image, label in zip(x, y, strict=True)
        ]
    )


def inference_copy(model, spec: RunSpec):
    """The same weights in a freshly built model: the file skips Adam's state (2/3 of its size)."""
    from nnlab.learn.model import build_model

    copy = build_model(spec)
    copy.set_weights(model.get_weights())
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=None, help="augmented copies per image")
    parser.add_argument("--epochs", type=int, default=DEFAULT_SPEC.epochs)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run; writes nothing")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "nnlab/assets")
    args = parser.parse_args()

    import keras

    from nnlab.learn.model import build_model
    from nnlab.learn.model_files import save_model_file

    started = time.perf_counter()
    x_train, y_train, x_test, y_test, source = load_mnist()
    if args.quick:
        x_train, y_train, args.epochs = x_train[::20], y_train[::20], 1
    copies = args.copies if args.copies is not None else (5 if len(x_train) < 20_000 else 1)
    print(f"data: {source}: {len(x_train):,} training, {len(x_test):,} held out; {copies} copies")

    x_aug = augmented(x_train, y_train, copies, seed=DEFAULT_SPEC.seed)
    x_fit = np.concatenate([x_train, x_aug])
    y_fit = np.concatenate([y_train] * (copies + 1))
    augment_seconds = time.perf_counter() - started
    print(f"augmented to {len(x_fit):,} images in {augment_seconds:.0f} s")

    keras.utils.set_random_seed(DEFAULT_SPEC.seed)
    spec = DEFAULT_SPEC.replace(epochs=args.epochs, train_size=min(len(x_train), 60_000))
    # The app's own builder: the default model is a RunSpec any student could build and train.
    model = build_model(spec)
    schedule = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    history = model.fit(
        x_fit,
        y_fit,
        epochs=spec.epochs,
        batch_size=spec.batch_size,
        shuffle=True,
        verbose=2,
        callbacks=[schedule],
    )
    _, held_out_accuracy = model.evaluate(x_test, y_test, verbose=0)
    x_test_aug = augmented(x_test, y_test, 1, seed=1234)
    _, augmented_accuracy = model.evaluate(x_test_aug, y_test, verbose=0)
    seconds = time.perf_counter() - started
    print(
        f"held-out accuracy {held_out_accuracy:.4f}; canvas-like held-out {augmented_accuracy:.4f}"
    )

    record = {
        "model": "small CNN built by nnlab.learn.model.build_model: Rescaling(1/255), "
        "Conv2D 32@3x3 relu + MaxPool 2, Conv2D 64@3x3 relu + MaxPool 2, Flatten, Dropout 0.25, "
        "Dense 64 relu, "
        "Dropout 0.25, Dense 10 softmax",
        "parameters": int(model.count_params()),
        "data": source,
        "training_images": len(x_train),
        "augmented_copies_per_image": int(copies),
        "held_out_images": len(x_test),
        "held_out_accuracy": round(float(held_out_accuracy), 4),
        "held_out_accuracy_canvas_like": round(float(augmented_accuracy), 4),
        "epochs": spec.epochs,
        "batch_size": spec.batch_size,
        "optimizer": f"Adam, learning rate {spec.learning_rate}, halved when the loss stalls",
        "final_train_accuracy": round(float(history.history["accuracy"][-1]), 4),
        "seconds": round(seconds),
        "seed": spec.seed,
        "keras_version": keras.__version__,
        "script": "scripts/train_default_model.py",
    }
    print(json.dumps(record, indent=1))
    if args.quick:
        return
    args.out.mkdir(parents=True, exist_ok=True)
    path = save_model_file(
        inference_copy(model, spec),
        args.out / "default_digit_model.keras",
        spec=spec,
        dataset_name="mnist",
        label="Default digit model",
        extra={"training": record},
    )
    (args.out / "default_digit_model.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    # The app runs the NumPy copy (no TensorFlow in its process): write it from the new file.
    from export_default_network import export

    network_path = export(path, args.out / "default_digit_model.npz")
    print(f"wrote {network_path} ({network_path.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
