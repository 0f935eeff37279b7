"""MNIST and Fashion-MNIST as uint8 arrays, from the first source that works, shared per process.

Sources, in order: a local cache (the folder named by NNLAB_DATA_DIR, then Keras' cache
directory), Debian's `dataset-fashion-mnist` files, a download from the URLs `keras.datasets`
uses (skipped when NNLAB_OFFLINE=1), and the small sample bundled in `nnlab/data/`, which always
works. No TensorFlow here: IDX files are parsed with gzip + NumPy, so loading costs no import.

NNLAB_DATA_DIR may hold, for each data set, the .npz files (Keras' format: x_train, y_train,
x_test, y_test) and sub-folders of IDX files its `nnlab.core.choices.DATASETS` entry names (MNIST:
`mnist.npz` or `mnist/`; Fashion-MNIST: `fashion-mnist.npz` or `fashion-mnist/`, ...): four IDX
files (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`,
`t10k-labels-idx1-ubyte.gz`; uncompressed copies without `.gz` work too).
"""

from __future__ import annotations

import gzip
import os
import tempfile
import threading
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnlab import config
from nnlab.core import choices
from nnlab.core.choices import DOWNLOAD_BASE

# Views of nnlab.core.choices.DATASETS under their old names (what each data set is lives there).
DATASET_NAMES = tuple(choices.DATASETS)
DISPLAY_NAMES = {key: entry.title for key, entry in choices.DATASETS.items()}
CLASS_NAMES = {key: entry.class_names for key, entry in choices.DATASETS.items()}
FULL_SIZES = {key: entry.full_sizes for key, entry in choices.DATASETS.items()}
KERAS_CACHE_NAMES = {key: entry.keras_cache_name for key, entry in choices.DATASETS.items()}
DATA_DIR_NPZ_NAMES = {key: entry.data_dir_npz_names for key, entry in choices.DATASETS.items()}
DATA_DIR_IDX_FOLDERS = {key: entry.data_dir_idx_folders for key, entry in choices.DATASETS.items()}
BUNDLED_FILES = {key: entry.bundled_file for key, entry in choices.DATASETS.items()}
SOURCES = ("data_dir", "keras_cache", "debian", "download", "bundled_sample")

# The four standard IDX files, named as in the original distributions and Keras' cache.
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
SPLIT_KEYS = ("x_train", "y_train", "x_test", "y_test")
# Debian packages data sets (dataset-fashion-mnist) in folders under this one.
DEBIAN_DATASETS_DIR = Path("/usr/share/datasets")
DEBIAN_FASHION_DIR = DEBIAN_DATASETS_DIR / "fashion-mnist"
BUNDLED_DIR = Path(__file__).resolve().parent
_IDX_MAGIC = {1: 2049, 3: 2051}  # dimensions -> magic number of an unsigned-byte IDX file


@dataclass(frozen=True, eq=False)
class Dataset:
    """One data set: read-only uint8 images and labels, class names, and where it came from."""

    name: str  # a key of nnlab.core.choices.DATASETS
    x_train: np.ndarray  # uint8 (N, 28, 28), 0 = background, 255 = ink
    y_train: np.ndarray  # uint8 (N,), class numbers 0-9
    x_test: np.ndarray  # uint8 (M, 28, 28)
    y_test: np.ndarray  # uint8 (M,)
    class_names: tuple[str, ...]  # ten names, index = class number
    source: str  # one of SOURCES
    source_detail: str  # the path or URL it came from
    is_sample: bool  # True for the small bundled sample, not the full set
    notes: tuple[str, ...] = ()  # what went wrong with earlier sources, e.g. a corrupt file

    @property
    def display_name(self) -> str:
        """'MNIST' or 'Fashion-MNIST'."""
        return choices.DATASETS[self.name].title

    @property
    def num_train(self) -> int:
        """How many training images."""
        return len(self.y_train)

    @property
    def num_test(self) -> int:
        """How many test images."""
        return len(self.y_test)

    def describe(self) -> str:
        """One line, e.g. 'Fashion-MNIST: 60,000 train + 10,000 test images from Debian's ...'."""
        origin = {
            "data_dir": f"from NNLAB_DATA_DIR ({self.source_detail})",
            "keras_cache": f"from the Keras cache ({self.source_detail})",
            "debian": "from Debian's dataset-fashion-mnist",
            "download": f"downloaded from {self.source_detail}",
            "bundled_sample": "from the sample bundled with NN Lab (not the full set)",
        }[self.source]
        return (
            f"{self.display_name}: {self.num_train:,} train + {self.num_test:,} test images "
            f"{origin}"
        )


def _check_name(name: str) -> None:
    if name not in choices.DATASETS:
        known = ", ".join(choices.DATASETS)
        raise ValueError(f"Unknown data set {name!r}; choose one of {known}.")


def _offline() -> bool:
    return config.current().offline


def download_timeout_s() -> float:
    """Seconds a download may wait on one socket operation (NNLAB_DOWNLOAD_TIMEOUT)."""
    # Short (10 s by default) so a class never waits long on a blocked network; each socket
    # operation, not the whole transfer, is bounded by it.
    return config.current().download_timeout_s


def keras_cache_dirs() -> list[Path]:
    """Where Keras keeps data sets: $KERAS_HOME/datasets, else ~/.keras/datasets, then /tmp."""
    if os.environ.get("KERAS_HOME"):
        return [Path(os.environ["KERAS_HOME"]) / "datasets"]
    # Keras falls back to /tmp/.keras when the home directory is not writable.
    return [
        Path.home() / ".keras" / "datasets",
        Path(tempfile.gettempdir()) / ".keras" / "datasets",
    ]


# --- reading files -------------------------------------------------------------------------------


def _idx_path(folder: Path, gz_name: str) -> Path | None:
    for candidate in (folder / gz_name, folder / gz_name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _has_idx_files(folder: Path) -> bool:
    return all(_idx_path(folder, file_name) for file_name in IDX_FILES.values())


def read_idx(path: Path) -> np.ndarray:
    """An unsigned-byte IDX file (gzipped or not) as a uint8 array; ValueError if malformed."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise ValueError(f"not a complete gzip file ({error})") from None
    if len(raw) < 8:
        raise ValueError("too short to be an IDX file")
    magic = int.from_bytes(raw[:4], "big")
    dimensions = raw[3]
    if _IDX_MAGIC.get(dimensions) != magic:
        raise ValueError(f"not an unsigned-byte IDX file of images or labels (magic {magic})")
    header_end = 4 + 4 * dimensions
    shape = tuple(
        int.from_bytes(raw[4 + 4 * axis : 8 + 4 * axis], "big") for axis in range(dimensions)
    )
    expected = int(np.prod(shape))
    if len(raw) - header_end != expected:
        raise ValueError(
            f"truncated or padded: header says {expected:,} bytes of data, "
            f"file has {len(raw) - header_end:,}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_end).reshape(shape)


def _read_idx_folder(folder: Path) -> dict[str, np.ndarray]:
    arrays = {}
    for key, file_name in IDX_FILES.items():
        path = _idx_path(folder, file_name)
        if path is None:
            raise ValueError(f"missing {file_name}")
        try:
            arrays[key] = read_idx(path)
        except ValueError as error:
            raise ValueError(f"{path.name}: {error}") from None
    return arrays


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in SPLIT_KEYS if key not in archive.files]
            if missing:
                raise ValueError(f"missing array(s) {', '.join(missing)}")
            return {key: archive[key] for key in SPLIT_KEYS}
    except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        raise ValueError(f"not a readable .npz file ({error})") from None


def _validated(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The four arrays checked (shapes, dtypes, label range) and made read-only."""
    checked = {}
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(
                f"x_{split} must be uint8 images of shape (N, 28, 28); "
                f"got {images.dtype} {images.shape}"
            )
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"y_{split} must be a 1-D array of integers; got {labels.dtype}")
        if len(labels) != len(images) or len(labels) == 0:
            raise ValueError(
                f"x_{split} has {len(images):,} images but y_{split} has {len(labels):,} labels"
            )
        if labels.min() < 0 or labels.max() > 9:
            raise ValueError(f"y_{split} has labels outside 0-9")
        labels = labels.astype(np.uint8, copy=False)
        for array, key in ((images, f"x_{split}"), (labels, f"y_{split}")):
            array.setflags(write=False)  # one copy is shared by every session: nobody edits it
            checked[key] = array
    return checked


# --- where the data can come from ----------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    source: str
    path: Path
    read: Callable[[Path], dict[str, np.ndarray]]


def _local_candidates(name: str) -> list[_Candidate]:
    """Existing local files that may hold the data set, in the order they are tried."""
    entry = choices.DATASETS[name]
    candidates = []
    root = config.current().data_dir
    if root is not None:
        for file_name in entry.data_dir_npz_names:
            if (root / file_name).is_file():
                candidates.append(_Candidate("data_dir", root / file_name, _read_npz))
        for folder_name in entry.data_dir_idx_folders:
            if _has_idx_files(root / folder_name):
                candidates.append(_Candidate("data_dir", root / folder_name, _read_idx_folder))
    for cache in keras_cache_dirs():
        path = cache / entry.keras_cache_name
        if entry.cache_is_npz and path.is_file():
            candidates.append(_Candidate("keras_cache", path, _read_npz))
        elif not entry.cache_is_npz and _has_idx_files(path):
            candidates.append(_Candidate("keras_cache", path, _read_idx_folder))
    if entry.debian_folder and _has_idx_files(DEBIAN_DATASETS_DIR / entry.debian_folder):
        path = DEBIAN_DATASETS_DIR / entry.debian_folder
        candidates.append(_Candidate("debian", path, _read_idx_folder))
    return candidates


def _download_to(url: str, destination: Path) -> None:
    """Fetch `url` into `destination` through a temporary file, so no partial file is left."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, suffix=".part")
    try:
        with (
            os.fdopen(handle, "wb") as output,
            urllib.request.urlopen(url, timeout=download_timeout_s()) as response,
        ):
            while chunk := response.read(1 << 20):
                output.write(chunk)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _writable_cache_dir() -> Path:
    for cache in keras_cache_dirs():
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(cache, os.W_OK):
            return cache
    raise OSError("no writable Keras cache directory")


def _download(name: str) -> tuple[Path, str, dict[str, np.ndarray]]:
    """Download into Keras' cache and read it back; returns (path, url, arrays)."""
    cache = _writable_cache_dir()
    # The download server has the layout of Keras' cache.
    cache_name = choices.DATASETS[name].keras_cache_name
    if choices.DATASETS[name].cache_is_npz:
        url = DOWNLOAD_BASE + cache_name
        path = cache / cache_name
        _download_to(url, path)
        return path, url, _read_npz(path)
    url = DOWNLOAD_BASE + cache_name + "/"
    folder = cache / cache_name
    for file_name in IDX_FILES.values():
        if not (folder / file_name).is_file():
            _download_to(url + file_name, folder / file_name)
    return folder, url, _read_idx_folder(folder)


def _bundled(name: str) -> dict[str, np.ndarray]:
    return _read_npz(BUNDLED_DIR / choices.DATASETS[name].bundled_file)


def _load_uncached(name: str) -> Dataset:
    notes: list[str] = []

    def made(source: str, detail: str, arrays: dict[str, np.ndarray]) -> Dataset:
        return Dataset(
            name=name,
            **_validated(arrays),
            class_names=choices.DATASETS[name].class_names,
            source=source,
            source_detail=detail,
            is_sample=source == "bundled_sample",
            notes=tuple(notes),
        )

    for candidate in _local_candidates(name):
        try:
            return made(candidate.source, str(candidate.path), candidate.read(candidate.path))
        except (ValueError, OSError) as error:
            notes.append(f"Skipped corrupt cache file {candidate.path}: {error}")
    if _offline():
        notes.append("Download skipped: NNLAB_OFFLINE=1.")
    else:
        try:
            path, url, arrays = _download(name)
            return made("download", url, arrays)
        except (ValueError, OSError) as error:  # URLError and timeouts are OSErrors
            notes.append(f"Download of {choices.DATASETS[name].title} failed: {error}")
    path = BUNDLED_DIR / choices.DATASETS[name].bundled_file
    return made("bundled_sample", str(path), _bundled(name))


# --- the shared, per-process copy -----------------------------------------------------------------

_loaded: dict[str, Dataset] = {}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(name: str) -> threading.Lock:
    """The lock of one data set (created on first use: a test may register a data set)."""
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


def load_dataset(name: str) -> Dataset:
    """The data set `name` (a key of the DATASETS registry), loaded once per process, shared."""
    _check_name(name)
    dataset = _loaded.get(name)
    if dataset is not None:
        return dataset
    with _lock(name):  # a second thread waits here and then finds the first one's result
        dataset = _loaded.get(name)
        if dataset is None:
            dataset = _load_uncached(name)
            _loaded[name] = dataset
    return dataset


def loaded_dataset(name: str) -> Dataset | None:
    """The data set if this process has already loaded it, else None (never loads)."""
    _check_name(name)
    return _loaded.get(name)


def clear_cache() -> None:
    """Forget the loaded data sets (for tests; the next load reads the sources again)."""
    for name in list(_loaded):
        with _lock(name):
            _loaded.pop(name, None)


def probe(name: str) -> tuple[str, str]:
    """(source, path or URL) that loading would try first, checking only that files exist."""
    _check_name(name)
    dataset = _loaded.get(name)
    if dataset is not None:
        return dataset.source, dataset.source_detail
    candidates = _local_candidates(name)
    if candidates:
        return candidates[0].source, str(candidates[0].path)
    if not _offline():
        return "download", DOWNLOAD_BASE
    return "bundled_sample", str(BUNDLED_DIR / choices.DATASETS[name].bundled_file)


def probe_source(name: str) -> str:
    """Which source loading `name` would use first (one of SOURCES), without reading data."""
    return probe(name)[0]


def subset(
    dataset: Dataset, train_size: int | None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random subset of the training images and labels; all of them for None or more."""
    if train_size is None or train_size >= dataset.num_train:
        return dataset.x_train, dataset.y_train
    if train_size < 1:
        raise ValueError(f"The training-set size must be at least 1; got {train_size}.")
    chosen = np.random.default_rng(seed).choice(dataset.num_train, size=train_size, replace=False)
    return dataset.x_train[chosen], dataset.y_train[chosen]
