"""Drill: hostile files. Bad model files and bad images get a clear ValueError, quickly.

The model corpus is built here from tiny Keras models (not a zip, a truncated zip, an empty file,
a Lambda layer, wrong input shape, wrong number of classes, an .h5 naming an unknown custom
layer, an oversized file); the images are an oversized upload, a non-image, a GIF, and a
decompression bomb (a 20000x20000 PNG of a few kilobytes).
"""

from __future__ import annotations

import io
import json
import struct
import time
import zlib
from pathlib import Path

import pytest

QUICK_S = 5.0  # a refusal must come this fast (the Keras load itself is not reached)


def _timed_refusal(load, data: bytes, *args) -> str:
    start = time.perf_counter()
    with pytest.raises(ValueError) as caught:
        load(data, *args)
    elapsed = time.perf_counter() - start
    message = str(caught.value)
    assert message.strip(), "a refusal must say why"
    assert elapsed < QUICK_S, f"refusing took {elapsed:.1f} s"
    return message


# --- the bad-model corpus ---------------------------------------------------------------------


def _keras_bytes(model, tmp_path: Path, name: str) -> bytes:
    path = tmp_path / name
    model.save(path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def model_corpus(tmp_path_factory) -> dict[str, tuple[bytes, str, str]]:
    """name -> (file bytes, file name, words the refusal must contain)."""
    import h5py
    import keras
    from keras import layers

    tmp_path = tmp_path_factory.mktemp("bad-models")

    def dense_net(input_shape: tuple, classes: int) -> keras.Model:
        return keras.Sequential(
            [keras.Input(shape=input_shape), layers.Flatten(), layers.Dense(classes)]
        )

    good = _keras_bytes(dense_net((28, 28), 10), tmp_path, "good.keras")
    lambda_model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Lambda(lambda x: x * 2.0),
            layers.Flatten(),
            layers.Dense(10),
        ]
    )
    good_h5_path = tmp_path / "good.h5"
    dense_net((28, 28), 10).save(good_h5_path)
    custom_h5_path = tmp_path / "custom.h5"
    custom_h5_path.write_bytes(good_h5_path.read_bytes())
    with h5py.File(custom_h5_path, "r+") as handle:
        config = json.loads(handle.attrs["model_config"])
        config["config"]["layers"][-1]["class_name"] = "StealMyFilesLayer"
        config["config"]["layers"][-1]["module"] = "evil.layers"
        handle.attrs["model_config"] = json.dumps(config)
    return {
        "not a zip": (b"this is not a model at all\n" * 20, "model.keras", "not a Keras model"),
        "truncated zip": (good[: len(good) // 2], "model.keras", "damaged"),
        "empty": (b"", "model.keras", "empty"),
        "lambda layer": (
            _keras_bytes(lambda_model, tmp_path, "lambda.keras"),
            "model.keras",
            "Lambda",
        ),
        "wrong input shape": (
            _keras_bytes(dense_net((32, 32), 10), tmp_path, "shape.keras"),
            "model.keras",
            "28x28",
        ),
        "wrong number of classes": (
            _keras_bytes(dense_net((28, 28), 7), tmp_path, "classes.keras"),
            "model.keras",
            "10",
        ),
        "h5 with an unknown custom layer": (
            custom_h5_path.read_bytes(),
            "model.h5",
            "outside Keras",
        ),
        "oversized": (b"PK\x03\x04" + b"\0" * (101 * 1024 * 1024), "big.keras", "MB"),
    }


CORPUS_NAMES = [
    "not a zip",
    "truncated zip",
    "empty",
    "lambda layer",
    "wrong input shape",
    "wrong number of classes",
    "h5 with an unknown custom layer",
    "oversized",
]


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_bad_model_file_is_refused_with_a_clear_message(model_corpus, name: str) -> None:
    from nnlab.learn.model_files import load_model_bytes

    data, filename, expected = model_corpus[name]
    message = _timed_refusal(load_model_bytes, data, filename)
    assert expected.lower() in message.lower(), message


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_bad_model_file_is_refused_by_the_network_loader(model_corpus, name: str) -> None:
    """The engine's workers read uploads with network_from_model_file: same checks first."""
    from nnlab.learn.model_files import network_from_model_file

    data, filename, expected = model_corpus[name]
    message = _timed_refusal(network_from_model_file, data, filename, "mnist")
    assert expected.lower() in message.lower(), message


def test_lambda_layer_code_never_runs(model_corpus, tmp_path: Path, monkeypatch) -> None:
    """A Lambda layer's code must not execute: refused before Keras deserialises anything."""
    import keras

    from nnlab.learn.model_files import load_model_bytes

    calls = []
    monkeypatch.setattr(keras.models, "load_model", lambda *a, **k: calls.append(a))
    data, filename, _ = model_corpus["lambda layer"]
    with pytest.raises(ValueError):
        load_model_bytes(data, filename)
    assert not calls, "Keras was asked to load a model holding a Lambda layer"


def test_a_good_model_still_loads(model_corpus) -> None:
    """The corpus's refusals are about the files, not a loader that refuses everything."""
    import keras
    from keras import layers

    from nnlab.learn.model_files import load_model_bytes, model_file_bytes, network_from_model_file

    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10)])
    loaded = load_model_bytes(model_file_bytes(model), "mine.keras")
    assert loaded.model.output_shape[-1] == 10
    network = network_from_model_file(model_file_bytes(model), "mine.keras", "mnist").network
    assert network.output_size == 10


# --- hostile images for the photo uploader ----------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def _blank_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of the given size, all background: tiny on disk, huge when decoded."""
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_quickly() -> None:
    from nnlab.inspection.drawing import load_image_file

    bomb = _blank_png(20_000, 20_000)
    assert len(bomb) < 200_000  # small on disk: 400 megapixels when decoded
    message = _timed_refusal(load_image_file, bomb)
    assert "20000" in message or "enormous" in message or "large" in message, message


def test_image_just_over_the_pixel_limit_is_refused() -> None:
    from nnlab.inspection.drawing import load_image_file

    # 10000 x 9000 = 90 megapixels: over PIL's warning threshold, under its hard limit.
    _timed_refusal(load_image_file, _blank_png(10_000, 9_000))


def test_oversized_upload_is_refused_before_decoding() -> None:
    from nnlab.inspection.drawing import MAX_UPLOAD_BYTES, load_image_file

    message = _timed_refusal(load_image_file, b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_UPLOAD_BYTES)
    assert "MB" in message


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.4 this is a document, not a picture",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
        b"\xff\xd8\xff\xe0 truncated jpeg",
    ],
    ids=["empty", "pdf", "gif", "broken-png", "broken-jpeg"],
)
def test_non_image_is_refused(data: bytes) -> None:
    from nnlab.inspection.drawing import load_image_file, preprocess_photo

    _timed_refusal(load_image_file, data)
    _timed_refusal(preprocess_photo, data)


def test_a_real_photo_still_works() -> None:
    """The refusals above are about the files: a plain PNG digit goes through."""
    import numpy as np
    from PIL import Image

    from nnlab.inspection.drawing import preprocess_photo

    pixels = np.full((200, 200), 255, np.uint8)
    pixels[40:160, 90:110] = 0  # a dark "1" on white paper
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    image = preprocess_photo(buffer.getvalue())
    assert image is not None and image.shape == (28, 28) and image.max() > 0.5


def test_one_upload_limit_the_server_and_every_uploader_agree_on() -> None:
    import ast
    import tomllib

    from helpers import REPO_ROOT

    from nnlab.core import shapes

    server = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())["server"]
    limits = {shapes.MAX_MODEL_UPLOAD_MB, shapes.MAX_PHOTO_UPLOAD_MB}
    # Above the server's limit a file gets a bare HTTP 413 instead of the widget's message.
    assert server["maxUploadSize"] == max(limits)
    # Every uploader names its limit from nnlab.core.shapes, none falls back to the server's.
    for path in (REPO_ROOT / "pages").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "file_uploader":
                named = {keyword.arg: keyword.value for keyword in node.keywords}
                limit = named.get("max_upload_size")
                assert isinstance(limit, ast.Name) and limit.id.startswith("MAX_"), (
                    f"{path.name}:{node.lineno}: file_uploader needs max_upload_size=MAX_..."
                )
