"""A stand-in for the training engine, for fast page tests: no workers, no store, no TensorFlow.

`FakeEngine` answers what pages call on an engine (`nnlab.engine.contract.TrainingEngine`; tests/
test_engine_contract.py checks it keeps to it) from memory. Its runs are real
`nnlab.core.runs.LiveRun`s built by the engine's own `nnlab.engine.records`, queued in the engine's
own fair order (`nnlab.engine.queue`), and its models real `nnlab.inspection.network.Network`s
built with NumPy, so a page reads exactly the objects the real engine gives it. Tests put runs in
with `add_run`, move them along with `update`, and read back what the page asked for
(`submitted`, `stopped`, `touched`). tests/conftest.py installs one for every fast test (the
`fake_engine` fixture).
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from nnlab.core.costs import DEFAULT_THROUGHPUT, RunCost, arithmetic_cost
from nnlab.core.labs import new_lab_id
from nnlab.core.memory import check_memory, run_budget_mb
from nnlab.core.runs import (
    RECORD_FIELDS,
    EpochRow,
    LiveRun,
    Progress,
    RunStatus,
    refresh_interval,
)
from nnlab.core.spec import RunSpec
from nnlab.engine.engine import MAX_LEARNING_RATE, LabBusy
from nnlab.engine.queue import QueuedEntry, dispatch_order
from nnlab.engine.records import live_run as build_live_run
from nnlab.engine.records import new_record, starting_progress
from nnlab.inspection.layers import NetLayer
from nnlab.inspection.network import Network, images_digest
from nnlab.inspection.network_files import LoadedNetwork
from nnlab.store.queue_tables import MachineRow

REFERENCE_IMAGES = 100  # as many test images as the worker keeps Keras' outputs for


# --- runs ----------------------------------------------------------------------------------------


def epoch_rows(epochs: int = 1, accuracy: float = 0.9, loss: float = 0.3) -> list[EpochRow]:
    """A plausible history: accuracy rising to `accuracy` at the last epoch, loss falling."""
    rows = []
    for epoch in range(1, epochs + 1):
        shortfall = (epochs - epoch) * 0.01
        rows.append(
            EpochRow(
                epoch=epoch,
                loss=loss + shortfall,
                accuracy=accuracy - shortfall,
                val_loss=loss + 0.05 + shortfall,
                val_accuracy=accuracy - 0.01 - shortfall,
                seconds=1.0,
            )
        )
    return rows


def _rows(history: Iterable[EpochRow | Mapping[str, Any]]) -> tuple[EpochRow, ...]:
    """A test's history as EpochRows (a test may write a row as its dict, as a store keeps it)."""
    return tuple(row if isinstance(row, EpochRow) else EpochRow.from_dict(row) for row in history)


def _progress(progress: Progress | Mapping[str, Any]) -> Progress:
    """A test's progress as a Progress (a test may write it as a dict of its fields)."""
    return progress if isinstance(progress, Progress) else Progress(**progress)


def live_run(
    spec: RunSpec | None = None,
    *,
    run_id: str,
    lab_id: str,
    label: str | None = None,
    status: str = "finished",
    history: Iterable[EpochRow | Mapping[str, Any]] | None = None,
    has_model: bool | None = None,
    **fields: Any,
) -> LiveRun:
    """A LiveRun as the engine would show it; an ended run has trained every epoch of `history`."""
    spec = spec or RunSpec(train_size=300, epochs=1)
    status = RunStatus.parse(status)
    rows = _rows(
        history if history is not None else () if status.is_active else epoch_rows(spec.epochs)
    )
    now = time.time()
    record = dataclasses.replace(
        new_record(lab_id, spec, run_id=run_id, label=label),
        status=status,
        created_at=now - 20.0,
        started_at=None if status == RunStatus.QUEUED else now - 10.0,
        ended_at=None if status.is_active else now,
        train_images=spec.train_size or 60_000,
        validation_images=10_000,
        has_model=(not status.is_active and bool(rows)) if has_model is None else has_model,
    )
    record = dataclasses.replace(record, epochs_done=len(rows))
    stored = {name: fields.pop(name) for name in list(fields) if name in RECORD_FIELDS}
    live = {name: fields.pop(name) for name in list(fields)}
    if "progress" in live:
        live["progress"] = _progress(live["progress"])
    return build_live_run(dataclasses.replace(record, **stored), rows, **live)


CLOUD_MEMORY_MB = 2700  # Streamlit Community Cloud: the memory one app may use


class FakeEngine:
    """What pages call on the engine, kept in memory; runs only move when a test moves them."""

    def __init__(self, lab_id: str | None = None, max_active_per_lab: int = 2) -> None:
        self.lab_id = lab_id or new_lab_id()  # the lab tests open the app in (`lab` URL param)
        self.max_active_per_lab = max_active_per_lab
        # A run's share on a Cloud container (2.7 GB, one worker): what a class gets there.
        self.run_memory_mb = run_budget_mb(CLOUD_MEMORY_MB, 1)
        self.store: Any = None  # a test that needs classes gives it a real store
        self.store_warning: str | None = None
        self.store_error: str | None = None
        self.runs: dict[str, LiveRun] = {}  # oldest first
        self.networks: dict[str, Network] = {}
        self.model_files: dict[str, bytes] = {}
        self.submitted: list[tuple[str, RunSpec, str | None, str | None]] = []
        self.stopped: list[str] = []
        self.touched: list[str] = []
        self.loaded_files: list[tuple[str, str]] = []  # (filename, dataset_name) asked for
        self.controls: list[tuple[str, str, Any]] = []  # (run_id, "pause"/"resume"/..., value)
        self.submit_options: list[dict[str, Any]] = []  # start_from / extra_train per submit
        self.tasks: dict[str, dict[str, Any] | None] = {}  # task id -> reply (None: running)
        self._numbers = itertools.count(1)

    # --- what tests call ---

    def add_run(
        self,
        spec: RunSpec | None = None,
        *,
        network: Network | None = None,
        model_file: bytes | None = None,
        lab_id: str | None = None,
        **fields: Any,
    ) -> LiveRun:
        """Put a run in a lab (this engine's lab by default), with its network if it has one."""
        run_id = fields.pop("run_id", None) or f"run{next(self._numbers)}"
        fields.setdefault("has_model", network is not None)
        run = live_run(spec, run_id=run_id, lab_id=lab_id or self.lab_id, **fields)
        self.runs[run_id] = run
        if network is not None:
            self.networks[run_id] = network
        if model_file is not None:
            self.model_files[run_id] = model_file
        return run

    def update(self, run_id: str, *, network: Network | None = None, **changes: Any) -> LiveRun:
        """Change a run as an engine event would (a new epoch, the end), bumping its version."""
        run = self.runs[run_id]
        if "history" in changes:
            changes["history"] = _rows(changes["history"])
            changes.setdefault("epochs_done", len(changes["history"]))
        if "progress" in changes:
            changes["progress"] = _progress(changes["progress"])
        if "status" in changes:
            changes["status"] = RunStatus.parse(changes["status"])
        if network is not None:
            self.networks[run_id] = network
            changes.setdefault("has_model", True)
        history = changes.get("history", run.history)
        if changes.get("status") in (RunStatus.FINISHED, RunStatus.STOPPED) and history:
            changes.setdefault("has_model", True)  # the worker sends the weights as it ends
            changes.setdefault("ended_at", time.time())
        changes.setdefault("version", run.version + 1)
        self.runs[run_id] = dataclasses.replace(run, **changes)
        return self.runs[run_id]

    # --- what pages call (nnlab.engine.contract.TrainingEngine) ---

    def submit(
        self,
        lab_id: str,
        spec: RunSpec,
        *,
        preset_key: str | None = None,
        label: str | None = None,
        start_from: str | None = None,
        extra_train: tuple[Any, Any] | None = None,
    ) -> str:
        """Queue a run that stays queued until a test moves it; LabBusy past the lab's share."""
        check_memory(spec, self.run_memory_mb)
        active = sum(1 for run in self.lab_runs(lab_id) if run.is_active)
        if active >= self.max_active_per_lab:
            raise LabBusy(f"This lab already has {active} runs queued or training.")
        self.submitted.append((lab_id, spec, preset_key, label))
        self.submit_options.append({"start_from": start_from, "extra_train": extra_train})
        record = new_record(
            lab_id, spec, run_id=f"run{next(self._numbers)}", label=label, preset_key=preset_key
        )
        self.runs[record.run_id] = build_live_run(record, wait_estimate_s=5.0)
        self._number_the_queue()
        return record.run_id

    def _number_the_queue(self) -> None:
        """Queue positions in the engine's own fair order (nobody trains here)."""
        queued = [run for run in self.runs.values() if run.status == RunStatus.QUEUED]
        entries = [QueuedEntry(run.run_id, run.lab_id, run.created_at) for run in queued]
        for position, entry in enumerate(dispatch_order(entries, {}, {}), start=1):
            run = self.runs[entry.run_id]
            if run.queue_position != position:
                self.runs[entry.run_id] = dataclasses.replace(run, queue_position=position)

    def stop(self, run_id: str) -> None:
        """Note the request; an active run shows it as the real engine does."""
        self.stopped.append(run_id)
        run = self.runs.get(run_id)
        if run is not None and run.is_active:
            self.update(run_id, stop_requested=True)

    def _running(self, run_id: str) -> LiveRun:
        run = self.runs.get(run_id)
        if run is None or run.status != RunStatus.RUNNING:
            raise ValueError("This run is not training now.")
        return run

    def pause(self, run_id: str) -> None:
        """Pause at once (the real worker pauses after its current batch)."""
        self._running(run_id)
        self.controls.append((run_id, "pause", True))
        self.update(run_id, paused=True)

    def resume(self, run_id: str) -> None:
        """Resume at once."""
        self._running(run_id)
        self.controls.append((run_id, "pause", False))
        self.update(run_id, paused=False)

    def set_learning_rate(self, run_id: str, learning_rate: float) -> None:
        """Note the new rate (the real worker uses it from its next batch)."""
        self._running(run_id)
        if not 0 < float(learning_rate) <= MAX_LEARNING_RATE:
            raise ValueError("The learning rate must be above 0 and at most 10.")
        self.controls.append((run_id, "learning_rate", float(learning_rate)))

    def continue_run(self, run_id: str, extra_epochs: int) -> None:
        """Queue more epochs of an ended run with a model, as the real engine does."""
        run = self.runs.get(run_id)
        if run is None or run.is_active or not run.has_model:
            raise ValueError("This run cannot go on.")
        self.controls.append((run_id, "continue", extra_epochs))
        spec = run.spec.replace(epochs=len(run.history) + extra_epochs)
        progress = starting_progress(spec, len(run.history))
        self.update(run_id, status="queued", spec=spec, ended_at=None, progress=progress)
        self._number_the_queue()

    def find_learning_rate(self, spec: RunSpec) -> str:
        """A task that stays running until a test sets its reply in `tasks`."""
        task_id = f"task{next(self._numbers)}"
        self.tasks[task_id] = None
        return task_id

    def task(self, task_id: str) -> dict[str, Any] | None:
        """The reply a test set, or None while "running"."""
        return self.tasks.get(task_id, {"error": "This result is no longer kept; start again."})

    def touch(self, lab_id: str) -> None:
        """Note that a page of the lab rendered."""
        self.touched.append(lab_id)

    def live(self, run_id: str) -> LiveRun | None:
        """The run's snapshot, or None."""
        return self.runs.get(run_id)

    def lab_runs(self, lab_id: str) -> list[LiveRun]:
        """The lab's runs, oldest first."""
        return [run for run in self.runs.values() if run.lab_id == lab_id]

    def network(self, run_id: str) -> Network | None:
        """The run's network, or None when it has none."""
        run = self.runs.get(run_id)
        return self.networks.get(run_id) if run is not None and run.has_model else None

    def keras_bytes(self, run_id: str) -> bytes | None:
        """The run's model file, when a test gave it one."""
        return self.model_files.get(run_id)

    def load_model_file(self, data: bytes, filename: str, dataset_name: str) -> LoadedNetwork:
        """Read an uploaded file as a Network's .npz (a worker reads .keras files in real life)."""
        self.loaded_files.append((filename, dataset_name))
        if not data:
            raise ValueError("The file is empty.")
        return LoadedNetwork(
            network=Network.from_bytes(data), spec=None, label=None, dataset_name=dataset_name
        )

    def watchers(self) -> int:
        """Labs that rendered a page (all time: the fake keeps no clock)."""
        return len(set(self.touched))

    def refresh_interval(self) -> float:
        """As the real engine with few watchers."""
        return refresh_interval(1)

    def load(self) -> tuple[int, int]:
        """(runs training, runs queued) across every lab."""
        statuses = [run.status for run in self.runs.values()]
        return statuses.count(RunStatus.RUNNING), statuses.count(RunStatus.QUEUED)

    def workers(self) -> int:
        """One pretend worker."""
        return 1

    def machines(self) -> list[MachineRow]:
        """One pretend machine (a test may set `machine_rows` to show more)."""
        rows = getattr(self, "machine_rows", None)
        if rows is not None:
            return list(rows)
        return [MachineRow("fake", "this server", 0, 1, self.load()[0], 0.0, 0.0)]

    def run_cost(self, spec: RunSpec) -> RunCost:
        """A test's `cost` when it set one, else the spec's arithmetic (nothing is measured)."""
        return getattr(self, "cost", None) or arithmetic_cost(spec, DEFAULT_THROUGHPUT)

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Nothing to stop."""


# --- networks built without Keras ----------------------------------------------------------------


def _input_layers() -> list[NetLayer]:
    return [
        NetLayer("input_layer", "InputLayer", config={"shape": [28, 28]}),
        NetLayer("rescaling", "Rescaling", config={"scale": 1 / 255, "offset": 0.0}),
        NetLayer("flatten", "Flatten"),
    ]


def dense_network(hidden: int = 15, activation: str = "sigmoid", seed: int = 0) -> Network:
    """A 784-hidden-10 MLP (tutorial 000's shape) with small random weights."""
    rng = np.random.default_rng(seed)
    return Network(
        layers=(
            *_input_layers(),
            NetLayer(
                "dense",
                "Dense",
                activation,
                (rng.normal(0, 0.05, (784, hidden)), np.zeros(hidden)),
            ),
            NetLayer(
                "dense_1", "Dense", "softmax", (rng.normal(0, 0.5, (hidden, 10)), np.zeros(10))
            ),
        )
    )


def linear_network(x_train: np.ndarray, y_train: np.ndarray, ridge: float = 10.0) -> Network:
    """A Flatten + Dense(10) softmax classifier fitted by least squares (ridge), in NumPy.

    About 75% right on Fashion-MNIST from 300 images: plenty of mistakes for Evaluate to show.
    """
    pixels = x_train.reshape(len(x_train), -1).astype(np.float64) / 255.0
    targets = np.eye(10)[y_train] - 0.1
    kernel = np.linalg.solve(
        pixels.T @ pixels + ridge * np.eye(pixels.shape[1]), pixels.T @ targets
    )
    return Network(
        layers=(*_input_layers(), NetLayer("dense", "Dense", "softmax", (8 * kernel, np.zeros(10))))
    )


def wrong_output_network() -> Network:
    """A network with 3 outputs instead of 10: no page may take it for a classifier."""
    return Network(
        layers=(*_input_layers(), NetLayer("dense", "Dense", "linear", (np.zeros((784, 3)),)))
    )


def with_reference(network: Network, dataset: Any) -> Network:
    """The network with its own outputs for the first test images stored as the Keras reference.

    The real worker stores Keras' outputs; here the NumPy ones stand in, so Inside's NumPy tab
    has a reference to compare with.
    """
    images = dataset.x_test[:REFERENCE_IMAGES]
    return dataclasses.replace(
        network,
        reference_inputs_dataset=dataset.name,
        reference_outputs=network.predict(images),
        reference_inputs_digest=images_digest(images),
    )
