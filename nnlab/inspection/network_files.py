"""What the app reads of model files without Keras: the NN Lab record inside a `.keras` file,
and an uploaded model as a NumPy network.

Writing and checking `.keras` files needs Keras and happens in workers and scripts
(`nnlab.learn.model_files`); the app reads the record NN Lab stores in them, and gets uploads
back from a worker as a `LoadedNetwork`.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnlab.core.spec import RunSpec
from nnlab.inspection.network import Network

SPEC_ENTRY = "nnlab.json"  # extra file NN Lab adds inside the .keras zip


@dataclass(frozen=True)
class LoadedNetwork:
    """An uploaded model file read into a NumPy Network, with what came with it."""

    network: Network  # runs the model in NumPy, in the app's process
    spec: RunSpec | None  # the RunSpec stored by NN Lab, if the file has one
    label: str | None  # the label NN Lab saved it under, if any
    dataset_name: str  # "mnist" or "fashion_mnist": the file's own, else the one asked for


def read_record(path: str | Path) -> dict[str, Any] | None:
    """The NN Lab record (spec, label, data set) stored in a `.keras` file, if any."""
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read(SPEC_ENTRY))
    except (KeyError, zipfile.BadZipFile, OSError, json.JSONDecodeError):
        return None
