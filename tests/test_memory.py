"""A run's memory: the estimate from the layer plan, a run's share of the server, the refusal."""

from __future__ import annotations

import pytest

from nnlab.core.memory import (
    check_memory,
    largest_batch_within,
    run_budget_mb,
    run_memory_mb,
)
from nnlab.core.presets import PRESETS
from nnlab.core.shapes import MAX_PARAMETERS
from nnlab.core.spec import LayerSpec, RunSpec, SpecError

CLOUD_MB = 2700  # Streamlit Community Cloud: everything one app may use


def class_killer() -> RunSpec:
    """The review's spec: two 256-filter 1x1 conv layers and a dense layer at batch 60,000.

    Under the parameter cap (it has few weights), but its first conv output alone is about 48 GB
    for one batch."""
    conv = LayerSpec(kind="conv", filters=256, kernel_size=1)
    return RunSpec(
        dataset="fashion_mnist",
        train_size=60_000,
        hidden_layers=(conv, conv, LayerSpec(units=128)),
        batch_size=60_000,
    )


def test_the_class_killer_needs_tens_of_gigabytes_and_is_refused_with_what_to_lower() -> None:
    spec = class_killer()
    assert spec.parameter_count() < MAX_PARAMETERS  # 1.67 M: the parameter cap lets it through
    assert run_memory_mb(spec) > 40_000
    budget = run_budget_mb(CLOUD_MB, 1)
    with pytest.raises(SpecError) as refused:
        check_memory(spec, budget)
    message = refused.value.message("en")
    fitting = largest_batch_within(spec, budget)
    assert f"Use a batch size of {fitting:,} or less" in message
    assert "on this server" in refused.value.message("en")
    assert "배치 크기" in refused.value.message("ko")
    # What it offers fits, and one image more does not.
    check_memory(spec.replace(batch_size=fitting), budget)
    assert run_memory_mb(spec, fitting + 1) > budget


def test_a_network_too_big_even_one_image_at_a_time_asks_for_a_smaller_network() -> None:
    spec = class_killer().replace(batch_size=32)
    with pytest.raises(SpecError, match="even one image at a time"):
        check_memory(spec, 1.0)  # its weights alone take more


def test_every_preset_fits_a_run_share_on_a_cloud_container_with_two_workers() -> None:
    budget = run_budget_mb(CLOUD_MB, 2)
    assert budget >= 256
    for key, preset in PRESETS.items():
        assert run_memory_mb(preset.spec) < budget / 2, key  # with room to spare


def test_a_run_share_is_what_the_app_and_workers_leave_split_between_workers() -> None:
    one, two = run_budget_mb(CLOUD_MB, 1), run_budget_mb(CLOUD_MB, 2)
    assert one > 2 * two  # the second worker's own memory comes off the first's share
    assert run_budget_mb(100, 4) == 256  # a tiny box still lets small runs train
    # Bigger batches need more; Adam keeps two arrays per weight, SGD one.
    spec = PRESETS["t002_mnist_relu1000"].spec
    assert run_memory_mb(spec, 1000) > run_memory_mb(spec, 100)
    assert run_memory_mb(spec.replace(optimizer="adam", learning_rate=0.001)) > run_memory_mb(
        spec.replace(optimizer="sgd", learning_rate=0.01)
    )
