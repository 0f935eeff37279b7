"""What the pages read of a run's recorded diagnostics: which test images, one sentence, series.

The worker (`nnlab.learn.diagnostics`) records per-layer statistics, the watched images'
predictions and the hidden-layer map in each epoch's row; the pages pick the same fixed test
images with `map_indices` / `watch_indices`, so no image crosses the worker pipe. `reading` turns
a row into one sentence (a text key and its values). Rows are `EpochRow`s or their dict form
(`EpochRow.to_dict()`, what the pipe and the store carry).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from nnlab.core.runs import EpochRow

PROBE_IMAGES = 256  # training images the statistics are measured on, every epoch
MAP_IMAGES = 1000  # test images on the hidden-layer map
MAP_SEED = 2024  # which test images the map shows: the same for every run of a data set
WATCHED = 10  # test images in the "watch these digits" strip: the first of each class
# One-sentence readings: thresholds on the latest epoch's figures.
VANISHING_RATIO = 100.0  # an earlier layer's gradients this many times smaller than a later one's
DEAD_SHARE = 0.1
SATURATED_SHARE = 0.3
FROZEN_UPDATE = 1e-4  # weights moved less than this fraction of their size in an epoch


def _recorded(row: EpochRow | Mapping[str, Any], name: str) -> Any:
    """One field of an epoch row (epoch, diagnostics, map, ...), whichever form it comes in."""
    return getattr(row, name) if isinstance(row, EpochRow) else row.get(name)


# --- which images ---------------------------------------------------------------------------------


def map_indices(test_count: int, count: int = MAP_IMAGES) -> np.ndarray:
    """Indices into x_test of the hidden-layer map's images: fixed per data-set size."""
    rng = np.random.default_rng(MAP_SEED)
    return np.sort(rng.choice(test_count, size=min(count, test_count), replace=False))


def watch_indices(test_labels: np.ndarray) -> np.ndarray:
    """Indices into x_test of the watched images: the first test image of each class present."""
    labels = np.asarray(test_labels).reshape(-1)
    return np.array(
        [int(np.flatnonzero(labels == number)[0]) for number in np.unique(labels)][:WATCHED],
        dtype=np.int64,
    )


# --- one sentence ---------------------------------------------------------------------------------


def _percent(share: float) -> str:
    return f"{100 * share:.0f}"


def _ratio_text(ratio: float) -> str:
    if ratio >= 1000:
        return f"{10 ** math.floor(math.log10(ratio)):,}"
    return f"{ratio:,.0f}"


def reading(row: EpochRow | Mapping[str, Any] | None) -> tuple[str, dict[str, str]]:
    """What the latest epoch's diagnostics say, as (text key, values) for nnlab/locales/learn.py.

    In order of importance: gradients vanishing towards the input (with saturation as the
    reason when a layer saturates), dead ReLU units, saturated units, layers that barely move,
    else a healthy network.
    """
    figures = _recorded(row, "diagnostics") if row is not None else None
    if not figures or not figures.get("layers"):
        return "learn.reading.none", {}
    names = figures["layers"]
    grads = [g if g is not None else math.nan for g in figures.get("grad_norm", [])]
    saturated = [s for s in figures.get("saturated", [])]
    dead = figures.get("dead", [])
    moved = figures.get("update_ratio", [])

    worst_saturated = max(
        ((share, name) for share, name in zip(saturated, names, strict=False) if share is not None),
        default=(0.0, ""),
    )
    if len(grads) >= 2 and all(math.isfinite(g) for g in grads):
        weakest = int(np.argmin(grads))
        strongest = int(np.argmax(grads))
        if weakest < strongest and grads[weakest] > 0:
            ratio = grads[strongest] / grads[weakest]
            if ratio >= VANISHING_RATIO:
                values = {
                    "weak": names[weakest],
                    "strong": names[strongest],
                    "ratio": _ratio_text(ratio),
                }
                if worst_saturated[0] >= SATURATED_SHARE:
                    key = "learn.reading.vanishing_saturated"
                    values |= {
                        "layer": worst_saturated[1],
                        "share": _percent(worst_saturated[0]),
                    }
                    return key, values
                return "learn.reading.vanishing", values
    worst_dead = max(
        ((share, name) for share, name in zip(dead, names, strict=False) if share is not None),
        default=(0.0, ""),
    )
    if worst_dead[0] >= DEAD_SHARE:
        return "learn.reading.dead", {"layer": worst_dead[1], "share": _percent(worst_dead[0])}
    if worst_saturated[0] >= SATURATED_SHARE:
        return "learn.reading.saturated", {
            "layer": worst_saturated[1],
            "share": _percent(worst_saturated[0]),
        }
    frozen = [
        name
        for name, share in zip(names, moved, strict=False)
        if share is not None and share < FROZEN_UPDATE
    ]
    if frozen:
        return "learn.reading.frozen", {"layer": frozen[0]}
    return "learn.reading.healthy", {}


def series(history: Iterable[EpochRow | Mapping[str, Any]], statistic: str) -> list[dict[str, Any]]:
    """Rows (epoch, layer, value) of one statistic over the epochs, for small multiples."""
    rows = []
    for row in history:
        figures = _recorded(row, "diagnostics")
        if not figures or statistic not in figures:
            continue
        for name, value in zip(figures["layers"], figures[statistic], strict=False):
            if value is not None:
                epoch = int(_recorded(row, "epoch"))
                rows.append({"epoch": epoch, "layer": name, "value": float(value)})
    return rows


def recorded_maps(history: Iterable[EpochRow | Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """Epoch -> the map recorded at that epoch."""
    return {
        int(_recorded(row, "epoch")): _recorded(row, "map")
        for row in history
        if _recorded(row, "map")
    }
