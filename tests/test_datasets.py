"""Data sets: every source in order, corrupt files, offline use, one shared read-only copy."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from nnlab.data import datasets
from nnlab.data.datasets import clear_cache, load_dataset, probe_source, read_idx, subset

FASHION_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


@pytest.fixture(autouse=True)
def isolated_sources(tmp_path, monkeypatch):
    """No host cache, no NNLAB_DATA_DIR, offline, and a fresh per-process cache around each test."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("NNLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("NNLAB_OFFLINE", "1")
    clear_cache()
    yield
    clear_cache()


def tiny_arrays(train: int = 30, test: int = 12, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(test) % 10).astype(np.uint8),
    }


def write_idx(path: Path, array: np.ndarray) -> None:
    """An unsigned-byte IDX file, gzipped, as the original distributions ship them."""
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes()))


def write_idx_folder(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key, file_name in datasets.IDX_FILES.items():
        write_idx(folder / file_name, arrays[key])


@pytest.mark.parametrize(
    ("name", "class_names"),
    [("mnist", tuple("0123456789")), ("fashion_mnist", FASHION_NAMES)],
)
def test_both_data_sets_load_offline(name, class_names) -> None:
    dataset = load_dataset(name)
    assert dataset.name == name
    assert dataset.class_names == class_names
    for images, labels in ((dataset.x_train, dataset.y_train), (dataset.x_test, dataset.y_test)):
        assert images.dtype == np.uint8 and labels.dtype == np.uint8
        assert images.shape[1:] == (28, 28) and images.shape[0] == labels.shape[0] > 0
        assert labels.max() == 9 and labels.min() == 0
        assert not images.flags.writeable and not labels.flags.writeable
        with pytest.raises(ValueError):
            images[0, 0, 0] = 1
    assert dataset.source in datasets.SOURCES
    assert dataset.describe().startswith(dataset.display_name + ":")


def test_offline_without_local_files_uses_the_bundled_sample(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(datasets, "DEBIAN_DATASETS_DIR", tmp_path / "no-debian")
    for name, (train, test) in {"mnist": (8_000, 2_000), "fashion_mnist": (5_000, 1_000)}.items():
        assert probe_source(name) == "bundled_sample"
        dataset = load_dataset(name)
        assert dataset.source == "bundled_sample" and dataset.is_sample
        assert (dataset.num_train, dataset.num_test) == (train, test)
        # stratified: every class is in the test split in equal numbers
        assert set(np.bincount(dataset.y_test, minlength=10)) == {test // 10}
        assert any("NNLAB_OFFLINE" in note for note in dataset.notes)
        assert "not the full set" in dataset.describe()


def test_bundled_samples_stay_small() -> None:
    sizes = [
        (datasets.BUNDLED_DIR / file).stat().st_size for file in datasets.BUNDLED_FILES.values()
    ]
    assert sum(sizes) <= 6_000_000


def test_debian_fashion_files_are_the_full_set() -> None:
    if not datasets._has_idx_files(datasets.DEBIAN_FASHION_DIR):
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    assert probe_source("fashion_mnist") == "debian"
    dataset = load_dataset("fashion_mnist")
    assert (dataset.source, dataset.num_train, dataset.num_test) == ("debian", 60_000, 10_000)
    assert not dataset.is_sample
    assert dataset.describe() == (
        "Fashion-MNIST: 60,000 train + 10,000 test images from Debian's dataset-fashion-mnist"
    )


def test_second_load_returns_the_same_object_at_no_cost() -> None:
    first = load_dataset("mnist")
    started = time.perf_counter()
    second = load_dataset("mnist")
    assert second is first
    assert time.perf_counter() - started < 0.01
    assert datasets.loaded_dataset("mnist") is first


def test_threads_loading_at_once_load_once(monkeypatch) -> None:
    calls = []
    real_load = datasets._load_uncached

    def counted(name):
        calls.append(name)
        return real_load(name)

    monkeypatch.setattr(datasets, "_load_uncached", counted)
    barrier = threading.Barrier(4)
    results = []

    def load() -> None:
        barrier.wait()
        results.append(load_dataset("mnist"))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert calls == ["mnist"]
    assert len(results) == 4 and all(result is results[0] for result in results)


def test_data_dir_npz_is_used_first(monkeypatch, tmp_path) -> None:
    arrays = tiny_arrays()
    np.savez_compressed(tmp_path / "mnist.npz", **arrays)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path))
    assert probe_source("mnist") == "data_dir"
    dataset = load_dataset("mnist")
    assert (dataset.source, dataset.source_detail) == ("data_dir", str(tmp_path / "mnist.npz"))
    assert not dataset.is_sample and dataset.notes == ()
    np.testing.assert_array_equal(dataset.x_train, arrays["x_train"])
    np.testing.assert_array_equal(dataset.y_test, arrays["y_test"])


def test_data_dir_idx_folder_for_fashion(monkeypatch, tmp_path) -> None:
    arrays = tiny_arrays(seed=1)
    write_idx_folder(tmp_path / "fashion-mnist", arrays)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path))
    dataset = load_dataset("fashion_mnist")
    assert dataset.source == "data_dir" and dataset.num_train == 30
    np.testing.assert_array_equal(dataset.x_test, arrays["x_test"])
    assert dataset.class_names == FASHION_NAMES


def test_keras_cache_layout_is_read(monkeypatch, tmp_path) -> None:
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    np.savez(cache / "mnist.npz", **tiny_arrays())
    write_idx_folder(cache / "fashion-mnist", tiny_arrays(seed=2))
    assert load_dataset("mnist").source == "keras_cache"
    assert load_dataset("fashion_mnist").source == "keras_cache"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong_shape", "bad_labels"])
def test_corrupt_cache_file_is_named_and_skipped(monkeypatch, tmp_path, damage) -> None:
    path = tmp_path / "mnist.npz"
    arrays = tiny_arrays()
    if damage == "garbage":
        path.write_bytes(b"this is not a zip file at all")
    elif damage == "truncated":
        np.savez_compressed(path, **arrays)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "wrong_shape":
        np.savez(path, **{**arrays, "x_train": arrays["x_train"].reshape(30, 784)})
    else:
        np.savez(path, **{**arrays, "y_test": arrays["y_test"] + 10})
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path))
    dataset = load_dataset("mnist")
    assert dataset.source == "bundled_sample"
    assert any(str(path) in note and note.startswith("Skipped corrupt") for note in dataset.notes)


def test_truncated_idx_file_falls_through_to_the_next_source(monkeypatch, tmp_path) -> None:
    folder = tmp_path / "fashion-mnist"
    write_idx_folder(folder, tiny_arrays())
    images = folder / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:-40])
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(datasets, "DEBIAN_DATASETS_DIR", tmp_path / "no-debian")
    dataset = load_dataset("fashion_mnist")
    assert dataset.source == "bundled_sample"
    assert len(dataset.notes) >= 1 and str(folder) in dataset.notes[0]
    assert "train-images-idx3-ubyte.gz" in dataset.notes[0]


def test_read_idx_round_trip_and_errors(tmp_path) -> None:
    array = np.arange(2 * 28 * 28, dtype=np.uint64).astype(np.uint8).reshape(2, 28, 28)
    write_idx(tmp_path / "images.gz", array)
    np.testing.assert_array_equal(read_idx(tmp_path / "images.gz"), array)
    (tmp_path / "short").write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="too short"):
        read_idx(tmp_path / "short")
    (tmp_path / "magic").write_bytes(b"\x00\x00\x08\x07" + b"\x00" * 20)
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "magic")


def test_offline_never_calls_the_network(monkeypatch, tmp_path) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("urlopen called while NNLAB_OFFLINE=1")

    monkeypatch.setattr(urllib.request, "urlopen", forbidden)
    monkeypatch.setattr(datasets, "DEBIAN_DATASETS_DIR", tmp_path / "no-debian")
    assert load_dataset("mnist").source == "bundled_sample"
    assert load_dataset("fashion_mnist").source == "bundled_sample"


def test_failed_download_falls_through_quickly_and_leaves_no_file(monkeypatch, tmp_path) -> None:
    def unreachable(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setenv("NNLAB_OFFLINE", "0")
    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    assert probe_source("mnist") == "download"
    started = time.perf_counter()
    dataset = load_dataset("mnist")
    assert time.perf_counter() - started < 2
    assert dataset.source == "bundled_sample"
    assert any("Download of MNIST failed" in note for note in dataset.notes)
    cache = tmp_path / "keras_home" / "datasets"
    assert not cache.exists() or list(cache.rglob("*")) == []


def test_download_goes_through_a_temporary_file_into_the_keras_cache(monkeypatch, tmp_path) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **tiny_arrays())
    payload = buffer.getvalue()
    requested = []

    def fake_urlopen(url, timeout):
        requested.append((url, timeout))
        return io.BytesIO(payload)

    monkeypatch.setenv("NNLAB_OFFLINE", "0")
    monkeypatch.setenv("NNLAB_DOWNLOAD_TIMEOUT", "2.5")  # read from nnlab.config at each download
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    dataset = load_dataset("mnist")
    assert requested == [(datasets.DOWNLOAD_BASE + "mnist.npz", 2.5)]
    assert dataset.source == "download" and dataset.num_train == 30
    cache = tmp_path / "keras_home" / "datasets"
    assert sorted(path.name for path in cache.iterdir()) == ["mnist.npz"]
    clear_cache()
    assert load_dataset("mnist").source == "keras_cache"  # the next process reads the cache


def test_interrupted_download_leaves_no_partial_file(monkeypatch, tmp_path) -> None:
    class Broken(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 0:
                raise TimeoutError("read timed out")
            return super().read(100)

    monkeypatch.setenv("NNLAB_OFFLINE", "0")
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Broken(b"x" * 1000))
    dataset = load_dataset("mnist")
    assert dataset.source == "bundled_sample"
    cache = tmp_path / "keras_home" / "datasets"
    assert list(cache.iterdir()) == []


def test_subset_is_seeded_and_sized() -> None:
    dataset = load_dataset("mnist")
    x_first, y_first = subset(dataset, 100, seed=3)
    x_again, y_again = subset(dataset, 100, seed=3)
    x_other, _ = subset(dataset, 100, seed=4)
    assert x_first.shape == (100, 28, 28) and y_first.shape == (100,)
    np.testing.assert_array_equal(x_first, x_again)
    np.testing.assert_array_equal(y_first, y_again)
    assert not np.array_equal(x_first, x_other)
    assert subset(dataset, None)[0] is dataset.x_train
    assert subset(dataset, 10**6)[0] is dataset.x_train


def test_unknown_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Unknown data set 'cifar10'"):
        load_dataset("cifar10")
    with pytest.raises(ValueError, match="Unknown data set"):
        probe_source("emnist")


def test_module_imports_no_tensorflow() -> None:
    code = (
        "import sys; import nnlab.data.datasets as d; d.load_dataset('mnist'); "
        "d.probe_source('fashion_mnist'); "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "NNLAB_OFFLINE": "1"},
    )
    assert result.stdout.split() == ["False", "False"]
