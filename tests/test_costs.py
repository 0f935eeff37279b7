"""Run and class time estimates: the cost model, what fits two minutes, what the engine learns."""

from __future__ import annotations

import math

import pytest

from nnlab import LayerSpec, RunSpec
from nnlab.core.costs import (
    CLASS_BUDGET_S,
    RunCost,
    class_estimate,
    epoch_images,
    fitting_changes,
    seconds_left,
)
from nnlab.core.runs import LiveRun, Progress, RunStatus
from nnlab.engine.run_queue import CostTable

SPEC = RunSpec(hidden_layers=(LayerSpec.dense(100),), train_size=6000, epochs=3)


def test_a_class_takes_rounds_of_its_workers() -> None:
    cost = RunCost(seconds_per_image=1e-4, fixed_s=0.5)
    run_s = 0.5 + 3 * (6000 + 10_000 / 3) * 1e-4
    alone = class_estimate(SPEC, cost, 1, 1)
    assert alone.run_s == pytest.approx(run_s) and alone.class_s == pytest.approx(run_s)
    assert class_estimate(SPEC, cost, 30, 1).class_s == pytest.approx(30 * run_s)
    assert class_estimate(SPEC, cost, 30, 2).class_s == pytest.approx(15 * run_s)
    assert class_estimate(SPEC, cost, 31, 2).class_s == pytest.approx(16 * run_s)
    assert not class_estimate(SPEC, cost, 30, 1).too_long  # about 2 min
    assert class_estimate(SPEC.replace(epochs=20), cost, 30, 1).too_long


def test_a_split_validates_on_part_of_the_training_set() -> None:
    split = SPEC.replace(validation="split", validation_split=0.2)
    assert epoch_images(split) == pytest.approx(4800 + 1200 / 3)
    assert epoch_images(SPEC.replace(train_size=None)) == pytest.approx(60_000 + 10_000 / 3)


@pytest.mark.parametrize("validation", ["test", "split"])
def test_the_offered_settings_fit_the_budget(validation: str) -> None:
    spec = SPEC.replace(epochs=30, train_size=20_000, validation=validation)
    cost = RunCost(seconds_per_image=2e-5, fixed_s=0.4)
    assert class_estimate(spec, cost, 30, 1).too_long
    changes = fitting_changes(spec, cost, 30, 1)
    assert set(changes) == {"epochs", "train_size"}
    for name, value in changes.items():
        smaller = spec.replace(**{name: value})
        assert class_estimate(smaller, cost, 30, 1).class_s <= CLASS_BUDGET_S
        # The largest that fits: one more epoch or 100 more images would not.
        bigger = spec.replace(**{name: value + (1 if name == "epochs" else 100)})
        assert class_estimate(bigger, cost, 30, 1).class_s > CLASS_BUDGET_S


def test_nothing_is_offered_when_nothing_fits() -> None:
    huge = RunCost(seconds_per_image=1.0, fixed_s=10.0)
    assert fitting_changes(SPEC, huge, 30, 1) == {}


def test_the_engine_learns_each_architectures_cost() -> None:
    table = CostTable()
    other = SPEC.replace(hidden_layers=(LayerSpec.dense(1000),))
    guess = table.cost(SPEC, throughput=1e9)
    assert not guess.measured
    table.epoch(SPEC, 6000, seconds=0.5)
    learned = table.cost(SPEC.replace(seed=3, epochs=9, learning_rate=0.1), throughput=1e9)
    assert learned.measured  # one architecture whatever the seed, rate and length
    assert learned.seconds_per_image == pytest.approx(0.5 / epoch_images(SPEC))
    assert not table.cost(other, throughput=1e9).measured
    table.epoch(SPEC, 6000, seconds=1.5)  # moves part of the way, not all of it
    moved = table.cost(SPEC, throughput=1e9).seconds_per_image
    assert 0.5 / epoch_images(SPEC) < moved < 1.5 / epoch_images(SPEC)
    table.run(seconds=2.0, epoch_seconds=1.5)
    assert table.fixed_s == pytest.approx(0.5)  # the first figure replaces the guess outright
    table.run(seconds=1.0, epoch_seconds=3.0)  # a continued run: its history started earlier
    assert table.fixed_s == pytest.approx(0.5)


def test_a_cold_run_counts_only_until_a_warm_one_is_measured() -> None:
    # The class benchmark's first estimate was 89 % too long: its warm-up run (a new worker,
    # its trace in epoch 1 and the model's building in its setup) weighed in every estimate.
    table = CostTable()
    table.epoch(SPEC, 6000, seconds=1.2, cold=True)  # the first epoch of a cold run, traced
    table.epoch(SPEC, 6000, seconds=0.2)
    table.epoch(SPEC, 6000, seconds=0.2)
    table.run(seconds=2.4, epoch_seconds=1.6, warm=False)  # 0.8 s to build, trace, score, save
    assert table.cost(SPEC, 1e9).seconds_per_image == pytest.approx(0.2 / epoch_images(SPEC))
    assert table.fixed_s == pytest.approx(0.8)  # nothing better known yet
    table.run(seconds=0.7, epoch_seconds=0.6, warm=True)  # the next run reuses the model
    assert table.fixed_s == pytest.approx(0.1)
    table.epoch(SPEC, 6000, seconds=1.0, cold=True)  # another worker's first: ignored now
    table.run(seconds=2.0, epoch_seconds=1.2, warm=False)
    assert table.cost(SPEC, 1e9).seconds_per_image == pytest.approx(0.2 / epoch_images(SPEC))
    assert table.fixed_s == pytest.approx(0.1)


def _live(status: RunStatus, wait: float | None = None, eta: float = math.nan) -> LiveRun:
    progress = Progress(epoch=1, epochs=3, batch=5 if status == RunStatus.RUNNING else 0,
                        batches=10, images_per_second=1.0, eta_seconds=eta)  # fmt: skip
    return LiveRun(
        run_id=f"r{wait}{eta}",
        lab_id="lab",
        label="run",
        spec=SPEC,
        status=status,
        train_images=6000,
        progress=progress,
        wait_estimate_s=wait,
    )


def test_seconds_left_is_the_last_runs_end() -> None:
    cost = RunCost(seconds_per_image=1e-4, fixed_s=0.5)
    run_s = cost.run_seconds(SPEC, 6000)
    runs = [_live(RunStatus.RUNNING, eta=2.0), _live(RunStatus.QUEUED, wait=4.0)]
    assert seconds_left(runs, lambda spec: cost) == pytest.approx(4.0 + run_s)
    assert seconds_left([_live(RunStatus.FINISHED)], lambda spec: cost) is None
