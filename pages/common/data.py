"""Translated one-liners about a data set's source, shared by the Home and Evaluate pages."""

from __future__ import annotations

from typing import Any

from nnlab.data import datasets
from pages.common.ui import t


def dataset_summary(dataset: Any) -> str:
    """Where a loaded data set came from and how many images it has, in the UI language."""
    return t(
        f"data.loaded.{dataset.source}",
        train=f"{dataset.num_train:,}",
        test=f"{dataset.num_test:,}",
        total=f"{dataset.num_train + dataset.num_test:,}",
    )


def source_summary(name: str) -> str:
    """What data `name` uses, without loading a full set (the small sample loads in ~0.1 s)."""
    loaded = datasets.loaded_dataset(name)
    if loaded is not None:
        return dataset_summary(loaded)
    source, detail = datasets.probe(name)
    if source == "bundled_sample":
        # It is what loading would return anyway, and it gives exact counts.
        return dataset_summary(datasets.load_dataset(name))
    return t(f"data.probe.{source}", path=detail)
